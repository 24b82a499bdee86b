/**
 * Every clustered process serves the whole store API (decision 0203), on a private PostgreSQL and
 * a private Mosquitto with dynamic security: two `skiplane serve` processes in cluster mode.
 *
 * - a cart provisioned through the process that does NOT own its store is admitted by the broker
 *   (dynsec), shops, and its session is held for review;
 * - sessions, receipts and review cases read through either process are the same;
 * - a WebSocket client of the non-owner sees the cart's screens and the store's changes;
 * - a review decision sent to the non-owner is forwarded and applied once by the owner (one
 *   PaymentCaptured, one capture at the provider); sent again it is refused (409);
 * - a key of store A cannot read or decide anything of store B through either process;
 * - a revoked cart is refused by the broker;
 * - after SIGKILL of the owner: 503 + Retry-After while nobody serves the store, then the survivor
 *   serves its API and runs its commands (a dispute and its refund, once).
 */
import mqtt, { type MqttClient } from "mqtt";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { apiKeyHash } from "../../src/adapters/http/tokens";
import { ExternalBroker } from "../../src/adapters/mqtt/external-broker";
import { eventsTopic, screenTopic } from "../../src/adapters/mqtt/topics";
import { TEST_PG_URL } from "../../src/adapters/postgres/test-schema";
import { cartLog, chips, cola, scenarioCatalog } from "../../src/app/services/store-service.fixtures";
import { mosquittoAvailable } from "../server/support/mosquitto";
import { type Chain, startChain, waitUntil } from "./support/harness";
import { startBroker, startPostgres, type TestBroker, type TestPostgres } from "./support/servers";

const available = mosquittoAvailable();
let broker: TestBroker;
let db: TestPostgres;
const server = { username: "skiplane-server", password: `srv-${process.pid}` };

