// Both engines of the embedded broker run the same cases: aedes in-process, and aedes in its
// worker thread (the server's default), where every hook is answered on the main thread and a
// PUBACK still follows the record.
import mqtt, { type MqttClient } from "mqtt";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ServerMetrics } from "../../src/adapters/metrics/server-metrics";
import { hashSecret } from "../../src/adapters/mqtt/cart-credentials";
import { MemoryCartDirectory } from "../../src/adapters/mqtt/cart-directory";
import { CartGateway } from "../../src/adapters/mqtt/cart-gateway";
import { EmbeddedBroker } from "../../src/adapters/mqtt/embedded-broker";
import { errorsTopic, eventsTopic, screenTopic, statusTopic } from "../../src/adapters/mqtt/topics";
import { cartErrorSchema, screenStateSchema } from "../../src/adapters/schemas/cart-protocol.schema";
import { CountingIngest } from "./support/counting-ingest";

const STORE = "st-a";
let broker: EmbeddedBroker;
let ingest: CountingIngest;
let metrics: ServerMetrics;
const directory = new MemoryCartDirectory();
const clients: MqttClient[] = [];

function url() {
  return `mqtt://127.0.0.1:${broker.port}`;
}
async function connect(username: string, password: string): Promise<MqttClient> {
  const c = await mqtt.connectAsync(url(), { username, password, reconnectPeriod: 0, connectTimeout: 5000 });
  clients.push(c);
  return c;
}
function connectError(username: string, password: string): Promise<Error & { code?: number }> {
  return mqtt.connectAsync(url(), { username, password, reconnectPeriod: 0 }).then(
    (c) => {
      clients.push(c);
      throw new Error("connected but should not have");
    },
    (err: Error & { code?: number }) => err,
  );
}
function nextMessage(c: MqttClient, topic: string): Promise<Buffer> {
  return new Promise((resolve) => {
    const on = (t: string, payload: Buffer) => {
      if (t === topic) {
        c.off("message", on);
        resolve(payload);
      }
    };
    c.on("message", on);
  });
}
const ev = (cart: string, extra: object) => ({ v: 1, t: 1_700_000_000_000, store: STORE, cart, ...extra });

