/**
 * What the intake tests (intake-limit, intake-keepalive) share: an application that holds every
 * ingest until released (a server that fell behind), and two carts publishing numbered weight
 * events, QoS 1, without waiting for their acknowledgements; and the intake limit they test, its
 * waits counted in the metrics (intake-limit, store-lane-intake).
 */
import type { MqttClient } from "mqtt";
import type { ServerMetrics } from "../../../src/adapters/metrics/server-metrics";
import { hashSecret } from "../../../src/adapters/mqtt/cart-credentials";
import { MemoryCartDirectory } from "../../../src/adapters/mqtt/cart-directory";
import type { CartGateway, CartIngestOutcome, CartIngestPort } from "../../../src/adapters/mqtt/cart-gateway";
import { EmbeddedBroker } from "../../../src/adapters/mqtt/embedded-broker";
import { IntakeLimit } from "../../../src/adapters/mqtt/intake-limit";
import { eventsTopic } from "../../../src/adapters/mqtt/topics";
import type { CartEvent } from "../../../src/domain/events/sensor-events";
import { CountingIngest } from "./counting-ingest";

/**
 * An IntakeLimit of `maxMessages` (and 1 MiB) whose waits go to `metrics`; `most()`: the most
 * messages it held in flight at once.
 */
export function countedIntake(
  metrics: ServerMetrics,
  maxMessages: number,
): { intake: IntakeLimit; most: () => number } {
  let most = 0;
  const intake = new IntakeLimit({
    maxMessages,
    maxBytes: 1024 * 1024,
    observer: {
      inFlight: (m) => {
        most = Math.max(most, m);
      },
      waited: (s) => metrics.intake.waited(s),
    },
  });
  return { intake, most: () => most };
}

/** CountingIngest behind a gate: every ingest waits until the gate opens. */
export class GatedIngest implements CartIngestPort {
  readonly inner = new CountingIngest();
  private open = false;
  private readonly waiting: (() => void)[] = [];
  /** events handed to the application so far, duplicates included */
  handed = 0;
  async ingest(store: string, cart: string, events: CartEvent[]): Promise<CartIngestOutcome> {
    this.handed += events.length;
    if (!this.open) await new Promise<void>((r) => this.waiting.push(r));
    return this.inner.ingest(store, cart, events);
  }
  release(): void {
    this.open = true;
    for (const r of this.waiting.splice(0)) r();
  }
}

/** The i-th weight event of a cart (its id says cart and number, so order can be checked). */
export const weightEvent = (store: string, cart: string, i: number) => ({
  v: 1,
  t: 1_700_000_000_000 + i,
  store,
  cart,
  type: "weight",
  grams: i,
  id: `${cart}-${i}`,
});

/** Carts `cart-a` and `cart-b` publish `perCart` events each, interleaved, QoS 1. */
export function publishTwoCarts(
  a: MqttClient,
  b: MqttClient,
  store: string,
  perCart: number,
): Promise<unknown> {
  const sent: Promise<unknown>[] = [];
  for (let i = 0; i < perCart; i++) {
    sent.push(
      a.publishAsync(eventsTopic(store, "cart-a"), JSON.stringify(weightEvent(store, "cart-a", i)), {
        qos: 1,
      }),
    );
    sent.push(
      b.publishAsync(eventsTopic(store, "cart-b"), JSON.stringify(weightEvent(store, "cart-b", i)), {
        qos: 1,
      }),
    );
  }
  return Promise.all(sent);
}

/** The embedded broker on an ephemeral port, `cart-a` and `cart-b` registered (password `secret-{cart}`). */
export async function embeddedBrokerForTwoCarts(
  gateway: CartGateway,
  store: string,
  thread: boolean,
): Promise<{ broker: EmbeddedBroker; url: string }> {
  const directory = new MemoryCartDirectory();
  for (const c of ["cart-a", "cart-b"])
    directory.set({ store, cart: c, secretHash: await hashSecret(`secret-${c}`), revoked: false });
  const broker = await EmbeddedBroker.start({ gateway, directory, port: 0, host: "127.0.0.1", thread });
  return { broker, url: `mqtt://127.0.0.1:${broker.port}` };
}
