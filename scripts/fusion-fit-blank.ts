/**
 * Fit `blankSightingMerchP` (FusionConfig) on a simulated store, from the simulator's plans: each
 * shelf stop is labelled by what the shopper did there (merchandise in or out, produce, or a
 * personal bag in or out), which a recorded log does not say. Like the camera tables
 * (scripts/fusion-calibrate.ts) it describes the simulator's camera and must be refitted on a
 * real cart's labelled log; fit on calibration seeds (901, 902), never on the evaluation seeds.
 *
 * What fusion needs: a sighting of no product (empty, or a top p under visionConfusionMinP: "a
 * hand with something the camera does not know") that falls in a change's window multiplies every
 * merchandise explanation by blankSightingMerchP and "not merchandise" by 1. So the figure is the
 * ratio of the rates of such sightings per change:
 *
 *   blankSightingMerchP = (blank sightings per merchandise stop) / (blank sightings per bag stop)
 *
 * counted as fusion counts them: in the stop's window (from visionBeforeMs before its first weight
 * step to its last step + 1.5 s), not going against the change's direction. On the simulator a
 * merchandise crossing is never blank; what puts a blank sighting beside merchandise is a hand
 * with nothing in it at the stop (`phantomPerStop`), while a bag is seen blank or faint unless the
 * camera misses it.
 *
 * Each session is re-simulated from DIR/sim.json (same seed, same plans; the log is not read): the
 * script wraps the simulator's private `send` and `step` to see which stop each line and weight
 * step belongs to — reading the simulator, not changing it.
 * Run: npx tsx scripts/fusion-fit-blank.ts DIR [DIR ...]
 */

import { DEFAULT_FUSION_CONFIG } from "../src/domain/fusion/fusion.config";
import { loadDirCatalog, readManifest } from "../src/eval/evaluate";
import type { SessionPlan } from "../src/sim/actions";
import { CartSimulator } from "../src/sim/cart-sim";
import { mixByName } from "../src/sim/profile";
import { simulate } from "../src/sim/simulator";
import { SIM_FILES, scriptCommand, storeDir } from "./script-command";

const dirs = scriptCommand("fusion-fit-blank", "Fits blankSightingMerchP on simulated stores.")
  .argument("<dir...>", "simulated stores (skiplane sim --out DIR)")
  .parse()
  .args.map((d) => storeDir("fusion-fit-blank", d, SIM_FILES));
const cfg = DEFAULT_FUSION_CONFIG;

interface Stop {
  kind: string;
  steps: { t: number; delta: number }[];
  sightings: { t: number; dir: string; top: number }[];
}
// per cart: the plan being run and its stops
const current = new Map<string, { plan: SessionPlan; stops: Map<number, Stop> }>();
let cartOfStep = "";
let stopOfStep = -1;
const proto = CartSimulator.prototype as unknown as Record<string, (...a: unknown[]) => unknown>;
const origRun = proto.runSession;
const origSend = proto.send;
const origStep = proto.step;
const done: { plan: SessionPlan; stops: Map<number, Stop> }[] = [];
proto.runSession = function (this: { o: { cart: string } }, plan: unknown) {
  const run = { plan: plan as SessionPlan, stops: new Map<number, Stop>() };
  current.set(this.o.cart, run);
  const r = origRun.call(this, plan);
  done.push(run);
  current.delete(this.o.cart);
  return r;
};
const stopOf = (cart: string, i: number): Stop | undefined => {
  const run = current.get(cart);
  if (!run || i < 0) return undefined;
  let s = run.stops.get(i);
  if (!s) {
    s = { kind: run.plan.actions[i].kind, steps: [], sightings: [] };
    run.stops.set(i, s);
  }
  return s;
};
proto.send = function (this: { o: { cart: string } }, t: unknown, e: unknown, stopIndex: unknown) {
  const ev = e as { type: string; dir?: string; candidates?: { p: number }[] };
  if (ev.type === "vision") {
    const s = stopOf(this.o.cart, stopIndex as number);
    const top = Math.max(0, ...(ev.candidates ?? []).map((c) => c.p));
    s?.sightings.push({ t: t as number, dir: ev.dir ?? "unknown", top });
  }
  return origSend.call(this, t, e, stopIndex);
};
// a stop's weight steps are taken before its lines are sent: remember them by cart, and hand them
// to the stop whose lines come next (emit(pending, index) follows the steps of stop `index`)
const pendingSteps = new Map<string, { t: number; delta: number }[]>();
proto.step = function (this: { o: { cart: string } }, t: unknown, delta: unknown, f: unknown) {
  cartOfStep = this.o.cart;
  const xs = pendingSteps.get(cartOfStep) ?? [];
  xs.push({ t: t as number, delta: delta as number });
  pendingSteps.set(cartOfStep, xs);
  return origStep.call(this, t, delta, f);
};
const origEmit = proto.emit;
proto.emit = function (this: { o: { cart: string } }, pending: unknown, index: unknown) {
  stopOfStep = index as number;
  const xs = pendingSteps.get(this.o.cart) ?? [];
  pendingSteps.set(this.o.cart, []);
  const s = stopOf(this.o.cart, stopOfStep);
  if (s) s.steps.push(...xs);
  return origEmit.call(this, pending, index);
};

