/**
 * Deterministic cart logs and a small catalog for StoreService scenarios and benchmarks: a
 * session start, a quiet scale, items going in (camera sighting + settled weight), the exit.
 */
import { indexCatalog, type Product } from "../../domain/catalog/product";
import type { CartEvent } from "../../domain/events/sensor-events";
import type { Storage } from "../ports/read-models";

const unit = (
  sku: string,
  name: string,
  mean: number,
  price: number,
  lookalikes: string[] = [],
): Product => ({
  sku,
  name,
  soldBy: "unit",
  price,
  weight: { mean, sd: 1.5 },
  taxClass: "grocery",
  ageRestricted: false,
  lookalikes,
});
export const scenarioCatalog = indexCatalog("USD", [
  unit("cola-330", "Cola 330 ml", 349, 129),
  unit("water-500", "Water 0.5 l", 538, 99),
  unit("chips-salt", "Sea Salt Chips", 160, 249, ["chips-vinegar"]),
  unit("chips-vinegar", "Salt & Vinegar Chips", 161, 279, ["chips-salt"]),
]);

export interface ItemStep {
  sku?: string;
  /** grams the item adds to the scale */
  grams: number;
  candidates: { sku: string; p: number }[];
}

/** A deterministic cart log: start, a quiet scale, items going in (camera + scale), end. */
export function cartLog(
  store: string,
  cart: string,
  session: string,
  t0: number,
  items: ItemStep[],
  options: { account?: string; end?: boolean } = {},
): CartEvent[] {
  const base = { v: 1 as const, store, cart };
  let n = 0;
  const id = () => `${session}-e${++n}`;
  const samples = (t: number, g: number, count: number): CartEvent => ({
    ...base,
    t,
    id: id(),
    type: "weight",
    grams: Array.from({ length: count }, (_, i) => g + (i % 2 ? 0.4 : -0.4)),
    hz: 20,
  });
  const out: CartEvent[] = [
    {
      ...base,
      t: t0,
      id: id(),
      type: "session.start",
      session,
      ...(options.account ? { account: options.account } : {}),
    },
    samples(t0 + 100, 0, 20),
  ];
  let load = 0;
  let t = t0 + 1100;
  for (const item of items) {
    out.push({ ...base, t, id: id(), type: "vision", dir: "in", candidates: item.candidates });
    load += item.grams;
    out.push(samples(t + 100, load, 40));
    t += 2100;
  }
  // The scale keeps streaming: a quiet batch after the last item lets fusion decide on it
  // (a change settling inside a batch is decided once the lines up to it have arrived).
  out.push(samples(t + 100, load, 10));
  if (options.end !== false) out.push({ ...base, t: t + 1000, id: id(), type: "session.end" });
  return out;
}

export const cola: ItemStep = { grams: 349, candidates: [{ sku: "cola-330", p: 0.96 }] };
export const water: ItemStep = { grams: 538, candidates: [{ sku: "water-500", p: 0.95 }] };
/** a look-alike the camera cannot tell apart and the scale cannot either */
export const chips: ItemStep = {
  grams: 160.5,
  candidates: [
    { sku: "chips-salt", p: 0.5 },
    { sku: "chips-vinegar", p: 0.49 },
  ],
};

/**
 * `storage` whose first append of an event batch caused by `causation` fails, as if the process
 * died while recording it; every other append, and every later one, goes through.
 */
export function appendDiesOnce(storage: Storage, causation: string): Storage {
  let dead = false;
  const events = storage.events;
  return {
    ...storage,
    events: {
      append: (...a) => {
        if (!dead && a[2].meta.causation === causation) {
          dead = true;
          return Promise.reject(new Error("killed"));
        }
        return events.append(...a);
      },
      readStream: (...a) => events.readStream(...a),
      streamVersion: (...a) => events.streamVersion(...a),
      readStore: (...a) => events.readStore(...a),
      storePosition: (...a) => events.storePosition(...a),
    },
  };
}
