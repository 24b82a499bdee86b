/**
 * The store simulator: `sessions` shopping trips spread over `carts` carts, each cart on its own
 * virtual clock, merged into one log in time order (each cart's lines keep their order; carts
 * interleave). Sessions are dealt to carts round-robin; a cart rests between sessions (its
 * samples then belong to no session: the shopper unloading, the cart in the corral).
 *
 * Determinism: session k draws its plan and its sensor noise from generators seeded by
 * (seed, k) alone, and its shopper's answers from a third, so the same seed gives the same bytes,
 * and switching answering on changes only what follows a prompt.
 */
import type { BasketEvent } from "../domain/basket/basket.events";
import type { Catalog } from "../domain/catalog/product";
import type { CartEvent, TruthLine } from "../domain/events/sensor-events";
import type { SessionPlan } from "./actions";
import { CartSimulator, type SessionOutcome } from "./cart-sim";
import { planSession, type SimCatalog, simCatalog } from "./planner";
import type { SimMix } from "./profile";
import { answerPrompt } from "./responder";
import { type Rng, rngFor } from "./rng";

export interface SimOptions {
  catalog: Catalog;
  mix: SimMix;
  sessions: number;
  seed: number;
  carts: number;
  store?: string;
  /** shoppers answer prompts; needs `sink` (fusion in the loop) */
  answering?: boolean;
  /** every line as the cart sends it (in per-cart order); returns the basket events it caused */
  sink?: (e: CartEvent) => BasketEvent[];
  /** virtual start time, ms since epoch (default 2026-01-05T08:00:00Z) */
  startT?: number;
}

/**
 * A truth line as the simulator writes it: §2 plus `decidable` (the evidence decides every stop)
 * and `undecidableStops` (how many stops it does not decide; 0 exactly when `decidable`).
 */
export type TruthWithDecidable = TruthLine & { decidable: boolean; undecidableStops: number };

/**
 * How many stops the evidence does not decide, from the reasons a session gives (one or more per
 * such stop, each naming it "(stop N: …)"; a removal of two products may give two). Counted, not
 * drawn: the log does not change.
 */
export function undecidableStopCount(reasons: readonly string[]): number {
  const stops = new Set<string>();
  for (const why of reasons) {
    const m = /\(stop (\d+):/.exec(why);
    if (!m) throw new Error(`undecidable reason without its stop: ${why}`);
    stops.add(m[1]);
  }
  return stops.size;
}

export interface SimSummary {
  sessions: number;
  lines: number;
  carts: number;
  decidable: number;
  /** prompts the shoppers saw (answering mode) and answered */
  prompts: number;
  answered: number;
  /** why sessions are undecidable: counts by the first word of the reason */
  undecidableReasons: Record<string, number>;
  firstT: number;
  lastT: number;
}

export const DEFAULT_SIM_START = Date.UTC(2026, 0, 5, 8, 0, 0);
export const DEFAULT_SIM_STORE = "sim-store";

export function sessionId(k: number): string {
  return `s-${String(k + 1).padStart(6, "0")}`;
}

/**
 * Session `k` of the seeded store, rendered on one cart from the cart's current clock: the plan
 * from `rngFor(seed, "plan-k")`, sensor noise from "sensors-k", the shopper's answers from
 * "answers-k". The lines are in `sim.takeLines()`; `planRng` is returned positioned after the
 * plan (`simulate` draws the idle time after the session from it). Also used by the live driver
 * (`src/sim/live/`), which plays one session at a time over MQTT under its own session ids.
 */
export function runSeededSession(
  sim: CartSimulator,
  sc: SimCatalog,
  mix: SimMix,
  seed: number,
  k: number,
  session: string = sessionId(k),
): { plan: SessionPlan; outcome: SessionOutcome; planRng: Rng } {
  const planRng = rngFor(seed, `plan-${k}`);
  sim.setRng(rngFor(seed, `sensors-${k}`), rngFor(seed, `answers-${k}`));
  const account = planRng.chance(0.6) ? `acct-${planRng.int(1, 99999)}` : undefined;
  const plan = planSession(session, sc, mix, planRng, account);
  const outcome = sim.runSession(plan);
  return { plan, outcome, planRng };
}

/**
 * Run the simulation. `onLine` gets every log line in global time order; `onTruth` every session's
 * truth (in the order sessions end on their carts; sort by session for a file).
 */
export function simulate(
  o: SimOptions,
  onLine: (e: CartEvent) => void,
  onTruth: (t: TruthWithDecidable, outcome: SessionOutcome) => void,
): SimSummary {
  const store = o.store ?? DEFAULT_SIM_STORE;
  const sc = simCatalog(o.catalog);
  const carts = Math.max(1, Math.min(o.carts, o.sessions || 1));
  const start = o.startT ?? DEFAULT_SIM_START;
  const summary: SimSummary = {
    sessions: 0,
    lines: 0,
    carts,
    decidable: 0,
    prompts: 0,
    answered: 0,
    undecidableReasons: {},
    firstT: Number.POSITIVE_INFINITY,
    lastT: 0,
  };
  if (o.answering && !o.sink) throw new Error("answering shoppers need fusion in the loop (a sink)");

  interface CartRun {
    sim: CartSimulator;
    next: number; // next session index for this cart
    buf: CartEvent[];
    pos: number;
    done: boolean;
  }
  const runs: CartRun[] = [];
  for (let c = 0; c < carts; c++) {
    const cartRng = rngFor(o.seed, `cart-${c}`);
    const cart = `cart-${String(c + 1).padStart(2, "0")}`;
    runs.push({
      sim: new CartSimulator({
        store,
        cart,
        sc,
        mix: o.mix,
        rng: cartRng,
        startT: Math.round(start + cartRng.uniform(0, 120_000)),
        sink: o.sink,
        responder: o.answering ? answerPrompt : undefined,
      }),
      next: c,
      buf: [],
      pos: 0,
      done: false,
    });
  }

  const refill = (r: CartRun): void => {
    r.buf = [];
    r.pos = 0;
    if (r.next >= o.sessions) {
      r.done = true;
      return;
    }
    const k = r.next;
    r.next += carts;
    const { outcome, planRng } = runSeededSession(r.sim, sc, o.mix, o.seed, k);
    r.sim.betweenSessions(planRng.uniform(20, 600));
    r.buf = r.sim.takeLines();
    summary.sessions++;
    summary.prompts += outcome.prompts;
    summary.answered += outcome.answered;
    if (outcome.truth.decidable) summary.decidable++;
    for (const why of outcome.undecidable) {
      const key = why.replace(/ \(stop .*$/s, "");
      summary.undecidableReasons[key] = (summary.undecidableReasons[key] ?? 0) + 1;
    }
    onTruth({ ...outcome.truth, undecidableStops: undecidableStopCount(outcome.undecidable) }, outcome);
  };

  for (const r of runs) refill(r);
  // k-way merge by time; ties go to the lower cart number
  for (;;) {
    let best: CartRun | undefined;
    for (const r of runs) {
      while (!r.done && r.pos >= r.buf.length) refill(r);
      if (r.done) continue;
      if (!best || r.buf[r.pos].t < best.buf[best.pos].t) best = r;
    }
    if (!best) break;
    const e = best.buf[best.pos++];
    summary.lines++;
    if (e.t < summary.firstT) summary.firstT = e.t;
    if (e.t > summary.lastT) summary.lastT = e.t;
    onLine(e);
  }
  return summary;
}
