/**
 * Crash safety, end to end: the server runs as a child process on a temp SQLite file with the
 * embedded broker; carts publish scripted trips over MQTT with QoS 1 (one message in flight per
 * cart, resent after a reconnect, as a cart does). Mid-stream the server gets SIGKILL, then it
 * is started again. Afterwards:
 *  - no acknowledged event is lost (every PUBACKed event id is in the raw log),
 *  - every basket equals the one an uninterrupted run produces from the same events (the
 *    receipts are compared with a reference StoreService fed in-process),
 *  - no session is charged twice (one PaymentCaptured per session stream at most).
 */
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import BetterSqlite3 from "better-sqlite3";
import mqtt, { type MqttClient } from "mqtt";
import { afterAll, describe, expect, it } from "vitest";
import { ManualClock } from "../../src/adapters/clock/system-clock";
import { loadDemoCatalog } from "../../src/adapters/demo/demo-catalog";
import { ulidIds } from "../../src/adapters/ids/ulid-ids";
import { eventsTopic } from "../../src/adapters/mqtt/topics";
import { SandboxPaymentGateway } from "../../src/adapters/payments/sandbox-gateway";
import { rawEventKey } from "../../src/adapters/sql/sql-raw-log";
import { openSqliteStorage } from "../../src/adapters/sqlite/sqlite-storage";
import { StoreService } from "../../src/app/services/store-service";
import type { CartEvent } from "../../src/domain/events/sensor-events";
import { DEFAULT_STORE_SETTINGS } from "../../src/domain/store/store-settings";
import { DEMO_PAYMENT_METHOD, type DemoCredentials } from "../../src/main";
import { type CartMessage, cartScript } from "./support/cart-script";
import { freePort } from "./support/mosquitto";
import { type ServerProcess, spawnServer, waitReady } from "./support/server-process";

const STORE = "crash";
const CARTS = 6;
const ITEMS = [
  { sku: "cuttlery", grams: 103.5 },
  { sku: "heavy-duty-aluminium-foil", grams: 378.3 },
  { sku: "cling-wrap", grams: 168.8 },
  { sku: "large-drawstring-trash-bags", grams: 401.5 },
];

const procs: ServerProcess[] = [];
const clients: MqttClient[] = [];
afterAll(async () => {
  for (const c of clients) c.end(true);
  for (const p of procs) if (p.child.exitCode === null) p.child.kill("SIGKILL");
});

function tripsFor(cart: string, i: number): { session: string; messages: CartMessage[] }[] {
  // two sessions per cart: the second starts after the first has been charged
  return [0, 1].map((k) => {
    const session = `${cart}-s${k}`;
    const items = ITEMS.filter((_, j) => (j + i + k) % 3 !== 0);
    return {
      session,
      messages: cartScript({
        store: STORE,
        cart,
        session,
        items,
        seed: 1000 + i * 10 + k,
        t0: 1_763_700_000_000 + k * 60_000,
      }),
    };
  });
}

async function referenceReceipts(all: Map<string, CartMessage[]>) {
  const storage = openSqliteStorage({ file: ":memory:" });
  const catalog = loadDemoCatalog();
  const ids = ulidIds();
  const service = new StoreService({
    storage,
    payments: new SandboxPaymentGateway({ ids }),
    clock: new ManualClock(1_763_800_000_000),
    ids,
    stores: [
      {
        store: STORE,
        catalog,
        settings: { ...DEFAULT_STORE_SETTINGS, currency: catalog.currency },
        defaultPaymentMethod: DEMO_PAYMENT_METHOD,
      },
    ],
  });
  for (const [cart, messages] of all) {
    for (const m of messages) await service.ingest(STORE, cart, m as unknown as CartEvent[]);
  }
  const out = new Map<string, unknown>();
  for (const s of await storage.sessions.list(STORE, { limit: 1000 })) {
    out.set(s.session, summarise((await storage.sessions.get(STORE, s.session))?.receipt));
  }
  await storage.close();
  return out;
}

function summarise(
  r:
    | {
        lines: { sku: string; qty?: number; grams?: number; status: string }[];
        total: number;
        captured: number;
        review: boolean;
      }
    | undefined,
) {
  if (!r) return undefined;
  return {
    lines: r.lines.map((l) => `${l.sku}×${l.qty ?? l.grams}:${l.status}`).sort(),
    total: r.total,
    captured: r.captured,
    review: r.review,
  };
}

