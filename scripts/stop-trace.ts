/**
 * Shared instrumentation of the dev aids that map fusion's prompts to the simulator's shelf stops
 * (fusion-stops.ts, label-audit.ts): patches the cart simulator to collect, per session, each
 * stop's first weight step and the sensor lines the stop sent, and builds a per-cart fusion sink
 * that reports each prompt with the evidence of the line it asks about. Reads the simulator,
 * changes nothing it sends.
 */
import { perCartIds } from "../src/app/cart-stream/cart-stream";
import type { BasketEvent, Evidence } from "../src/domain/basket/basket.events";
import type { Catalog } from "../src/domain/catalog/product";
import type { CartEvent } from "../src/domain/events/sensor-events";
import { createCartFusion } from "../src/domain/fusion/cart-fusion";
import type { CartFusion } from "../src/domain/fusion/fusion.types";
import { sequentialIds } from "../src/domain/shared/ids";
import type { Action, SessionPlan } from "../src/sim/actions";
import { CartSimulator } from "../src/sim/cart-sim";

export interface TracedStop {
  index: number;
  action: Action;
  /** time of the first weight step the stop caused */
  firstStep?: number;
  /** the sensor lines the stop sent: sightings, scans, codes */
  lines: string[];
}
/** an event the simulator sends, as far as the trace reads it */
export interface SentEvent {
  type: string;
  dir?: string;
  candidates?: { sku: string; p: number }[];
  code?: string;
  plu?: string;
}
export interface SessionResult {
  undecidable: string[];
  truth: { decidable: boolean };
}

/**
 * Patches CartSimulator: `begin` makes a session's run (its stops from the plan, in order) before
 * the session runs, `end` gets it with the simulator's result after; `sent` sees each event a stop
 * sends. Returns the runs in progress by cart.
 */
export function traceStops<S extends TracedStop, R extends { stops: S[] }>(o: {
  begin(plan: SessionPlan, sim: unknown): R;
  end(run: R, result: SessionResult): void;
  sent?(stop: S, e: SentEvent): void;
}): Map<string, R> {
  const current = new Map<string, R>();
  const proto = CartSimulator.prototype as unknown as Record<string, (...a: unknown[]) => unknown>;
  const origRun = proto.runSession;
  const origStep = proto.step;
  const origSend = proto.send;
  proto.runSession = function (this: { o: { cart: string } }, plan: unknown) {
    const run = o.begin(plan as SessionPlan, this);
    current.set(this.o.cart, run);
    const r = origRun.call(this, plan) as SessionResult;
    o.end(run, r);
    current.delete(this.o.cart);
    return r;
  };
  const pendingSteps = new Map<string, number[]>();
  proto.step = function (this: { o: { cart: string } }, t: unknown, delta: unknown, f: unknown) {
    const xs = pendingSteps.get(this.o.cart) ?? [];
    xs.push(t as number);
    pendingSteps.set(this.o.cart, xs);
    return origStep.call(this, t, delta, f);
  };
  proto.send = function (this: { o: { cart: string } }, t: unknown, e: unknown, stopIndex: unknown) {
    const run = current.get(this.o.cart);
    const i = stopIndex as number;
    if (run && i >= 0) {
      const s = run.stops[i];
      const xs = pendingSteps.get(this.o.cart) ?? [];
      if (xs.length) {
        s.firstStep = Math.min(s.firstStep ?? Number.POSITIVE_INFINITY, ...xs);
        pendingSteps.set(this.o.cart, []);
      }
      const ev = e as SentEvent;
      o.sent?.(s, ev);
      if (ev.type === "vision")
        s.lines.push(`v${ev.dir}[${(ev.candidates ?? []).map((c) => `${c.sku} ${c.p}`).join(", ")}]`);
      if (ev.type === "barcode") s.lines.push(`scan ${ev.code}`);
      if (ev.type === "plu") s.lines.push(`plu ${ev.plu}`);
    }
    return origSend.call(this, t, e, stopIndex);
  };
  return current;
}

/**
 * A sink with one fusion core per cart, nobody answering; `prompt` gets each prompt raised with
 * the evidence of the (first) line it asks about, when fusion has added or removed that line.
 */
export function promptingSink(
  catalog: Catalog,
  prompt: (
    cart: string,
    be: Extract<BasketEvent, { type: "PromptRaised" }>,
    ev: Evidence | undefined,
  ) => void,
): (e: CartEvent) => BasketEvent[] {
  const ids = perCartIds(sequentialIds());
  const fusions = new Map<string, CartFusion>();
  const lineEv = new Map<string, Evidence>();
  return (e) => {
    if (!("cart" in e)) return [];
    let f = fusions.get(e.cart);
    if (!f) {
      f = createCartFusion({ catalog, ids: ids(e.cart), store: e.store, cart: e.cart });
      fusions.set(e.cart, f);
    }
    const r = f.ingest(e);
    for (const be of r.events) {
      if (be.type === "ItemAdded" || be.type === "ItemRemoved") lineEv.set(be.lineId, be.evidence);
      if (be.type === "PromptRaised") prompt(e.cart, be, lineEv.get(be.prompt.lineIds[0] ?? ""));
    }
    return r.events;
  };
}

/** the stop whose first weight step came last at or before `at` */
export function stopAt<S extends TracedStop>(stops: S[], at: number): S | undefined {
  let stop: S | undefined;
  for (const s of stops) if (s.firstStep !== undefined && s.firstStep <= at) stop = s;
  return stop;
}

/** a line's evidence: its summary and its first four hypotheses with their posteriors */
export function evidenceText(ev: Evidence): string {
  return `${ev.summary} [${ev.hypotheses
    .slice(0, 4)
    .map((h) => `${h.label} ${h.posterior}`)
    .join(" | ")}]`;
}
