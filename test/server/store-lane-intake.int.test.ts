/**
 * The cluster's store lanes under the process's intake limit (decision 0121), against a real
 * Mosquitto: two stores' lanes in one process share one `IntakeLimit`; while the application
 * holds every ingest (a process that fell behind), the lanes together take in at most the limit —
 * before, each took in up to its receive maximum (32), whatever `mqtt.maxInFlight` said — and
 * read no further: the broker keeps the rest in the stores' persistent sessions. The pause is
 * longer than 1.5 × the lanes' keep-alive, and their connections stay up (the lanes keep the
 * keep-alive while mqtt.js is held). Once the application catches up every message is recorded,
 * in each cart's order, and acknowledged.
 */
import mqtt, { type MqttClient } from "mqtt";
import { afterEach, describe, expect, it } from "vitest";
import { StoreLane } from "../../src/adapters/cluster/store-lane";
import { ServerMetrics } from "../../src/adapters/metrics/server-metrics";
import { waitFor } from "../support/wait-for";
import { countedIntake, GatedIngest, publishTwoCarts } from "./support/gated-ingest";
import { mosquittoAvailable, startMosquitto } from "./support/mosquitto";

const STORES = ["st-lane-a", "st-lane-b"];
const LIMIT = 5;
const PER_CART = 20;
/** the lanes' keep-alive, seconds: the pause below lasts more than 1.5 × it */
const KEEPALIVE = 2;

const closers: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const c of closers.splice(0).reverse()) await c().catch(() => undefined);
});

describe.skipIf(!mosquittoAvailable())("store lanes under the process's intake limit (Mosquitto)", () => {
  it("two stores' lanes take in at most the limit together, keep their connections through the pause, and record everything after", async () => {
    const mosq = await startMosquitto({ dynsec: false, config: ["max_queued_messages 10000"] });
    closers.push(() => mosq.stop());
    const metrics = new ServerMetrics({ defaultMetrics: false });
    const { intake, most } = countedIntake(metrics, LIMIT);
    const ingest = new GatedIngest();
    const failures: unknown[] = [];
    const lanes = STORES.map(
      (store) =>
        new StoreLane({
          store,
          epoch: 1,
          url: mosq.url,
          clientIdPrefix: `skiplane-lane-intake-${process.pid}`,
          ingest,
          metrics,
          intake,
          keepaliveSec: KEEPALIVE,
          stillOwner: () => true,
          onFailure: (err) => failures.push(err),
        }),
    );
    for (const lane of lanes) {
      await lane.start();
      closers.push(() => lane.close());
    }
    await waitFor(() => lanes.every((l) => l.status().connected));

    const carts: MqttClient[] = [];
    const published: Promise<unknown>[] = [];
    for (const store of STORES) {
      const pair = await Promise.all(
        ["cart-a", "cart-b"].map((c) =>
          mqtt.connectAsync(mosq.url, { clientId: `${store}-${c}`, protocolVersion: 5 }),
        ),
      );
      for (const c of pair) closers.push(() => c.endAsync(true));
      carts.push(...pair);
      published.push(publishTwoCarts(pair[0], pair[1], store, PER_CART));
    }
    const all = Promise.all(published);
    all.catch(() => undefined);

    // 80 messages for two lanes with a receive maximum of 32 each: the limit's worth is taken
    // in, and no more, for longer than 1.5 × the keep-alive
    await waitFor(() => intake.load.messages === LIMIT && intake.load.waiting > 0, 10_000);
    await new Promise((r) => setTimeout(r, KEEPALIVE * 1.5 * 1000 + 1500));
    expect(intake.load.messages).toBe(LIMIT);
    expect(intake.load.waiting).toBeLessThanOrEqual(STORES.length); // one held per lane at most
    expect(most()).toBe(LIMIT);
    expect(lanes.map((l) => l.status())).toMatchObject(
      STORES.map((store) => ({ store, connected: true, reconnects: 0, messages: 0 })),
    );

    // the application catches up: every message recorded in each cart's order, and acknowledged
    ingest.release();
    await waitFor(
      () => STORES.every((s) => ["cart-a", "cart-b"].every((c) => ingest.inner.of(s, c).length === PER_CART)),
      20_000,
    );
    await all;
    for (const store of STORES) {
      for (const cart of ["cart-a", "cart-b"]) {
        expect(ingest.inner.of(store, cart).map((e) => e.id)).toEqual(
          Array.from({ length: PER_CART }, (_, i) => `${cart}-${i}`),
        );
      }
    }
    await waitFor(() => lanes.every((l) => l.status().messages === 2 * PER_CART));
    await waitFor(() => intake.load.messages === 0);
    expect(most()).toBe(LIMIT);
    expect(lanes.map((l) => l.status().reconnects)).toEqual([0, 0]);
    expect(failures).toEqual([]);
    const waits = (await metrics.registry.getMetricsAsJSON()).find(
      (m) => m.name === "skiplane_intake_waits_total",
    );
    expect(Number(waits?.values[0]?.value)).toBeGreaterThanOrEqual(1);
  });
});
