import { describe, expect, it } from "vitest";
import { indexCatalog, type Product } from "../domain/catalog/product";
import { DEFAULT_STORE_SETTINGS } from "../domain/store/store-settings";
import { chargeKeyOf, chargeRight, compare, percentile, score, weightOk, wrongChargeAsked } from "./score";
import type { EvalReceipt, EvalTruth } from "./truth-file";

const p = (sku: string, price: number): Product => ({
  sku,
  name: sku,
  soldBy: "unit",
  price,
  weight: { mean: 100, sd: 1 },
  taxClass: "exempt",
  ageRestricted: false,
  lookalikes: [],
});
const catalog = indexCatalog("USD", [
  p("a", 100),
  p("b", 250),
  {
    sku: "banana",
    name: "Bananas",
    soldBy: "weight",
    pricePerKg: 200,
    plu: "4011",
    taxClass: "exempt",
    ageRestricted: false,
    lookalikes: [],
  },
]);
const settings = DEFAULT_STORE_SETTINGS;
const receipt = (
  session: string,
  items: { sku: string; qty: number }[],
  extra: Partial<EvalReceipt> = {},
): EvalReceipt => ({
  session,
  items,
  weighed: [],
  total: items.reduce((a, i) => a + i.qty * (i.sku === "a" ? 100 : 250), 0),
  currency: "USD",
  review: false,
  prompts: 0,
  ...extra,
});

describe("score", () => {
  it("weighed goods are right within max(5 g, 2 %)", () => {
    expect(weightOk(100, 105)).toBe(true);
    expect(weightOk(100, 105.1)).toBe(false);
    expect(weightOk(1000, 1020)).toBe(true);
    expect(weightOk(1000, 1020.5)).toBe(false);
  });

  it("compares as multisets per product, several weighed lines by their sum", () => {
    expect(
      compare(
        { items: [{ sku: "a", qty: 2 }], weighed: [] },
        {
          items: [
            { sku: "a", qty: 1 },
            { sku: "a", qty: 1 },
          ],
          weighed: [],
        },
      ).diff,
    ).toEqual([]);
    const c = compare(
      {
        items: [{ sku: "a", qty: 2 }],
        weighed: [
          { sku: "banana", grams: 300 },
          { sku: "banana", grams: 300 },
        ],
      },
      {
        items: [
          { sku: "a", qty: 1 },
          { sku: "b", qty: 1 },
        ],
        weighed: [{ sku: "banana", grams: 596 }],
      },
    );
    expect(c.diff).toEqual(["−a×1", "+b×1"]);
    expect([c.tp, c.fp, c.fn]).toEqual([2, 1, 1]);
  });

  it("gives the known figures for a hand-made set of receipts", () => {
    const truths: EvalTruth[] = [
      { session: "s1", items: [{ sku: "a", qty: 1 }], weighed: [], decidable: true }, // right, untouched
      { session: "s2", items: [{ sku: "a", qty: 2 }], weighed: [], decidable: true }, // charged 1: silent error
      { session: "s3", items: [{ sku: "b", qty: 1 }], weighed: [], decidable: false }, // wrong, reviewed
      { session: "s4", items: [{ sku: "b", qty: 1 }], weighed: [], decidable: true }, // right but reviewed: needless
      { session: "s5", items: [{ sku: "a", qty: 1 }], weighed: [], decidable: false }, // right after an answered prompt
      { session: "s6", items: [{ sku: "b", qty: 1 }], weighed: [], decidable: true }, // no receipt
    ];
    const receipts: EvalReceipt[] = [
      receipt("s1", [{ sku: "a", qty: 1 }]),
      receipt("s2", [{ sku: "a", qty: 1 }]),
      receipt("s3", [{ sku: "a", qty: 1 }], { review: true, prompts: 1 }),
      receipt("s4", [{ sku: "b", qty: 1 }], { review: true }),
      receipt("s5", [{ sku: "a", qty: 1 }], { prompts: 2, answered: 1 }),
      receipt("x9", [{ sku: "a", qty: 1 }]),
    ];
    const {
      figures: f,
      silentExamples,
      needlessExamples,
    } = score(truths, receipts, { catalog, settings }, [3, 1, 2, 10]);
    expect(f.sessions).toBe(6);
    expect(f.receiptsWithoutTruth).toBe(1);
    expect(f.missingReceipts).toBe(1);
    expect(f.right).toBe(3);
    expect(f.rightNoHuman).toBe(2);
    expect(f.rightUntouched).toBe(1);
    expect(f.wrong).toBe(3);
    expect(f.silentErrors).toBe(1);
    expect(silentExamples.map((e) => e.session)).toEqual(["s2"]);
    expect(f.reviews).toBe(2);
    expect(f.needlessReviews).toBe(1);
    expect(needlessExamples.map((e) => e.session)).toEqual(["s4"]);
    expect(f.decidable).toBe(4);
    expect(f.undecidable).toBe(2);
    expect(f.undecidableNotReviewed).toBe(1);
    expect(f.undecidableNotReviewedWrong).toBe(0);
    expect(f.prompts).toBe(3);
    expect(f.answered).toBe(1);
    expect(f.items).toMatchObject({ tp: 4, fp: 1, fn: 3 });
    expect(f.items.precision).toBeCloseTo(4 / 5, 10);
    expect(f.items.recall).toBeCloseTo(4 / 7, 10);
    // true sales: 100 + 200 + 250 + 250 + 100 + 250 = 1150 (exempt tax); charged wrongly: s2 −100, s3 −150, s6 −250
    expect(f.money).toEqual({ currency: "USD", trueSales: 1150, overcharged: 0, undercharged: 500 });
    expect(f.pctRightNoHuman).toBeCloseTo(100 * (2 / 6), 10);
    expect(f.silentPer1000).toBeCloseTo(1000 / 6, 10);
    expect(f.reviewsPer1000).toBeCloseTo(2000 / 6, 10);
    expect(f.promptsPerSession).toBe(0.5);
    expect(f.latencyMs).toEqual({ n: 4, p50: 2, p99: 10, max: 10 });
  });

  it("percentile takes the nearest rank", () => {
    expect(percentile([1, 2, 3, 4], 50)).toBe(2);
    expect(percentile([1, 2, 3, 4], 99)).toBe(4);
    expect(percentile([], 50)).toBe(0);
  });
});

