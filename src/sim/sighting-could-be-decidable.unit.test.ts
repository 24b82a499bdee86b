/**
 * Which products a sighting can be of, for the `decidable` label (src/sim/cart-sim.ts,
 * `sightingCouldBe`): the camera lists a confusion's true product after its top only now and
 * then, and never draws a right top under `rightTopPMin`. So "X at 0.78, nothing else" can be a
 * look-alike of X (not decided where one weighs like X), "X at 0.60, Y" can only be Y (decided
 * whatever X weighs), and n units taken out together, seen once, can hide a unit of another
 * product in the basket that weighs the same (as n units put in together can).
 */
import { describe, expect, it } from "vitest";
import type { CartEvent } from "../domain/events/sensor-events";
import type { Action, SensorOverrides, Unit } from "./actions";
import { missingCamera, quietCamera, runOneCart } from "./one-cart.test-support";
import { type SensorProfile, type SimMix, STANDARD_MIX } from "./profile";

// 2 Snickers (94.6 ± 1.3 g) and its look-alike 2 Snickers Almond (93.4 ± 1.2 g) weigh the same
const snickers2: Unit = { sku: "2-snickers", grams: 94.8 };
const one = (u: Unit, sensors?: SensorOverrides): Action => ({
  kind: "add",
  units: [u],
  together: true,
  scan: false,
  sensors,
});
const mix = (more: Partial<SensorProfile>): SimMix => ({
  ...STANDARD_MIX,
  sensors: { ...STANDARD_MIX.sensors, ...quietCamera, visionMissP: 0, ...more },
});

/** the session's undecided reasons and the candidates of each sighting it sent */
function run(actions: Action[], m: SimMix, seed: number) {
  const sightings: { sku: string; p: number }[][] = [];
  const why = runOneCart(actions, m, seed, (e: CartEvent) => {
    if (e.type === "vision") sightings.push(e.candidates.map((c) => ({ sku: c.sku, p: c.p })));
  });
  return { why, sightings };
}

describe("decidable: what a sighting can be of", () => {
  it("a right top in the look-alike band listed alone is not decided where a look-alike weighs the same", () => {
    // every right top in the band (0.72-0.84 < confusedTopPMax 0.85); half list a look-alike too
    const m = mix({ rightTopPMin: 0.72, rightTopPMax: 0.84 });
    let alone = 0;
    for (let seed = 1; seed <= 30; seed++) {
      const { why, sightings } = run([one(snickers2)], m, seed);
      expect(sightings).toHaveLength(1);
      if (sightings[0].length !== 1) continue;
      alone++;
      expect(why).toEqual([expect.stringMatching(/^unidentified, weight ambiguous \(stop 1: 2-snickers /)]);
    }
    expect(alone).toBeGreaterThan(5);
  });

  it("… and decided above the band, or with no look-alike of its weight", () => {
    const m = mix({ rightTopPMin: 0.86, rightTopPMax: 0.99 });
    for (let seed = 1; seed <= 10; seed++) expect(run([one(snickers2)], m, seed).why).toEqual([]);
    const mouse = mix({ rightTopPMin: 0.72, rightTopPMax: 0.84 });
    for (let seed = 1; seed <= 10; seed++)
      expect(run([one({ sku: "logitech-mouse", grams: 294.3 })], mouse, seed).why).toEqual([]);
  });

  it("a top under rightTopPMin with the product listed after it decides the product", () => {
    // confused as its look-alike of the same weight; a confusion lists the truth second (80 %)
    let second = 0;
    let low = 0;
    for (let seed = 1; seed <= 40; seed++) {
      const { why, sightings } = run([one(snickers2, { seenAs: "2-snickers-almond" })], mix({}), seed);
      const [top, next] = sightings[0];
      if (next?.sku !== "2-snickers") continue;
      second++;
      if (top.p < STANDARD_MIX.sensors.rightTopPMin) {
        low++;
        expect(why).toEqual([]);
      } else {
        // 0.70-0.85: a right top of the look-alike with 2 Snickers listed as its look-alike, too
        expect(why).toEqual([expect.stringMatching(/^unidentified, weight ambiguous \(stop 1: 2-snickers /)]);
      }
    }
    expect(low).toBeGreaterThan(5);
    expect(second).toBeGreaterThan(low);
  });

  it("two units taken out together, seen once, are not decided beside a product of their unit weight", () => {
    const usb = (g: number): Unit => ({ sku: "usb-cable", grams: g });
    const dish: Unit = { sku: "7eleven-dish-liquid", grams: 460.2 };
    const a = usb(456.3);
    const b = usb(457.8);
    const scanned = (units: Unit[]): Action => ({ kind: "add", units, together: false, scan: true });
    const plan = (withDish: boolean): Action[] => [
      scanned([a, b, usb(455.3)]),
      ...(withDish ? [scanned([dish])] : []),
      { kind: "remove", units: [a, b] },
    ];
    const m = missingCamera(0.05, { scanGarbleP: 0 });
    const why = runOneCart(plan(true), m, 3);
    expect(why).toEqual([
      expect.stringMatching(
        /^count or unseen look-alike \(stop 3: 2 × usb-cable taken out, seen once: 1 × usb-cable \+ 7eleven-dish-liquid/,
      ),
    ]);
    // no such product in the basket, or a camera that never misses: decided
    expect(runOneCart(plan(false), m, 3)).toEqual([]);
    expect(runOneCart(plan(true), missingCamera(0, { scanGarbleP: 0 }), 3)).toEqual([]);
  });
});
