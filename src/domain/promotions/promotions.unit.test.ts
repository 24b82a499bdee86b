import { describe, expect, it } from "vitest";
import { priceBasket } from "../pricing/price-basket";
import { storeWith, TEST_CATALOG } from "../pricing/pricing.fixtures";
import { DEFAULT_STORE_SETTINGS } from "../store/store-settings";
import type { StoredPromotion } from "./promotion.types";

function price(items: [string, number][], promotions: StoredPromotion[], weighed: [string, number][] = []) {
  return priceBasket(
    {
      items: items.map(([sku, qty]) => ({ sku, qty })),
      weighed: weighed.map(([sku, grams]) => ({ sku, grams })),
    },
    TEST_CATALOG,
    storeWith(promotions),
  );
}

describe("multi-buy", () => {
  it("3 for 2: seven cans make two deals", () => {
    const r = price([["cola", 7]], [{ code: "multi-buy", args: { skus: ["cola"], buy: 3, pay: 2 } }]);
    expect(r.discountTotal).toBe(258);
    expect(r.promotions).toEqual([
      { id: "promo-1", code: "multi-buy", label: "Multi-buy", times: 2, amount: 258 },
    ]);
    expect(r.total).toBe(7 * 129 - 258);
  });
  it("2 for $5 over a category, dearest first", () => {
    const r = price(
      [
        ["chips", 2],
        ["pretzels", 1],
      ],
      [{ code: "multi-buy", label: "2 for $5 snacks", args: { categories: ["snacks"], buy: 2, price: 500 } }],
    );
    // deal on the two chips (598 → 500); the pretzels stay full price
    expect(r.discountTotal).toBe(98);
    expect(
      r.lines.find((l) => l.sku === "pretzels")?.adjustments.filter((a) => a.type === "promotion"),
    ).toEqual([]);
  });
  it("does not apply when the set price is above the goods", () => {
    const r = price([["cola", 2]], [{ code: "multi-buy", args: { skus: ["cola"], buy: 2, price: 300 } }]);
    expect(r.discountTotal).toBe(0);
  });
});

describe("buy X get Y", () => {
  it("the cheapest unit of each group is free, groups formed dearest first", () => {
    const r = price(
      [
        ["wrap", 1],
        ["sandwich", 2],
        ["chips", 1],
      ],
      [{ code: "buy-x-get-y", args: { categories: ["mains", "snacks"], buy: 1, get: 1 } }],
    );
    // sorted 400, 350, 350, 299 → pairs (400,350) (350,299): free 350 + 299
    expect(r.discountTotal).toBe(649);
  });
  it("buy one get one half price", () => {
    const r = price(
      [["sandwich", 2]],
      [{ code: "buy-x-get-y", args: { skus: ["sandwich"], buy: 1, get: 1, offBps: 5000 } }],
    );
    expect(r.discountTotal).toBe(175);
  });
});

describe("percent and amount off", () => {
  it("25% off weighed bananas, rounded once per line", () => {
    const r = price([], [{ code: "percent-off", args: { skus: ["banana"], bps: 2500 } }], [["banana", 612]]);
    // 612 g × 2.19/kg = 134; 25% = 33.5 → 34
    expect(r.lines[0].amount).toBe(134);
    expect(r.discountTotal).toBe(34);
  });
  it("amount off never exceeds the price", () => {
    const r = price([["cola", 2]], [{ code: "amount-off", args: { skus: ["cola"], amount: 500 } }]);
    expect(r.discountTotal).toBe(258);
    expect(r.total).toBe(0);
  });
});

describe("meal deal", () => {
  const deal: StoredPromotion = {
    code: "bundle",
    label: "Meal deal",
    args: {
      slots: [{ categories: ["mains"] }, { categories: ["snacks"] }, { categories: ["drinks"] }],
      price: 500,
    },
  };
  it("one main, one snack and one drink for the set price, dearest parts first", () => {
    const r = price(
      [
        ["sandwich", 1],
        ["wrap", 1],
        ["chips", 1],
        ["cola", 1],
      ],
      [deal],
    );
    // wrap 400 + chips 299 + cola 129 = 828 → 500; 328 spread by price: 158.45, 118.44, 51.10 → 159/118/51
    expect(r.discountTotal).toBe(328);
    const onLines = r.lines.map((l) => [
      l.sku,
      l.adjustments.find((a) => a.type === "promotion")?.amount ?? 0,
    ]);
    expect(onLines).toEqual([
      ["chips", -118],
      ["cola", -51],
      ["sandwich", 0],
      ["wrap", -159],
    ]);
  });
});