const MERCH = new Set(["add", "remove", "produce"]);
const FOREIGN = new Set(["bag", "bag-out"]);
interface Tally {
  stops: number;
  blank: number;
  withBlank: number;
}
const tally = (): Tally => ({ stops: 0, blank: 0, withBlank: 0 });
const all = { merch: tally(), foreign: tally() };
for (const dir of dirs) {
  const m = readManifest(dir);
  if (!m) throw new Error(`${dir}: sim.json missing`);
  const mix = mixByName(m.mix);
  if (!mix) throw new Error(`${dir}: unknown mix ${m.mix}`);
  done.length = 0;
  simulate(
    { catalog: loadDirCatalog(dir), mix, sessions: m.sessions, seed: m.seed, carts: m.carts, store: m.store },
    () => {},
    () => {},
  );
  const here = { merch: tally(), foreign: tally() };
  for (const run of done) {
    for (const s of run.stops.values()) {
      const cls = MERCH.has(s.kind) ? "merch" : FOREIGN.has(s.kind) ? "foreign" : undefined;
      if (!cls || s.steps.length === 0) continue;
      const removal = s.steps[0].delta < 0;
      const against = removal ? "in" : "out";
      const from = Math.min(...s.steps.map((x) => x.t)) - cfg.visionBeforeMs;
      const to = Math.max(...s.steps.map((x) => x.t)) + 1500;
      let k = 0;
      for (const v of s.sightings)
        if (v.t >= from && v.t <= to && v.dir !== against && v.top < cfg.visionConfusionMinP) k++;
      for (const t of [here[cls], all[cls]]) {
        t.stops++;
        t.blank += k;
        if (k > 0) t.withBlank++;
      }
    }
  }
  const rm = here.merch.blank / here.merch.stops;
  const rf = here.foreign.blank / here.foreign.stops;
  console.log(
    `${dir} (${m.mix}, seed ${m.seed}, ${m.sessions} sessions): merchandise stops ${here.merch.stops}, blank or faint sightings ${here.merch.blank} (${rm.toFixed(4)} per stop; stops with one ${here.merch.withBlank}); bag stops ${here.foreign.stops}, ${here.foreign.blank} (${rf.toFixed(4)}; with one ${here.foreign.withBlank}, ${(here.foreign.withBlank / here.foreign.stops).toFixed(4)}); ratio ${(rm / rf).toFixed(4)}`,
  );
}
// add-one smoothing on each rate, as the camera tables
const rm = (all.merch.blank + 1) / (all.merch.stops + 2);
const rf = (all.foreign.blank + 1) / (all.foreign.stops + 2);
console.log(
  `all: merchandise ${all.merch.blank} / ${all.merch.stops} stops, bags ${all.foreign.blank} / ${all.foreign.stops}`,
);
console.log(`blankSightingMerchP: ${(rm / rf).toFixed(3)}`);
// a bag stop with a blank or faint sighting: what each cart's learned blankSightingMerchP is
// divided by (cart-fusion.ts, blankSightingBagP)
console.log(`blankSightingBagP: ${((all.foreign.withBlank + 1) / (all.foreign.stops + 2)).toFixed(3)}`);
