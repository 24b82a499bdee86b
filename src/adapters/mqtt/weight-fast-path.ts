/**
 * A shortcut past zod for the one event a cart sends all the time: a well-formed `weight`.
 *
 * Profiles of bench:server put zod at ~9 % of the server's event-loop time, most of it in the
 * `grams` union (zod tries a number first, builds an issue, then tries the array). This checks
 * exactly the rules of `weightSchema` (src/adapters/schemas) by hand and, when every one holds,
 * returns the object zod would have returned: the same keys in the same order (the raw log
 * stores `JSON.stringify` of it, and an event without an id is keyed by a hash of that text),
 * unknown keys dropped. It never rejects: anything unusual — another type, a missing or wrong
 * field, an `undefined` value — answers `undefined` and the caller goes to zod, so a refusal's
 * reason and detail are zod's, unchanged. The zod schema stays the contract;
 * `weight-fast-path.unit.test.ts` checks, over generated inputs, that this accepts nothing zod
 * refuses and returns exactly what zod returns.
 */
import type { WeightEvent } from "../../domain/events/sensor-events";

const ID = /^[A-Za-z0-9._:@-]+$/;

function isId(x: unknown): x is string {
  return typeof x === "string" && x.length >= 1 && x.length <= 128 && ID.test(x);
}

function isFiniteNumber(x: unknown): x is number {
  return typeof x === "number" && Number.isFinite(x);
}

/** The validated weight event, or `undefined` when zod must decide. */
export function fastWeightEvent(input: unknown): WeightEvent | undefined {
  if (typeof input !== "object" || input === null || Array.isArray(input)) return undefined;
  const o = input as Record<string, unknown>;
  if (o.type !== "weight" || o.v !== 1) return undefined;
  const t = o.t;
  if (!isFiniteNumber(t) || t < 0) return undefined;
  if (!isId(o.store) || !isId(o.cart)) return undefined;
  const hasId = Object.hasOwn(o, "id");
  const id = o.id;
  if (hasId && (typeof id !== "string" || id.length < 1 || id.length > 200)) return undefined;
  const hasHz = Object.hasOwn(o, "hz");
  const hz = o.hz;
  if (hasHz && (!isFiniteNumber(hz) || hz <= 0 || hz > 100_000)) return undefined;
  const g = o.grams;
  let grams: number | number[];
  if (isFiniteNumber(g)) grams = g;
  else if (Array.isArray(g)) {
    // a sample list needs its rate (the schema's refine)
    if (g.length < 1 || g.length > 10_000 || !hasHz) return undefined;
    for (let i = 0; i < g.length; i++) if (!isFiniteNumber(g[i])) return undefined;
    grams = g.slice();
  } else return undefined;
  // zod's key order: the shape's (v, t, store, id, cart, type, grams, hz)
  const out: Record<string, unknown> = { v: 1, t, store: o.store };
  if (hasId) out.id = id;
  out.cart = o.cart;
  out.type = "weight";
  out.grams = grams;
  if (hasHz) out.hz = hz;
  return out as unknown as WeightEvent;
}
