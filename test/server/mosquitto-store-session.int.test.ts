/**
 * Cluster mode on Mosquitto with dynamic security: a store's persistent session (decision 0201)
 * is named by a client id no cart can work out. Mosquitto lets any account connect with a client
 * id in use and take that session over, subscriptions and queue included (docs/server.md "MQTT
 * client ids"); before 2026-12-06 the id was `{cluster.sessionPrefix}-{store}` (default
 * `skiplane-store-{store}`, the store id being on every cart's topics), so a provisioned cart
 * connecting with it cut the store's owner off and was handed another cart's events. A cluster
 * node in this test's process (`startClusterNode`), the real PostgreSQL (a schema of the test's
 * own) and a private Mosquitto with dynsec (the shared one on 1883 is anonymous: no accounts).
 *
 * - a cart connecting as `skiplane-store-{store}` (clean off) neither disconnects the store's
 *   session nor gets another cart's event, and that event is recorded (before: the session cut
 *   off, the event delivered to the cart);
 * - upgrading: what an earlier version's owner left in the old session `skiplane-store-{store}`
 *   is recorded, in order, and the old session is then gone; later events come through the new one.
 */
import mqtt, { type MqttClient } from "mqtt";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ClusterNode } from "../../src/adapters/cluster/cluster-node";
import { storeEventsFilter } from "../../src/adapters/cluster/store-lane";
import { apiKeyHash, newApiKey } from "../../src/adapters/http/tokens";
import { ExternalBroker } from "../../src/adapters/mqtt/external-broker";
import { eventsTopic } from "../../src/adapters/mqtt/topics";
import { dropTestSchema, TEST_PG_URL, uniqueSchemaName } from "../../src/adapters/postgres/test-schema";
import { type DynsecMosquitto, mosquittoAvailable, startMosquitto } from "../support/mosquitto";
import { callStoreApi } from "../support/store-api";
import { startTestClusterNode } from "./support/cluster-node";

/** resolves once `cond()` holds, or after `ms` (the test's expectation then says what was seen) */
async function until(cond: () => Promise<boolean> | boolean, ms: number): Promise<void> {
  const end = Date.now() + ms;
  while (Date.now() < end && !(await cond())) await new Promise((r) => setTimeout(r, 50));
}

const account = { username: "skiplane-server", password: "server-secret" };
const mqttOpts = { protocolVersion: 5 as const, reconnectPeriod: 0 };

