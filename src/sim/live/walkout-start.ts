/**
 * Where `sim-walkout --live` starts its simulated time so that no device time is ever ahead of
 * the wall clock (the rule of the cart driver, docs/simulator.md "Live", "Time"): the run plays
 * `speed` times fast, so it starts in the past by the simulated span less the wall time it takes,
 * and its last event is sent at about "now". The span is measured by simulating the same visits
 * once (the simulation is the same whatever its start; the run itself simulates them again).
 */
import type { StoreEvent } from "../../domain/events/sensor-events";
import { simulateWalkout, type WalkoutSimOptions } from "../walkout/walkout-sim";

/** When a device has the event to send: a batch of plate samples once its last is taken. */
export function sendableAt(e: StoreEvent): number {
  if (e.type !== "plate") return e.t;
  const n = Array.isArray(e.grams) ? e.grams.length : 1;
  return e.t + (n / (e.hz ?? 1)) * 1000;
}

/** The simulated span of `o`'s visits, first event to the last one sendable, ms. */
export function walkoutSpan(o: Omit<WalkoutSimOptions, "start">): number {
  let first = Number.POSITIVE_INFINITY;
  let last = Number.NEGATIVE_INFINITY;
  simulateWalkout(
    { ...o, start: 0 },
    (e) => {
      first = Math.min(first, e.t);
      last = Math.max(last, sendableAt(e));
    },
    () => {},
  );
  return Number.isFinite(first) ? Math.max(0, last) : 0;
}

/** The simulated start for a live run at `speed` beginning at wall time `now`. */
export function walkoutLiveStart(o: Omit<WalkoutSimOptions, "start">, speed: number, now: number): number {
  if (!(speed > 1)) return now;
  return now - Math.ceil(walkoutSpan(o) * (1 - 1 / speed));
}
