/**
 * Several units of one product dropped together cross the rim as one sighting, so "n × bar" and
 * "(n − 1) × bar + one unit of a product of the same weight the camera missed" give the same
 * evidence: a weight of n bars and one sighting of bar. The second was never decided (its unseen
 * unit's weight is not unique); now neither is the first, where the camera can miss a product
 * (src/sim/cart-sim.ts, `WeightAmbiguity.sameUnitWeight` in decidable.ts).
 */
import { describe, expect, it } from "vitest";
import type { Action, Unit } from "./actions";
import { missingCamera as camera, catalog, runOneCart as reasons } from "./one-cart.test-support";
import type { SimMix } from "./profile";

const snickers: Unit = { sku: "snickers", grams: 53.3 };
const mandms: Unit = { sku: "peanut-mandms", grams: 53.5 };
const together = (units: Unit[], scan = false): Action => ({ kind: "add", units, together: true, scan });

describe("decidable: units beyond one sighting and an unseen product of the same weight", () => {
  it("the catalog has the twin: Peanut M&M's weigh like a Snickers within 3 sd", () => {
    expect(catalog.bySku.get("snickers")!.weight!.mean).toBeCloseTo(53.3, 1);
    expect(catalog.bySku.get("peanut-mandms")!.weight!.mean).toBeCloseTo(53.5, 1);
  });

  it("2 × Snickers together, seen clearly, is not decided where the camera misses products", () => {
    const why = reasons([together([snickers, { ...snickers }])], camera(0.05), 3);
    expect(why).toEqual([
      expect.stringMatching(
        /^count or unseen look-alike \(stop 1: 2 × snickers seen once: 1 × snickers \+ \S+ unseen weighs the same/,
      ),
    ]);
  });

  it("… the same evidence as a Snickers seen and Peanut M&M's missed, which was never decided", () => {
    let both = 0;
    for (let seed = 1; seed <= 40; seed++) {
      const twin = reasons([together([snickers, mandms])], camera(0.5), seed);
      if (!twin.some((w) => w.includes("peanut-mandms not scanned nor seen"))) continue;
      if (twin.some((w) => w.includes("snickers"))) continue; // both missed
      both++;
      expect(twin).toEqual([expect.stringMatching(/^unidentified, weight ambiguous/)]);
      expect(reasons([together([snickers, { ...snickers }])], camera(0.5), seed)).toEqual([
        expect.stringMatching(/^count or unseen look-alike|^unidentified, weight ambiguous/),
      ]);
    }
    expect(both).toBeGreaterThan(3);
  });

  it("is decided by a camera that never misses, or when every unit is scanned", () => {
    expect(reasons([together([snickers, { ...snickers }])], camera(0), 3)).toEqual([]);
    const noGarble: SimMix = { ...camera(0.05), sensors: { ...camera(0.05).sensors, scanGarbleP: 0 } };
    expect(reasons([together([snickers, { ...snickers }], true)], noGarble, 3)).toEqual([]);
  });

  it("one after another is left as it was (each unit crosses on its own)", () => {
    const apart: Action = { kind: "add", units: [snickers, { ...snickers }], together: false, scan: false };
    expect(reasons([apart], camera(0), 3)).toEqual([]);
  });
});
