/**
 * Typed products, as loaded from the catalog format of exchange-v1 §3. Money is integer minor
 * units; weights are grams. This file is a shared contract: add optional fields, never rename.
 */
export interface WeightModel {
  /** packed weight of one unit, grams */
  mean: number;
  /** unit-to-unit standard deviation, grams */
  sd: number;
}

export type SoldBy = "unit" | "weight";

export interface Product {
  sku: string;
  name: string;
  /** normalised GTIN-14, when the product has a barcode */
  gtin?: string;
  /** produce code (PLU), for products keyed on the cart screen */
  plu?: string;
  soldBy: SoldBy;
  /** unit price in minor units (soldBy = unit) */
  price?: number;
  /** price per kilogram in minor units (soldBy = weight) */
  pricePerKg?: number;
  /** per-unit weight model (soldBy = unit) */
  weight?: WeightModel;
  taxClass: string;
  ageRestricted: boolean;
  /** skus that look the same to a camera */
  lookalikes: string[];
  /** a grouping used by promotions (category discounts, meal deals) */
  category?: string;
  image?: string;
  /** free-form display hints, e.g. pack shape and colour for generated pictures */
  pack?: { shape?: string; colour?: string };
}

export interface Catalog {
  currency: string;
  products: Product[];
  bySku: ReadonlyMap<string, Product>;
  byGtin: ReadonlyMap<string, Product>;
  byPlu: ReadonlyMap<string, Product>;
}

export function indexCatalog(currency: string, products: Product[]): Catalog {
  const bySku = new Map<string, Product>();
  const byGtin = new Map<string, Product>();
  const byPlu = new Map<string, Product>();
  for (const p of products) {
    bySku.set(p.sku, p);
    if (p.gtin) byGtin.set(p.gtin, p);
    if (p.plu) byPlu.set(p.plu, p);
  }
  return { currency, products, bySku, byGtin, byPlu };
}
