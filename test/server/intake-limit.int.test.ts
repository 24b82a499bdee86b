/**
 * The in-flight limit (src/adapters/mqtt/intake-limit.ts) against real brokers: while the
 * application holds every ingest (a server that fell behind), the server takes in at most the
 * limit's messages and reads no further — behind Mosquitto the broker keeps the rest, on the
 * embedded broker (aedes in-process and on its thread) the carts do — and once the application
 * catches up intake resumes and every message is recorded, in each cart's order, nothing lost.
 * The waits are counted in the metrics.
 */
import mqtt from "mqtt";
import { afterEach, describe, expect, it } from "vitest";
import { ServerMetrics } from "../../src/adapters/metrics/server-metrics";
import { CartGateway } from "../../src/adapters/mqtt/cart-gateway";
import { ExternalBroker } from "../../src/adapters/mqtt/external-broker";
import { waitFor } from "../support/wait-for";
import {
  countedIntake,
  embeddedBrokerForTwoCarts,
  GatedIngest,
  publishTwoCarts,
} from "./support/gated-ingest";
import { mosquittoAvailable, startMosquitto } from "./support/mosquitto";

const STORE = "st-intake";
const LIMIT = 5;
const PER_CART = 20;

function setup() {
  const metrics = new ServerMetrics({ defaultMetrics: false });
  const { intake, most } = countedIntake(metrics, LIMIT);
  metrics.intake.watch(intake);
  const ingest = new GatedIngest();
  // one message per ingest, so "handed" counts messages taken in
  const gateway = new CartGateway({ ingest, intake, metrics, maxCoalesce: 1 });
  return { metrics, intake, ingest, gateway, most };
}

async function metric(metrics: ServerMetrics, name: string): Promise<number> {
  const m = (await metrics.registry.getMetricsAsJSON()).find((x) => x.name === name);
  return m?.values.reduce((s, v) => s + (v.labels.unit === "bytes" ? 0 : Number(v.value)), 0) ?? Number.NaN;
}

async function checkHeldThenResumed(
  s: ReturnType<typeof setup>,
  published: Promise<unknown>,
  waitingAtMost: number,
) {
  published.catch(() => undefined); // awaited below; a failed test closes the carts first
  // the application holds everything: the limit's worth is taken in (one message per cart in the
  // application, the rest in their carts' queues), and no more
  await waitFor(() => s.intake.load.messages === LIMIT && s.intake.load.waiting > 0, 10_000);
  await new Promise((r) => setTimeout(r, 400));
  expect(s.intake.load.messages).toBe(LIMIT);
  expect(s.intake.load.waiting).toBeLessThanOrEqual(waitingAtMost);
  expect(s.ingest.handed).toBeGreaterThanOrEqual(1);
  expect(s.ingest.handed).toBeLessThanOrEqual(2);
  expect(s.most()).toBe(LIMIT);
  expect(await metric(s.metrics, "skiplane_intake_in_flight")).toBe(LIMIT);
  // the application catches up: intake resumes, and everything is recorded in each cart's order
  s.ingest.release();
  await waitFor(
    () =>
      s.ingest.inner.of(STORE, "cart-a").length === PER_CART &&
      s.ingest.inner.of(STORE, "cart-b").length === PER_CART,
    20_000,
  );
  await published;
  for (const cart of ["cart-a", "cart-b"]) {
    expect(s.ingest.inner.of(STORE, cart).map((e) => e.id)).toEqual(
      Array.from({ length: PER_CART }, (_, i) => `${cart}-${i}`),
    );
  }
  await waitFor(() => s.intake.load.messages === 0);
  expect(s.most()).toBe(LIMIT);
  // the limit held through the catching up too, and the pause is counted
  expect(await metric(s.metrics, "skiplane_intake_waits_total")).toBeGreaterThanOrEqual(1);
  expect(await metric(s.metrics, "skiplane_intake_wait_seconds_total")).toBeGreaterThan(0.3);
  expect(await metric(s.metrics, "skiplane_intake_in_flight")).toBe(0);
}

const closers: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const c of closers.splice(0).reverse()) await c().catch(() => undefined);
});

describe.skipIf(!mosquittoAvailable())("the in-flight limit behind Mosquitto", () => {
  it("takes in at most the limit while the application is behind, the broker keeps the rest; all recorded after", async () => {
    const mosq = await startMosquitto({ dynsec: false, config: ["max_queued_messages 10000"] });
    closers.push(() => mosq.stop());
    const s = setup();
    const server = await ExternalBroker.connect({
      url: mosq.url,
      gateway: s.gateway,
      clientId: `skiplane-intake-${process.pid}`,
    });
    closers.push(() => server.close());
    const carts = await Promise.all(
      ["cart-a", "cart-b"].map((c) => mqtt.connectAsync(mosq.url, { clientId: c, protocolVersion: 5 })),
    );
    for (const c of carts) closers.push(() => c.endAsync(true));
    // mqtt.js reads nothing past the one message waiting for room: Mosquitto keeps the rest
    await checkHeldThenResumed(s, publishTwoCarts(carts[0], carts[1], STORE, PER_CART), 1);
  });
});

describe.each([false, true])("the in-flight limit on the embedded broker (thread: %s)", (thread) => {
  it("takes in at most the limit while the application is behind, the carts keep the rest; all recorded after", async () => {
    const s = setup();
    const { broker, url } = await embeddedBrokerForTwoCarts(s.gateway, STORE, thread);
    closers.push(() => broker.close());
    const carts = await Promise.all(
      ["cart-a", "cart-b"].map((c) =>
        mqtt.connectAsync(url, { username: c, password: `secret-${c}`, reconnectPeriod: 0 }),
      ),
    );
    for (const c of carts) closers.push(() => c.endAsync(true));
    // aedes reads a connection's next bytes only once the packets it parsed are answered: what
    // waits is at most what each cart's last read held
    await checkHeldThenResumed(s, publishTwoCarts(carts[0], carts[1], STORE, PER_CART), 2 * PER_CART - LIMIT);
  });
});
