/**
 * The security audit's tenancy checks against the whole server (`startServer`: SQLite file,
 * embedded broker on an ephemeral port, every route plugin main.ts registers): two cart stores
 * (st-a, st-b) and a walk-out store (st-w). One store's key is refused on every route of another
 * store — the core API, the web app's reads, the walk-out routes, reads and writes alike — and a
 * key of the right store cannot reach another store's session, receipt, case, cart or device
 * through its own store's path (ids are looked up within the store). On the live socket a cart
 * follows only itself and staff only their store; a walk-out device publishes only as itself.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import mqtt, { type MqttClient } from "mqtt";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { buildHttpServer } from "../../src/adapters/http/http-server";
import { chainRoutes } from "../../src/adapters/http/routes/chain-routes";
import type { ApiRole } from "../../src/app/ports/read-models";
import type { RunningServer } from "../../src/main";
import { callStoreApi } from "../support/store-api";
import { apiFixture, sessionView } from "./support/api-fixture";
import { addApiKey, startInProcessServer } from "./support/in-process-server";

const CATALOG = {
  currency: "USD",
  products: [{ sku: "water-500", name: "Water", price: 129, soldBy: "unit", weight: { mean: 538, sd: 13 } }],
};
const LAYOUT = { plates: [{ gondola: 1, shelf: 1, plate: 1, x: 0.2, y: 0.25, z: 1.2, skus: ["water-500"] }] };

let dir: string;
let server: RunningServer;
const keys: Record<string, string> = {};
const clients: MqttClient[] = [];

const key = (id: string, store: string, role: ApiRole) => addApiKey(server, id, store, role);
const call = (store: string, k: string, method: string, path: string, body?: unknown) =>
  callStoreApi(server.httpUrl, store, k, method, path, body);

/** Every store route of the server (core API, web-routes, walk-out routes), reads and writes. */
const ROUTES: [string, string, unknown?][] = [
  ["GET", "/carts"],
  ["POST", "/carts", { cart: "zz-cart" }],
  ["POST", "/carts/cart-a1/revoke"],
  ["POST", "/api-keys", { role: "admin" }],
  ["GET", "/sessions"],
  ["GET", "/sessions?holdsToRelease=true"],
  ["GET", "/sessions/s-a1"],
  ["GET", "/receipts"],
  ["GET", "/receipts/s-a1"],
  ["GET", "/receipts/s-a1?format=html"],
  ["GET", "/reviews"],
  ["GET", "/reviews/case_a1"],
  ["POST", "/reviews/case_a1/decision", { decision: "confirm" }],
  ["GET", "/reviews/case_a1/context"],
  ["GET", "/labels.jsonl"],
  ["GET", "/stats"],
  ["GET", "/products"],
  ["GET", "/day"],
  ["GET", "/walkout"],
  ["GET", "/reviews/case_a1/shelf"],
  ["GET", "/devices"],
  ["POST", "/devices", { device: "zz-dev" }],
  ["POST", "/devices/gate-1/revoke"],
];

