/**
 * A cart's events are input, not state: exchange-v1 §5 retains only the server's `screen` (and the
 * presence extension a cart's `status`). Mosquitto (2.0.11, dynamic security) lets a cart publish
 * on its events topic *retained* — no ACL governs the flag — and then hands the stored event to
 * every later subscription, a new MQTT 5 shared subscription included (the spec says it should
 * not): measured, a restarted server (a new client id, so a new subscription) was handed the
 * cart's event again, and so was any monitoring client, until the topic was cleared by hand.
 *
 * Since 2026-12-06 (session 12) the servers subscribe to events with retain handling 2 (nothing
 * retained at subscribe time) and retain-as-published, so a message the cart sent retained arrives
 * flagged: it is taken as any other (as the embedded broker does) and the broker's copy is cleared
 * at once (an empty retained publish, whose echo is ignored — not answered as bad JSON). The
 * embedded broker never stored one (its hook clears the flag): the same case, both engines.
 */
import mqtt, { type MqttClient } from "mqtt";
import pg from "pg";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { ClusterNode } from "../../src/adapters/cluster/cluster-node";
import { apiKeyHash, newApiKey } from "../../src/adapters/http/tokens";
import { CartGateway } from "../../src/adapters/mqtt/cart-gateway";
import { ExternalBroker } from "../../src/adapters/mqtt/external-broker";
import { errorsTopic, eventsTopic } from "../../src/adapters/mqtt/topics";
import { dropTestSchema, TEST_PG_URL, uniqueSchemaName } from "../../src/adapters/postgres/test-schema";
import { type DynsecMosquitto, mosquittoAvailable, startMosquitto } from "../support/mosquitto";
import { callStoreApi } from "../support/store-api";
import { startTestClusterNode } from "./support/cluster-node";
import { CountingIngest } from "./support/counting-ingest";
import { addApiKey } from "./support/in-process-server";
import { closeServerClient, connectServerClient, SERVER_ACCOUNT } from "./support/server-client";
import { TwoWaterStores } from "./support/two-water-stores";

const STORE = "st-re";
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const weight = (store: string, cart: string, id: string, t: number) =>
  JSON.stringify({ v: 1, id, t, type: "weight", store, cart, grams: 538 });

describe.skipIf(!mosquittoAvailable())("Mosquitto: a cart's event published retained", () => {
  let mosq: DynsecMosquitto;
  let server: ExternalBroker;
  const ingest = new CountingIngest();
  const clients: MqttClient[] = [];
  const servers: ExternalBroker[] = [];

  beforeAll(async () => {
    mosq = await startMosquitto();
    server = await connectServerClient(mosq, ingest);
    await server.enableDynsec();
    await server.provisionCart(STORE, "cart-1", "secret-1");
  });
  afterAll(async () => {
    await Promise.all(servers.map((s) => s.close()));
    await closeServerClient(clients, server, mosq);
  });

  it("is taken once and cleared: neither a restarted server nor another subscriber is handed it again", async () => {
    const cart = await mqtt.connectAsync(mosq.url, {
      username: "cart-1",
      password: "secret-1",
      reconnectPeriod: 0,
    });
    clients.push(cart);
    const errors: string[] = [];
    cart.on("message", (_t, p) => errors.push(p.toString()));
    await cart.subscribeAsync(errorsTopic(STORE, "cart-1"), { qos: 1 });
    await cart.publishAsync(eventsTopic(STORE, "cart-1"), weight(STORE, "cart-1", "e-1", 1000), {
      qos: 1,
      retain: true,
    });
    await sleep(500);
    expect(ingest.of(STORE, "cart-1").map((e) => e.id)).toEqual(["e-1"]);

    // a restarted server: a new client id, so a new (shared) subscription
    const restarted = new CountingIngest();
    // (connected as the server connects, not through connectServerClient: re-making the server's
    // broker account would have Mosquitto disconnect the first server)
    servers.push(
      await ExternalBroker.connect({
        url: mosq.url,
        gateway: new CartGateway({ ingest: restarted }),
        ...SERVER_ACCOUNT,
      }),
    );
    // a monitoring client with the server's account, subscribing as MQTT clients do by default
    const seen: string[] = [];
    const monitor = await mqtt.connectAsync(mosq.url, { ...SERVER_ACCOUNT, reconnectPeriod: 0 });
    clients.push(monitor);
    monitor.on("message", (_t, p, packet) => {
      if (packet.retain) seen.push(p.toString());
    });
    await monitor.subscribeAsync(eventsTopic(STORE, "cart-1"), { qos: 1 });
    await sleep(500);
    // before: the restarted server [e-1], the monitor [the event]
    expect({ restarted: restarted.of(STORE, "cart-1").map((e) => e.id), seen }).toEqual({
      restarted: [],
      seen: [],
    });
    // the clearing's echo was not answered as a malformed message; the cart's events go on as ever
    await cart.publishAsync(eventsTopic(STORE, "cart-1"), weight(STORE, "cart-1", "e-2", 1250), { qos: 1 });
    const taken = () => [...ingest.of(STORE, "cart-1"), ...restarted.of(STORE, "cart-1")].map((e) => e.id);
    for (let i = 0; i < 50 && taken().length < 2; i++) await sleep(100);
    expect(taken()).toEqual(["e-1", "e-2"]);
    await sleep(300);
    expect(errors).toEqual([]);
  }, 30_000);
});

