/**
 * Rules a catalog must keep beyond its JSON shape: unique keys, a price for the way each product
 * is sold, a weight model for unit goods (the cart's scale needs one), look-alikes that exist.
 * Issues name the path of the offending field, as the file has it ("products[3].price").
 */
import { isValidGtin } from "../barcode/barcode";
import type { Product } from "./product";

export interface CatalogIssue {
  path: string;
  message: string;
}

/**
 * `indexOf` maps a product's position here to its position in the file (when some products of the
 * file could not be read); `otherSkus` are skus of those unreadable products, so look-alikes that
 * name them are not reported as unknown.
 */
export function validateProducts(
  products: readonly Product[],
  indexOf: (i: number) => number = (i) => i,
  otherSkus: ReadonlySet<string> = new Set(),
): CatalogIssue[] {
  const issues: CatalogIssue[] = [];
  const seen = {
    sku: new Map<string, number>(),
    gtin: new Map<string, number>(),
    plu: new Map<string, number>(),
  };
  const dup = (kind: "sku" | "gtin" | "plu", value: string | undefined, i: number) => {
    if (value === undefined) return;
    const first = seen[kind].get(value);
    if (first !== undefined) {
      issues.push({
        path: `products[${indexOf(i)}].${kind}`,
        message: `duplicate ${kind} "${value}" (also products[${indexOf(first)}])`,
      });
    } else seen[kind].set(value, i);
  };
  products.forEach((p, i) => {
    const at = `products[${indexOf(i)}]`;
    dup("sku", p.sku, i);
    dup("gtin", p.gtin, i);
    dup("plu", p.plu, i);
    if (p.gtin !== undefined && (p.gtin.length !== 14 || !isValidGtin(p.gtin))) {
      issues.push({ path: `${at}.gtin`, message: "expected a GTIN-14 with a valid check digit" });
    }
    if (p.soldBy === "unit") {
      if (p.price === undefined)
        issues.push({ path: `${at}.price`, message: "a product sold by unit needs a price" });
      if (p.weight === undefined) {
        issues.push({
          path: `${at}.weight`,
          message: "a product sold by unit needs a weight model {mean, sd} (the cart's scale checks it)",
        });
      }
    } else if (p.pricePerKg === undefined) {
      issues.push({ path: `${at}.pricePerKg`, message: "a product sold by weight needs pricePerKg" });
    }
  });
  products.forEach((p, i) => {
    p.lookalikes.forEach((sku, k) => {
      const path = `products[${indexOf(i)}].lookalikes[${k}]`;
      if (!seen.sku.has(sku) && !otherSkus.has(sku)) issues.push({ path, message: `unknown sku "${sku}"` });
      else if (sku === p.sku) issues.push({ path, message: "a product cannot be its own look-alike" });
    });
  });
  return issues;
}