describe("crash safety", () => {
  it("SIGKILL mid-stream and restart: nothing acknowledged is lost, baskets rebuild, nobody is charged twice", async () => {
    const dir = mkdtempSync(join(tmpdir(), "skiplane-crash-"));
    const httpPort = await freePort();
    const mqttPort = await freePort();
    const env = {
      SKIPLANE_SQLITE_FILE: join(dir, "db.sqlite"),
      SKIPLANE_DEMO_STORE: STORE,
      SKIPLANE_DEMO_CARTS: String(CARTS),
      SKIPLANE_DEMO_KEYS_FILE: join(dir, "demo.json"),
      SKIPLANE_KEY_FILE: join(dir, "receipt-key"),
      SKIPLANE_PORT: String(httpPort),
      SKIPLANE_HOST: "127.0.0.1",
      SKIPLANE_MQTT_PORT: String(mqttPort),
      SKIPLANE_MQTT_HOST: "127.0.0.1",
      SKIPLANE_LOG_LEVEL: "warn",
    };
    const http = `http://127.0.0.1:${httpPort}`;
    let server = spawnServer(env);
    procs.push(server);
    await waitReady(http, server);
    const demo = JSON.parse(readFileSync(join(dir, "demo.json"), "utf8")) as DemoCredentials;

    // ---- carts stream, one message in flight each; a failed publish is retried after reconnect
    const acked = new Set<string>();
    const all = new Map<string, CartMessage[]>();
    let sent = 0;
    const total = demo.carts.length * tripsFor("x", 0).reduce((n, t) => n + t.messages.length, 0);
    const drivers = demo.carts.map(async ({ cart, secret }, i) => {
      const messages = tripsFor(cart, i).flatMap((t) => t.messages);
      all.set(cart, messages);
      const client = mqtt.connect(`mqtt://127.0.0.1:${mqttPort}`, {
        username: cart,
        password: secret,
        clientId: `crash-${cart}`,
        reconnectPeriod: 200,
        connectTimeout: 5000,
      });
      clients.push(client);
      for (const m of messages) {
        for (;;) {
          if (!client.connected) {
            await new Promise((r) => setTimeout(r, 50));
            continue;
          }
          try {
            await client.publishAsync(eventsTopic(STORE, cart), JSON.stringify(m), { qos: 1 });
            for (const e of m) acked.add(String(e.id));
            sent++;
            break;
          } catch {
            await new Promise((r) => setTimeout(r, 50));
          }
        }
      }
    });

    // ---- kill it once about 40 % of the messages are acknowledged, start it again
    while (sent < total * 0.4) await new Promise((r) => setTimeout(r, 5));
    const ackedAtKill = acked.size;
    server.child.kill("SIGKILL");
    expect(await server.exited).toBe("SIGKILL");
    server = spawnServer(env);
    procs.push(server);
    await waitReady(http, server);
    await Promise.all(drivers);
    expect(acked.size).toBeGreaterThan(ackedAtKill);

    // ---- wait until every session is settled, then stop the server and look at the file
    const key = demo.apiKeys.operator;
    const sessions = async () =>
      (await (
        await fetch(`${http}/api/v1/stores/${STORE}/sessions?limit=1000`, {
          headers: { authorization: `Bearer ${key}` },
        })
      ).json()) as {
        session: string;
        open: boolean;
        receipt?: Parameters<typeof summarise>[0];
      }[];
    const t0 = Date.now();
    let list = await sessions();
    while ((list.length < CARTS * 2 || list.some((s) => s.open)) && Date.now() - t0 < 120_000) {
      await new Promise((r) => setTimeout(r, 200));
      list = await sessions();
    }
    const db = new BetterSqlite3(env.SKIPLANE_SQLITE_FILE, { readonly: true });
    const keys = new Set(
      (db.prepare("SELECT key FROM raw_events WHERE store = ?").all(STORE) as { key: string }[]).map(
        (r) => r.key,
      ),
    );
    const lost = [...acked].filter((id) => !keys.has(rawEventKey({ id } as CartEvent)));
    expect(lost).toEqual([]);

    const captures = db
      .prepare(
        "SELECT stream, COUNT(*) AS n FROM events WHERE store = ? AND type = 'PaymentCaptured' GROUP BY stream",
      )
      .all(STORE) as { stream: string; n: number }[];
    expect(captures.filter((c) => c.n > 1)).toEqual([]);
    db.close();

    // ---- every basket as an uninterrupted run makes it
    const reference = await referenceReceipts(all);
    expect(list.length).toBe(CARTS * 2);
    const got = new Map<string, ReturnType<typeof summarise>>();
    for (const s of list) {
      const one = await fetch(`${http}/api/v1/stores/${STORE}/sessions/${s.session}`, {
        headers: { authorization: `Bearer ${key}` },
      });
      got.set(s.session, summarise((await one.json()).receipt));
    }
    expect(Object.fromEntries(got)).toEqual(Object.fromEntries(reference));
    server.child.kill("SIGTERM");
    expect(await server.exited).toBe(0);
    const charged = [...got.values()].filter((r) => r && r.captured > 0).length;
    expect(charged).toBeGreaterThan(0);
    expect(captures.length).toBe(charged);
  }, 400_000);
});
