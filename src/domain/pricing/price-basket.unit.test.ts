import { describe, expect, it } from "vitest";
import { indexCatalog, type Product } from "../catalog/product";
import { DEFAULT_STORE_SETTINGS } from "../store/store-settings";
import { priceBasket } from "./price-basket";
import { BANANAS, unitProduct } from "./pricing.fixtures";

const unit = (sku: string, price: number, taxClass = "general", category?: string): Product =>
  unitProduct(sku, price, category, taxClass);
const catalog = indexCatalog("USD", [
  unit("cola", 129, "soft-drink"),
  unit("bread", 250, "grocery"),
  BANANAS,
]);

describe("priceBasket without promotions (US sales tax)", () => {
  it("prices units and weighed goods and adds tax per rate band", () => {
    const r = priceBasket(
      {
        items: [
          { sku: "cola", qty: 2 },
          { sku: "bread", qty: 1 },
        ],
        weighed: [{ sku: "banana", grams: 612 }],
      },
      catalog,
      DEFAULT_STORE_SETTINGS,
    );
    expect(r.lines.map((l) => [l.sku, l.amount])).toEqual([
      ["banana", 134],
      ["bread", 250],
      ["cola", 258],
    ]);
    expect(r.subtotal).toBe(642);
    // grocery 1% of 384 = 3.84 → 4; general 8.25% of 258 = 21.285 → 21
    expect(r.taxes.map((t) => [t.label, t.base, t.amount])).toEqual([
      ["Sales tax 8.25%", 258, 21],
      ["Sales tax (grocery) 1%", 384, 4],
    ]);
    expect(r.taxTotal).toBe(25);
    expect(r.total).toBe(667);
  });

  it("rejects unknown skus with a stable code", () => {
    expect(() =>
      priceBasket({ items: [{ sku: "nope", qty: 1 }], weighed: [] }, catalog, DEFAULT_STORE_SETTINGS),
    ).toThrow(expect.objectContaining({ code: "UNKNOWN_SKU" }));
    expect(() =>
      priceBasket({ items: [{ sku: "banana", qty: 1 }], weighed: [] }, catalog, DEFAULT_STORE_SETTINGS),
    ).toThrow(expect.objectContaining({ code: "SOLD_BY_MISMATCH" }));
    expect(() =>
      priceBasket({ items: [{ sku: "cola", qty: -1 }], weighed: [] }, catalog, DEFAULT_STORE_SETTINGS),
    ).toThrow(expect.objectContaining({ code: "INVALID_QUANTITY" }));
  });

  it("an empty basket costs nothing", () => {
    const r = priceBasket({ items: [], weighed: [] }, catalog, DEFAULT_STORE_SETTINGS);
    expect(r.total).toBe(0);
    expect(r.lines).toEqual([]);
  });
});