describe("tenancy across every route of the server (security audit)", () => {
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "skiplane-tenancy-"));
    writeFileSync(join(dir, "catalog.json"), JSON.stringify(CATALOG));
    writeFileSync(join(dir, "layout.json"), JSON.stringify(LAYOUT));
    const catalog = join(dir, "catalog.json");
    server = await startInProcessServer(dir, [
      { id: "st-a", catalog, defaultPaymentMethod: "pm_sandbox_test" },
      { id: "st-b", catalog, defaultPaymentMethod: "pm_sandbox_test" },
      { id: "st-w", kind: "walkout", catalog, layout: join(dir, "layout.json") },
    ]);
    keys.adminA = await key("key_ten_admin_a", "st-a", "admin");
    keys.reviewerA = await key("key_ten_rev_a", "st-a", "reviewer");
    keys.adminB = await key("key_ten_admin_b", "st-b", "admin");
    keys.adminW = await key("key_ten_admin_w", "st-w", "admin");
    // st-a's cart, session with a receipt, and open case; st-w's devices
    for (const cart of ["cart-a1", "cart-a2"]) {
      const r = await call("st-a", keys.adminA, "POST", "/carts", { cart });
      expect(r.status).toBe(201);
      keys[cart] = r.body.secret as string;
    }
    await server.storage.sessions.put(sessionView("st-a", "s-a1"));
    await server.storage.reviews.put({
      store: "st-a",
      caseId: "case_a1",
      session: "s-a1",
      kind: "uncertain",
      lineIds: ["line_1"],
      reason: "look-alike products",
      status: "open",
      openedAt: Date.now(),
      lines: [{ lineId: "line_1", sku: "water-500", qty: 1, status: "unsure", evidence: { summary: "x" } }],
      version: 1,
    });
    for (const device of ["gate-1", "gate-2"]) {
      const r = await call("st-w", keys.adminW, "POST", "/devices", { device });
      expect(r.status).toBe(201);
      keys[device] = r.body.secret as string;
    }
  }, 60_000);

  afterAll(async () => {
    await Promise.all(clients.map((c) => c.endAsync(true).catch(() => undefined)));
    await server?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("one store's key is refused (403) on every route of another store, reads and writes", async () => {
    for (const [victim, k] of [
      ["st-b", keys.adminA],
      ["st-w", keys.adminA],
      ["st-a", keys.adminB],
      ["st-a", keys.adminW],
      ["st-b", keys.reviewerA],
    ] as const) {
      for (const [method, path, body] of ROUTES) {
        const r = await call(victim, k, method, path, body);
        expect(r.status, `${method} ${victim}${path}`).toBe(403);
        expect(r.body.code, `${method} ${victim}${path}`).toBe("FORBIDDEN");
      }
    }
    // nothing changed in st-a: its cart not revoked, its case still open, no key or cart added
    const carts = (await call("st-a", keys.adminA, "GET", "/carts")).body as unknown as {
      cart: string;
      revoked: boolean;
    }[];
    expect(carts.map((c) => [c.cart, c.revoked])).toEqual([
      ["cart-a1", false],
      ["cart-a2", false],
    ]);
    expect((await call("st-a", keys.reviewerA, "GET", "/reviews/case_a1")).body.status).toBe("open");
  });

  it("a key of the right store cannot reach another store's resources through its own store's path", async () => {
    for (const [method, path, body] of [
      ["GET", "/sessions/s-a1"],
      ["GET", "/receipts/s-a1"],
      ["GET", "/reviews/case_a1"],
      ["POST", "/reviews/case_a1/decision", { decision: "void" }],
      ["GET", "/reviews/case_a1/context"],
      ["POST", "/carts/cart-a1/revoke"],
    ] as const) {
      const r = await call("st-b", keys.adminB, method, path, body);
      expect(r.status, `${method} st-b${path}`).toBe(404);
    }
    // a device of st-w through st-b's path: st-b is no walk-out store
    expect((await call("st-b", keys.adminB, "POST", "/devices/gate-1/revoke")).status).toBe(404);
    // st-a's cart id cannot be provisioned (re-keyed) in st-b
    expect((await call("st-b", keys.adminB, "POST", "/carts", { cart: "cart-a1" })).status).toBe(409);
    // and st-a's case, cart and device are untouched
    expect((await call("st-a", keys.reviewerA, "GET", "/reviews/case_a1")).body.status).toBe("open");
    const c = await mqtt.connectAsync(`mqtt://127.0.0.1:${server.mqttPort}`, {
      username: "cart-a1",
      password: keys["cart-a1"],
      reconnectPeriod: 0,
    });
    clients.push(c);
    expect(c.connected).toBe(true);
    const devices = (await call("st-w", keys.adminW, "GET", "/devices")).body as unknown as {
      device: string;
      revoked: boolean;
    }[];
    expect(devices.every((d) => !d.revoked)).toBe(true);
  });

  it("on the live socket a cart follows only itself, staff only their store", async () => {
    const url = `${server.httpUrl.replace("http", "ws")}/ws`;
    /** opens a socket, authenticates with `auth`, subscribes with `sub`: "subscribed" or the close code */
    const attempt = async (auth: object, sub: object): Promise<string | number> => {
      const ws = new WebSocket(url);
      await new Promise((r) => ws.once("open", r));
      const out = new Promise<string | number>((resolve) => {
        ws.on("message", (d) => {
          const f = JSON.parse(String(d)) as { type: string };
          if (f.type === "ready") ws.send(JSON.stringify({ type: "subscribe", ...sub }));
          if (f.type === "subscribed") resolve("subscribed");
        });
        ws.once("close", (code) => resolve(code));
      });
      ws.send(JSON.stringify({ type: "auth", ...auth }));
      const r = await out;
      ws.close();
      return r;
    };
    const cartA1 = { cart: "cart-a1", secret: keys["cart-a1"] };
    expect(await attempt(cartA1, { store: "st-a", cart: "cart-a1" })).toBe("subscribed");
    expect(await attempt(cartA1, { store: "st-a", cart: "cart-a2" })).toBe(4403);
    expect(await attempt(cartA1, { store: "st-a" })).toBe(4403);
    expect(await attempt(cartA1, { store: "st-b", cart: "cart-a1" })).toBe(4403);
    expect(await attempt({ cart: "cart-a1", secret: "wrong" }, { store: "st-a", cart: "cart-a1" })).toBe(
      4401,
    );
    expect(await attempt({ key: keys.adminA }, { store: "st-a" })).toBe("subscribed");
    expect(await attempt({ key: keys.adminA }, { store: "st-w" })).toBe(4403);
    expect(await attempt({ key: keys.adminA }, { store: "st-b", cart: "cart-a1" })).toBe(4403);
  });

  it("a walk-out device publishes only as itself, subscribes only to its own errors", async () => {
    const mqttUrl = `mqtt://127.0.0.1:${server.mqttPort}`;
    const gate1 = await mqtt.connectAsync(mqttUrl, {
      username: "st-w/gate-1",
      password: keys["gate-1"],
      reconnectPeriod: 0,
    });
    clients.push(gate1);
    for (const foreign of [
      "skiplane/v1/st-w/devices/gate-2/errors",
      "skiplane/v1/st-w/devices/+/errors",
      "#",
    ])
      await expect(gate1.subscribeAsync(foreign, { qos: 1 }), foreign).rejects.toThrow(/Subscribe error/);
    const closed = new Promise<void>((resolve) => gate1.once("close", () => resolve()));
    gate1.publish("skiplane/v1/st-w/devices/gate-2/events", "{}", { qos: 1 });
    await closed;
    // a device's credentials are not a cart's, nor for another store's topics
    const wrong = await mqtt
      .connectAsync(mqttUrl, { username: "st-a/gate-1", password: keys["gate-1"], reconnectPeriod: 0 })
      .then(
        (c) => {
          clients.push(c);
          return undefined;
        },
        (err: Error) => err,
      );
    expect(wrong).toBeInstanceOf(Error);
  });
  it("revoking a cart closes its live screen socket and refuses it after (before: it kept streaming)", async () => {
    const url = `${server.httpUrl.replace("http", "ws")}/ws`;
    const ws = new WebSocket(url);
    await new Promise((r) => ws.once("open", r));
    const subscribed = new Promise<void>((resolve) =>
      ws.on("message", (d) => {
        const f = JSON.parse(String(d)) as { type: string };
        if (f.type === "ready")
          ws.send(JSON.stringify({ type: "subscribe", store: "st-a", cart: "cart-a2" }));
        if (f.type === "subscribed") resolve();
      }),
    );
    ws.send(JSON.stringify({ type: "auth", cart: "cart-a2", secret: keys["cart-a2"] }));
    await subscribed;
    const closed = new Promise<number>((r) => ws.once("close", (code) => r(code)));
    expect((await call("st-a", keys.adminA, "POST", "/carts/cart-a2/revoke")).status).toBe(200);
    expect(await closed).toBe(4401);
    const again = new WebSocket(url);
    await new Promise((r) => again.once("open", r));
    const refused = new Promise<number>((r) => again.once("close", (code) => r(code)));
    again.send(JSON.stringify({ type: "auth", cart: "cart-a2", secret: keys["cart-a2"] }));
    expect(await refused).toBe(4401);
  });
});

