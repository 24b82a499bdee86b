/**
 * One shopping trip of the live driver as a script to play: the simulator's lines for seeded
 * session `k` (the same plan, scale, camera and scanner models as `skiplane sim`), re-cut for the
 * wire. Weight batches of one second become messages of `perMessage` samples (a cart sends what
 * it has collected, e.g. 5 samples at 20 Hz every 250 ms); every line gets an id unique to this
 * run (the server dedupes on ids, so a second run must not reuse the first one's); each line gets
 * the virtual time it can be sent at (a weight message when its last sample is taken).
 *
 * The shopper's answers are not in the script: the live server raises its own prompts, and the
 * cart answers them as they appear (prompt-reply.ts).
 */
import type { CartEvent } from "../../domain/events/sensor-events";
import type { Action, SessionPlan } from "../actions";
import type { CartSimulator, SessionOutcome } from "../cart-sim";
import type { SimCatalog } from "../planner";
import type { SimMix } from "../profile";
import { runSeededSession } from "../simulator";

export interface ScriptLine {
  /** virtual time the line can go out (a weight message: its last sample) */
  due: number;
  event: CartEvent;
}

export interface SessionScript {
  k: number;
  session: string;
  plan: SessionPlan;
  outcome: SessionOutcome;
  lines: ScriptLine[];
  /** virtual time each stop last moved the load (index as plan.actions) */
  stopTimes: number[];
}

export interface ScriptOptions {
  sim: CartSimulator;
  sc: SimCatalog;
  mix: SimMix;
  seed: number;
  k: number;
  session: string;
  /** virtual time the session starts (the cart is unlocked) */
  startT: number;
  /** weight samples per message */
  perMessage: number;
  /** makes event ids unique: `${idPrefix}-${n}` */
  idPrefix: string;
}

/** Cuts weight batches into messages of `perMessage` samples; other lines pass unchanged. */
export function rebatch(lines: CartEvent[], perMessage: number): CartEvent[] {
  const out: CartEvent[] = [];
  for (const e of lines) {
    if (e.type !== "weight" || !Array.isArray(e.grams) || e.grams.length <= perMessage || !e.hz) {
      out.push(e);
      continue;
    }
    const dt = 1000 / e.hz;
    for (let i = 0; i < e.grams.length; i += perMessage) {
      out.push({ ...e, t: e.t + i * dt, grams: e.grams.slice(i, i + perMessage) });
    }
  }
  // a stable sort by time keeps a sighting inside a batch's span after the piece it falls in
  return out
    .map((e, i) => ({ e, i }))
    .sort((a, b) => a.e.t - b.e.t || a.i - b.i)
    .map((x) => x.e);
}

/** When a line can be sent: a weight message once its last sample is taken, anything else at `t`. */
export function dueAt(e: CartEvent): number {
  if (e.type === "weight" && Array.isArray(e.grams) && e.hz)
    return e.t + ((e.grams.length - 1) * 1000) / e.hz;
  return e.t;
}

export function sessionScript(o: ScriptOptions): SessionScript {
  o.sim.t = Math.round(o.startT);
  o.sim.takeLines(); // nothing left over from an earlier session
  const { plan, outcome } = runSeededSession(o.sim, o.sc, o.mix, o.seed, o.k, o.session);
  const stopTimes = o.sim.stopActionTimes();
  let n = 0;
  const lines = rebatch(o.sim.takeLines(), o.perMessage).map((e) => {
    n++;
    const event = { ...e, id: `${o.idPrefix}-${n}` } as CartEvent;
    return { due: dueAt(event), event };
  });
  return { k: o.k, session: o.session, plan, outcome, lines, stopTimes };
}

/** What the shopper really has in the cart after the stops up to `upTo` (inclusive). */
export function unitsAfter(actions: Action[], upTo: number): { sku: string; grams: number }[] {
  const inCart: { sku: string; grams: number }[] = [];
  for (let i = 0; i <= upTo && i < actions.length; i++) {
    const a = actions[i];
    if (a.kind === "add") inCart.push(...a.units);
    else if (a.kind === "remove") {
      for (const u of a.units) {
        const j = inCart.findIndex((x) => x.sku === u.sku);
        if (j >= 0) inCart.splice(j, 1);
      }
    }
  }
  return inCart;
}
