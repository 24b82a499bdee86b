/**
 * A personal item and a product the camera missed give the same evidence: the simulated camera
 * shows a bag as a hand with nothing it knows (no candidate, or one under 0.35), exactly as it
 * draws the empty hand it reports at a stop now and then (`phantomPerStop`). So a bag seen that
 * way and weighing like merchandise, and merchandise nobody saw or scanned that weighs like a
 * personal item, are not decided by the evidence, whichever the truth was (src/sim/cart-sim.ts).
 */
import { describe, expect, it } from "vitest";
import { loadDemoCatalog } from "../adapters/demo/demo-catalog";
import type { Action } from "./actions";
import { CartSimulator } from "./cart-sim";
import { simCatalog } from "./planner";
import { type SimMix, STANDARD_MIX } from "./profile";
import { rngFor } from "./rng";

const catalog = loadDemoCatalog();
const fabuloso = catalog.bySku.get("fabuloso-cleaner")!;

function reasons(actions: Action[], mix: SimMix = STANDARD_MIX, seed = 1): string[] {
  const sim = new CartSimulator({
    store: "st",
    cart: "cart-01",
    sc: simCatalog(catalog),
    mix,
    rng: rngFor(seed, "sensors"),
    startT: Date.UTC(2026, 0, 5, 9, 0, 0),
  });
  return sim.runSession({ session: "s-1", actions, answers: "none" }).undecidable;
}
// a camera that never misses: the bag is always seen (blank or faint)
const seesAll = (m: SimMix): SimMix => ({ ...m, sensors: { ...m.sensors, visionMissP: 0 } });

describe("decidable: a personal item or a product the camera missed", () => {
  it("a bag seen as a hand with nothing the camera knows, weighing like a product, is not decided", () => {
    expect(fabuloso.weight!.mean).toBeCloseTo(684.5, 1);
    for (const seed of [1, 2, 3, 4, 5]) {
      const why = reasons([{ kind: "bag", grams: 685, tag: "b1" }], seesAll(STANDARD_MIX), seed);
      expect(why).toEqual([
        expect.stringMatching(/^personal item or unseen product \(stop 1: a personal item of 685 g/),
      ]);
    }
  });

  it("is decided where the camera never shows an empty hand beside merchandise", () => {
    const noPhantom: SimMix = {
      ...STANDARD_MIX,
      sensors: { ...STANDARD_MIX.sensors, visionMissP: 0, phantomPerStop: 0 },
    };
    expect(reasons([{ kind: "bag", grams: 685, tag: "b1" }], noPhantom)).toEqual([]);
  });

  it("a product nobody saw or scanned, of a personal item's weight, is not decided, however unique its weight", () => {
    const unit = { sku: fabuloso.sku, grams: 684.6 };
    const why = reasons([
      { kind: "add", units: [unit], together: true, scan: false, sensors: { unseen: true } },
    ]);
    expect(why).toEqual([
      expect.stringMatching(
        /^personal item or unseen product \(stop 1: fabuloso-cleaner neither scanned nor seen/,
      ),
    ]);
    // seen clearly or scanned, it is decided as before
    expect(
      reasons(
        [{ kind: "add", units: [unit], together: true, scan: false, sensors: { seenAs: fabuloso.sku } }],
        seesAll(STANDARD_MIX),
      ),
    ).toEqual([]);
  });
});
