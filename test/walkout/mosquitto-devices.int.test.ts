/**
 * Walk-out devices on a real Mosquitto with dynamic security (the external-broker path): the
 * server provisions devices through dynsec, consumes their events topics, and the BROKER refuses
 * a device publishing as another device or on a cart topic, a foreign subscription, a wrong
 * secret and a revoked device. Refusals of malformed events reach the device's errors topic.
 */
import mqtt, { type MqttClient } from "mqtt";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CartGateway } from "../../src/adapters/mqtt/cart-gateway";
import {
  attachDevicesToExternalBroker,
  dynsecProvisionDevice,
  dynsecRevokeDevice,
} from "../../src/adapters/mqtt/device-external";
import { DeviceGateway } from "../../src/adapters/mqtt/device-gateway";
import { deviceTopic, deviceUsername } from "../../src/adapters/mqtt/device-topics";
import { type Dynsec, ExternalBroker } from "../../src/adapters/mqtt/external-broker";
import { eventsTopic } from "../../src/adapters/mqtt/topics";
import type { StoreEvent } from "../../src/domain/events/sensor-events";
import { CountingIngest } from "../server/support/counting-ingest";
import { type Mosquitto, mosquittoAvailable, startMosquitto } from "../server/support/mosquitto";

const STORE = "wo-m";
const available = mosquittoAvailable();
let mosq: Mosquitto;
let server: ExternalBroker;
let dynsec: Dynsec;
const received: StoreEvent[] = [];
const carts = new CountingIngest();
const clients: MqttClient[] = [];

const gateIn = (id: string, session: string) => ({
  v: 1,
  t: 1_763_700_000_000,
  type: "gate.in",
  store: STORE,
  session,
  shopper: `sh-${session}`,
  id,
});

async function connect(device: string, password: string) {
  const c = await mqtt.connectAsync(mosq.url, {
    username: deviceUsername(STORE, device),
    password,
    reconnectPeriod: 0,
    protocolVersion: 5,
  });
  clients.push(c);
  return c;
}
function connectError(device: string, password: string) {
  return connect(device, password).then(
    () => {
      throw new Error("connected but should not have");
    },
    (err: Error & { code?: number }) => err,
  );
}
function waitFor(cond: () => boolean, ms = 5000) {
  return new Promise<void>((resolve, reject) => {
    const t0 = Date.now();
    const tick = () => {
      if (cond()) return resolve();
      if (Date.now() - t0 > ms) return reject(new Error("timed out"));
      setTimeout(tick, 20);
    };
    tick();
  });
}

describe.skipIf(!available)("walk-out devices on Mosquitto + dynamic security", () => {
  beforeAll(async () => {
    mosq = await startMosquitto();
    const account = { username: "skiplane-server", password: "server-secret" };
    await ExternalBroker.bootstrapDynsec({ url: mosq.url, admin: mosq.admin, server: account });
    server = await ExternalBroker.connect({
      url: mosq.url,
      gateway: new CartGateway({ ingest: carts }),
      ...account,
      clientId: `skiplane-test-devices-${process.pid}`,
    });
    dynsec = await server.enableDynsec();
    const devices = new DeviceGateway({
      ingest: {
        async ingest(_store, events) {
          received.push(...events);
          return { rejected: [] };
        },
      },
    });
    await attachDevicesToExternalBroker(server.client, devices);
    await dynsecProvisionDevice(dynsec, STORE, "gate-1", "gate-secret");
    await dynsecProvisionDevice(dynsec, STORE, "plates-1", "plates-secret");
  });
  afterAll(async () => {
    await Promise.all(clients.map((c) => c.endAsync(true).catch(() => undefined)));
    await server?.close();
    await mosq?.stop();
  });

  it("a provisioned device publishes on its own topic; the server records the events", async () => {
    const c = await connect("gate-1", "gate-secret");
    await c.publishAsync(deviceTopic(STORE, "gate-1", "events"), JSON.stringify(gateIn("g1", "s1")), {
      qos: 1,
    });
    await waitFor(() => received.some((e) => e.id === "g1"));
  });

  it("the broker drops a device's publish on another device's topic and on a cart topic", async () => {
    const c = await connect("plates-1", "plates-secret");
    // MQTT 5: Mosquitto answers a denied QoS 1 publish with PUBACK reason 0x87 (not authorized)
    await c
      .publishAsync(deviceTopic(STORE, "gate-1", "events"), JSON.stringify(gateIn("spoof-1", "s2")), {
        qos: 1,
      })
      .catch(() => undefined);
    await c
      .publishAsync(eventsTopic(STORE, "cart-1"), JSON.stringify(gateIn("spoof-2", "s3")), { qos: 1 })
      .catch(() => undefined);
    const own = {
      v: 1,
      t: 1_763_700_001_000,
      type: "plate",
      store: STORE,
      gondola: 1,
      shelf: 1,
      plate: 1,
      grams: 500,
      id: "own",
    };
    await c.publishAsync(deviceTopic(STORE, "plates-1", "events"), JSON.stringify(own), { qos: 1 });
    await waitFor(() => received.some((e) => e.id === "own"));
    expect(received.some((e) => e.id === "spoof-1" || e.id === "spoof-2")).toBe(false);
    expect(carts.of(STORE, "cart-1")).toEqual([]);
    await expect(c.subscribeAsync(deviceTopic(STORE, "gate-1", "errors"), { qos: 1 })).rejects.toThrow();
  });

  it("a malformed event is refused with its reason on the device's errors topic", async () => {
    const c = await connect("plates-1", "plates-secret");
    await c.subscribeAsync(deviceTopic(STORE, "plates-1", "errors"), { qos: 1 });
    const error = new Promise<{ id?: string; reason: string }>((resolve) =>
      c.on(
        "message",
        (t, p) => t === deviceTopic(STORE, "plates-1", "errors") && resolve(JSON.parse(p.toString())),
      ),
    );
    await c.publishAsync(
      deviceTopic(STORE, "plates-1", "events"),
      JSON.stringify({ v: 1, t: 1, type: "plate", store: STORE, gondola: 1, shelf: 1, plate: 1, id: "bad" }),
      { qos: 1 },
    );
    expect(await error).toMatchObject({ id: "bad", reason: "bad-event" });
  });

  it("refuses a wrong secret; revoking disconnects the device and refuses it afterwards", async () => {
    expect([134, 135]).toContain((await connectError("gate-1", "wrong")).code);
    expect([134, 135]).toContain((await connectError("gate-404", "x")).code);
    await dynsecProvisionDevice(dynsec, STORE, "tracker-1", "tracker-secret");
    const c = await connect("tracker-1", "tracker-secret");
    const closed = new Promise<void>((resolve) => c.once("close", () => resolve()));
    await dynsecRevokeDevice(dynsec, STORE, "tracker-1");
    await closed;
    expect([134, 135]).toContain((await connectError("tracker-1", "tracker-secret")).code);
  });
});
