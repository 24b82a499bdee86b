/**
 * Prices basket contents against a catalog and a store's settings: lines in a canonical order
 * (so the receipt does not depend on the order things were added), then promotions, then tax.
 * Integer minor units throughout; weighed lines are rounded once (money.ts), promotion and tax
 * amounts are spread over lines by largest remainder.
 */
import type { Catalog, Product } from "../catalog/product";
import { priceByWeight } from "../money/money";
import { applyPromotions, type PromoLine } from "../promotions/promotion-engine";
import { DomainError } from "../shared/errors";
import type { StoreSettings } from "../store/store-settings";
import { computeTax, taxRateFor } from "../tax/compute-tax";
import type { BasketQuantities, PricedLine, PricedReceipt, ReceiptAdjustment } from "./receipt.types";

export type { BasketQuantities, PricedLine, PricedReceipt, ReceiptAdjustment } from "./receipt.types";

/** Guards against absurd baskets (a bad file, an attack); far above any real trolley. */
export const MAX_UNITS = 10_000;
export const MAX_GRAMS = 1_000_000;

function product(catalog: Catalog, sku: string, soldBy: "unit" | "weight"): Product {
  const p = catalog.bySku.get(sku);
  if (!p) throw new DomainError("UNKNOWN_SKU", `unknown sku "${sku}"`, { sku });
  if (p.soldBy !== soldBy) {
    throw new DomainError(
      "SOLD_BY_MISMATCH",
      `sku "${sku}" is sold by ${p.soldBy} but was given ${soldBy === "unit" ? "a quantity" : "grams"}`,
      { sku },
    );
  }
  return p;
}

interface DraftLine {
  p: Product;
  qty?: number;
  grams?: number;
  amount: number;
}

function draftLines(contents: BasketQuantities, catalog: Catalog): DraftLine[] {
  const qtyBySku = new Map<string, number>();
  let units = 0;
  for (const { sku, qty } of contents.items) {
    if (!Number.isInteger(qty) || qty < 0) {
      throw new DomainError("INVALID_QUANTITY", `qty of "${sku}" must be an integer ≥ 0, got ${qty}`, {
        sku,
      });
    }
    product(catalog, sku, "unit");
    units += qty;
    if (units > MAX_UNITS)
      throw new DomainError("BASKET_TOO_LARGE", `more than ${MAX_UNITS} units in one basket`);
    qtyBySku.set(sku, (qtyBySku.get(sku) ?? 0) + qty);
  }
  const lines: DraftLine[] = [];
  for (const [sku, qty] of qtyBySku) {
    if (qty === 0) continue;
    const p = product(catalog, sku, "unit");
    if (p.price === undefined) throw new DomainError("NO_PRICE", `sku "${sku}" has no price`, { sku });
    lines.push({ p, qty, amount: p.price * qty });
  }
  for (const { sku, grams } of contents.weighed) {
    if (!Number.isFinite(grams) || grams < 0 || grams > MAX_GRAMS) {
      throw new DomainError(
        "INVALID_QUANTITY",
        `grams of "${sku}" must be from 0 to ${MAX_GRAMS}, got ${grams}`,
        {
          sku,
        },
      );
    }
    const p = product(catalog, sku, "weight");
    if (grams === 0) continue;
    if (p.pricePerKg === undefined)
      throw new DomainError("NO_PRICE", `sku "${sku}" has no price per kg`, { sku });
    lines.push({ p, grams, amount: priceByWeight(grams, p.pricePerKg) });
  }
  // canonical order: by sku, unit lines before weighed ones, then by weight
  lines.sort(
    (a, b) =>
      (a.p.sku < b.p.sku ? -1 : a.p.sku > b.p.sku ? 1 : 0) ||
      (a.grams === undefined ? 0 : 1) - (b.grams === undefined ? 0 : 1) ||
      (a.grams ?? 0) - (b.grams ?? 0),
  );
  return lines;
}

export function priceBasket(
  contents: BasketQuantities,
  catalog: Catalog,
  settings: StoreSettings,
): PricedReceipt {
  if (catalog.currency !== settings.currency) {
    throw new DomainError(
      "CURRENCY_MISMATCH",
      `catalog prices are in ${catalog.currency} but the store charges in ${settings.currency}`,
    );
  }
  const drafts = draftLines(contents, catalog);
  const promoLines: PromoLine[] = drafts.map((d) => ({
    sku: d.p.sku,
    category: d.p.category,
    unitPrice: d.qty !== undefined ? d.p.price : undefined,
    qty: d.qty ?? 1,
    amount: d.amount,
    weighed: d.grams !== undefined,
    discountWeight:
      settings.tax.mode === "exclusive"
        ? 1 + taxRateFor(settings.tax, d.p.taxClass).rate.rateBps / 10_000
        : 1,
  }));
  const promos = applyPromotions(promoLines, settings.promotions);
  const nets = drafts.map((d, i) => d.amount - promos.perLine[i].reduce((a, x) => a + x.amount, 0));
  const tax = computeTax(
    drafts.map((d, i) => ({ taxClass: d.p.taxClass, amount: nets[i] })),
    settings.tax,
  );

  const lines: PricedLine[] = drafts.map((d, i) => {
    const adjustments: ReceiptAdjustment[] = promos.perLine[i].map((x) => ({
      type: "promotion",
      code: x.promotionId,
      label: x.label,
      amount: -x.amount,
    }));
    const t = tax.perLine[i];
    adjustments.push({
      type: "tax",
      code: t.key,
      label: t.label,
      rateBps: t.rateBps,
      amount: t.amount,
      included: t.included,
    });
    const line: PricedLine = {
      sku: d.p.sku,
      name: d.p.name,
      soldBy: d.p.soldBy,
      taxClass: d.p.taxClass,
      taxMark: t.mark,
      amount: d.amount,
      adjustments,
      total: nets[i] + (t.included ? 0 : t.amount),
    };
    if (d.grams !== undefined) {
      line.pricePerKg = d.p.pricePerKg;
      line.grams = d.grams;
    } else {
      line.unitPrice = d.p.price;
      line.qty = d.qty;
    }
    return line;
  });

  const subtotal = drafts.reduce((a, d) => a + d.amount, 0);
  const discountTotal = promos.applied.reduce((a, p) => a + p.amount, 0);
  const taxTotal = tax.bands.reduce((a, b) => a + b.tax, 0);
  const total = lines.reduce((a, l) => a + l.total, 0);
  return {
    currency: settings.currency,
    taxMode: settings.tax.mode,
    lines,
    promotions: promos.applied.map((p) => ({ ...p })),
    taxes: tax.bands.map((b) => ({
      label: b.label,
      rateBps: b.rateBps,
      mark: b.mark,
      classes: b.classes,
      base: b.base,
      amount: b.tax,
      included: b.included,
    })),
    subtotal,
    discountTotal,
    taxTotal,
    total,
  };
}
