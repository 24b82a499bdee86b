/**
 * Worked examples shaped like real till receipts, computed by hand in the comments.
 */
import { describe, expect, it } from "vitest";
import { indexCatalog } from "../catalog/product";
import { AU_GST, type StoreSettings, UK_VAT, US_SALES_TAX } from "../store/store-settings";
import { priceBasket } from "./price-basket";
import { unitProduct, weighedProduct } from "./pricing.fixtures";

describe("UK supermarket receipt (VAT included, zero-rated food)", () => {
  // A Tesco-style basket: bread, milk and loose bananas are zero-rated food; cola, kitchen towel
  // and crisps are standard-rated (20%). Crisps are "any 2 for £3".
  const catalog = indexCatalog("GBP", [
    unitProduct("warburtons-toastie-800", 140, "bakery", "zero"),
    unitProduct("semi-skimmed-4pt", 145, "dairy", "zero"),
    unitProduct("coca-cola-1.75l", 215, "drinks", "standard"),
    unitProduct("kitchen-towel-2", 200, "household", "standard"),
    unitProduct("pringles-original", 200, "crisps", "standard"),
    unitProduct("pringles-sour-cream", 200, "crisps", "standard"),
    weighedProduct("bananas-loose", 94, "produce", "zero"),
  ]);
  const store: StoreSettings = {
    currency: "GBP",
    tax: UK_VAT,
    promotions: [
      {
        code: "multi-buy",
        id: "crisps-2-for-3",
        label: "Any 2 for £3",
        args: { categories: ["crisps"], buy: 2, price: 300 },
      },
    ],
  };

  it("prices, discounts and shows the VAT contained per rate", () => {
    const r = priceBasket(
      {
        items: [
          { sku: "coca-cola-1.75l", qty: 1 },
          { sku: "warburtons-toastie-800", qty: 1 },
          { sku: "pringles-original", qty: 1 },
          { sku: "semi-skimmed-4pt", qty: 1 },
          { sku: "kitchen-towel-2", qty: 1 },
          { sku: "pringles-sour-cream", qty: 1 },
        ],
        weighed: [{ sku: "bananas-loose", grams: 1065 }],
      },
      catalog,
      store,
    );
    // bananas 1.065 kg × £0.94/kg = 100.11p → £1.00
    expect(r.lines.find((l) => l.sku === "bananas-loose")?.amount).toBe(100);
    expect(r.subtotal).toBe(100 + 140 + 145 + 215 + 200 + 200 + 200);
    // 2 for £3: 400 → 300
    expect(r.discountTotal).toBe(100);
    // standard band gross 215 + 200 + 300 = 715; VAT = 715 × 20/120 = 119.17 → £1.19
    // zero band 100 + 140 + 145 = 385; VAT 0
    expect(r.taxes.map((t) => [t.mark, t.label, t.base, t.amount])).toEqual([
      ["A", "VAT 20%", 715, 119],
      ["Z", "VAT 0%", 385, 0],
    ]);
    expect(r.taxTotal).toBe(119);
    // VAT is inside the prices: the total is the shelf prices less the deal
    expect(r.total).toBe(1100);
    expect(r.promotions).toEqual([
      { id: "crisps-2-for-3", code: "multi-buy", label: "Any 2 for £3", times: 1, amount: 100 },
    ]);
    const pringles = r.lines.find((l) => l.sku === "pringles-original")!;
    expect(pringles.adjustments).toEqual([
      { type: "promotion", code: "crisps-2-for-3", label: "Any 2 for £3", amount: -50 },
      { type: "tax", code: "2000|VAT 20%", label: "VAT 20%", rateBps: 2000, amount: 25, included: true },
    ]);
    expect(pringles.total).toBe(150);
  });
});

describe("US store receipt (sales tax on top, 3 for 2)", () => {
  const catalog = indexCatalog("USD", [
    unitProduct("coke-12oz", 129, "soda", "soft-drink"),
    unitProduct("wonder-bread", 250, "bakery", "grocery"),
    unitProduct("bounty-2roll", 499, "household", "general"),
    weighedProduct("banana", 219, "produce", "grocery"),
  ]);
  const store: StoreSettings = {
    currency: "USD",
    tax: US_SALES_TAX,
    promotions: [
      {
        code: "multi-buy",
        id: "soda-3-for-2",
        label: "3 for 2 soda",
        args: { categories: ["soda"], buy: 3, pay: 2 },
      },
    ],
  };

  it("takes the deal, then adds tax per rate on the discounted amounts", () => {
    const r = priceBasket(
      {
        items: [
          { sku: "coke-12oz", qty: 3 },
          { sku: "wonder-bread", qty: 1 },
          { sku: "bounty-2roll", qty: 1 },
        ],
        weighed: [{ sku: "banana", grams: 612 }],
      },
      catalog,
      store,
    );
    // banana 0.612 kg × $2.19 = 134.03¢ → $1.34
    expect(r.subtotal).toBe(387 + 250 + 499 + 134);
    expect(r.discountTotal).toBe(129);
    // 8.25% band: soda 258 + towels 499 = 757 → 62.45 → 62; 1% grocery band: 250 + 134 = 384 → 3.84 → 4
    expect(r.taxes.map((t) => [t.label, t.base, t.amount, t.classes])).toEqual([
      ["Sales tax 8.25%", 757, 62, ["general", "soft-drink"]],
      ["Sales tax (grocery) 1%", 384, 4, ["grocery"]],
    ]);
    expect(r.total).toBe(1270 - 129 + 66);
    const coke = r.lines.find((l) => l.sku === "coke-12oz")!;
    expect([coke.unitPrice, coke.qty, coke.amount, coke.total]).toEqual([129, 3, 387, 258 + 21]);
  });
});

describe("Australian receipt (GST included, GST-free food)", () => {
  it("shows the GST contained in taxable lines only", () => {
    const catalog = indexCatalog("AUD", [
      unitProduct("tim-tam", 450, "biscuits", "taxable"),
      unitProduct("milk-2l", 310, "dairy", "gst-free"),
    ]);
    const r = priceBasket(
      {
        items: [
          { sku: "tim-tam", qty: 2 },
          { sku: "milk-2l", qty: 1 },
        ],
        weighed: [],
      },
      catalog,
      { currency: "AUD", tax: AU_GST, promotions: [] },
    );
    // 900 × 10/110 = 81.8 → 82
    expect(r.taxes.map((t) => [t.label, t.base, t.amount])).toEqual([
      ["GST 10%", 900, 82],
      ["GST-free", 310, 0],
    ]);
    expect(r.total).toBe(1210);
  });

  it("fails on a tax class the store does not know when there is no fallback", () => {
    const catalog = indexCatalog("AUD", [unitProduct("x", 100, undefined, "luxury")]);
    expect(() =>
      priceBasket({ items: [{ sku: "x", qty: 1 }], weighed: [] }, catalog, {
        currency: "AUD",
        tax: AU_GST,
        promotions: [],
      }),
    ).toThrow(expect.objectContaining({ code: "UNKNOWN_TAX_CLASS" }));
  });
});
