/**
 * The external-broker path against a real Mosquitto with dynamic security: the server connects
 * as a client, provisions carts through dynsec, and the BROKER refuses a cart publishing as
 * another cart, a wrong secret and a revoked cart.
 */
import mqtt, { type MqttClient } from "mqtt";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CartGateway } from "../../src/adapters/mqtt/cart-gateway";
import { ExternalBroker } from "../../src/adapters/mqtt/external-broker";
import { errorsTopic, eventsTopic, screenTopic } from "../../src/adapters/mqtt/topics";
import { screenStateSchema } from "../../src/adapters/schemas/cart-protocol.schema";
import { type DynsecMosquitto as Mosquitto, mosquittoAvailable, startMosquitto } from "../support/mosquitto";
import { waitFor } from "../support/wait-for";
import { CountingIngest } from "./support/counting-ingest";

const STORE = "st-m";
const available = mosquittoAvailable();
let mosq: Mosquitto;
let server: ExternalBroker;
let ingest: CountingIngest;
const clients: MqttClient[] = [];

const ev = (cart: string, extra: object) => ({ v: 1, t: 1_700_000_000_000, store: STORE, cart, ...extra });
async function connect(username: string, password: string) {
  const c = await mqtt.connectAsync(mosq.url, { username, password, reconnectPeriod: 0, protocolVersion: 5 });
  clients.push(c);
  return c;
}
function connectError(username: string, password: string) {
  return mqtt.connectAsync(mosq.url, { username, password, reconnectPeriod: 0, protocolVersion: 5 }).then(
    (c) => {
      clients.push(c);
      throw new Error("connected but should not have");
    },
    (err: Error & { code?: number }) => err,
  );
}

describe.skipIf(!available)("external broker: Mosquitto + dynamic security", () => {
  beforeAll(async () => {
    mosq = await startMosquitto();
    ingest = new CountingIngest();
    const gateway = new CartGateway({ ingest });
    const account = { username: "skiplane-server", password: "server-secret" };
    await ExternalBroker.bootstrapDynsec({ url: mosq.url, admin: mosq.admin, server: account });
    server = await ExternalBroker.connect({
      url: mosq.url,
      gateway,
      ...account,
      clientId: `skiplane-test-${process.pid}`,
    });
    await server.enableDynsec();
    await server.provisionCart(STORE, "cart-1", "secret-1");
    await server.provisionCart(STORE, "cart-2", "secret-2");
  });
  afterAll(async () => {
    await Promise.all(clients.map((c) => c.endAsync(true).catch(() => undefined)));
    await server?.close();
    await mosq?.stop();
  });

  it("a provisioned cart publishes events; the server records them and publishes the screen retained", async () => {
    const c = await connect("cart-1", "secret-1");
    const screen = new Promise<Buffer>((resolve) =>
      c.on("message", (t, p) => t === screenTopic(STORE, "cart-1") && resolve(p)),
    );
    await c.subscribeAsync(screenTopic(STORE, "cart-1"), { qos: 1 });
    await c.publishAsync(
      eventsTopic(STORE, "cart-1"),
      JSON.stringify([
        ev("cart-1", { type: "session.start", session: "s1", id: "a1" }),
        ev("cart-1", { type: "weight", grams: 5, id: "a2" }),
      ]),
      { qos: 1 },
    );
    const s = screenStateSchema.parse(JSON.parse((await screen).toString()));
    expect(s.total).toBe(2);
    expect(ingest.of(STORE, "cart-1").map((e) => e.id)).toEqual(["a1", "a2"]);
  });

  it("the broker drops a cart's publish on another cart's topic and refuses foreign subscriptions", async () => {
    const c = await connect("cart-2", "secret-2");
    // MQTT 5: Mosquitto answers a denied QoS 1 publish with PUBACK reason 0x87 (not authorized)
    await c
      .publishAsync(
        eventsTopic(STORE, "cart-1"),
        JSON.stringify(ev("cart-1", { type: "plu", plu: "1", id: "spoof" })),
        { qos: 1 },
      )
      .catch(() => undefined);
    await c.publishAsync(
      eventsTopic(STORE, "cart-2"),
      JSON.stringify(ev("cart-2", { type: "plu", plu: "2", id: "own" })),
      { qos: 1 },
    );
    await waitFor(() => ingest.of(STORE, "cart-2").length === 1);
    expect(ingest.of(STORE, "cart-1").some((e) => e.id === "spoof")).toBe(false);
    await expect(c.subscribeAsync(screenTopic(STORE, "cart-1"), { qos: 1 })).rejects.toThrow();
    const ok = await c.subscribeAsync(errorsTopic(STORE, "cart-2"), { qos: 1 });
    expect(ok[0].qos).toBe(1);
  });

  it("refuses a wrong secret and an unknown cart", async () => {
    // MQTT 5 reason codes: 0x86 bad user name or password, 0x87 not authorized (dynsec uses both)
    expect([134, 135]).toContain((await connectError("cart-1", "wrong")).code);
    expect([134, 135]).toContain((await connectError("cart-404", "x")).code);
  });

  it("revoking disconnects the cart and refuses it afterwards; re-provisioning restores it with a new secret", async () => {
    await server.provisionCart(STORE, "cart-3", "secret-3");
    const c = await connect("cart-3", "secret-3");
    const closed = new Promise<void>((resolve) => c.once("close", () => resolve()));
    await server.revokeCart("cart-3");
    await closed;
    const refused = await connectError("cart-3", "secret-3");
    expect([134, 135]).toContain(refused.code);
    await server.provisionCart(STORE, "cart-3", "secret-3b");
    expect([134, 135]).toContain((await connectError("cart-3", "secret-3")).code);
    const again = await connect("cart-3", "secret-3b");
    expect(again.connected).toBe(true);
  });
});
