/**
 * Cart presence through a real Mosquitto (dynamic security): with an external broker the server
 * holds no cart connections, so the dashboard's `cartsOnline` read 0 whatever the carts did.
 * Presence now comes from what reaches the server (src/adapters/mqtt/cart-presence.ts): a cart's
 * retained status topic and its last will, or, for a cart without one, its events.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import mqtt, { type IClientOptions, type MqttClient } from "mqtt";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CartGateway } from "../../src/adapters/mqtt/cart-gateway";
import { ExternalBroker } from "../../src/adapters/mqtt/external-broker";
import { eventsTopic, statusTopic } from "../../src/adapters/mqtt/topics";
import type { RunningServer } from "../../src/main";
import { type DynsecMosquitto as Mosquitto, mosquittoAvailable, startMosquitto } from "../support/mosquitto";
import { callStoreApi } from "../support/store-api";
import { waitFor } from "../support/wait-for";
import { CountingIngest } from "./support/counting-ingest";
import { startServerOnMosquitto } from "./support/mosquitto-server";
import { writeWaterCatalog } from "./support/two-water-stores";

const STORE = "st-pres";
const available = mosquittoAvailable();
let mosq: Mosquitto;
const clients: MqttClient[] = [];
const brokers: ExternalBroker[] = [];
const account = { username: "skiplane-server", password: "server-secret" };
const ev = (cart: string, extra: object) => ({ v: 1, t: 1_700_000_000_000, store: STORE, cart, ...extra });

async function cart(username: string, password: string, extra: Partial<IClientOptions> = {}) {
  const c = await mqtt.connectAsync(mosq.url, {
    username,
    password,
    reconnectPeriod: 0,
    protocolVersion: 5,
    ...extra,
  });
  clients.push(c);
  return c;
}
/** a cart using the status extension: the will says offline, the first publish online */
async function announcingCart(username: string, password: string) {
  const c = await cart(username, password, {
    will: {
      topic: statusTopic(STORE, username),
      payload: Buffer.from('{"online":false}'),
      qos: 1,
      retain: true,
    },
  });
  await c.publishAsync(statusTopic(STORE, username), '{"online":true}', { qos: 1, retain: true });
  return c;
}
async function server(clock: { now: number }, clientId: string) {
  const b = await ExternalBroker.connect({
    url: mosq.url,
    gateway: new CartGateway({ ingest: new CountingIngest() }),
    ...account,
    clientId,
    presence: { windowMs: 10_000, now: () => clock.now },
  });
  brokers.push(b);
  return b;
}

describe.skipIf(!available)("cart presence through Mosquitto", () => {
  const clock = { now: 1_000_000 };
  let srv: ExternalBroker;
  beforeAll(async () => {
    mosq = await startMosquitto();
    await ExternalBroker.bootstrapDynsec({ url: mosq.url, admin: mosq.admin, server: account });
    srv = await server(clock, `skiplane-pres-${process.pid}`);
    await srv.enableDynsec();
    for (const c of ["cart-a", "cart-b", "cart-c"]) await srv.provisionCart(STORE, c, `secret-${c}`);
  }, 30_000);
  afterAll(async () => {
    await Promise.all(clients.map((c) => c.endAsync(true).catch(() => undefined)));
    for (const b of brokers) await b.close().catch(() => undefined);
    await mosq?.stop();
  });

  it("a cart streaming events is online; silent for longer than the window, it is not", async () => {
    expect(srv.onlineCarts()).toEqual(new Set());
    const c = await cart("cart-a", "secret-cart-a");
    await c.publishAsync(
      eventsTopic(STORE, "cart-a"),
      JSON.stringify(ev("cart-a", { type: "weight", grams: 3 })),
      {
        qos: 1,
      },
    );
    await waitFor(() => srv.onlineCarts().has("cart-a"));
    clock.now += 10_001;
    expect(srv.onlineCarts().has("cart-a")).toBe(false);
  });

  it("a cart announcing its status is online while connected, idle or not, and offline when its will arrives", async () => {
    const c = await announcingCart("cart-b", "secret-cart-b");
    await waitFor(() => srv.onlineCarts().has("cart-b"));
    clock.now += 60_000; // idle for a minute: still connected, still online
    expect(srv.onlineCarts().has("cart-b")).toBe(true);
    c.stream.destroy(); // the connection drops without a DISCONNECT: Mosquitto publishes the will
    await waitFor(() => !srv.onlineCarts().has("cart-b"));
  });

  it("a restarted server learns who is online from the retained statuses", async () => {
    await announcingCart("cart-c", "secret-cart-c");
    await waitFor(() => srv.onlineCarts().has("cart-c"));
    const restarted = await server(clock, `skiplane-pres-2-${process.pid}`);
    await waitFor(() => restarted.onlineCarts().has("cart-c"));
    expect(restarted.onlineCarts().has("cart-b")).toBe(false);
  });
});

