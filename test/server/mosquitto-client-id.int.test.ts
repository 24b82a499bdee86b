/**
 * Mosquitto (with dynamic security) lets any account connect with a client id in use and take
 * that session over — subscriptions and queued messages included (eclipse-mosquitto/mosquitto
 * #3553; docs/server.md "MQTT client ids"). The single-process server's own persistent session
 * subscribes to every cart's events, and its default client id was `skiplane-server-<pid>`: a
 * provisioned cart that guessed the pid (a few thousand tries at most) disconnected the server
 * and was handed other carts' events — acknowledging them in the server's place — until the
 * server reconnected and took its session back. The default now carries a random part nobody
 * outside the process knows; the same guess reaches nothing.
 */
import mqtt, { type MqttClient } from "mqtt";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ExternalBroker } from "../../src/adapters/mqtt/external-broker";
import { eventsTopic } from "../../src/adapters/mqtt/topics";
import { type DynsecMosquitto as Mosquitto, mosquittoAvailable, startMosquitto } from "../support/mosquitto";
import { waitFor } from "../support/wait-for";
import { CountingIngest } from "./support/counting-ingest";
import { closeServerClient, connectServerClient } from "./support/server-client";

const STORE = "st-m";
let mosq: Mosquitto;
let server: ExternalBroker;
let ingest: CountingIngest;
const clients: MqttClient[] = [];

describe.skipIf(!mosquittoAvailable())("Mosquitto: the server's default client id", () => {
  beforeAll(async () => {
    mosq = await startMosquitto();
    ingest = new CountingIngest();
    // no clientId: the default, as `skiplane serve` without mqtt.clientId
    server = await connectServerClient(mosq, ingest);
    await server.enableDynsec();
    await server.provisionCart(STORE, "cart-1", "secret-1");
    await server.provisionCart(STORE, "cart-2", "secret-2");
  });
  afterAll(() => closeServerClient(clients, server, mosq));

  it("a cart connecting with the old default (skiplane-server-<pid>) neither cuts the server off nor gets another cart's events", async () => {
    let serverClosed = 0;
    server.client.on("close", () => serverClosed++);
    const stolen: string[] = [];
    const thief = await mqtt.connectAsync(mosq.url, {
      username: "cart-2",
      password: "secret-2",
      clientId: `skiplane-server-${process.pid}`,
      clean: false,
      protocolVersion: 5,
      reconnectPeriod: 0,
      properties: { sessionExpiryInterval: 3600 },
    });
    clients.push(thief);
    thief.on("message", (_t, p) => stolen.push(p.toString()));
    const cart1 = await mqtt.connectAsync(mosq.url, {
      username: "cart-1",
      password: "secret-1",
      protocolVersion: 5,
      reconnectPeriod: 0,
    });
    clients.push(cart1);
    await cart1.publishAsync(
      eventsTopic(STORE, "cart-1"),
      JSON.stringify({ v: 1, t: 1, store: STORE, cart: "cart-1", type: "plu", plu: "9", id: "e1" }),
      { qos: 1 },
    );
    await waitFor(() => ingest.of(STORE, "cart-1").length === 1).catch(() => undefined);
    // before: the server disconnected, cart-1's event delivered to cart-2 and never to the server
    expect({ serverClosed, stolen, recorded: ingest.of(STORE, "cart-1").length }).toEqual({
      serverClosed: 0,
      stolen: [],
      recorded: 1,
    });
  }, 30_000);
});
