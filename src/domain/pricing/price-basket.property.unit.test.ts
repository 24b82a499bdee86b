/**
 * Receipt invariants over random baskets, promotion sets and tax regimes.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { StoredPromotion } from "../promotions/promotion.types";
import type { StoreSettings } from "../store/store-settings";
import type { TaxSettings } from "../tax/tax-settings";
import { priceBasket } from "./price-basket";
import { storeWith, TEST_CATALOG } from "./pricing.fixtures";
import type { PricedReceipt } from "./receipt.types";

const POOL: StoredPromotion[] = [
  { code: "multi-buy", args: { skus: ["cola"], buy: 3, pay: 2 } },
  { code: "multi-buy", args: { categories: ["snacks"], buy: 2, price: 500 } },
  { code: "buy-x-get-y", args: { categories: ["mains"], buy: 1, get: 1, offBps: 5000 } },
  { code: "percent-off", args: { categories: ["drinks", "produce"], bps: 1500 } },
  { code: "amount-off", args: { skus: ["wrap", "banana"], amount: 75 } },
  {
    code: "bundle",
    args: {
      slots: [{ categories: ["mains"] }, { categories: ["snacks"] }, { categories: ["drinks"] }],
      price: 500,
    },
  },
  { code: "minimum-spend", args: { threshold: 1500, bps: 1000 } },
  { code: "minimum-spend", args: { threshold: 2000, amount: 250 } },
];

const SALES_TAX: TaxSettings = {
  mode: "exclusive",
  name: "Sales tax",
  classes: {
    general: { rateBps: 825 },
    "soft-drink": { rateBps: 825 },
    grocery: { rateBps: 100 },
  },
};
const VAT: TaxSettings = {
  mode: "inclusive",
  name: "VAT",
  classes: { general: { rateBps: 2000 }, "soft-drink": { rateBps: 2000 }, grocery: { rateBps: 0 } },
};

const SKUS = ["cola", "lemonade", "chips", "pretzels", "sandwich", "wrap"];

const arbBasket = fc.record({
  items: fc.array(fc.record({ sku: fc.constantFrom(...SKUS), qty: fc.integer({ min: 0, max: 6 }) }), {
    maxLength: 10,
  }),
  weighed: fc.array(fc.record({ sku: fc.constant("banana"), grams: fc.integer({ min: 1, max: 3000 }) }), {
    maxLength: 2,
  }),
});
const arbSettings: fc.Arbitrary<StoreSettings> = fc
  .record({ promos: fc.subarray(POOL), tax: fc.constantFrom(SALES_TAX, VAT) })
  .map(({ promos, tax }) => ({ ...storeWith(promos), tax }));

function checkInvariants(r: PricedReceipt): void {
  let total = 0;
  let discounts = 0;
  let taxes = 0;
  for (const l of r.lines) {
    expect(l.amount).toBeGreaterThanOrEqual(0);
    const promo = l.adjustments.filter((a) => a.type === "promotion");
    const tax = l.adjustments.filter((a) => a.type === "tax");
    for (const a of promo) expect(a.amount).toBeLessThanOrEqual(0);
    for (const a of tax) expect(a.amount).toBeGreaterThanOrEqual(0);
    const lineDiscount = -promo.reduce((s, a) => s + a.amount, 0);
    expect(lineDiscount).toBeLessThanOrEqual(l.amount);
    const added = tax.filter((a) => !a.included).reduce((s, a) => s + a.amount, 0);
    expect(l.total).toBe(l.amount - lineDiscount + added);
    expect(l.total).toBeGreaterThanOrEqual(0);
    if (l.qty !== undefined) expect(l.amount).toBe(l.qty * (l.unitPrice ?? 0));
    total += l.total;
    discounts += lineDiscount;
    taxes += tax.reduce((s, a) => s + a.amount, 0);
  }
  expect(r.total).toBe(total);
  expect(r.discountTotal).toBe(discounts);
  expect(r.promotions.reduce((s, p) => s + p.amount, 0)).toBe(r.discountTotal);
  expect(r.taxTotal).toBe(taxes);
  expect(r.taxes.reduce((s, t) => s + t.amount, 0)).toBe(r.taxTotal);
  expect(r.discountTotal).toBeLessThanOrEqual(r.subtotal);
  expect(r.subtotal).toBe(r.lines.reduce((s, l) => s + l.amount, 0));
  expect(r.total).toBe(r.subtotal - r.discountTotal + (r.taxMode === "exclusive" ? r.taxTotal : 0));
  expect(r.total).toBeGreaterThanOrEqual(0);
  for (const t of r.taxes) {
    expect(t.amount).toBeGreaterThanOrEqual(0);
    if (t.included) expect(t.amount).toBeLessThanOrEqual(t.base);
  }
}

/** Same basket, another order and another way of splitting the same quantities. */
function reshuffle<T extends { sku: string }>(xs: T[], seed: number): T[] {
  const out = [...xs];
  let s = seed;
  for (let i = out.length - 1; i > 0; i--) {
    s = (s * 1103515245 + 12345) % 2147483648;
    const j = s % (i + 1);
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}
function splitItems(items: { sku: string; qty: number }[]): { sku: string; qty: number }[] {
  return items.flatMap((i) =>
    i.qty > 1
      ? [
          { sku: i.sku, qty: 1 },
          { sku: i.sku, qty: i.qty - 1 },
        ]
      : [i],
  );
}

describe("receipt invariants (property)", () => {
  it("parts sum to totals, nothing negative, discounts ≤ goods", () => {
    fc.assert(
      fc.property(arbBasket, arbSettings, (basket, settings) => {
        checkInvariants(priceBasket(basket, TEST_CATALOG, settings));
      }),
      { numRuns: 400 },
    );
  });

  it("the order items were added in (and how they were split) does not change the receipt", () => {
    fc.assert(
      fc.property(arbBasket, arbSettings, fc.nat(), (basket, settings, seed) => {
        const a = priceBasket(basket, TEST_CATALOG, settings);
        const b = priceBasket(
          { items: reshuffle(splitItems(basket.items), seed), weighed: reshuffle(basket.weighed, seed + 1) },
          TEST_CATALOG,
          settings,
        );
        expect(b).toEqual(a);
      }),
      { numRuns: 300 },
    );
  });

  it("promotions never make a basket dearer than without them", () => {
    fc.assert(
      fc.property(arbBasket, arbSettings, (basket, settings) => {
        const withPromos = priceBasket(basket, TEST_CATALOG, settings);
        const without = priceBasket(basket, TEST_CATALOG, { ...settings, promotions: [] });
        expect(withPromos.total).toBeLessThanOrEqual(without.total);
      }),
      { numRuns: 200 },
    );
  });

  it("the saving is the best over all orders: listing the promotions differently saves the same", () => {
    fc.assert(
      fc.property(arbBasket, arbSettings, fc.nat(), (basket, settings, seed) => {
        const a = priceBasket(basket, TEST_CATALOG, settings);
        const shuffled = reshuffle(
          settings.promotions.map((p, i) => ({ ...p, id: `promo-${i + 1}`, sku: "" })),
          seed,
        ).map(({ sku: _s, ...p }) => p);
        const b = priceBasket(basket, TEST_CATALOG, { ...settings, promotions: shuffled });
        // the same saving; which of two equally good deals wins may follow the listing order
        expect(b.discountTotal).toBe(a.discountTotal);
      }),
      { numRuns: 300 },
    );
  });
});