describe.skipIf(!available)("the dashboard's cartsOnline with an external broker", () => {
  let dir: string;
  let running: RunningServer;
  let key: string;
  let broker: Mosquitto;
  beforeAll(async () => {
    broker = await startMosquitto();
    await ExternalBroker.bootstrapDynsec({ url: broker.url, admin: broker.admin, server: account });
    dir = mkdtempSync(join(tmpdir(), "skiplane-pres-"));
    writeWaterCatalog(dir);
    ({ running, key } = await startServerOnMosquitto({
      dir,
      brokerUrl: broker.url,
      account,
      clientId: `skiplane-pres-srv-${process.pid}`,
      stores: [{ id: STORE, catalog: join(dir, "catalog.json"), defaultPaymentMethod: "pm_sandbox_test" }],
      keyId: "key_pres_admin",
      keyStore: STORE,
    }));
  }, 60_000);
  afterAll(async () => {
    await running?.close();
    await broker?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  async function call(method: string, path: string, body?: unknown): Promise<Record<string, unknown>> {
    return (await callStoreApi(running.httpUrl, STORE, key, method, path, body)).body;
  }

  it("counts a provisioned cart online once it is connected, and not after it drops", async () => {
    const { secret } = (await call("POST", "/carts", { cart: "cart-s1" })) as { secret: string };
    await call("POST", "/carts", { cart: "cart-s2" });
    expect(await call("GET", "/stats")).toMatchObject({ cartsProvisioned: 2, cartsOnline: 0 });
    const c = await mqtt.connectAsync(broker.url, {
      username: "cart-s1",
      password: secret,
      reconnectPeriod: 0,
      protocolVersion: 5,
      will: {
        topic: statusTopic(STORE, "cart-s1"),
        payload: Buffer.from('{"online":false}'),
        qos: 1,
        retain: true,
      },
    });
    await c.publishAsync(statusTopic(STORE, "cart-s1"), '{"online":true}', { qos: 1, retain: true });
    let stats: Record<string, unknown> = {};
    for (let i = 0; i < 100 && stats.cartsOnline !== 1; i++) {
      stats = await call("GET", "/stats");
      if (stats.cartsOnline !== 1) await new Promise((r) => setTimeout(r, 50));
    }
    expect(stats).toMatchObject({ cartsProvisioned: 2, cartsOnline: 1 });
    const carts = (await call("GET", "/carts")) as unknown as { cart: string; online: boolean }[];
    expect(carts.map((x) => [x.cart, x.online]).sort()).toEqual([
      ["cart-s1", true],
      ["cart-s2", false],
    ]);
    c.stream.destroy();
    for (let i = 0; i < 100 && stats.cartsOnline !== 0; i++) {
      stats = await call("GET", "/stats");
      if (stats.cartsOnline !== 0) await new Promise((r) => setTimeout(r, 50));
    }
    expect(stats).toMatchObject({ cartsOnline: 0 });
  });
});