describe("charge-right, beside right", () => {
  const cat = indexCatalog("USD", [p("mint", 199), p("lemon", 199), p("dear", 299)]);
  const t = { items: [{ sku: "mint", qty: 2 }], weighed: [] };
  const key = chargeKeyOf(cat, settings);

  it("two look-alikes at the same price swapped: charged right, and still wrong", () => {
    const r = {
      items: [
        { sku: "lemon", qty: 1 },
        { sku: "mint", qty: 1 },
      ],
      weighed: [],
    };
    expect(chargeRight(t, r, key)).toBe(true);
    expect(compare(t, r).diff).toEqual(["+lemon×1", "−mint×1"]);
    const s = score(
      [{ session: "s", ...t }],
      [{ session: "s", ...r, total: 398, currency: "USD", review: false, prompts: 0 }],
      { catalog: cat, settings },
    ).figures;
    expect([s.rightNoHuman, s.skuSilentErrors, s.chargeRightNoHuman, s.chargeSilentErrors]).toEqual([
      0, 1, 1, 0,
    ]);
    // the silent error is a wrong charge nobody was asked about: none here
    expect(s.silentErrors).toBe(0);
  });

  it("a wrong charge is silent unless a prompt the shopper answered was about it", () => {
    // taken: 2 mint; charged: mint + dear (the dear line accepted unasked, a prompt elsewhere answered)
    const r = (asked: string[] | undefined) => ({
      session: "s",
      items: [
        { sku: "dear", qty: 1 },
        { sku: "mint", qty: 1 },
      ],
      weighed: [],
      total: 498,
      currency: "USD",
      review: false,
      prompts: 1,
      answered: 1,
      ...(asked ? { asked } : {}),
    });
    const figures = (asked: string[] | undefined) =>
      score([{ session: "s", ...t }], [r(asked)], { catalog: cat, settings }).figures;
    // the answered prompt was about another line (mint): the dear line was never asked about
    const other = figures(["mint"]);
    expect([other.silentErrors, other.chargeSilentErrors, other.skuSilentErrors]).toEqual([1, 0, 0]);
    // the answer was about the dear line (the shopper answered wrongly): asked
    expect(figures(["dear", "lemon"]).silentErrors).toBe(0);
    // … and still charged wrongly without a review: the shopper pays wrongly, asked or not
    expect(figures(["dear", "lemon"]).chargedWrongNotReviewed).toBe(1);
    expect(figures(["dear", "lemon"]).chargedWrongNotReviewedPer1000).toBe(1000);
    expect(other.chargedWrongNotReviewed).toBe(1);
    // asked is by charge: a line once "lemon" (2nd answer) covers any unit of that charge
    expect(wrongChargeAsked(t, r(["mint"]), key)).toBe(false);
    expect(wrongChargeAsked(t, { ...r(["lemon"]), items: [{ sku: "mint", qty: 3 }] }, key)).toBe(true);
    // a recorded receipt without `asked`: only "no prompt answered" is known, so not asked
    expect(figures(undefined).silentErrors).toBe(1);
    // a unit taken and not charged has no line: an answered prompt counts for it
    expect(
      wrongChargeAsked(
        { items: [{ sku: "mint", qty: 2 }], weighed: [] },
        { ...r(["lemon"]), items: [{ sku: "mint", qty: 1 }] },
        key,
      ),
    ).toBe(true);
  });

  it("another price, another quantity, or a product a promotion names: charged wrong", () => {
    expect(
      chargeRight(
        t,
        {
          items: [
            { sku: "dear", qty: 1 },
            { sku: "mint", qty: 1 },
          ],
          weighed: [],
        },
        key,
      ),
    ).toBe(false);
    expect(chargeRight(t, { items: [{ sku: "lemon", qty: 3 }], weighed: [] }, key)).toBe(false);
    const promo = chargeKeyOf(cat, {
      ...settings,
      promotions: [{ code: "multibuy", args: { sku: "lemon", buy: 2, pay: 1 } }],
    } as typeof settings);
    expect(chargeRight(t, { items: [{ sku: "lemon", qty: 2 }], weighed: [] }, promo)).toBe(false);
  });
});