describe.skipIf(!available)("cluster: the full store API on every process", () => {
  beforeAll(async () => {
    [broker, db] = await Promise.all([startBroker({ dynsec: true }), startPostgres(TEST_PG_URL)]);
    await ExternalBroker.bootstrapDynsec({ url: broker.url, admin: broker.admin!, server });
  });
  afterAll(async () => {
    await broker?.dispose();
    await db?.dispose();
  });

  it("reads, commands, live updates, tenancy and failover through either process", async () => {
    const chain = await startChain({
      tag: "api",
      databaseUrl: db.url,
      mqttUrl: broker.url,
      nodes: 2,
      stores: 2,
      cartsPerStore: 0,
      items: 0,
      catalog: scenarioCatalog,
      env: {
        SKIPLANE_MQTT_USERNAME: server.username,
        SKIPLANE_MQTT_PASSWORD: server.password,
        SKIPLANE_MQTT_AUTH: "dynsec",
      },
    });
    const carts: MqttClient[] = [];
    const sockets: WebSocket[] = [];
    try {
      const owners = await chain.waitAllOwned();
      const [A, B] = chain.stores;
      const ownerA = chain.nodes.find((n) => n.name === owners.get(A)?.owner)!;
      const otherA = chain.nodes.find((n) => n !== ownerA)!;
      const at = (n: { port: number }, path: string) => `http://127.0.0.1:${n.port}${path}`;
      const call = async (
        n: { port: number },
        path: string,
        key: string | undefined,
        init: { method?: string; body?: unknown } = {},
      ) => {
        const res = await fetch(at(n, path), {
          method: init.method ?? "GET",
          headers: {
            ...(key ? { authorization: `Bearer ${key}` } : {}),
            ...(init.body !== undefined ? { "content-type": "application/json" } : {}),
          },
          body: init.body !== undefined ? JSON.stringify(init.body) : undefined,
        });
        const text = await res.text();
        return { status: res.status, headers: res.headers, body: text ? JSON.parse(text) : undefined };
      };

      // head office creates the stores' keys, through either process
      const hq = await headOfficeKey(chain);
      const keyOf = async (n: { port: number }, store: string, role: string) => {
        const r = await call(n, `/api/v1/stores/${store}/api-keys`, hq, {
          method: "POST",
          body: { role, label: `${role} ${store}` },
        });
        expect(r.status).toBe(201);
        return r.body.key as string;
      };
      const adminA = await keyOf(otherA, A, "admin");
      const reviewerA = await keyOf(ownerA, A, "reviewer");
      const adminB = await keyOf(otherA, B, "admin");

      // the same API, OpenAPI and web app on both
      for (const n of chain.nodes) {
        const spec = await call(n, "/openapi.json", undefined);
        expect(spec.status).toBe(200);
        expect(Object.keys(spec.body.paths)).toContain("/api/v1/stores/{store}/reviews/{caseId}/decision");
        const stores = await call(n, "/api/v1/stores", hq);
        expect(stores.body).toEqual(chain.stores);
        expect((await fetch(at(n, "/ops/"))).status).not.toBe(404);
      }

      // a cart provisioned through the process that does not own the store: the broker admits it
      const cart = "api-cart-1";
      const prov = await call(otherA, `/api/v1/stores/${A}/carts`, adminA, {
        method: "POST",
        body: { cart, label: "test cart" },
      });
      expect(prov.status).toBe(201);
      const secret = prov.body.secret as string;
      const wrong = await mqtt
        .connectAsync(broker.url, {
          username: cart,
          password: "nope",
          reconnectPeriod: 0,
          protocolVersion: 5,
        })
        .then(
          (c) => c.endAsync(true).then(() => "connected"),
          () => "refused",
        );
      expect(wrong).toBe("refused");
      const c1 = await mqtt.connectAsync(broker.url, {
        username: cart,
        password: secret,
        clientId: `${cart}-${process.pid}`,
        reconnectPeriod: 0,
        protocolVersion: 5,
      });
      carts.push(c1);
      let lastScreen: { state?: string; session?: string } = {};
      c1.on("message", (_t, p) => {
        lastScreen = JSON.parse(p.toString());
      });
      await c1.subscribeAsync(screenTopic(A, cart), { qos: 1 });

      // a WebSocket client of the non-owner follows store A
      const ws = new WebSocket(`ws://127.0.0.1:${otherA.port}/ws`);
      sockets.push(ws);
      const frames: { type: string; cart?: string; event?: { kind: string }; screen?: { state: string } }[] =
        [];
      ws.on("message", (d) => frames.push(JSON.parse(String(d))));
      await new Promise((r) => ws.once("open", r));
      ws.send(JSON.stringify({ type: "auth", key: reviewerA }));
      await waitUntil(() => frames.some((f) => f.type === "ready"), 5000, "ws ready");
      ws.send(JSON.stringify({ type: "subscribe", store: A }));
      await waitUntil(() => frames.some((f) => f.type === "subscribed"), 5000, "ws subscribed");
      // a key of store B may not follow store A
      const foreign = await wsClose(otherA.port, adminB, A);
      expect(foreign).toBe(4403);

      // the cart shops: cola and an ambiguous bag of chips → held for review at the exit
      const session = "api-s1";
      for (const e of cartLog(A, cart, session, Date.UTC(2026, 10, 22, 9), [cola, chips])) {
        await c1.publishAsync(eventsTopic(A, cart), JSON.stringify(e), { qos: 1 });
      }
      await waitUntil(() => lastScreen.state === "review", 20_000, "the cart's screen to show review");
      await waitUntil(
        () => frames.some((f) => f.type === "store" && f.event?.kind === "exit"),
        10_000,
        "the exit to reach the non-owner's WebSocket client",
      );
      expect(frames.some((f) => f.type === "screen" && f.cart === cart)).toBe(true);
      // the cart's own screen view, opened late on the non-owner: its current screen at once
      const cartWs = new WebSocket(`ws://127.0.0.1:${otherA.port}/ws`);
      sockets.push(cartWs);
      const cartFrames: { type: string; screen?: { state: string } }[] = [];
      cartWs.on("message", (d) => cartFrames.push(JSON.parse(String(d))));
      await new Promise((r) => cartWs.once("open", r));
      cartWs.send(JSON.stringify({ type: "auth", cart, secret }));
      await waitUntil(() => cartFrames.some((f) => f.type === "ready"), 5000, "cart ws ready");
      cartWs.send(JSON.stringify({ type: "subscribe", store: A, cart }));
      await waitUntil(
        () => cartFrames.some((f) => f.type === "screen" && f.screen?.state === "review"),
        5000,
        "the cart's current screen on the non-owner",
      );

      // reads: the same through either process
      for (const path of [
        `/api/v1/stores/${A}/sessions/${session}`,
        `/api/v1/stores/${A}/sessions`,
        `/api/v1/stores/${A}/reviews`,
        `/api/v1/stores/${A}/carts`,
      ]) {
        const a = await call(ownerA, path, adminA);
        const b = await call(otherA, path, adminA);
        expect(a.status).toBe(200);
        expect(b.body).toEqual(a.body);
      }
      const queue = (await call(otherA, `/api/v1/stores/${A}/reviews`, reviewerA)).body as {
        caseId: string;
        session: string;
      }[];
      expect(queue).toHaveLength(1);
      const caseId = queue[0].caseId;
      const caseA = await call(ownerA, `/api/v1/stores/${A}/reviews/${caseId}`, reviewerA);
      expect((await call(otherA, `/api/v1/stores/${A}/reviews/${caseId}`, reviewerA)).body).toEqual(
        caseA.body,
      );

      // tenancy: store B's key reads and decides nothing of store A, through either process
      for (const n of chain.nodes) {
        for (const path of [
          `/api/v1/stores/${A}/sessions/${session}`,
          `/api/v1/stores/${A}/receipts`,
          `/api/v1/stores/${A}/reviews`,
          `/api/v1/stores/${A}/day`,
        ]) {
          expect((await call(n, path, adminB)).status).toBe(403);
        }
        const d = await call(n, `/api/v1/stores/${A}/reviews/${caseId}/decision`, adminB, {
          method: "POST",
          body: { decision: "confirm" },
        });
        expect(d.status).toBe(403);
      }

      // a review decision sent to the non-owner: the owner runs it, once
      const decided = await call(otherA, `/api/v1/stores/${A}/reviews/${caseId}/decision`, reviewerA, {
        method: "POST",
        body: { decision: "confirm", note: "looked at the picture" },
      });
      expect(decided.status).toBe(200);
      expect(decided.headers.get("x-skiplane-served-by")).toBe(ownerA.name);
      expect(decided.body).toMatchObject({ caseId, status: "resolved", decision: "confirm" });
      const again = await call(otherA, `/api/v1/stores/${A}/reviews/${caseId}/decision`, reviewerA, {
        method: "POST",
        body: { decision: "confirm" },
      });
      expect(again.status).toBe(409);
      const stream = `${A}/session/${session}`;
      expect(await capturesOf(chain, stream)).toEqual({ events: 1, provider: 1 });
      await waitUntil(() => lastScreen.state === "paid", 10_000, "the cart's screen to show paid");
      await waitUntil(
        () => frames.some((f) => f.type === "store" && f.event?.kind === "review-decided"),
        10_000,
        "the decision to reach the non-owner's WebSocket client",
      );

      // receipts: the same through either process, and by the shopper's link on either
      const rA = await call(ownerA, `/api/v1/stores/${A}/receipts/${session}`, adminA);
      const rB = await call(otherA, `/api/v1/stores/${A}/receipts/${session}`, adminA);
      expect(rA.status).toBe(200);
      // the link is made from the request's host (no http.publicUrl here): same token, other port
      const tokenOf = (link: string) => new URL(link).pathname;
      expect({ ...rB.body, link: tokenOf(rB.body.link) }).toEqual({
        ...rA.body,
        link: tokenOf(rA.body.link),
      });
      const token = new URL(rA.body.link as string).pathname.split("/").pop() as string;
      const shopperA = await call(ownerA, `/api/v1/receipt/${token}`, undefined);
      expect(shopperA.status).toBe(200);
      expect((await call(otherA, `/api/v1/receipt/${token}`, undefined)).body).toEqual(shopperA.body);

      // revocation through the non-owner: the broker refuses the cart from now on
      expect(
        (await call(otherA, `/api/v1/stores/${A}/carts/${cart}/revoke`, adminA, { method: "POST" })).status,
      ).toBe(200);
      const revoked = await mqtt
        .connectAsync(broker.url, {
          username: cart,
          password: secret,
          reconnectPeriod: 0,
          protocolVersion: 5,
        })
        .then(
          (c) => c.endAsync(true).then(() => "connected"),
          () => "refused",
        );
      expect(revoked).toBe("refused");

      // the owner dies: until its lease lapses nobody serves store A (503 + Retry-After) …
      ownerA.kill();
      const line = (shopperA.body.lines as { lineId: string }[])[0].lineId;
      const early = await call(otherA, `/api/v1/receipt/${token}/disputes`, undefined, {
        method: "POST",
        body: { lineId: line, reason: "charged twice" },
      });
      expect(early.status).toBe(503);
      expect(early.body.code).toBe("STORE_UNAVAILABLE");
      expect(Number(early.headers.get("retry-after"))).toBeGreaterThan(0);
      // … then the survivor takes the store over and serves its API and its commands
      await waitUntil(
        async () => (await chain.owners()).get(A)?.owner === otherA.name,
        20_000,
        "the survivor to own store A",
      );
      await waitUntil(
        async () =>
          (
            await call(otherA, `/api/v1/receipt/${token}/disputes`, undefined, {
              method: "POST",
              body: { lineId: line, reason: "charged twice" },
            })
          ).status === 201,
        10_000,
        "the survivor to accept the dispute",
      );
      const disputes = (await call(otherA, `/api/v1/stores/${A}/reviews?kind=dispute`, reviewerA)).body as {
        caseId: string;
      }[];
      expect(disputes).toHaveLength(1);
      const upheld = await call(
        otherA,
        `/api/v1/stores/${A}/reviews/${disputes[0].caseId}/decision`,
        reviewerA,
        { method: "POST", body: { decision: "uphold" } },
      );
      expect(upheld.status).toBe(200);
      expect(upheld.headers.get("x-skiplane-served-by")).toBe(otherA.name);
      expect(await refundsOf(chain, stream)).toBe(1);
      const session2 = await call(otherA, `/api/v1/stores/${A}/sessions/${session}`, adminA);
      expect(session2.status).toBe(200);
      expect(session2.body.receipt.refunded).toBeGreaterThan(0);
      // still one capture
      expect(await capturesOf(chain, stream)).toEqual({ events: 1, provider: 1 });
    } finally {
      for (const s of sockets) s.close();
      await Promise.all(carts.map((c) => c.endAsync(true).catch(() => undefined)));
      await chain.dispose();
    }
  }, 120_000);
});

