/**
 * Cluster mode: a revocation made through one process closes the live sockets it concerns on
 * every process (the revocation bus, src/adapters/cluster/cluster-broker.ts). Two cluster nodes
 * in this test's process (`startClusterNode`) on the real PostgreSQL (a schema of the test's own)
 * and a private Mosquitto; the periodic recheck is an hour, so only the bus can close a socket
 * within the test. Before 2026-12-05 a cart revoked through node A kept its screen socket on
 * node B streaming (and there was no key revocation at all).
 *
 * - a cart revoked through A: its screen socket on B closes (4401);
 * - a cart re-keyed through A: its old-secret socket on B closes, a socket opened with the new
 *   secret on B stays (the bus makes B check again, it does not close blindly);
 * - an API key revoked through A's route: its dashboard socket on B closes; another key's stays;
 * - a head-office key (scope `*`) revoked through A's chain route: its socket on B closes;
 * - a client connecting with a node's former connection id (`{prefix}-node-{node}`) takes nothing
 *   over: before 2026-12-06 it cut B's connection off (session taken over), B missed the
 *   revocation and its socket stayed open (the broker lets any account take a client id over:
 *   docs/server.md "MQTT client ids"); the node's id now has a random part.
 */
import mqtt, { type MqttClient } from "mqtt";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type WebSocket from "ws";
import type { ClusterNode } from "../../src/adapters/cluster/cluster-node";
import { apiKeyHash, newApiKey } from "../../src/adapters/http/tokens";
import { openPostgresStorage } from "../../src/adapters/postgres/postgres-storage";
import { dropTestSchema, TEST_PG_URL, uniqueSchemaName } from "../../src/adapters/postgres/test-schema";
import type { ApiRole } from "../../src/app/ports/read-models";
import { mosquittoInstalled, startMosquitto, type TestMosquitto } from "../support/mosquitto";
import { callStoreApi } from "../support/store-api";
import { startTestClusterNode } from "./support/cluster-node";
import { followSocket, within } from "./support/live-socket";

const STORE = "st-rv";
const schema = uniqueSchemaName("revoke");
let broker: TestMosquitto;
let a: ClusterNode;
let b: ClusterNode;
let admin: Opened;
type Opened = Awaited<ReturnType<typeof openPostgresStorage>>;
const sockets: WebSocket[] = [];
const clients: MqttClient[] = [];

async function node(name: string): Promise<ClusterNode> {
  return startTestClusterNode({
    schema,
    brokerUrl: broker.url,
    authRecheckSeconds: 3600,
    receiptKeyByte: 9,
    nodeId: `${name}-${process.pid}`,
    stores: [STORE],
    sessionPrefix: `rv-${process.pid}`,
  });
}

const available = mosquittoInstalled();

beforeAll(async () => {
  if (!available) return;
  broker = await startMosquitto({ dynsec: false });
  a = await node("a");
  b = await node("b");
  admin = await openPostgresStorage({ connectionString: TEST_PG_URL, schema });
}, 60_000);
afterAll(async () => {
  for (const ws of sockets.splice(0)) ws.terminate();
  for (const c of clients.splice(0)) await c.endAsync(true).catch(() => undefined);
  await a?.stop();
  await b?.stop();
  await admin?.close();
  await broker?.dispose();
  await dropTestSchema(schema);
}, 60_000);

async function addKey(id: string, role: ApiRole, store = STORE): Promise<string> {
  const key = newApiKey(id);
  await admin.apiKeys.create({ id, store, role, keyHash: apiKeyHash(key), createdAt: Date.now() });
  return key;
}

const url = (n: ClusterNode) => `http://127.0.0.1:${n.port}`;

const follow = (n: ClusterNode, auth: object, sub: object) => followSocket(url(n), auth, sub, sockets);

