/**
 * Rules a store configuration must keep: a fallback tax class that exists, promotions that are
 * known types with valid arguments and unique ids — and, against a catalog, the same currency,
 * a rate for every product's tax class, and promotions that name skus and categories the
 * catalog has. Issues name the field ("promotions[1].args.buy").
 */

import type { CatalogIssue } from "../catalog/catalog.validation";
import type { Catalog } from "../catalog/product";
import { resolvePromotions } from "../promotions/promotion-engine";
import { DomainError } from "../shared/errors";
import type { StoreSettings } from "./store-settings";

export type StoreIssue = CatalogIssue;

export function validateStoreSettings(s: StoreSettings): StoreIssue[] {
  const issues: StoreIssue[] = [];
  if (s.tax.fallbackClass !== undefined && !(s.tax.fallbackClass in s.tax.classes)) {
    issues.push({ path: "tax.fallbackClass", message: `"${s.tax.fallbackClass}" is not one of tax.classes` });
  }
  s.promotions.forEach((p, i) => {
    try {
      resolvePromotions([p]);
    } catch (err) {
      if (!(err instanceof DomainError)) throw err;
      const errs = (err.details?.errors as string[] | undefined) ?? [
        err.message.replace(/^promotions\[0\]\./, ""),
      ];
      for (const e of errs) {
        const [field, ...rest] = e.split(": ");
        issues.push(
          err.code === "UNKNOWN_PROMOTION"
            ? { path: `promotions[${i}].code`, message: `unknown promotion type "${p.code}"` }
            : { path: `promotions[${i}].args.${field}`, message: rest.join(": ") },
        );
      }
    }
  });
  const ids = new Map<string, number>();
  s.promotions.forEach((p, i) => {
    const id = p.id ?? `promo-${i + 1}`;
    const first = ids.get(id);
    if (first !== undefined)
      issues.push({
        path: `promotions[${i}].id`,
        message: `duplicate id "${id}" (also promotions[${first}])`,
      });
    else ids.set(id, i);
  });
  return issues;
}

function namesIn(args: Record<string, unknown>, key: "skus" | "categories"): string[] {
  const out: string[] = [];
  const v = args[key];
  if (Array.isArray(v)) out.push(...v.filter((x): x is string => typeof x === "string"));
  const slots = args.slots;
  if (Array.isArray(slots)) {
    for (const slot of slots) {
      const inner = (slot as Record<string, unknown> | null)?.[key];
      if (Array.isArray(inner)) out.push(...inner.filter((x): x is string => typeof x === "string"));
    }
  }
  return out;
}

export function checkStoreAgainstCatalog(s: StoreSettings, catalog: Catalog): StoreIssue[] {
  const issues: StoreIssue[] = [];
  if (s.currency !== catalog.currency) {
    issues.push({
      path: "currency",
      message: `store charges ${s.currency} but the catalog is priced in ${catalog.currency}`,
    });
  }
  if (s.tax.fallbackClass === undefined) {
    const missing = [...new Set(catalog.products.map((p) => p.taxClass))].filter(
      (c) => !(c in s.tax.classes),
    );
    for (const c of missing.sort()) {
      issues.push({
        path: "tax.classes",
        message: `no rate for tax class "${c}" used by the catalog (and no fallbackClass)`,
      });
    }
  }
  const categories = new Set(catalog.products.map((p) => p.category).filter((c) => c !== undefined));
  s.promotions.forEach((p, i) => {
    for (const sku of namesIn(p.args, "skus")) {
      if (!catalog.bySku.has(sku))
        issues.push({ path: `promotions[${i}].args`, message: `unknown sku "${sku}"` });
    }
    for (const c of namesIn(p.args, "categories")) {
      if (!categories.has(c))
        issues.push({ path: `promotions[${i}].args`, message: `no product has category "${c}"` });
    }
  });
  return issues;
}
