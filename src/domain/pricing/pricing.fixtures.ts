/** A small catalog and store settings for pricing tests (pure data). */
import { type Catalog, indexCatalog, type Product } from "../catalog/product";
import type { StoredPromotion } from "../promotions/promotion.types";
import { DEFAULT_STORE_SETTINGS, type StoreSettings } from "../store/store-settings";

export function unitProduct(sku: string, price: number, category?: string, taxClass = "general"): Product {
  return {
    sku,
    name: sku,
    soldBy: "unit",
    price,
    weight: { mean: 100, sd: 1 },
    taxClass,
    ageRestricted: false,
    lookalikes: [],
    category,
  };
}

export function weighedProduct(
  sku: string,
  pricePerKg: number,
  category?: string,
  taxClass = "grocery",
): Product {
  return {
    sku,
    name: sku,
    soldBy: "weight",
    pricePerKg,
    taxClass,
    ageRestricted: false,
    lookalikes: [],
    category,
  };
}

/** Bananas sold by weight at 2.19 a kilo, grocery tax class, named as a catalog names them. */
export const BANANAS: Product = {
  sku: "banana",
  name: "Bananas",
  soldBy: "weight",
  pricePerKg: 219,
  taxClass: "grocery",
  ageRestricted: false,
  lookalikes: [],
};

export const TEST_CATALOG: Catalog = indexCatalog("USD", [
  unitProduct("cola", 129, "drinks", "soft-drink"),
  unitProduct("lemonade", 149, "drinks", "soft-drink"),
  unitProduct("chips", 299, "snacks", "grocery"),
  unitProduct("pretzels", 249, "snacks", "grocery"),
  unitProduct("sandwich", 350, "mains", "general"),
  unitProduct("wrap", 400, "mains", "general"),
  weighedProduct("banana", 219, "produce"),
]);

/** Tax-free settings, so tests of promotions read in plain numbers. */
export function storeWith(promotions: StoredPromotion[]): StoreSettings {
  return {
    ...DEFAULT_STORE_SETTINGS,
    tax: {
      mode: "exclusive",
      name: "Tax",
      classes: { none: { rateBps: 0, label: "No tax" } },
      fallbackClass: "none",
    },
    promotions,
  };
}
