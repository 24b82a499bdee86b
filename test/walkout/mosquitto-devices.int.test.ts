/**
 * Walk-out devices on a real Mosquitto with dynamic security (the external-broker path): the
 * server provisions devices through dynsec, consumes their events topics, and the BROKER refuses
 * a device publishing as another device or on a cart topic, a foreign subscription, a wrong
 * secret and a revoked device. Refusals of malformed events reach the device's errors topic.
 * Then the whole server (src/main.ts) on that broker: a device provisioned through the API is
 * known to the broker, and gate.in → pick-up → gate.out ends with the receipt.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import mqtt, { type MqttClient } from "mqtt";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
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
import type { RunningServer } from "../../src/main";
import { CountingIngest } from "../server/support/counting-ingest";
import { startServerOnMosquitto } from "../server/support/mosquitto-server";
import { closeServerClient, connectServerClient, SERVER_ACCOUNT } from "../server/support/server-client";
import { writeWaterCatalog } from "../server/support/two-water-stores";
import { type DynsecMosquitto as Mosquitto, mosquittoAvailable, startMosquitto } from "../support/mosquitto";
import { waitFor } from "../support/wait-for";
import { visitScript } from "./support/visit-script";

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

describe.skipIf(!available)("walk-out devices on Mosquitto + dynamic security", () => {
  beforeAll(async () => {
    mosq = await startMosquitto();
    server = await connectServerClient(mosq, carts, `skiplane-test-devices-${process.pid}`);
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
  afterAll(() => closeServerClient(clients, server, mosq));

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

  it("an event published retained is recorded once and cleared: a later subscriber is handed nothing (2026-12-06)", async () => {
    // before: the broker kept it and handed it to every later subscription (a restarted server too)
    const c = await connect("gate-1", "gate-secret");
    const errors: string[] = [];
    c.on("message", (_t, p) => errors.push(p.toString()));
    await c.subscribeAsync(deviceTopic(STORE, "gate-1", "errors"), { qos: 1 });
    await c.publishAsync(deviceTopic(STORE, "gate-1", "events"), JSON.stringify(gateIn("g-r", "s-r")), {
      qos: 1,
      retain: true,
    });
    await waitFor(() => received.some((e) => e.id === "g-r"));
    await new Promise((r) => setTimeout(r, 300));
    const seen: string[] = [];
    const monitor = await mqtt.connectAsync(mosq.url, {
      ...SERVER_ACCOUNT,
      clientId: `skiplane-test-monitor-${process.pid}`,
      reconnectPeriod: 0,
    });
    clients.push(monitor);
    monitor.on("message", (_t, p, packet) => {
      if (packet.retain) seen.push(p.toString());
    });
    await monitor.subscribeAsync(deviceTopic(STORE, "gate-1", "events"), { qos: 1 });
    await new Promise((r) => setTimeout(r, 500));
    expect({ recorded: received.filter((e) => e.id === "g-r").length, seen, errors }).toEqual({
      recorded: 1,
      seen: [],
      errors: [],
    });
  });
});

describe.skipIf(!available)("a walk-out store in the server on Mosquitto + dynamic security", () => {
  let broker: Mosquitto;
  let running: RunningServer;
  let dir: string;
  let key: string;
  const STORE2 = "wo-ext";

  beforeAll(async () => {
    broker = await startMosquitto();
    const account = { username: "skiplane-server", password: "server-secret-2" };
    await ExternalBroker.bootstrapDynsec({ url: broker.url, admin: broker.admin, server: account });
    dir = mkdtempSync(join(tmpdir(), "skiplane-walkout-ext-"));
    writeWaterCatalog(dir);
    writeFileSync(
      join(dir, "layout.json"),
      JSON.stringify({
        plates: [{ gondola: 1, shelf: 1, plate: 1, x: 0.2, y: 0.25, z: 1.2, skus: ["water-500"] }],
      }),
    );
    ({ running, key } = await startServerOnMosquitto({
      dir,
      brokerUrl: broker.url,
      account,
      clientId: `skiplane-walkout-ext-${process.pid}`,
      stores: [
        {
          id: STORE2,
          kind: "walkout",
          catalog: join(dir, "catalog.json"),
          layout: join(dir, "layout.json"),
          defaultPaymentMethod: "pm_sandbox_test",
        },
      ],
      keyId: "key_ext_admin",
      keyStore: STORE2,
    }));
  }, 60_000);
  afterAll(async () => {
    await Promise.all(clients.splice(0).map((c) => c.endAsync(true).catch(() => undefined)));
    await running?.close();
    await broker?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  async function call(method: string, path: string, body?: unknown) {
    const res = await fetch(`${running.httpUrl}/api/v1/stores/${STORE2}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${key}`,
        ...(body !== undefined ? { "content-type": "application/json" } : {}),
      },
      body: body !== undefined ? JSON.stringify(body) : undefined,
    });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  }

  it("devices provisioned through the API publish through the broker; gate.out ends with the receipt", async () => {
    const creds: Record<string, { username: string; secret: string; events: string }> = {};
    for (const device of ["gate-1", "plates-1"]) {
      const r = await call("POST", "/devices", { device });
      expect(r.status).toBe(201);
      creds[device] = {
        secret: r.body.secret as string,
        ...(r.body.mqtt as { username: string; events: string }),
      };
    }
    const open = async (d: string) => {
      const c = await mqtt.connectAsync(broker.url, {
        username: creds[d].username,
        password: creds[d].secret,
        reconnectPeriod: 0,
        protocolVersion: 5,
      });
      clients.push(c);
      return c;
    };
    const gate = await open("gate-1");
    const plates = await open("plates-1");
    const p0 = { gondola: 1, shelf: 1, plate: 1, load: 3000 };
    const v = visitScript({
      store: STORE2,
      session: "x-0001",
      shopper: "track-5",
      t0: 1_763_800_000_000,
      plates: [p0],
      pick: { plate: p0, grams: 538, atMs: 3000 },
    });
    await gate.publishAsync(creds["gate-1"].events, JSON.stringify(v.gateIn), { qos: 1 });
    // the broker drops the shelf controller's attempt to open a visit as the gate
    await plates
      .publishAsync(
        creds["gate-1"].events,
        JSON.stringify({ ...(v.gateIn as object), session: "x-spoof", shopper: "track-x", id: "spoof" }),
        { qos: 1 },
      )
      .catch(() => undefined);
    for (const batch of v.plates)
      await plates.publishAsync(creds["plates-1"].events, JSON.stringify(batch), { qos: 1 });
    await gate.publishAsync(creds["gate-1"].events, JSON.stringify(v.gateOut), { qos: 1 });
    // the server acknowledges the broker's delivery after ingest; the device's PUBACK came from the broker
    let receipt = await call("GET", "/receipts/x-0001");
    for (
      let i = 0;
      i < 100 && (receipt.status !== 200 || receipt.body.captured !== receipt.body.total);
      i++
    ) {
      await new Promise((r) => setTimeout(r, 50));
      receipt = await call("GET", "/receipts/x-0001");
    }
    expect(receipt.status).toBe(200);
    expect((receipt.body.lines as { sku: string; qty: number }[]).map((l) => [l.sku, l.qty])).toEqual([
      ["water-500", 1],
    ]);
    expect(receipt.body.captured).toBe(receipt.body.total);
    expect((await call("GET", "/sessions/x-spoof")).status).toBe(404);
  });
});
