/**
 * Carts for the scale tests and the benchmark: deterministic shopping trips as exchange-v1 §1
 * events (one scale sample per event at 20 Hz, camera sightings as items go in), published over
 * MQTT QoS 1 on the cart's own events topic at the cart's pace. A cart remembers which events
 * the broker acknowledged (PUBACK), so a test can check that every acknowledged event was stored,
 * and it resends what was not acknowledged after a reconnect (mqtt.js keeps QoS 1 publishes
 * until acknowledged). The carts must be provisioned in their stores first (a store lane takes
 * events only of a provisioned cart with `mqtt.auth = none`): harness.ts `startChain` / `provision`.
 */
import mqtt, { type MqttClient } from "mqtt";
import { eventsTopic, screenTopic } from "../../../src/adapters/mqtt/topics";
import { indexCatalog, type Product } from "../../../src/domain/catalog/product";
import type { CartEvent } from "../../../src/domain/events/sensor-events";

const unit = (sku: string, name: string, mean: number, price: number): Product => ({
  sku,
  name,
  soldBy: "unit",
  price,
  weight: { mean, sd: 1.5 },
  taxClass: "grocery",
  ageRestricted: false,
  lookalikes: [],
});

/** A small catalog whose items the scale tells apart easily. */
export const fleetCatalog = indexCatalog("USD", [
  unit("cola-330", "Cola 330 ml", 349, 129),
  unit("water-500", "Water 0.5 l", 538, 99),
  unit("chips-salt", "Sea Salt Chips", 160, 249),
  unit("soup-400", "Tomato Soup 400 g", 455, 189),
  unit("bread-800", "Sandwich Bread", 820, 299),
]);

const ITEMS = [
  { sku: "cola-330", grams: 349 },
  { sku: "water-500", grams: 538 },
  { sku: "chips-salt", grams: 160 },
  { sku: "soup-400", grams: 455 },
  { sku: "bread-800", grams: 820 },
];

/**
 * One trip: start, 1 s of an empty scale, then per item a camera sighting and 2 s of samples at
 * the new load, then the exit. ~20 events a second of device time.
 */
export function tripEvents(
  store: string,
  cart: string,
  session: string,
  t0: number,
  itemCount: number,
  offset = 0,
): CartEvent[] {
  const base = { v: 1 as const, store, cart };
  let n = 0;
  const id = () => `${session}-${String(++n).padStart(4, "0")}`;
  const out: CartEvent[] = [{ ...base, t: t0, id: id(), type: "session.start", session }];
  let t = t0;
  const sample = (g: number, i: number) => {
    t += 50;
    out.push({ ...base, t, id: id(), type: "weight", grams: [g + (i % 2 ? 0.3 : -0.3)], hz: 20 });
  };
  let load = 0;
  for (let i = 0; i < 20; i++) sample(0, i);
  for (let k = 0; k < itemCount; k++) {
    const item = ITEMS[(k + offset) % ITEMS.length];
    t += 50;
    out.push({ ...base, t, id: id(), type: "vision", dir: "in", candidates: [{ sku: item.sku, p: 0.97 }] });
    load += item.grams;
    for (let i = 0; i < 40; i++) sample(load, i);
  }
  t += 50;
  out.push({ ...base, t, id: id(), type: "session.end" });
  return out;
}

export interface CartRun {
  store: string;
  cart: string;
  session: string;
  events: CartEvent[];
  /** event ids the broker acknowledged */
  acked: Set<string>;
  /** last screen seen */
  screen?: { state: string; total: number; seq: number; session?: string };
  /** when each event was published (performance.now ms) */
  publishedAt: Map<string, number>;
  /** arrival of every screen with a new seq (performance.now ms) */
  screensAt: { at: number; seq: number }[];
  done: boolean;
}

export interface FleetOptions {
  url: string;
  carts: { store: string; cart: string; session: string; events: CartEvent[] }[];
  /** events per second per cart; default 20 */
  hz?: number;
}

/** Connects every cart, then streams all carts at once; `finished` resolves when all are acked. */
export async function startFleet(o: FleetOptions): Promise<{
  runs: CartRun[];
  finished: Promise<void>;
  stop(): Promise<void>;
}> {
  const hz = o.hz ?? 20;
  const clients: MqttClient[] = [];
  const runs: CartRun[] = o.carts.map((c) => ({
    ...c,
    acked: new Set(),
    publishedAt: new Map(),
    screensAt: [],
    done: false,
  }));
  for (const r of runs) {
    const client = await mqtt.connectAsync(o.url, {
      clientId: `cart-${r.store}-${r.cart}-${process.pid}`,
      protocolVersion: 5,
      clean: true,
      reconnectPeriod: 300,
      connectTimeout: 5000,
    });
    clients.push(client);
    client.on("message", (_t, payload) => {
      try {
        const s = JSON.parse(payload.toString()) as CartRun["screen"];
        if (s && s.session === r.session) {
          if (!r.screen || s.seq > r.screen.seq) {
            r.screensAt.push({ at: performance.now(), seq: s.seq });
            r.screen = s;
          }
        }
      } catch {
        // not ours
      }
    });
    await client.subscribeAsync(screenTopic(r.store, r.cart), { qos: 1 });
    (r as CartRun & { client: MqttClient }).client = client;
  }
  const streams = runs.map(async (r) => {
    const { client } = r as CartRun & { client: MqttClient };
    const period = 1000 / hz;
    const t0 = performance.now();
    const inflight: Promise<void>[] = [];
    for (let i = 0; i < r.events.length; i++) {
      const due = t0 + i * period;
      const wait = due - performance.now();
      if (wait > 0) await new Promise((res) => setTimeout(res, wait));
      const e = r.events[i];
      r.publishedAt.set(e.id as string, performance.now());
      inflight.push(
        client.publishAsync(eventsTopic(r.store, r.cart), JSON.stringify(e), { qos: 1 }).then(() => {
          r.acked.add(e.id as string);
        }),
      );
    }
    await Promise.all(inflight);
    r.done = true;
  });
  return {
    runs,
    finished: Promise.all(streams).then(() => undefined),
    async stop() {
      await Promise.all(clients.map((c) => c.endAsync(true).catch(() => undefined)));
    },
  };
}

/**
 * Settle-to-screen latency: for each event that caused a basket change (its id is the change's
 * causation), from its publish to the first new screen after it.
 */
export function settleLatencies(runs: CartRun[], causes: Map<string, Set<string>>): number[] {
  const out: number[] = [];
  for (const r of runs) {
    for (const id of causes.get(`${r.store}/${r.cart}`) ?? []) {
      const sent = r.publishedAt.get(id);
      if (sent === undefined) continue;
      const screen = r.screensAt.find((s) => s.at >= sent);
      if (screen) out.push(screen.at - sent);
    }
  }
  return out.sort((a, b) => a - b);
}

export function quantile(sorted: number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
}

/** Waits until `cond` holds, polling; throws with `what` after `ms`. */
export async function waitUntil(
  cond: () => boolean | Promise<boolean>,
  ms: number,
  what: string,
): Promise<void> {
  const t0 = Date.now();
  for (;;) {
    if (await cond()) return;
    if (Date.now() - t0 > ms) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
