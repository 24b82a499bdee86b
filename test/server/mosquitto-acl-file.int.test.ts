/**
 * Mosquitto without dynamic security (`mqtt.auth = none`): carts in a password file and the ACL
 * file docs/server.md gives — `pattern write skiplane/v1/+/carts/%u/events` and so on. MQTT
 * usernames are bare cart ids, so the pattern binds a cart to its id but not to its store, and
 * before 2026-12-06 (session 12) the server went by the topic's store: cart `cart-a1` of `st-a`
 * publishing `session.start` on `skiplane/v1/st-b/carts/cart-a1/events` opened a session in
 * `st-b`. Now behind an external broker a message counts only for a cart provisioned in its
 * topic's store (provisioned-carts.ts): refused `unknown-cart`, nothing recorded, while the cart's
 * own store takes its events as before.
 *
 * - the single process (SQLite);
 * - a cluster node (the real PostgreSQL, a schema of the test's own): its store lanes, one per
 *   owned store (before: `st-b`'s lane opened the session, as the single process had).
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import mqtt, { type MqttClient } from "mqtt";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ClusterNode } from "../../src/adapters/cluster/cluster-node";
import { apiKeyHash, newApiKey } from "../../src/adapters/http/tokens";
import { errorsTopic, eventsTopic } from "../../src/adapters/mqtt/topics";
import { openPostgresStorage } from "../../src/adapters/postgres/postgres-storage";
import { dropTestSchema, TEST_PG_URL, uniqueSchemaName } from "../../src/adapters/postgres/test-schema";
import type { RunningServer } from "../../src/main";
import { mosquittoInstalled, startMosquitto, type TestMosquitto } from "../support/mosquitto";
import { callStoreApi } from "../support/store-api";
import { startTestClusterNode } from "./support/cluster-node";
import { startServerOnMosquitto } from "./support/mosquitto-server";
import { writeWaterCatalog } from "./support/two-water-stores";

const SERVER = { username: "skiplane-server", password: "server-secret" };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe.skipIf(!mosquittoInstalled())("Mosquitto with a password file and the documented ACL file", () => {
  const dir = mkdtempSync(join(tmpdir(), "skiplane-acl-file-"));
  let mosq: TestMosquitto | undefined;
  let running: RunningServer | undefined;
  let node: ClusterNode | undefined;
  const schema = uniqueSchemaName("aclfile");
  const clients: MqttClient[] = [];
  beforeAll(async () => {
    const passwd = join(dir, "passwd");
    writeFileSync(passwd, "");
    for (const [user, pw] of [
      [SERVER.username, SERVER.password],
      ["cart-a1", "pw-a1"],
    ])
      execFileSync("mosquitto_passwd", ["-b", passwd, user, pw]);
    const acl = join(dir, "acl");
    writeFileSync(
      acl,
      [
        `user ${SERVER.username}`,
        "topic readwrite skiplane/#",
        "pattern write skiplane/v1/+/carts/%u/events",
        "pattern read skiplane/v1/+/carts/%u/screen",
        "pattern read skiplane/v1/+/carts/%u/errors",
        "",
      ].join("\n"),
    );
    mosq = await startMosquitto({
      dynsec: false,
      config: [`password_file ${passwd}`, `acl_file ${acl}`, "allow_anonymous false"],
    });
  }, 60_000);
  afterAll(async () => {
    await Promise.all(clients.map((c) => c.endAsync(true).catch(() => undefined)));
    await running?.close();
    await node?.stop();
    await mosq?.dispose();
    await dropTestSchema(schema);
    rmSync(dir, { recursive: true, force: true });
  }, 60_000);

  /**
   * cart-a1 (provisioned in st-a through `api`) publishes session.start under st-b's topic, then
   * under its own store's; what each store then has open, and the errors st-b's topic answered.
   */
  async function crossStoreStart(api: (store: string, method: string, path: string) => Promise<unknown>) {
    const cart = await mqtt.connectAsync(mosq?.url ?? "", {
      username: "cart-a1",
      password: "pw-a1",
      reconnectPeriod: 0,
    });
    clients.push(cart);
    const errors: string[] = [];
    cart.on("message", (_t, p) => errors.push(p.toString()));
    await cart.subscribeAsync(errorsTopic("st-b", "cart-a1"), { qos: 1 });
    const start = (store: string, session: string, id: string) =>
      cart.publishAsync(
        eventsTopic(store, "cart-a1"),
        JSON.stringify({ v: 1, id, t: Date.now(), type: "session.start", store, cart: "cart-a1", session }),
        { qos: 1 },
      );
    await start("st-b", "s-b", "e-b");
    await start("st-a", "s-a", "e-a");
    const open = async (store: string) =>
      ((await api(store, "GET", "/sessions?open=true")) as { session: string }[]).map((x) => x.session);
    for (let i = 0; i < 100 && (await open("st-a")).length === 0; i++) await sleep(100);
    for (let i = 0; i < 30 && errors.length === 0; i++) await sleep(100);
    await sleep(300);
    await cart.endAsync(true);
    return { a: await open("st-a"), b: await open("st-b"), errors: errors.map((e) => JSON.parse(e).reason) };
  }

  it("single process: a cart publishing under another store's topic is refused there; its own store takes it", async () => {
    const catalog = writeWaterCatalog(dir);
    const started = await startServerOnMosquitto({
      dir,
      brokerUrl: mosq?.url ?? "",
      account: SERVER,
      clientId: `skiplane-acl-file-${process.pid}`,
      stores: ["st-a", "st-b"].map((id) => ({ id, catalog, defaultPaymentMethod: "pm_sandbox_test" })),
      keyId: "key_chain_admin",
      keyStore: "*",
      env: { SKIPLANE_MQTT_AUTH: "none" },
    });
    running = started.running;
    const api = (store: string, method: string, path: string, body?: object) =>
      callStoreApi(started.running.httpUrl, store, started.key, method, path, body);
    expect((await api("st-a", "POST", "/carts", { cart: "cart-a1" })).status).toBe(201);
    // before: st-b had s-b open, for a cart of st-a
    expect(await crossStoreStart(async (s, m, p) => (await api(s, m, p)).body)).toEqual({
      a: ["s-a"],
      b: [],
      errors: ["unknown-cart"],
    });
    await running.close();
    running = undefined;
  }, 60_000);

  it("cluster: a store lane refuses a cart of another store; the cart's own store's lane takes it", async () => {
    node = await startTestClusterNode({
      schema,
      brokerUrl: mosq?.url ?? "",
      account: SERVER,
      auth: "none",
      authRecheckSeconds: 3600,
      receiptKeyByte: 11,
      nodeId: `acl-${process.pid}`,
      stores: ["st-a", "st-b"],
      sessionPrefix: `acl-${process.pid}`,
    });
    const n = node;
    for (let i = 0; i < 200 && n.ingress.lanes().filter((l) => l.connected).length < 2; i++) await sleep(100);
    expect(n.ingress.lanes().map((l) => [l.store, l.connected])).toEqual([
      ["st-a", true],
      ["st-b", true],
    ]);
    // the chain's admin key, as `skiplane keys create` makes one; the cart provisioned through the API
    const key = newApiKey("key_acl_admin");
    const admin = await openPostgresStorage({ connectionString: TEST_PG_URL, schema });
    try {
      await admin.apiKeys.create({
        id: "key_acl_admin",
        store: "*",
        role: "admin",
        keyHash: apiKeyHash(key),
        createdAt: Date.now(),
      });
    } finally {
      await admin.close();
    }
    const url = `http://127.0.0.1:${n.port}`;
    const api = (store: string, method: string, path: string, body?: object) =>
      callStoreApi(url, store, key, method, path, body);
    expect((await api("st-a", "POST", "/carts", { cart: "cart-a1" })).status).toBe(201);
    // before: st-b's lane opened s-b, for a cart of st-a
    expect(await crossStoreStart(async (s, m, p) => (await api(s, m, p)).body)).toEqual({
      a: ["s-a"],
      b: [],
      errors: ["unknown-cart"],
    });
  }, 90_000);
});