describe.skipIf(!available)("cluster: revocation reaches every process", () => {
  it("a cart revoked or re-keyed through A closes its sockets on B; a key revoked through A, too", async () => {
    const adminKey = await addKey("key_rv_admin", "admin");
    const provision = async (cart: string) => {
      const r = await callStoreApi(url(a), STORE, adminKey, "POST", "/carts", { cart });
      expect(r.status).toBe(201);
      return r.body.secret as string;
    };

    // revoked through A: B's screen socket closes
    const s1 = await provision("rv-cart-1");
    const onB = await follow(b, { cart: "rv-cart-1", secret: s1 }, { store: STORE, cart: "rv-cart-1" });
    expect((await callStoreApi(url(a), STORE, adminKey, "POST", "/carts/rv-cart-1/revoke")).status).toBe(200);
    expect(await within(onB.closed, 5000)).toBe(4401);

    // re-keyed through A: the old secret's socket on B closes, the new one's stays
    const old = await provision("rv-cart-2");
    const oldOnB = await follow(b, { cart: "rv-cart-2", secret: old }, { store: STORE, cart: "rv-cart-2" });
    const fresh = await provision("rv-cart-2");
    expect(await within(oldOnB.closed, 5000)).toBe(4401);
    const freshOnB = await follow(
      b,
      { cart: "rv-cart-2", secret: fresh },
      { store: STORE, cart: "rv-cart-2" },
    );
    // another revocation message (of another cart) makes B check again: the new secret holds
    await provision("rv-cart-3");
    await callStoreApi(url(a), STORE, adminKey, "POST", "/carts/rv-cart-3/revoke");
    expect(await within(freshOnB.closed, 1500)).toBe("still open");

    // an API key revoked through A's route: its dashboard socket on B closes, another key's stays
    const operator = await addKey("key_rv_op", "operator");
    const reviewer = await addKey("key_rv_rev", "reviewer");
    const dash = await follow(b, { key: operator }, { store: STORE });
    const console_ = await follow(b, { key: reviewer }, { store: STORE });
    const r = await callStoreApi(url(a), STORE, adminKey, "POST", "/api-keys/key_rv_op/revoke");
    expect(r.status).toBe(200);
    expect(await within(dash.closed, 5000)).toBe(4401);
    expect(await within(console_.closed, 1000)).toBe("still open");
    expect((await callStoreApi(url(b), STORE, operator, "GET", "/stats")).status).toBe(401);
  }, 60_000);

  it("a head-office key revoked through A's chain route closes its socket on B", async () => {
    const hqAdmin = await addKey("key_rv_hq_admin", "admin", "*");
    const hqOp = await addKey("key_rv_hq_op", "operator", "*");
    const onB = await follow(b, { key: hqOp }, { store: STORE });
    const res = await fetch(`${url(a)}/api/v1/chain/api-keys/key_rv_hq_op/revoke`, {
      method: "POST",
      headers: { authorization: `Bearer ${hqAdmin}` },
    });
    expect(res.status).toBe(200);
    expect(await within(onB.closed, 5000)).toBe(4401);
    expect((await callStoreApi(url(b), STORE, hqOp, "GET", "/stats")).status).toBe(401);
  }, 30_000);

  it("a client with a node's former connection id neither cuts the node off nor hears its revocations", async () => {
    const adminKey = await addKey("key_rv_admin_id", "admin");
    const made = await callStoreApi(url(a), STORE, adminKey, "POST", "/carts", { cart: "rv-cart-id" });
    expect(made.status).toBe(201);
    const secret = made.body.secret as string;
    const onB = await follow(b, { cart: "rv-cart-id", secret }, { store: STORE, cart: "rv-cart-id" });
    const heard: string[] = [];
    const thief = await mqtt.connectAsync(broker.url, {
      clientId: `rv-${process.pid}-node-b-${process.pid}`,
      clean: false,
      protocolVersion: 5,
      reconnectPeriod: 0,
      properties: { sessionExpiryInterval: 3600 },
    });
    clients.push(thief);
    thief.on("message", (t) => heard.push(t));
    expect((await callStoreApi(url(a), STORE, adminKey, "POST", "/carts/rv-cart-id/revoke")).status).toBe(
      200,
    );
    const closed = await within(onB.closed, 5000);
    // before: {heard: [], closed: "still open"} — B cut off as the revocation went out, so it missed it
    expect({ heard, closed }).toEqual({ heard: [], closed: 4401 });
  }, 30_000);
});
