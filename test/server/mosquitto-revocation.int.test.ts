/**
 * Revocation on an external broker (a real Mosquitto of the test's own with dynamic security, the
 * whole server on it). Before 2026-12-05 a cart revoked in the database directly (not through the
 * API) kept its dynsec account until the next server start: it stayed connected, and reconnected
 * with its old secret whenever it liked.
 *
 * - a cart revoked in the SQLite file by another connection: its MQTT connection closes and its
 *   secret is refused within `http.authRecheckSeconds` (1 s here); re-provisioned through the
 *   API it connects with the new secret, and revoked in the database again it is cut off again
 *   (the sweep remembers a cart by its secret hash, not by its id);
 * - cluster mode, two nodes on the real PostgreSQL: a cart revoked in the database is cut off the
 *   same way (by the node that owns its store);
 * - two NON-cluster servers on one PostgreSQL schema behind this Mosquitto (`mqtt.shared`), the
 *   recheck an hour: a cart revoked and a key revoked through A close their sockets on B at once,
 *   over the revocation bus (before: only within B's recheck); a bus message about a cart that is
 *   still valid, published with the server's account, closes nothing (the receiver asks its
 *   database; the message carries no authority);
 * - a cart revoked in the database directly, non-cluster (A's recheck 1 s, B's an hour) and
 *   cluster (the owning node's 1 s, the other's an hour): the sweep that disables its account
 *   puts it on the bus, so its screen socket on B closes at once (before: only at B's own recheck).
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import BetterSqlite3 from "better-sqlite3";
import mqtt, { type MqttClient } from "mqtt";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type WebSocket from "ws";
import type { ClusterNode } from "../../src/adapters/cluster/cluster-node";
import { apiKeyHash, newApiKey } from "../../src/adapters/http/tokens";
import { ExternalBroker } from "../../src/adapters/mqtt/external-broker";
import { openPostgresStorage } from "../../src/adapters/postgres/postgres-storage";
import { dropTestSchema, TEST_PG_URL, uniqueSchemaName } from "../../src/adapters/postgres/test-schema";
import type { RunningServer } from "../../src/main";
import { type DynsecMosquitto, mosquittoAvailable, startMosquitto } from "../support/mosquitto";
import { callStoreApi } from "../support/store-api";
import { startTestClusterNode } from "./support/cluster-node";
import { followSocket, within } from "./support/live-socket";
import { startServerOnMosquitto } from "./support/mosquitto-server";

const STORE = "st-rvm";
const account = { username: "skiplane-server", password: "server-secret" };
const CATALOG = {
  currency: "USD",
  products: [{ sku: "water-500", name: "Water", price: 129, soldBy: "unit", weight: { mean: 538, sd: 13 } }],
};

describe.skipIf(!mosquittoAvailable())("revocation on Mosquitto with dynamic security", () => {
  let broker: DynsecMosquitto;
  let dir: string;
  const clients: MqttClient[] = [];
  const servers: RunningServer[] = [];
  const nodes: ClusterNode[] = [];
  const schemas: string[] = [];

  /** A cart's connection, or the CONNACK reason code that refused it. */
  const connect = (username: string, password: string) =>
    mqtt.connectAsync(broker.url, { username, password, reconnectPeriod: 0, protocolVersion: 5 }).then(
      (c) => {
        clients.push(c);
        return c;
      },
      (err: Error & { code?: number }) => err.code ?? -1,
    );
  const sockets: WebSocket[] = [];
  /** A live socket on `httpUrl` authenticated with `auth` and following `sub`; `closed`: its close code. */
  const follow = (httpUrl: string, auth: object, sub: object) => followSocket(httpUrl, auth, sub, sockets);
  const closedOf = (c: MqttClient) => new Promise<string>((r) => c.once("close", () => r("closed")));

  beforeAll(async () => {
    broker = await startMosquitto();
    await ExternalBroker.bootstrapDynsec({ url: broker.url, admin: broker.admin, server: account });
    dir = mkdtempSync(join(tmpdir(), "skiplane-mrv-"));
    writeFileSync(join(dir, "catalog.json"), JSON.stringify(CATALOG));
  }, 60_000);
  afterAll(async () => {
    for (const ws of sockets) ws.terminate();
    await Promise.all(clients.map((c) => c.endAsync(true).catch(() => undefined)));
    for (const s of servers) await s.close();
    for (const n of nodes) await n.stop();
    for (const schema of schemas) await dropTestSchema(schema);
    await broker?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("a cart revoked in the database loses its broker account within the recheck; re-provisioned and revoked again, again", async () => {
    const { running, key } = await startServerOnMosquitto({
      dir,
      brokerUrl: broker.url,
      account,
      clientId: `skiplane-mrv-${process.pid}`,
      stores: [{ id: STORE, catalog: join(dir, "catalog.json"), defaultPaymentMethod: "pm_sandbox_test" }],
      keyId: "key_mrv_admin",
      keyStore: STORE,
      env: { SKIPLANE_AUTH_RECHECK_SECONDS: "1" },
    });
    servers.push(running);
    const provision = async (cart: string) => {
      const r = await callStoreApi(running.httpUrl, STORE, key, "POST", "/carts", { cart });
      expect(r.status).toBe(201);
      return r.body.secret as string;
    };
    const revokeInDb = (cart: string) => {
      const db = new BetterSqlite3(running.config.database.sqliteFile);
      db.prepare("UPDATE carts SET revoked = 1 WHERE store = ? AND cart = ?").run(STORE, cart);
      db.close();
    };
    const kept = await provision("cart-kept");
    const keptConn = await connect("cart-kept", kept);
    if (typeof keptConn === "number") throw new Error(`cart-kept refused: ${keptConn}`);
    const keptClosed = closedOf(keptConn);

    const first = await provision("cart-db");
    const conn = await connect("cart-db", first);
    if (typeof conn === "number") throw new Error(`cart-db refused: ${conn}`);
    const closed = closedOf(conn);
    revokeInDb("cart-db");
    // the bound is the recheck (1 s here); 5 s leaves room for a loaded machine
    expect(await within(closed, 5000)).toBe("closed");
    // MQTT 5: 0x86 bad user name or password / 0x87 not authorized (dynsec answers a disabled client with one)
    expect([134, 135]).toContain(await connect("cart-db", first));

    // re-provisioned through the API: the new secret connects, and stays
    const second = await provision("cart-db");
    const again = await connect("cart-db", second);
    if (typeof again === "number") throw new Error(`re-provisioned cart-db refused: ${again}`);
    const closedAgain = closedOf(again);
    expect(await within(closedAgain, 2500)).toBe("still open");
    // revoked in the database once more: cut off again
    revokeInDb("cart-db");
    expect(await within(closedAgain, 5000)).toBe("closed");
    expect([134, 135]).toContain(await connect("cart-db", second));

    // the other cart was never touched
    expect(await within(keptClosed, 100)).toBe("still open");
  }, 60_000);

  it("cluster mode: a cart revoked in the database loses its broker account within the recheck", async () => {
    const schema = uniqueSchemaName("mrvc");
    schemas.push(schema);
    const node = async (name: string) => {
      const n = await startTestClusterNode({
        schema,
        brokerUrl: broker.url,
        account,
        authRecheckSeconds: 1,
        receiptKeyByte: 7,
        nodeId: `${name}-${process.pid}`,
        stores: ["st-rvc"],
        sessionPrefix: `mrvc-${process.pid}`,
      });
      nodes.push(n);
      return n;
    };
    const a = await node("a");
    await node("b");
    const db = await openPostgresStorage({ connectionString: TEST_PG_URL, schema });
    try {
      const key = newApiKey("key_mrvc_admin");
      await db.apiKeys.create({
        id: "key_mrvc_admin",
        store: "st-rvc",
        role: "admin",
        keyHash: apiKeyHash(key),
        createdAt: Date.now(),
      });
      const made = await callStoreApi(`http://127.0.0.1:${a.port}`, "st-rvc", key, "POST", "/carts", {
        cart: "cart-rvc",
      });
      expect(made.status).toBe(201);
      const secret = made.body.secret as string;
      const conn = await connect("cart-rvc", secret);
      if (typeof conn === "number") throw new Error(`cart-rvc refused: ${conn}`);
      const closed = closedOf(conn);

      expect(await db.carts.revoke("st-rvc", "cart-rvc")).toBe(true);
      // the recheck (1 s) on whichever node holds the store's lease
      expect(await within(closed, 8000)).toBe("closed");
      expect([134, 135]).toContain(await connect("cart-rvc", secret));
    } finally {
      await db.close();
    }
  }, 60_000);

  it("non-cluster servers on one broker: a revocation through A closes the sockets on B at once (the bus)", async () => {
    const schema = uniqueSchemaName("mrvs");
    schemas.push(schema);
    const store = {
      id: "st-rvs",
      catalog: join(dir, "catalog.json"),
      defaultPaymentMethod: "pm_sandbox_test",
    };
    const start = async (name: string) => {
      const d = mkdtempSync(join(dir, `${name}-`));
      const s = await startServerOnMosquitto({
        dir: d,
        brokerUrl: broker.url,
        account,
        clientId: `skiplane-mrvs-${name}-${process.pid}`,
        stores: [store],
        keyId: `key_mrvs_${name}`,
        keyStore: "st-rvs",
        // only the bus can close B's sockets within the test
        env: {
          SKIPLANE_DATABASE_URL: TEST_PG_URL,
          SKIPLANE_DATABASE_SCHEMA: schema,
          SKIPLANE_AUTH_RECHECK_SECONDS: "3600",
        },
      });
      servers.push(s.running);
      return s;
    };
    const a = await start("a");
    const b = await start("b");
    const provision = async (cart: string) => {
      const r = await callStoreApi(a.running.httpUrl, "st-rvs", a.key, "POST", "/carts", { cart });
      expect(r.status).toBe(201);
      return r.body.secret as string;
    };
    const screenOnB = async (cart: string, secret: string) =>
      follow(b.running.httpUrl, { cart, secret }, { store: "st-rvs", cart });

    // a bus message about a cart still valid (the server's own account, as a process would send
    // it): B checks its database and keeps the socket
    const keptSecret = await provision("cart-rvs-kept");
    const kept = await screenOnB("cart-rvs-kept", keptSecret);
    const server = await mqtt.connectAsync(broker.url, {
      ...account,
      reconnectPeriod: 0,
      protocolVersion: 5,
    });
    clients.push(server);
    await server.publishAsync(
      "skiplane/v1/st-rvs/revoked",
      JSON.stringify({ kind: "cart", cart: "cart-rvs-kept" }),
      { qos: 1 },
    );

    // a cart revoked through A: its screen socket on B closes
    const secret = await provision("cart-rvs");
    const onB = await screenOnB("cart-rvs", secret);
    const r = await callStoreApi(a.running.httpUrl, "st-rvs", a.key, "POST", "/carts/cart-rvs/revoke");
    expect(r.status).toBe(200);
    expect(await within(onB.closed, 5000)).toBe(4401);

    // a key revoked through A's route: its dashboard socket on B closes
    const opKey = newApiKey("key_mrvs_op");
    await b.running.storage.apiKeys.create({
      id: "key_mrvs_op",
      store: "st-rvs",
      role: "operator",
      keyHash: apiKeyHash(opKey),
      createdAt: Date.now(),
    });
    const dash = await follow(b.running.httpUrl, { key: opKey }, { store: "st-rvs" });
    const k = await callStoreApi(a.running.httpUrl, "st-rvs", a.key, "POST", "/api-keys/key_mrvs_op/revoke");
    expect(k.status).toBe(200);
    expect(await within(dash.closed, 5000)).toBe(4401);

    expect(await within(kept.closed, 200)).toBe("still open");
  }, 60_000);

  it("a cart revoked in the database: the sweep that disables its account tells every process (the bus)", async () => {
    const schema = uniqueSchemaName("mrvd");
    schemas.push(schema);
    const store = {
      id: "st-rvd",
      catalog: join(dir, "catalog.json"),
      defaultPaymentMethod: "pm_sandbox_test",
    };
    const start = async (name: string, recheckSeconds: number) => {
      const d = mkdtempSync(join(dir, `${name}-`));
      const s = await startServerOnMosquitto({
        dir: d,
        brokerUrl: broker.url,
        account,
        clientId: `skiplane-mrvd-${name}-${process.pid}`,
        stores: [store],
        keyId: `key_mrvd_${name}`,
        keyStore: "st-rvd",
        env: {
          SKIPLANE_DATABASE_URL: TEST_PG_URL,
          SKIPLANE_DATABASE_SCHEMA: schema,
          SKIPLANE_AUTH_RECHECK_SECONDS: String(recheckSeconds),
        },
      });
      servers.push(s.running);
      return s;
    };
    // A sweeps every second; B's own sweep and socket recheck are an hour away
    const a = await start("a", 1);
    const b = await start("b", 3600);
    const made = await callStoreApi(a.running.httpUrl, "st-rvd", a.key, "POST", "/carts", {
      cart: "cart-rvd",
    });
    expect(made.status).toBe(201);
    const secret = made.body.secret as string;
    const conn = await connect("cart-rvd", secret);
    if (typeof conn === "number") throw new Error(`cart-rvd refused: ${conn}`);
    const onB = await follow(
      b.running.httpUrl,
      { cart: "cart-rvd", secret },
      { store: "st-rvd", cart: "cart-rvd" },
    );

    const closed = closedOf(conn);
    expect(await b.running.storage.carts.revoke("st-rvd", "cart-rvd")).toBe(true);
    // A's sweep (1 s) disables the account and announces it; 5 s leaves room for a loaded machine
    expect(await within(closed, 5000)).toBe("closed");
    expect(await within(onB.closed, 5000)).toBe(4401);
  }, 60_000);

  it("cluster mode: the owning node's sweep tells the other nodes of a cart revoked in the database", async () => {
    const schema = uniqueSchemaName("mrvk");
    schemas.push(schema);
    const node = async (name: string, authRecheckSeconds: number) => {
      const n = await startTestClusterNode({
        schema,
        brokerUrl: broker.url,
        account,
        authRecheckSeconds,
        receiptKeyByte: 7,
        nodeId: `${name}-${process.pid}`,
        stores: ["st-rvk"],
        sessionPrefix: `mrvk-${process.pid}`,
      });
      nodes.push(n);
      return n;
    };
    // a owns the store (and sweeps its carts every second) before b starts, b rechecks hourly
    const a = await node("a", 1);
    for (let i = 0; i < 100 && !a.ingress.serves("st-rvk"); i++) await new Promise((r) => setTimeout(r, 100));
    expect(a.ingress.serves("st-rvk")).toBe(true);
    const b = await node("b", 3600);
    const db = await openPostgresStorage({ connectionString: TEST_PG_URL, schema });
    try {
      const key = newApiKey("key_mrvk_admin");
      await db.apiKeys.create({
        id: "key_mrvk_admin",
        store: "st-rvk",
        role: "admin",
        keyHash: apiKeyHash(key),
        createdAt: Date.now(),
      });
      const made = await callStoreApi(`http://127.0.0.1:${a.port}`, "st-rvk", key, "POST", "/carts", {
        cart: "cart-rvk",
      });
      expect(made.status).toBe(201);
      const secret = made.body.secret as string;
      const onB = await follow(
        `http://127.0.0.1:${b.port}`,
        { cart: "cart-rvk", secret },
        { store: "st-rvk", cart: "cart-rvk" },
      );

      expect(await db.carts.revoke("st-rvk", "cart-rvk")).toBe(true);
      expect(b.ingress.serves("st-rvk")).toBe(false);
      expect(await within(onB.closed, 8000)).toBe(4401);
    } finally {
      await db.close();
    }
  }, 60_000);
});