describe("minimum spend", () => {
  it("applies after item promotions and spreads over lines by largest remainder", () => {
    const r = price(
      [
        ["wrap", 3],
        ["chips", 3],
      ],
      [
        { code: "multi-buy", args: { skus: ["chips"], buy: 3, pay: 2 } },
        { code: "minimum-spend", args: { threshold: 1700, amount: 200 } },
      ],
    );
    // 1200 + 897 − 299 = 1798 ≥ 1700 → 200 off
    expect(r.discountTotal).toBe(499);
    expect(r.total).toBe(2097 - 499);
    expect(
      r.lines.flatMap((l) => l.adjustments.filter((a) => a.code === "promo-2").map((a) => a.amount)),
    ).toEqual([-67, -133]);
  });
  it("does not apply below the threshold", () => {
    const r = price([["wrap", 1]], [{ code: "minimum-spend", args: { threshold: 1000, bps: 1000 } }]);
    expect(r.discountTotal).toBe(0);
  });
});

describe("combining: best price for the shopper, a unit in one deal at most", () => {
  const threeForTwo: StoredPromotion = { code: "multi-buy", args: { skus: ["cola"], buy: 3, pay: 2 } };
  const mealDeal: StoredPromotion = {
    code: "bundle",
    args: {
      slots: [{ categories: ["mains"] }, { categories: ["snacks"] }, { categories: ["drinks"] }],
      price: 500,
    },
  };
  it("picks the bigger saving when two promotions want the same units", () => {
    const half: StoredPromotion = { code: "percent-off", args: { skus: ["cola"], bps: 5000 } };
    expect(price([["cola", 3]], [threeForTwo, half]).discountTotal).toBe(194);
    expect(price([["cola", 3]], [half, threeForTwo]).discountTotal).toBe(194);
  });
  it("uses both when there are units for both", () => {
    const base: [string, number][] = [
      ["sandwich", 1],
      ["chips", 1],
    ];
    // meal deal saves 350 + 299 + 129 − 500 = 278; 3 for 2 saves 129
    expect(price([...base, ["cola", 3]], [threeForTwo, mealDeal]).discountTotal).toBe(278);
    expect(price([...base, ["cola", 4]], [threeForTwo, mealDeal]).discountTotal).toBe(407);
  });
});

describe("ties between equal savings", () => {
  it("with sales tax on top, the saving goes where it also saves the most tax, whatever the listing order", () => {
    const snacks: StoredPromotion = {
      code: "multi-buy",
      id: "snacks",
      args: { categories: ["snacks"], buy: 2, price: 500 },
    };
    const deal: StoredPromotion = {
      code: "bundle",
      id: "deal",
      args: {
        slots: [{ categories: ["mains"] }, { categories: ["snacks"] }, { categories: ["drinks"] }],
        price: 500,
      },
    };
    const basket = {
      items: [
        { sku: "chips", qty: 2 },
        { sku: "wrap", qty: 1 },
        { sku: "pretzels", qty: 1 },
        { sku: "cola", qty: 1 },
      ],
      weighed: [],
    };
    // both orders save 376 (98 + 278, or 328 + 48); with 8.25% on mains and drinks and 1% on
    // snacks, putting more of it on the wrap and the cola lowers the tax
    const a = priceBasket(basket, TEST_CATALOG, { ...DEFAULT_STORE_SETTINGS, promotions: [snacks, deal] });
    const b = priceBasket(basket, TEST_CATALOG, { ...DEFAULT_STORE_SETTINGS, promotions: [deal, snacks] });
    expect(a.discountTotal).toBe(376);
    expect(b.total).toBe(a.total);
    expect(a.promotions.map((p) => [p.id, p.amount])).toEqual([
      ["snacks", 48],
      ["deal", 328],
    ]);
  });
});

describe("stored promotion checks", () => {
  it("names the field of a bad argument", () => {
    expect(() => price([["cola", 1]], [{ code: "multi-buy", args: { skus: ["cola"], buy: 3 } }])).toThrow(
      "promotions[0].args.pay/price: give exactly one of pay or price",
    );
    expect(() =>
      price([["cola", 1]], [{ code: "percent-off", args: { skus: ["cola"], bps: 20000 } }]),
    ).toThrow("promotions[0].args.bps: expected basis points, an integer from 0 to 10000");
    expect(() => price([["cola", 1]], [{ code: "nope", args: {} }])).toThrow(
      expect.objectContaining({ code: "UNKNOWN_PROMOTION" }),
    );
  });
});
