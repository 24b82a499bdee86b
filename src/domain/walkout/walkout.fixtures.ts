/** Products for walk-out tests (pure data): a unit product of one mean weight, sd 2 g, no look-alikes. */
import type { Product } from "../catalog/product";

export function shelfProduct(sku: string, mean: number): Product {
  return {
    sku,
    name: sku,
    soldBy: "unit",
    price: 100,
    weight: { mean, sd: 2 },
    taxClass: "general",
    ageRestricted: false,
    lookalikes: [],
  };
}
