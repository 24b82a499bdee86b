/**
 * The external-broker path acknowledges the broker's deliveries itself (pipelined, see
 * ExternalBroker.pipeline): against a real Mosquitto, a delivery is acknowledged only after its
 * events are recorded, in arrival order, while other carts' messages go on in parallel; one
 * that could not be recorded is never acknowledged and comes back after a reconnect; one that
 * was recorded does not.
 */
import mqtt, { type MqttClient } from "mqtt";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { CartIngestOutcome, CartIngestPort } from "../../src/adapters/mqtt/cart-gateway";
import type { ExternalBroker } from "../../src/adapters/mqtt/external-broker";
import { eventsTopic, screenTopic } from "../../src/adapters/mqtt/topics";
import type { CartEvent } from "../../src/domain/events/sensor-events";
import { waitFor as sharedWaitFor } from "../support/wait-for";
import { CountingIngest } from "./support/counting-ingest";
import { type Mosquitto, mosquittoAvailable, startMosquitto } from "./support/mosquitto";
import { closeServerClient, connectServerClient } from "./support/server-client";

const STORE = "st-acks";
const available = mosquittoAvailable();

/** What happened, in order: recorded ids, acknowledgements sent, deliveries received. */
type Entry = { kind: "recorded" | "puback" | "delivered"; id: string | number };

/** CountingIngest that can hold an event id until released and fail one once. */
class GatedIngest implements CartIngestPort {
  readonly inner = new CountingIngest();
  readonly held = new Map<string, () => void>();
  failOnce = new Set<string>();
  constructor(private readonly log: Entry[]) {}
  async ingest(store: string, cart: string, events: CartEvent[]): Promise<CartIngestOutcome> {
    for (const e of events) {
      const id = e.id ?? "";
      if (this.failOnce.delete(id)) throw new Error(`database down (${id})`);
      if (id.startsWith("hold")) await new Promise<void>((r) => this.held.set(id, r));
    }
    const out = await this.inner.ingest(store, cart, events);
    for (const e of events) this.log.push({ kind: "recorded", id: e.id ?? "" });
    return out;
  }
}

/** The shared waitFor, with this file's 10 s and 10 ms steps. */
const waitFor = (cond: () => boolean) => sharedWaitFor(cond, 10_000, 10);

describe.skipIf(!available)("external broker: pipelined acknowledgements (Mosquitto)", () => {
  let mosq: Mosquitto;
  let server: ExternalBroker;
  let ingest: GatedIngest;
  const log: Entry[] = [];
  const clients: MqttClient[] = [];
  /** message id of the broker's delivery → the event id it carried */
  const delivery = new Map<number, string>();

  beforeAll(async () => {
    mosq = await startMosquitto();
    ingest = new GatedIngest(log);
    server = await connectServerClient(mosq, ingest, `skiplane-acks-${process.pid}`);
    server.client.on("packetreceive", (p) => {
      if (p.cmd !== "publish" || !p.topic.endsWith("/events")) return;
      const id = (JSON.parse(String(p.payload)) as { id: string }).id;
      delivery.set(p.messageId ?? -1, id);
      log.push({ kind: "delivered", id });
    });
    server.client.on("packetsend", (p) => {
      if (p.cmd === "puback") log.push({ kind: "puback", id: delivery.get(p.messageId ?? -1) ?? "?" });
    });
    await server.enableDynsec();
    for (const c of ["a", "b"]) await server.provisionCart(STORE, `cart-${c}`, `secret-${c}`);
  });
  afterAll(() => closeServerClient(clients, server, mosq));

  const ev = (cart: string, id: string) => ({
    v: 1,
    t: 1_700_000_000_000,
    store: STORE,
    cart,
    type: "weight",
    grams: 1,
    id,
  });

  async function cart(name: string) {
    const c = await mqtt.connectAsync(mosq.url, {
      username: `cart-${name}`,
      password: `secret-${name}`,
      protocolVersion: 5,
    });
    clients.push(c);
    const totals: number[] = [];
    c.on("message", (_t, p) => totals.push((JSON.parse(String(p)) as { total: number }).total));
    await c.subscribeAsync(screenTopic(STORE, `cart-${name}`), { qos: 1 });
    const send = (id: string) =>
      c.publishAsync(eventsTopic(STORE, `cart-${name}`), JSON.stringify(ev(`cart-${name}`, id)), { qos: 1 });
    return { totals, send };
  }
  const acked = () => log.filter((e) => e.kind === "puback").map((e) => e.id);

  it("acknowledges a delivery only once recorded, in arrival order, while other carts' messages go on", async () => {
    const a = await cart("a");
    const b = await cart("b");
    await a.send("hold-a1");
    await waitFor(() => ingest.held.has("hold-a1"));
    // cart a's message is held in the application; cart b's are processed meanwhile
    await b.send("b1");
    await b.send("b2");
    await waitFor(() => b.totals.includes(2));
    expect(ingest.inner.of(STORE, "cart-b").map((e) => e.id)).toEqual(["b1", "b2"]);
    // nothing acknowledged yet: the held message arrived first (acknowledgements go in order)
    expect(acked()).toEqual([]);

    ingest.held.get("hold-a1")?.();
    await waitFor(() => acked().length === 3);
    expect(acked()).toEqual(["hold-a1", "b1", "b2"]);
    for (const id of acked()) {
      const recorded = log.findIndex((e) => e.kind === "recorded" && e.id === id);
      const puback = log.findIndex((e) => e.kind === "puback" && e.id === id);
      expect(recorded).toBeGreaterThanOrEqual(0);
      expect(puback).toBeGreaterThan(recorded);
    }
  });

  it("a message that could not be recorded is not acknowledged; it comes back first and the cart's order holds", async () => {
    const b = await cart("b");
    ingest.failOnce.add("b3");
    await b.send("b3");
    await b.send("b4");
    await b.send("b5");
    await waitFor(() => ingest.inner.of(STORE, "cart-b").some((e) => e.id === "b5"));
    expect(ingest.inner.of(STORE, "cart-b").map((e) => e.id)).toEqual(["b1", "b2", "b3", "b4", "b5"]);
    await waitFor(() => acked().includes("b5"));
    // what was recorded before the failure is not delivered again
    const delivered = log.filter((e) => e.kind === "delivered").map((e) => e.id);
    expect(delivered.filter((id) => id === "b2")).toHaveLength(1);
    expect(delivered.filter((id) => id === "b3").length).toBeGreaterThanOrEqual(2);
  });
});
