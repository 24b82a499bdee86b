/**
 * Test support for the simulator's `decidable` rules: one cart of the demo catalog run for one
 * session, and cameras whose behaviour a test sets (no confusions, no phantoms, misses as told).
 */
import { loadDemoCatalog } from "../adapters/demo/demo-catalog";
import type { CartEvent } from "../domain/events/sensor-events";
import type { Action } from "./actions";
import { CartSimulator } from "./cart-sim";
import { simCatalog } from "./planner";
import { type SensorProfile, type SimMix, STANDARD_MIX } from "./profile";
import { rngFor } from "./rng";

export const catalog = loadDemoCatalog();
const sc = simCatalog(catalog);

/** One session of `actions` on one cart, nobody answering; the stop's undecided reasons. */
export function runOneCart(
  actions: Action[],
  mix: SimMix,
  seed = 1,
  sink?: (e: CartEvent) => void,
): string[] {
  const sim = new CartSimulator({
    store: "st",
    cart: "cart-01",
    sc,
    mix,
    rng: rngFor(seed, "sensors"),
    startT: Date.UTC(2026, 0, 5, 9, 0, 0),
    sink: sink
      ? (e) => {
          sink(e);
          return [];
        }
      : undefined,
  });
  return sim.runSession({ session: "s-1", actions, answers: "none" }).undecidable;
}

/** The standard mix's sensors without look-alike or random confusions and without phantom sightings. */
export const quietCamera: Partial<SensorProfile> = {
  lookalikeConfusionP: 0,
  randomConfusionP: 0,
  phantomPerStop: 0,
};

/**
 * A camera whose right tops always decide (a confused top never reaches a right one's band) and
 * that never confuses; it misses as told. `more` sets any other sensor.
 */
export const missingCamera = (visionMissP: number, more: Partial<SensorProfile> = {}): SimMix => ({
  ...STANDARD_MIX,
  sensors: {
    ...STANDARD_MIX.sensors,
    ...quietCamera,
    visionMissP,
    confusedTopPMax: STANDARD_MIX.sensors.rightTopPMin,
    ...more,
  },
});