describe.each([
  { thread: false, engine: "in-process" },
  { thread: true, engine: "in its own thread" },
])("embedded broker, aedes $engine", ({ thread }) => {
  beforeAll(async () => {
    ingest = new CountingIngest();
    metrics = new ServerMetrics({ defaultMetrics: false });
    const gateway = new CartGateway({ ingest, metrics });
    broker = await EmbeddedBroker.start({ gateway, directory, port: 0, host: "127.0.0.1", metrics, thread });
    directory.set({ store: STORE, cart: "cart-1", secretHash: await hashSecret("secret-1"), revoked: false });
    directory.set({ store: STORE, cart: "cart-2", secretHash: await hashSecret("secret-2"), revoked: false });
    directory.set({ store: STORE, cart: "cart-r", secretHash: await hashSecret("secret-r"), revoked: true });
  });
  afterAll(async () => {
    await Promise.all(clients.splice(0).map((c) => c.endAsync(true).catch(() => undefined)));
    await broker.close();
  });

  describe("the cart protocol (§5)", () => {
    it("ingests valid elements of a batch, answers the malformed one on errors, publishes the screen retained", async () => {
      const c = await connect("cart-1", "secret-1");
      await c.subscribeAsync([errorsTopic(STORE, "cart-1")], { qos: 1 });
      const err = nextMessage(c, errorsTopic(STORE, "cart-1"));
      await c.publishAsync(
        eventsTopic(STORE, "cart-1"),
        JSON.stringify([
          ev("cart-1", { type: "session.start", session: "s-1", id: "e1" }),
          ev("cart-1", { type: "weight", grams: "heavy", id: "e2" }),
          ev("cart-1", { type: "weight", grams: 350.5, id: "e3" }),
        ]),
        { qos: 1 },
      );
      // QoS 1 resolved = PUBACK received = already ingested
      expect(ingest.of(STORE, "cart-1").map((e) => e.id)).toEqual(["e1", "e3"]);
      const e = cartErrorSchema.parse(JSON.parse((await err).toString()));
      expect(e).toMatchObject({ id: "e2", reason: "bad-event" });
      expect(e.detail).toContain("grams");

      // a late subscriber still gets the retained screen
      const late = await connect("cart-1", "secret-1");
      const screen = nextMessage(late, screenTopic(STORE, "cart-1"));
      await late.subscribeAsync(screenTopic(STORE, "cart-1"), { qos: 1 });
      const s = screenStateSchema.parse(JSON.parse((await screen).toString()));
      expect(s).toMatchObject({ total: 2, seq: 1 });
    });

    it("redelivery of the same event ids changes nothing and publishes no new screen seq", async () => {
      const c = await connect("cart-1", "secret-1");
      const before = ingest.of(STORE, "cart-1").length;
      await c.publishAsync(
        eventsTopic(STORE, "cart-1"),
        JSON.stringify(ev("cart-1", { type: "session.start", session: "s-1", id: "e1" })),
        { qos: 1 },
      );
      expect(ingest.of(STORE, "cart-1").length).toBe(before);
    });

    it("rejects an event whose store or cart differs from the topic, and a non-JSON payload", async () => {
      const c = await connect("cart-2", "secret-2");
      await c.subscribeAsync(errorsTopic(STORE, "cart-2"), { qos: 1 });
      const first = nextMessage(c, errorsTopic(STORE, "cart-2"));
      await c.publishAsync(
        eventsTopic(STORE, "cart-2"),
        JSON.stringify(ev("cart-1", { type: "plu", plu: "4011", id: "x" })),
        { qos: 1 },
      );
      expect(JSON.parse((await first).toString())).toMatchObject({ id: "x", reason: "wrong-topic" });
      const second = nextMessage(c, errorsTopic(STORE, "cart-2"));
      await c.publishAsync(eventsTopic(STORE, "cart-2"), "{not json", { qos: 1 });
      expect(JSON.parse((await second).toString())).toMatchObject({ reason: "bad-json" });
      expect(ingest.of(STORE, "cart-1").some((e) => e.id === "x")).toBe(false);
      const text = (await metrics.render()).body;
      expect(text).toMatch(/skiplane_rejected_messages_total\{reason="wrong-topic"\} 1/);
      expect(text).toMatch(/skiplane_rejected_messages_total\{reason="bad-json"\} 1/);
    });

    it("processes one cart's messages in order", async () => {
      const c = await connect("cart-2", "secret-2");
      const sends = [];
      for (let i = 0; i < 50; i++) {
        sends.push(
          c.publishAsync(
            eventsTopic(STORE, "cart-2"),
            JSON.stringify(ev("cart-2", { type: "weight", grams: i, id: `w${i}` })),
            {
              qos: 1,
            },
          ),
        );
      }
      await Promise.all(sends);
      const ids = ingest.of(STORE, "cart-2").map((e) => e.id);
      expect(ids).toEqual(Array.from({ length: 50 }, (_, i) => `w${i}`));
    });

    it("refuses a wrong secret, an unknown cart and a revoked cart", async () => {
      expect((await connectError("cart-1", "nope")).code).toBe(4);
      expect((await connectError("cart-404", "secret-1")).code).toBe(4);
      expect((await connectError("cart-r", "secret-r")).code).toBe(5);
    });

    it("a cart publishing as another cart is disconnected and nothing is ingested", async () => {
      const c = await connect("cart-2", "secret-2");
      const closed = new Promise<void>((resolve) => c.once("close", () => resolve()));
      c.publish(
        eventsTopic(STORE, "cart-1"),
        JSON.stringify(ev("cart-1", { type: "plu", plu: "1", id: "spoof" })),
        {
          qos: 1,
        },
      );
      await closed;
      expect(ingest.of(STORE, "cart-1").some((e) => e.id === "spoof")).toBe(false);
    });

    it("a cart may publish its own status (the optional presence topic), not another cart's", async () => {
      const c = await connect("cart-1", "secret-1");
      await c.publishAsync(statusTopic(STORE, "cart-1"), '{"online":true}', { qos: 1, retain: true });
      // still connected: the next publish of its events is taken
      await c.publishAsync(
        eventsTopic(STORE, "cart-1"),
        JSON.stringify(ev("cart-1", { type: "plu", plu: "1", id: "after-status" })),
        { qos: 1 },
      );
      expect(ingest.of(STORE, "cart-1").some((e) => e.id === "after-status")).toBe(true);
      expect(broker.onlineCarts().has("cart-1")).toBe(true);
      const other = await connect("cart-2", "secret-2");
      const closed = new Promise<void>((resolve) => other.once("close", () => resolve()));
      other.publish(statusTopic(STORE, "cart-1"), '{"online":false}', { qos: 1 });
      await closed;
    });

    it("a cart may subscribe only to its own screen and errors", async () => {
      const c = await connect("cart-2", "secret-2");
      for (const foreign of [screenTopic(STORE, "cart-1"), errorsTopic(STORE, "cart-1"), "skiplane/#", "#"]) {
        await expect(c.subscribeAsync(foreign, { qos: 1 }), foreign).rejects.toThrow(/Subscribe error/);
      }
      const own = await c.subscribeAsync([errorsTopic(STORE, "cart-2"), screenTopic(STORE, "cart-2")], {
        qos: 1,
      });
      expect(own.map((g) => g.qos)).toEqual([1, 1]);
    });

    it("a cart's wildcard, other-store, device and $SYS subscriptions are refused; a publish outside its own topics disconnects it", async () => {
      const c = await connect("cart-2", "secret-2");
      for (const foreign of [
        `skiplane/v1/${STORE}/carts/+/screen`,
        "skiplane/v1/+/carts/cart-2/screen",
        `skiplane/v1/${STORE}/carts/cart-2/#`,
        `skiplane/v1/${STORE}/devices/+/events`,
        `skiplane/v1/${STORE}/live`,
        `$share/g/${screenTopic(STORE, "cart-1")}`,
        "$SYS/#",
      ]) {
        await expect(c.subscribeAsync(foreign, { qos: 1 }), foreign).rejects.toThrow(/Subscribe error/);
      }
      // its own id under another store, its own screen (a forged retained screen), a device's topic
      for (const topic of [
        "skiplane/v1/other-store/carts/cart-2/events",
        screenTopic(STORE, "cart-2"),
        `skiplane/v1/${STORE}/devices/gate-1/events`,
      ]) {
        const x = await connect("cart-2", "secret-2");
        const closed = new Promise<void>((resolve) => x.once("close", () => resolve()));
        x.publish(topic, JSON.stringify(ev("cart-2", { type: "plu", plu: "1", id: `spoof-${topic}` })), {
          qos: 1,
          retain: true,
        });
        await closed;
      }
      expect(ingest.of("other-store", "cart-2")).toEqual([]);
      const late = await connect("cart-2", "secret-2");
      const got: string[] = [];
      late.on("message", (_t, p) => got.push(p.toString()));
      await late.subscribeAsync(screenTopic(STORE, "cart-2"), { qos: 1 });
      await new Promise((r) => setTimeout(r, 200));
      // no forged retained screen was kept (the server's own, if any, is what it retains)
      expect(got.filter((p) => p.includes("spoof"))).toEqual([]);
    });

    it("revoking a connected cart disconnects it and refuses it afterwards", async () => {
      directory.set({
        store: STORE,
        cart: "cart-k",
        secretHash: await hashSecret("secret-k"),
        revoked: false,
      });
      const c = await connect("cart-k", "secret-k");
      expect(broker.onlineCarts().has("cart-k")).toBe(true);
      const closed = new Promise<void>((resolve) => c.once("close", () => resolve()));
      directory.revoke("cart-k");
      expect(broker.kick("cart-k")).toBe(1);
      await closed;
      expect((await connectError("cart-k", "secret-k")).code).toBe(5);
    });
  });

  describe("MQTT over WebSocket (/mqtt on the HTTP server)", () => {
    it("carries the same protocol and the same auth", async () => {
      const { buildHttpServer } = await import("../../src/adapters/http/http-server");
      const { apiFixture } = await import("./support/api-fixture");
      const f = await apiFixture();
      const app = await buildHttpServer({
        backend: f.backend,
        metrics,
        logger: false,
        mqttOverWebSocket: (stream) => broker.handleStream(stream),
      });
      const address = await app.listen({ port: 0, host: "127.0.0.1" });
      try {
        const url = `${address.replace("http", "ws")}/mqtt`;
        const c = await mqtt.connectAsync(url, {
          username: "cart-2",
          password: "secret-2",
          reconnectPeriod: 0,
        });
        clients.push(c);
        await c.publishAsync(
          eventsTopic(STORE, "cart-2"),
          JSON.stringify(ev("cart-2", { type: "plu", plu: "4011", id: "over-ws" })),
          { qos: 1 },
        );
        expect(ingest.of(STORE, "cart-2").some((e) => e.id === "over-ws")).toBe(true);
        const refused = await mqtt
          .connectAsync(url, { username: "cart-2", password: "wrong", reconnectPeriod: 0 })
          .then(
            () => undefined,
            (err: Error & { code?: number }) => err.code,
          );
        expect(refused).toBe(4);
      } finally {
        await app.close();
        await f.close();
      }
    });
  });

  // the in-process engine only: it reaches into aedes itself
  describe.runIf(!thread)("under load", () => {
    it("survives many publishes while slow subscribers hold deliveries (mqemitter recursion regression)", async () => {
      const held: (() => void)[] = [];
      const slow = (_packet: unknown, cb: () => void) => {
        held.push(cb);
      };
      await new Promise<void>((resolve) => broker.broker.subscribe("bench/slow/#", slow, () => resolve()));
      const publish = (topic: string) =>
        new Promise<void>((resolve, reject) =>
          broker.broker.publish(
            { cmd: "publish", topic, payload: Buffer.from("x"), qos: 0, retain: false, dup: false },
            (err) => (err ? reject(err) : resolve()),
          ),
        );
      const slowOnes = Array.from({ length: 150 }, (_, i) => publish(`bench/slow/${i}`));
      const quick = Array.from({ length: 30_000 }, (_, i) => publish(`bench/nobody/${i}`));
      for (const cb of held.splice(0)) cb();
      await Promise.all([...slowOnes, ...quick]);
      await new Promise<void>((resolve) => broker.broker.unsubscribe("bench/slow/#", slow, () => resolve()));
      expect(held.length).toBe(0);
    });
  });

  describe("ordering", () => {
    it("delivers a message's screen before its PUBACK", async () => {
      directory.set({
        store: STORE,
        cart: "cart-o",
        secretHash: await hashSecret("secret-o"),
        revoked: false,
      });
      const c = await connect("cart-o", "secret-o");
      await c.subscribeAsync(screenTopic(STORE, "cart-o"), { qos: 1 });
      const order: string[] = [];
      c.on("message", (t) => {
        if (t === screenTopic(STORE, "cart-o")) order.push("screen");
      });
      for (let i = 0; i < 5; i++) {
        await c.publishAsync(
          eventsTopic(STORE, "cart-o"),
          JSON.stringify(ev("cart-o", { type: "plu", plu: String(4000 + i), id: `o${i}` })),
          { qos: 1 },
        );
        order.push("puback");
      }
      expect(order).toEqual(Array.from({ length: 5 }, () => ["screen", "puback"]).flat());
    });
  });
});
