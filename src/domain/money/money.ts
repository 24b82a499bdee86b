/**
 * Money: integers in the currency's minor unit, with the currency beside them. Every division
 * goes through `divRound`, the one rounding policy of the product: half away from zero to the
 * minor unit ("half-up" as shop tills and HMRC/ATO guidance apply it). Weighed goods are priced
 * from grams × price per kg and rounded once; order-level amounts are split over lines by
 * largest remainder so the parts always sum to the whole.
 */
import { DomainError } from "../shared/errors";

export interface Money {
  /** integer, minor units (cents, pence) */
  amount: number;
  currency: string;
}

function assertSafeInteger(n: number, what: string): void {
  if (!Number.isSafeInteger(n))
    throw new DomainError("INVALID_AMOUNT", `${what} must be a safe integer, got ${n}`);
}

/** n / d rounded half away from zero; n and d integers, d > 0. Exact for |n| < 2^53. */
export function divRound(n: number, d: number): number {
  assertSafeInteger(n, "numerator");
  assertSafeInteger(d, "denominator");
  if (d <= 0) throw new DomainError("INVALID_AMOUNT", `denominator must be positive, got ${d}`);
  const sign = n < 0 ? -1 : 1;
  const a = Math.abs(n);
  const q = Math.floor(a / d);
  const r = a - q * d;
  return sign * (2 * r >= d ? q + 1 : q);
}

/** amount × basis points / 10 000, rounded by the policy (1 bp = 0.01 %). */
export function applyBps(amount: number, bps: number): number {
  return divRound(amount * bps, 10_000);
}

/**
 * Price of a weighed line: grams × pricePerKg / 1000, rounded once. Grams may be fractional
 * (scales report tenths); they are first taken to whole milligrams so the arithmetic is exact
 * integers: mg × pricePerKg / 1 000 000.
 */
export function priceByWeight(grams: number, pricePerKg: number): number {
  if (!Number.isFinite(grams) || grams < 0) {
    throw new DomainError("INVALID_QUANTITY", `grams must be a finite number ≥ 0, got ${grams}`);
  }
  assertSafeInteger(pricePerKg, "pricePerKg");
  const mg = Math.round(grams * 1000);
  return divRound(mg * pricePerKg, 1_000_000);
}

/**
 * Split `total` over parts in proportion to `weights` by the largest-remainder method: each part
 * gets the floor of its exact share, and the units left over go to the largest remainders (ties
 * to the earlier part), so Σ parts = total exactly and no part exceeds its exact share by a unit
 * or more. All weights zero: split evenly the same way. Works for negative totals too.
 */
export function prorate(total: number, weights: readonly number[]): number[] {
  assertSafeInteger(total, "total");
  if (weights.length === 0) {
    if (total !== 0) throw new DomainError("INVALID_AMOUNT", "cannot prorate a non-zero total over nothing");
    return [];
  }
  for (const w of weights) {
    if (!Number.isSafeInteger(w) || w < 0) {
      throw new DomainError("INVALID_AMOUNT", `prorate weights must be integers ≥ 0, got ${w}`);
    }
  }
  const sum = weights.reduce((a, b) => a + b, 0);
  const ws = sum === 0 ? weights.map(() => 1) : weights;
  const wsum = sum === 0 ? weights.length : sum;
  const sign = total < 0 ? -1 : 1;
  const abs = Math.abs(total);
  const shares = ws.map((w) => {
    // exact share abs*w/wsum as floor + remainder, in integers (BigInt guards the product)
    const num = BigInt(abs) * BigInt(w);
    const q = num / BigInt(wsum);
    return { q: Number(q), r: Number(num - q * BigInt(wsum)) };
  });
  let left = abs - shares.reduce((a, s) => a + s.q, 0);
  const order = shares.map((_s, i) => i).sort((a, b) => shares[b].r - shares[a].r || a - b);
  const out = shares.map((s) => s.q);
  for (const i of order) {
    if (left <= 0) break;
    out[i] += 1;
    left -= 1;
  }
  return out.map((x) => (x === 0 ? 0 : sign * x));
}

export function sum(amounts: readonly number[]): number {
  let s = 0;
  for (const a of amounts) s += a;
  return s;
}
