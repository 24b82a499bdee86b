/**
 * "Could the evidence decide this without a human?" — the simulator's judgement per action,
 * written to truth.jsonl as `decidable`. Evaluation uses it to tell needless reviews (the evidence
 * was enough) from necessary ones.
 *
 * A weight identifies a product only when no other explanation lies within 3 sd of it. The sd of
 * a measured change combines the unit-to-unit spread the catalog states (floored at 0.5 g: two
 * weighings often give sd 0) and two level estimates of the scale (a 400 ms window of samples at
 * rest: noise²/n + quantum²/12 each). Alternatives considered: up to one unit more than the truth
 * of any product (six sponges weigh like a chocolate bar, but nobody would call that a tie).
 * Answers to prompts are a human's help, so they never count.
 */
import type { Product } from "../domain/catalog/product";
import type { SensorProfile } from "./profile";

export const DECIDABLE_Z = 3;
export const MAX_UNITS_CONSIDERED = 6;

/**
 * Does a right top candidate at confidence `p` name its product by the camera alone? Not when a
 * confusion could have given the same p: confused tops are drawn below `confusedTopPMax`
 * (src/sim/cart-sim.ts, `sighting`), so a right top under it is the same evidence as a look-alike
 * confusion (the caller may still let the weight tell them apart). With the default camera
 * (right 0.70–0.99, confused 0.45–0.85) that is a right top at p ≥ 0.85; a camera whose bands do
 * not overlap (confusedTopPMax ≤ rightTopPMin) decides with every right top.
 */
export function rightTopDecides(p: number, sensors: SensorProfile): boolean {
  return p >= sensors.confusedTopPMax;
}

export class WeightAmbiguity {
  private readonly levelVar: number;
  private readonly sdFactor: number;
  private readonly sdFloor: number;
  constructor(
    private readonly units: Product[],
    sensors: SensorProfile,
  ) {
    this.sdFactor = sensors.unitSdFactor;
    this.sdFloor = Math.max(0.5, sensors.unitSdFloorG);
    const n = Math.max(1, Math.round(sensors.hz * 0.4));
    this.levelVar = (sensors.noiseSdG * sensors.noiseSdG) / n + (sensors.quantumG * sensors.quantumG) / 12;
  }

  private unitVar(p: Product): number {
    const sd = Math.max(p.weight!.sd * this.sdFactor, this.sdFloor);
    return sd * sd;
  }

  /** the tolerance for telling m units of p from a measured change, grams */
  tolerance(p: Product, m: number, extraVar = 0): number {
    return DECIDABLE_Z * Math.sqrt(m * this.unitVar(p) + 2 * this.levelVar + extraVar);
  }

  /**
   * Is `qty` units of `sku` the only product explanation (up to qty+1 units of one product) of a change
   * of its expected size, among `pool` (all unit products, or what is in the basket for a removal)?
   */
  uniqueFor(sku: string, qty: number, pool: Product[] = this.units): boolean {
    const self = pool.find((p) => p.sku === sku) ?? this.units.find((p) => p.sku === sku);
    if (!self?.weight) return false;
    const g = qty * self.weight.mean;
    const selfVar = qty * this.unitVar(self);
    for (const p of pool) {
      if (!p.weight) continue;
      for (let m = 1; m <= Math.min(MAX_UNITS_CONSIDERED, qty + 1); m++) {
        if (p.sku === sku && m === qty) continue;
        if (Math.abs(g - m * p.weight.mean) <= this.tolerance(p, m, selfVar)) return false;
      }
    }
    return true;
  }

  /**
   * Does the weight decide how many units of each product went in with one change? The camera
   * sees a product once per crossing, and several units dropped at once cross together (one
   * sighting for all of them), so neither a sighting nor a scan rules out one unit more: only the
   * weight does. One more unit of any of them must lie beyond 3 sd of the change's weight (the
   * units' spread and two level estimates), else the count is not decided: a 49-g bar dropped
   * with a 1,550 ± 25 g box is one bar or two for all the evidence says.
   */
  countsDecided(parts: { product: Product; qty: number }[]): boolean {
    let v = 2 * this.levelVar;
    for (const x of parts) if (x.product.weight) v += x.qty * this.unitVar(x.product);
    for (const x of parts) {
      if (!x.product.weight) continue;
      if (x.product.weight.mean <= DECIDABLE_Z * Math.sqrt(v + this.unitVar(x.product))) return false;
    }
    return true;
  }

  /**
   * The product other than `sku` whose one unit weighs most nearly like one unit of `sku`, if any
   * lies within 3 sd (both units' spread and two level estimates) — the test `uniqueFor` applies
   * to one unidentified unit (its m = 1 alternative), read the other way round. Several units of
   * `sku` that cross the rim together give one sighting for all of them, so the units beyond it
   * are this product or one unit of the product returned, for all the evidence says, whenever the
   * camera can miss that product's sighting. `admit`, if given, limits the twins considered.
   */
  sameUnitWeight(sku: string, admit?: (p: Product) => boolean): Product | undefined {
    const self = this.units.find((p) => p.sku === sku);
    if (!self?.weight) return undefined;
    let best: Product | undefined;
    let bestD = Number.POSITIVE_INFINITY;
    for (const p of this.units) {
      if (p.sku === sku || !p.weight || (admit && !admit(p))) continue;
      const d = Math.abs(p.weight.mean - self.weight.mean);
      if (d <= this.tolerance(p, 1, this.unitVar(self)) && d < bestD) {
        best = p;
        bestD = d;
      }
    }
    return best;
  }

  /** does some unit product (up to three units) weigh `grams` within noise? */
  matchesAnyProduct(grams: number): boolean {
    for (const p of this.units) {
      for (let m = 1; m <= 3; m++) {
        if (Math.abs(grams - m * p.weight!.mean) <= this.tolerance(p, m)) return true;
      }
    }
    return false;
  }
}