describe("chain routes (cluster mode): only a chain-wide admin key", () => {
  it("a store-scoped admin, or any other role, gets 403 on the rollup and the cluster status; no key 401", async () => {
    const f = await apiFixture();
    const rollups: [number, number][] = [];
    const app = await buildHttpServer({
      backend: f.backend,
      metrics: f.metrics,
      logger: false,
      plugins: [
        async (a) => {
          await a.register(chainRoutes, {
            apiKeys: f.storage.apiKeys,
            rollup: async (from, to) => {
              rollups.push([from, to]);
              return { stores: [], totals: [] };
            },
            cluster: async () => ({ node: "n1" }),
          });
        },
      ],
    });
    try {
      for (const path of ["/api/v1/chain/rollup", "/api/v1/chain/cluster"]) {
        for (const k of [f.keys.adminA, f.keys.operatorA, f.keys.reviewerA, f.keys.adminB]) {
          const r = await app.inject({ method: "GET", url: path, headers: { authorization: `Bearer ${k}` } });
          expect(r.statusCode, path).toBe(403);
        }
        expect((await app.inject({ method: "GET", url: path })).statusCode).toBe(401);
        const hq = await app.inject({
          method: "GET",
          url: path,
          headers: { authorization: `Bearer ${f.keys.headOffice}` },
        });
        expect(hq.statusCode, path).toBe(200);
      }
      expect(rollups).toHaveLength(1);
    } finally {
      await app.close();
      await f.close();
    }
  });
});
