/**
 * `skiplane sim-walkout --live`: the walk-out simulator driving a RUNNING store server, as the
 * store's devices would — the gate (`gate.in`, `gate.out`), the ceiling tracker (`track`) and the
 * shelf controller (`plate`) publish their §1 events on their own device topics (QoS 1), paced in
 * real time (or `speed` times faster). The log is the simulator's, in the order it writes it (a
 * second of plate samples is sent once that second is over, with the tracks and gate events of
 * the same second after it), so the server sees what `skiplane eval` scores. Each message waits
 * for its acknowledgement (= recorded) before the next, which keeps the order across devices.
 */
import { existsSync, readFileSync } from "node:fs";
import mqtt, { type MqttClient } from "mqtt";
import { z } from "zod";
import type { Catalog } from "../../domain/catalog/product";
import type { StoreEvent, StoreLayout, TruthLine } from "../../domain/events/sensor-events";
import { simulateWalkout } from "./walkout-sim";

const credentialsSchema = z.object({
  store: z.string(),
  apiKeys: z.object({ operator: z.string() }).passthrough(),
  devices: z.array(z.object({ device: z.string(), username: z.string(), secret: z.string() })),
});
export type WalkoutLiveCredentials = z.infer<typeof credentialsSchema>;

export function readWalkoutCredentials(file: string): WalkoutLiveCredentials {
  if (!existsSync(file))
    throw new Error(`${file} not found: start the server with the demo walk-out store (npm start) first`);
  return credentialsSchema.parse(JSON.parse(readFileSync(file, "utf8")));
}

/** Which device sends which event type (the demo store's three devices). */
export const DEVICE_OF: Record<StoreEvent["type"], string> = {
  "gate.in": "gate-1",
  "gate.out": "gate-1",
  track: "tracker-1",
  plate: "plates-1",
};

export interface WalkoutLiveOptions {
  url: string;
  credentials: WalkoutLiveCredentials;
  catalog: Catalog;
  layout: StoreLayout;
  visits: number;
  seed: number;
  minShoppers: number;
  maxShoppers: number;
  plateHz: number;
  speed: number;
  /** simulated time of the first event (default: now) */
  start?: number;
  /**
   * prefixes every visit's session id (`{runTag}-s-000001`): the simulator numbers visits from 1
   * on every run, and the server keeps a session id for good, so a second run's visits were
   * dropped as that old session (the command line passes one per run; default: none)
   */
  runTag?: string;
  onGate?: (e: StoreEvent, truth?: TruthLine) => void;
  /** resolves when the run should stop early (Ctrl-C): shoppers inside are walked out */
  stop?: Promise<void>;
}

export interface WalkoutLiveSummary {
  visits: number;
  messages: number;
  events: number;
  seconds: number;
  stopped: boolean;
}

export async function runWalkoutLive(o: WalkoutLiveOptions): Promise<WalkoutLiveSummary> {
  const wallStart = Date.now();
  const start = o.start ?? wallStart;
  const events: StoreEvent[] = [];
  const truths = new Map<string, TruthLine>();
  simulateWalkout(
    {
      catalog: o.catalog,
      layout: o.layout,
      visits: o.visits,
      seed: o.seed,
      store: o.credentials.store,
      minShoppers: o.minShoppers,
      maxShoppers: o.maxShoppers,
      plateHz: o.plateHz,
      start,
    },
    (e) => events.push(o.runTag && e.type === "gate.in" ? { ...e, session: `${o.runTag}-${e.session}` } : e),
    (t) => truths.set(o.runTag ? `${o.runTag}-${t.session}` : t.session, t),
  );
  const clients = new Map<string, { client: MqttClient; topic: string }>();
  for (const device of new Set(Object.values(DEVICE_OF))) {
    const cred = o.credentials.devices.find((d) => d.device === device);
    if (!cred) throw new Error(`the credentials have no device ${device}`);
    const client = await mqtt.connectAsync(o.url, {
      username: cred.username,
      password: cred.secret,
      reconnectPeriod: 1000,
      connectTimeout: 10_000,
    });
    clients.set(device, { client, topic: `skiplane/v1/${o.credentials.store}/devices/${device}/events` });
  }
  let stopped = false;
  void o.stop?.then(() => {
    stopped = true;
  });
  const sessionOf = new Map<string, string>();
  let messages = 0;
  let sent = 0;
  let release = 0;
  let i = 0;
  try {
    while (i < events.length && !stopped) {
      // the events released at the same moment, grouped into one message per device run
      const e = events[i];
      release = Math.max(release, availableAt(e));
      const wait = wallStart + (release - start) / o.speed - Date.now();
      if (wait > 0) await Promise.race([sleep(wait), o.stop ?? new Promise(() => {})]);
      if (stopped) break;
      const device = DEVICE_OF[e.type];
      const batch: StoreEvent[] = [];
      while (i < events.length && DEVICE_OF[events[i].type] === device && batch.length < 1000) {
        const x = events[i];
        if (availableAt(x) > release) break;
        batch.push(x);
        i++;
      }
      const c = clients.get(device)!;
      await c.client.publishAsync(c.topic, JSON.stringify(batch), { qos: 1 });
      messages++;
      sent += batch.length;
      for (const x of batch) {
        if (x.type === "gate.in") sessionOf.set(x.shopper, x.session);
        if (x.type === "gate.in" || x.type === "gate.out") {
          const session = x.type === "gate.in" ? x.session : sessionOf.get(x.shopper);
          o.onGate?.(x, session ? truths.get(session) : undefined);
        }
      }
    }
    if (stopped) {
      // walk everyone still inside out through the gate, so their baskets are settled
      const c = clients.get(DEVICE_OF["gate.out"])!;
      const now = Math.max(release, start + (Date.now() - wallStart) * o.speed);
      const inside = [...sessionOf.keys()].filter(
        (shopper) => !events.slice(0, i).some((x) => x.type === "gate.out" && x.shopper === shopper),
      );
      const out = inside.map(
        (shopper): StoreEvent => ({ v: 1, t: now, type: "gate.out", store: o.credentials.store, shopper }),
      );
      if (out.length) {
        await c.client.publishAsync(c.topic, JSON.stringify(out), { qos: 1 });
        for (const x of out) o.onGate?.(x);
      }
    }
  } finally {
    await Promise.all([...clients.values()].map((c) => c.client.endAsync().catch(() => undefined)));
  }
  return { visits: truths.size, messages, events: sent, seconds: (Date.now() - wallStart) / 1000, stopped };
}

/** When a device can send an event: a plate batch once its last sample is taken. */
function availableAt(e: StoreEvent): number {
  if (e.type !== "plate") return e.t;
  const n = Array.isArray(e.grams) ? e.grams.length : 1;
  return e.t + (n / (e.hz ?? 1)) * 1000;
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
