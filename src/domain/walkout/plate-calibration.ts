/**
 * Per-plate gain, learned online from changes whose product was certain.
 *
 * Why: a load cell reads its load times a gain a few per cent off (the two labelled real pick-ups
 * of the AutoCheckout recording read 7 % and 9 % off their catalogue weights), so identification
 * has to allow ±6 % on every change (identify.ts `gainRel`) and then cannot tell products 4–5 %
 * apart. But every change whose product is not in doubt measures the gain of the plates it sat on:
 * |Δ| / expected. Each plate keeps a normal belief about its log-gain (prior mean 0, sd =
 * `priorSd`, the same 6 %), updated like a one-dimensional Kalman filter with the observation's own
 * variance (the units' weight spread and the change's noise, relative to the expected weight), and
 * attributed to the plates by their share of the change's mass. A change is then read as |Δ| / gain
 * with the remaining gain uncertainty in place of the fixed 6 %.
 * Pure data, no I/O. Only confident decisions teach it (posterior ≥ the caller's threshold), so a
 * wrong guess cannot teach a wrong gain easily.
 */
import { plateKey } from "./plate-belief";
import type { ShelfChange } from "./shelf-detector";

export interface GainEstimate {
  /** multiply the expected weight by this (or divide the measured one) */
  factor: number;
  /** relative sd of that factor */
  relSd: number;
}

export class PlateCalibration {
  private readonly plates = new Map<string, { m: number; v: number }>();

  constructor(private readonly priorSd = 0.06) {}

  private get(key: string): { m: number; v: number } {
    let s = this.plates.get(key);
    if (!s) {
      s = { m: 0, v: this.priorSd ** 2 };
      this.plates.set(key, s);
    }
    return s;
  }

  /** the change's mass share per plate (in the change's direction) */
  private shares(c: ShelfChange): { key: string; w: number }[] {
    const sign = c.delta < 0 ? -1 : 1;
    const mass = c.plates.map((p) => ({
      key: plateKey(c.gondola, c.shelf, p.plate),
      m: Math.max(0, sign * p.delta),
    }));
    const total = mass.reduce((a, x) => a + x.m, 0);
    if (!(total > 0)) return [];
    return mass.filter((x) => x.m > 0).map((x) => ({ key: x.key, w: x.m / total }));
  }

  /** the gain of the plates under a change, mass-weighted */
  gainOf(c: ShelfChange): GainEstimate {
    const sh = this.shares(c);
    if (sh.length === 0) return { factor: 1, relSd: this.priorSd };
    let m = 0;
    let v = 0;
    for (const { key, w } of sh) {
      const s = this.get(key);
      m += w * s.m;
      v += w * s.v;
    }
    return { factor: Math.exp(m), relSd: Math.sqrt(v) };
  }

  /**
   * A change of |Δ| grams that was certainly `expected` grams of product, whose own spread is
   * `expectedSd` (units' weight sd) — each plate moves by its share of the evidence.
   */
  learn(c: ShelfChange, expected: number, expectedSd: number): void {
    if (!(expected > 0)) return;
    const r = Math.abs(c.delta) / expected;
    if (!(r > 0)) return;
    const obs = Math.log(r);
    const rVar = (expectedSd / expected) ** 2 + (c.sd / expected) ** 2;
    for (const { key, w } of this.shares(c)) {
      const s = this.get(key);
      // a plate with a small share sees the evidence diluted: its variance grows as 1/w
      const rv = rVar / Math.max(w, 1e-3) + (1 - w) * this.priorSd ** 2;
      const k = s.v / (s.v + rv);
      s.m += k * (obs - s.m);
      s.v *= 1 - k;
    }
  }
}
