import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { formatBps, formatMoney } from "./currency";
import { applyBps, divRound, priceByWeight, prorate } from "./money";

describe("divRound (half away from zero)", () => {
  it("rounds halves up and below-halves down", () => {
    expect(divRound(5, 2)).toBe(3);
    expect(divRound(4, 3)).toBe(1);
    expect(divRound(5, 3)).toBe(2);
    expect(divRound(-5, 2)).toBe(-3);
    expect(divRound(0, 7)).toBe(0);
  });
  it("stays within half a unit of the exact quotient", () => {
    fc.assert(
      fc.property(fc.integer({ min: -1e9, max: 1e9 }), fc.integer({ min: 1, max: 1e6 }), (n, d) => {
        const q = divRound(n, d);
        expect(Math.abs(q * d - n) * 2).toBeLessThanOrEqual(d);
      }),
    );
  });
});

describe("priceByWeight", () => {
  it("prices grams × per-kg once, half-up", () => {
    // 612 g of bananas at $2.19/kg = 134.028 → 134
    expect(priceByWeight(612, 219)).toBe(134);
    // 500 g at 1.01/kg = 50.5 → 51
    expect(priceByWeight(500, 101)).toBe(51);
    // fractional grams: 608.5 g × 219 = 133.2615 → 133
    expect(priceByWeight(608.5, 219)).toBe(133);
  });
  it("rejects negative weights", () => {
    expect(() => priceByWeight(-1, 100)).toThrow(/grams/);
  });
});

describe("applyBps", () => {
  it("takes a percentage in basis points", () => {
    expect(applyBps(1000, 825)).toBe(83); // 82.5 → 83
    expect(applyBps(999, 1000)).toBe(100); // 99.9 → 100
  });
});

describe("prorate (largest remainder)", () => {
  it("splits 100 over three equal parts as 34/33/33", () => {
    expect(prorate(100, [1, 1, 1])).toEqual([34, 33, 33]);
  });
  it("follows the weights", () => {
    expect(prorate(10, [200, 100, 100])).toEqual([5, 3, 2]);
    expect(prorate(-10, [1, 1])).toEqual([-5, -5]);
    expect(prorate(5, [0, 0])).toEqual([3, 2]);
  });
  it("always sums to the total and stays within one unit of each exact share", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: -1e7, max: 1e7 }),
        fc.array(fc.integer({ min: 0, max: 1e6 }), { minLength: 1, maxLength: 20 }),
        (total, weights) => {
          const parts = prorate(total, weights);
          expect(parts.reduce((a, b) => a + b, 0)).toBe(total);
          const wsum = weights.reduce((a, b) => a + b, 0) || weights.length;
          parts.forEach((p, i) => {
            const exact =
              (total * (wsum === weights.length && weights.every((w) => w === 0) ? 1 : weights[i])) / wsum;
            expect(Math.abs(p - exact)).toBeLessThan(1);
          });
        },
      ),
    );
  });
});

describe("formatting", () => {
  it("shows minor units with the symbol", () => {
    expect(formatMoney(129, "USD")).toBe("$1.29");
    expect(formatMoney(-50, "GBP")).toBe("-£0.50");
    expect(formatMoney(500, "JPY")).toBe("¥500");
    expect(formatBps(825)).toBe("8.25%");
    expect(formatBps(2000)).toBe("20%");
    expect(formatBps(0)).toBe("0%");
  });
});