async function headOfficeKey(chain: Chain): Promise<string> {
  const secret = `skl_hq_${Math.random().toString(36).slice(2)}`;
  await chain.pool.query(
    "INSERT INTO api_keys (id, store, role, key_hash, label, created_at, revoked) VALUES ($1, '*', 'admin', $2, 'head office', $3, 0)",
    [`key_${secret}`, apiKeyHash(secret), Date.now()],
  );
  return secret;
}

async function capturesOf(chain: Chain, stream: string) {
  const events = await chain.pool.query<{ n: number }>(
    "SELECT count(*)::int AS n FROM events WHERE stream = $1 AND type = 'PaymentCaptured'",
    [stream],
  );
  const provider = await chain.pool.query<{ n: number }>(
    "SELECT count(*)::int AS n FROM sandbox_captures c JOIN sandbox_holds h USING (authorization_id) WHERE h.reference = $1",
    [stream],
  );
  return { events: events.rows[0].n, provider: provider.rows[0].n };
}

async function refundsOf(chain: Chain, stream: string): Promise<number> {
  const r = await chain.pool.query<{ n: number }>(
    "SELECT count(*)::int AS n FROM events WHERE stream = $1 AND type = 'PaymentRefunded'",
    [stream],
  );
  return r.rows[0].n;
}

/** Subscribing to `store` with `key`: the close code the server answers with. */
function wsClose(port: number, key: string, store: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/ws`);
    const timer = setTimeout(() => reject(new Error("no close")), 5000);
    ws.on("open", () => ws.send(JSON.stringify({ type: "auth", key })));
    ws.on("message", (d) => {
      if (JSON.parse(String(d)).type === "ready") ws.send(JSON.stringify({ type: "subscribe", store }));
    });
    ws.on("close", (code) => {
      clearTimeout(timer);
      resolve(code);
    });
  });
}