describe.skipIf(!mosquittoAvailable())("cluster store sessions on Mosquitto", () => {
  let broker: DynsecMosquitto;
  let db: pg.Pool;
  const clients: MqttClient[] = [];
  const nodes: ClusterNode[] = [];
  const schemas: string[] = [];

  beforeAll(async () => {
    broker = await startMosquitto();
    await ExternalBroker.bootstrapDynsec({ url: broker.url, admin: broker.admin, server: account });
    db = new pg.Pool({ connectionString: TEST_PG_URL, max: 2 });
  }, 60_000);
  afterAll(async () => {
    await Promise.all(clients.map((c) => c.endAsync(true).catch(() => undefined)));
    for (const n of nodes) await n.stop();
    await db?.end();
    for (const s of schemas) await dropTestSchema(s);
    await broker?.stop();
  }, 60_000);

  /** A cluster node serving `store` (default session prefix), on a schema of its own. */
  async function startNode(store: string): Promise<{ node: ClusterNode; schema: string }> {
    const schema = uniqueSchemaName("mss");
    schemas.push(schema);
    const node = await startTestClusterNode({
      schema,
      brokerUrl: broker.url,
      account,
      authRecheckSeconds: 3600,
      receiptKeyByte: 5,
      nodeId: `mss-${store}-${process.pid}`,
      stores: [store],
    });
    nodes.push(node);
    await until(() => node.ingress.lanes().some((l) => l.store === store && l.connected), 20_000);
    return { node, schema };
  }

  /** ids of the raw events recorded for `cart` of `store`, in order */
  const recorded = async (schema: string, store: string, cart: string) =>
    (
      await db.query<{ id: string }>(
        `SELECT event->>'id' AS id FROM "${schema}".raw_events WHERE store = $1 AND cart = $2 ORDER BY seq`,
        [store, cart],
      )
    ).rows.map((r) => r.id);

  const event = (store: string, cart: string, id: string) =>
    JSON.stringify({ v: 1, t: 1, store, cart, type: "plu", plu: "9", id });

  it("a cart connecting as skiplane-store-{store} takes nothing over", async () => {
    const STORE = "st-ss";
    const { node, schema } = await startNode(STORE);
    const key = newApiKey("key_ss_admin");
    await db.query(
      `INSERT INTO "${schema}".api_keys (id, store, role, key_hash, created_at, revoked) VALUES ($1, $2, 'admin', $3, $4, 0)`,
      ["key_ss_admin", STORE, apiKeyHash(key), Date.now()],
    );
    const url = `http://127.0.0.1:${node.port}`;
    const provision = async (cart: string) => {
      const r = await callStoreApi(url, STORE, key, "POST", "/carts", { cart });
      expect(r.status).toBe(201);
      return r.body.secret as string;
    };
    const s1 = await provision("cart-1");
    const s2 = await provision("cart-2");

    const lane = () => node.ingress.lanes().find((l) => l.store === STORE);
    const before = lane()?.reconnects;
    const stolen: string[] = [];
    const thief = await mqtt.connectAsync(broker.url, {
      ...mqttOpts,
      username: "cart-2",
      password: s2,
      clientId: `skiplane-store-${STORE}`,
      clean: false,
      properties: { sessionExpiryInterval: 3600 },
    });
    clients.push(thief);
    thief.on("message", (_t, p) => stolen.push(p.toString()));
    const cart1 = await mqtt.connectAsync(broker.url, { ...mqttOpts, username: "cart-1", password: s1 });
    clients.push(cart1);
    await cart1.publishAsync(eventsTopic(STORE, "cart-1"), event(STORE, "cart-1", "e1"), { qos: 1 });
    await until(async () => (await recorded(schema, STORE, "cart-1")).length === 1, 5000);
    // before: the store's session cut off (reconnects) and e1 handed to cart-2
    expect({
      reconnects: (lane()?.reconnects ?? 0) - (before ?? 0),
      connected: lane()?.connected,
      stolen,
      recorded: await recorded(schema, STORE, "cart-1"),
    }).toEqual({ reconnects: 0, connected: true, stolen: [], recorded: ["e1"] });
  }, 60_000);

  it("upgrading: the old session's queued events are recorded in order, then it is gone", async () => {
    const STORE = "st-up";
    const legacyId = `skiplane-store-${STORE}`;
    // an earlier version's owner: its session subscribed, then left with events queued
    const old = await mqtt.connectAsync(broker.url, {
      ...mqttOpts,
      ...account,
      clientId: legacyId,
      clean: false,
      properties: { sessionExpiryInterval: 3600 },
    });
    await old.subscribeAsync(storeEventsFilter(STORE), { qos: 1 });
    await old.endAsync();
    const pub = await mqtt.connectAsync(broker.url, { ...mqttOpts, ...account });
    clients.push(pub);
    for (const id of ["q1", "q2", "q3"])
      await pub.publishAsync(eventsTopic(STORE, "cart-q"), event(STORE, "cart-q", id), { qos: 1 });

    const { schema } = await startNode(STORE);
    await until(async () => (await recorded(schema, STORE, "cart-q")).length >= 3, 15_000);
    expect(await recorded(schema, STORE, "cart-q")).toEqual(["q1", "q2", "q3"]);
    await pub.publishAsync(eventsTopic(STORE, "cart-q"), event(STORE, "cart-q", "q4"), { qos: 1 });
    await until(async () => (await recorded(schema, STORE, "cart-q")).length >= 4, 5000);
    expect(await recorded(schema, STORE, "cart-q")).toEqual(["q1", "q2", "q3", "q4"]);
    // the old session was deleted: connecting with its id finds none
    const probe = mqtt.connect(broker.url, {
      ...mqttOpts,
      ...account,
      clientId: legacyId,
      clean: false,
      properties: { sessionExpiryInterval: 0 },
    });
    clients.push(probe);
    const present = await new Promise<boolean>((r) => probe.once("connect", (ack) => r(ack.sessionPresent)));
    expect(present).toBe(false);
  }, 60_000);
});
