/**
 * The external-broker path against a real Mosquitto with dynamic security: the server connects
 * as a client, provisions carts through dynsec, and the BROKER refuses a cart publishing as
 * another cart, a wrong secret and a revoked cart.
 */
import mqtt, { type MqttClient } from "mqtt";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { dynsecProvisionDevice } from "../../src/adapters/mqtt/device-external";
import { deviceTopic, deviceUsername } from "../../src/adapters/mqtt/device-topics";
import { Dynsec, type ExternalBroker } from "../../src/adapters/mqtt/external-broker";
import { errorsTopic, eventsTopic, screenTopic } from "../../src/adapters/mqtt/topics";
import { screenStateSchema } from "../../src/adapters/schemas/cart-protocol.schema";
import { type DynsecMosquitto as Mosquitto, mosquittoAvailable, startMosquitto } from "../support/mosquitto";
import { waitFor } from "../support/wait-for";
import { CountingIngest } from "./support/counting-ingest";
import { closeServerClient, connectServerClient } from "./support/server-client";

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
    server = await connectServerClient(mosq, ingest, `skiplane-test-${process.pid}`);
    await server.enableDynsec();
    await server.provisionCart(STORE, "cart-1", "secret-1");
    await server.provisionCart(STORE, "cart-2", "secret-2");
  });
  afterAll(() => closeServerClient(clients, server, mosq));

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

  it("a cart id naming another broker account (the server's, the dynsec admin's) is refused: no password reset, no takeover, no disable", async () => {
    // before: "Client already exists" made provisioning re-key that client and hand its new
    // password to whoever provisioned the cart — any store's admin key could take the server's
    // privileged account (every store's topics, dynsec control) or the broker admin's
    for (const taken of ["skiplane-server", mosq.admin.username]) {
      await expect(server.provisionCart(STORE, taken, "stolen")).rejects.toMatchObject({
        code: "CART_EXISTS",
      });
      expect([134, 135]).toContain((await connectError(taken, "stolen")).code);
      // revoking a "cart" of that name leaves the account alone
      await server.revokeCart(taken);
    }
    const still = await connect("skiplane-server", "server-secret");
    expect(still.connected).toBe(true);
    const admin = await connect(mosq.admin.username, mosq.admin.password);
    expect(admin.connected).toBe(true);
    // the server's own connection was never cut
    expect(server.ready()).toBe(true);
  });

  it("a cart may not subscribe with wildcards, to the server's live or revocation topics or to a device's topics, nor publish there", async () => {
    const c = await connect("cart-1", "secret-1");
    for (const filter of [
      "#",
      "skiplane/#",
      `skiplane/v1/${STORE}/carts/+/screen`,
      `skiplane/v1/+/carts/cart-1/screen`,
      `skiplane/v1/${STORE}/carts/cart-2/errors`,
      `skiplane/v1/${STORE}/live`,
      `skiplane/v1/${STORE}/revoked`,
      "skiplane/v1/+/revoked",
      `skiplane/v1/${STORE}/devices/+/events`,
      `$share/g/skiplane/v1/${STORE}/carts/cart-2/screen`,
      "$CONTROL/dynamic-security/#",
      "$SYS/#",
    ]) {
      await expect(c.subscribeAsync(filter, { qos: 1 }), filter).rejects.toThrow();
    }
    // publishes outside its own topics never reach the server's subscribers
    const seen: string[] = [];
    const watcher = await connect("skiplane-server", "server-secret");
    // retained screens of earlier cases arrive on subscribing: only live publishes count
    watcher.on("message", (t, _p, packet) => packet.retain || seen.push(t));
    await watcher.subscribeAsync("skiplane/#", { qos: 1 });
    for (const topic of [
      `skiplane/v1/${STORE}/live`,
      // the cluster's revocation bus: a cart must not make processes drop sockets
      `skiplane/v1/${STORE}/revoked`,
      screenTopic(STORE, "cart-2"),
      `skiplane/v1/other-store/carts/cart-1/events`,
      "$CONTROL/dynamic-security/v1",
    ])
      await c.publishAsync(topic, "{}", { qos: 1 }).catch(() => undefined);
    await c.publishAsync(eventsTopic(STORE, "cart-1"), "not json", { qos: 1 });
    await waitFor(() => seen.includes(eventsTopic(STORE, "cart-1")));
    expect(
      seen.filter((t) => t !== eventsTopic(STORE, "cart-1") && t !== errorsTopic(STORE, "cart-1")),
    ).toEqual([]);
  });

  it("walk-out devices of two stores whose names run together keep their own rights (store a + device b-c, store a-b + device c)", async () => {
    // before: both devices' dynsec role was `skiplane-device-a-b-c`, and provisioning the second
    // deleted the first one's role: one store's admin could cut another store's device off
    const admin = await connect(mosq.admin.username, mosq.admin.password);
    const d = new Dynsec(admin);
    await d.start();
    const a = { store: "sec-a", device: "b-c", secret: "dev-secret-1" };
    const ab = { store: "sec-a-b", device: "c", secret: "dev-secret-2" };
    await dynsecProvisionDevice(d, a.store, a.device, a.secret);
    await dynsecProvisionDevice(d, ab.store, ab.device, ab.secret);
    // re-provisioning (the client exists: re-keyed) changes nothing for the other, and keeps the
    // asking connection (deleting and re-creating the role dropped it)
    await dynsecProvisionDevice(d, a.store, a.device, a.secret);
    const seen: string[] = [];
    const watcher = await connect("skiplane-server", "server-secret");
    watcher.on("message", (t) => seen.push(t));
    await watcher.subscribeAsync("skiplane/v1/+/devices/+/events", { qos: 1 });
    for (const [x, other] of [
      [a, ab],
      [ab, a],
    ]) {
      const dev = await connect(deviceUsername(x.store, x.device), x.secret);
      await dev
        .publishAsync(deviceTopic(x.store, x.device, "events"), "{}", { qos: 1 })
        .catch(() => undefined);
      // and never on the other's topic
      await dev
        .publishAsync(deviceTopic(other.store, other.device, "events"), "{}", { qos: 1 })
        .catch(() => undefined);
    }
    await waitFor(() => seen.length >= 2).catch(() => undefined);
    await new Promise((r) => setTimeout(r, 200));
    expect(seen.sort()).toEqual(
      [deviceTopic(a.store, a.device, "events"), deviceTopic(ab.store, ab.device, "events")].sort(),
    );
  });
});
