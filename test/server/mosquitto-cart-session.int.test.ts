/**
 * Mosquitto (dynamic security) lets any account connect with a client id in use and take that
 * session over, subscriptions and queue included (docs/server.md "MQTT client ids"). A cart that
 * knows another cart's client id can still cut it off, but since 2026-12-06 it is handed none of
 * that cart's messages: a cart's role allows it to be handed (publishClientReceive) only its own
 * screen and errors (`receiveOnlyAcls`). Before, cart-2 connecting with cart-1's client id (clean
 * off) was handed cart-1's queued screen and every later one — another shopper's basket.
 */
import mqtt, { type MqttClient } from "mqtt";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ExternalBroker } from "../../src/adapters/mqtt/external-broker";
import { errorsTopic, screenTopic } from "../../src/adapters/mqtt/topics";
import { type DynsecMosquitto, mosquittoAvailable, startMosquitto } from "../support/mosquitto";
import { CountingIngest } from "./support/counting-ingest";
import { closeServerClient, connectServerClient } from "./support/server-client";

const STORE = "st-cs";
const session = {
  protocolVersion: 5 as const,
  reconnectPeriod: 0,
  clean: false,
  properties: { sessionExpiryInterval: 3600 },
};
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe.skipIf(!mosquittoAvailable())("Mosquitto: a cart taking another cart's session over", () => {
  let mosq: DynsecMosquitto;
  let server: ExternalBroker;
  const clients: MqttClient[] = [];

  beforeAll(async () => {
    mosq = await startMosquitto();
    server = await connectServerClient(mosq, new CountingIngest());
    await server.enableDynsec();
    await server.provisionCart(STORE, "cart-1", "secret-1");
    await server.provisionCart(STORE, "cart-2", "secret-2");
  });
  afterAll(() => closeServerClient(clients, server, mosq));

  it("is handed none of its screens or errors, queued or live; the cart itself still gets them", async () => {
    const publish = (topic: string, payload: string) =>
      server.client.publishAsync(topic, payload, { qos: 1 });
    const id = "cart-1-tablet";
    const victim = await mqtt.connectAsync(mosq.url, {
      ...session,
      username: "cart-1",
      password: "secret-1",
      clientId: id,
    });
    clients.push(victim);
    const own: string[] = [];
    victim.on("message", (_t, p) => own.push(p.toString()));
    await victim.subscribeAsync([screenTopic(STORE, "cart-1"), errorsTopic(STORE, "cart-1")], { qos: 1 });
    await publish(screenTopic(STORE, "cart-1"), "screen-1");
    await publish(errorsTopic(STORE, "cart-1"), "error-1");
    await sleep(300);
    await victim.endAsync(); // offline, its session kept: what follows is queued for it
    await publish(screenTopic(STORE, "cart-1"), "screen-2 (queued)");

    const stolen: string[] = [];
    const thief = mqtt.connect(mosq.url, {
      ...session,
      username: "cart-2",
      password: "secret-2",
      clientId: id,
    });
    clients.push(thief);
    thief.on("message", (_t, p) => stolen.push(p.toString()));
    await new Promise((r) => thief.once("connect", r));
    await publish(screenTopic(STORE, "cart-1"), "screen-3 (live)");
    await publish(errorsTopic(STORE, "cart-1"), "error-3 (live)");
    await sleep(500);
    // before: ["screen-2 (queued)", "screen-3 (live)", "error-3 (live)"]
    expect({ own, stolen }).toEqual({ own: ["screen-1", "error-1"], stolen: [] });
  }, 30_000);
});