describe.skipIf(!mosquittoAvailable())(
  "Mosquitto, a cluster's store lane: a cart's event published retained",
  () => {
    let mosq: DynsecMosquitto;
    let db: pg.Pool;
    let node: ClusterNode | undefined;
    const schema = uniqueSchemaName("rev");
    const clients: MqttClient[] = [];
    afterAll(async () => {
      await Promise.all(clients.map((c) => c.endAsync(true).catch(() => undefined)));
      await node?.stop();
      await db?.end();
      await dropTestSchema(schema);
      await mosq?.stop();
    }, 60_000);

    it("is recorded once and cleared: a later subscriber is handed nothing", async () => {
      mosq = await startMosquitto();
      await ExternalBroker.bootstrapDynsec({ url: mosq.url, admin: mosq.admin, server: SERVER_ACCOUNT });
      db = new pg.Pool({ connectionString: TEST_PG_URL, max: 2 });
      const store = "st-rl";
      node = await startTestClusterNode({
        schema,
        brokerUrl: mosq.url,
        account: SERVER_ACCOUNT,
        authRecheckSeconds: 3600,
        receiptKeyByte: 7,
        nodeId: `rev-${process.pid}`,
        stores: [store],
      });
      const lanes = () => node?.ingress.lanes() ?? [];
      for (let i = 0; i < 200 && !lanes().some((l) => l.store === store && l.connected); i++)
        await sleep(100);
      const key = newApiKey("key_rl_admin");
      await db.query(
        `INSERT INTO "${schema}".api_keys (id, store, role, key_hash, created_at, revoked) VALUES ($1, $2, 'admin', $3, $4, 0)`,
        ["key_rl_admin", store, apiKeyHash(key), Date.now()],
      );
      const r = await callStoreApi(`http://127.0.0.1:${node.port}`, store, key, "POST", "/carts", {
        cart: "cart-1",
      });
      expect(r.status).toBe(201);
      const cart = await mqtt.connectAsync(mosq.url, {
        username: "cart-1",
        password: r.body.secret as unknown as string,
        reconnectPeriod: 0,
      });
      clients.push(cart);
      const errors: string[] = [];
      cart.on("message", (_t, p) => errors.push(p.toString()));
      await cart.subscribeAsync(errorsTopic(store, "cart-1"), { qos: 1 });
      await cart.publishAsync(eventsTopic(store, "cart-1"), weight(store, "cart-1", "e-1", 1000), {
        qos: 1,
        retain: true,
      });
      const recorded = async () =>
        (
          await db.query<{ id: string }>(
            `SELECT event->>'id' AS id FROM "${schema}".raw_events WHERE store = $1 AND cart = $2 ORDER BY seq`,
            [store, "cart-1"],
          )
        ).rows.map((x) => x.id);
      for (let i = 0; i < 50 && (await recorded()).length === 0; i++) await sleep(100);
      await sleep(300);
      const seen: string[] = [];
      const monitor = await mqtt.connectAsync(mosq.url, { ...SERVER_ACCOUNT, reconnectPeriod: 0 });
      clients.push(monitor);
      monitor.on("message", (_t, p, packet) => {
        if (packet.retain) seen.push(p.toString());
      });
      await monitor.subscribeAsync(eventsTopic(store, "cart-1"), { qos: 1 });
      await sleep(500);
      // before: seen [the event], kept for every later subscription (the lane's own at each acquisition)
      expect({ recorded: await recorded(), seen, errors }).toEqual({
        recorded: ["e-1"],
        seen: [],
        errors: [],
      });
    }, 60_000);
  },
);

describe.each(["false", "true"])(
  "embedded broker (thread %s): a cart's event published retained",
  (thread) => {
    const stores = new TwoWaterStores("skiplane-retained-events-");
    afterEach(() => stores.stop());

    it("is taken and never kept: a later subscriber (the service account) is handed nothing", async () => {
      const s = await stores.start({
        env: {
          SKIPLANE_MQTT_THREAD: thread,
          SKIPLANE_MQTT_USERNAME: "svc",
          SKIPLANE_MQTT_PASSWORD: "svc-secret",
        },
      });
      const admin = await addApiKey(s, "key_admin", "st-a", "admin");
      const r = await callStoreApi(s.httpUrl, "st-a", admin, "POST", "/carts", { cart: "cart-1" });
      expect(r.status).toBe(201);
      const url = `mqtt://127.0.0.1:${s.mqttPort}`;
      const cart = await mqtt.connectAsync(url, {
        username: "cart-1",
        password: r.body.secret as unknown as string,
        reconnectPeriod: 0,
      });
      const errors: string[] = [];
      cart.on("message", (_t, p) => errors.push(p.toString()));
      await cart.subscribeAsync(errorsTopic("st-a", "cart-1"), { qos: 1 });
      await cart.publishAsync(
        eventsTopic("st-a", "cart-1"),
        JSON.stringify({
          v: 1,
          id: "e-1",
          t: Date.now(),
          type: "session.start",
          store: "st-a",
          cart: "cart-1",
          session: "s-1",
        }),
        { qos: 1, retain: true },
      );
      const svc = await mqtt.connectAsync(url, {
        username: "svc",
        password: "svc-secret",
        reconnectPeriod: 0,
      });
      const seen: string[] = [];
      svc.on("message", (_t, p) => seen.push(p.toString()));
      await svc.subscribeAsync(eventsTopic("st-a", "cart-1"), { qos: 1 });
      await sleep(300);
      await svc.endAsync(true);
      await cart.endAsync(true);
      expect({ seen, errors }).toEqual({ seen: [], errors: [] });
      const open = await callStoreApi(s.httpUrl, "st-a", admin, "GET", "/sessions?open=true");
      expect((open.body as unknown as { session: string }[]).map((x) => x.session)).toEqual(["s-1"]);
    }, 30_000);
  },
);
