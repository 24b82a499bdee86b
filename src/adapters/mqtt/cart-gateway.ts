/**
 * The cart gateway: the broker-independent half of the MQTT edge (exchange-v1 §5).
 *
 * A message on `skiplane/v1/{store}/carts/{cart}/events` is one §1 event or an array of them.
 * Each element is validated with zod; a malformed element, or one whose store/cart differs
 * from the topic, is answered on the cart's `errors` topic and counted, and the valid elements
 * around it are kept. Messages of one cart are processed strictly one after another (a
 * per-cart promise chain), carts in parallel. The returned promise resolves only once the
 * ingest port has recorded the events, so a broker adapter can hold the MQTT acknowledgement
 * until then: an acknowledged event is never lost. After every change the cart's screen state
 * is published (retained) — only when its `seq` moved, so redeliveries publish nothing new.
 */
import type { BasketEvent } from "../../domain/basket/basket.events";
import type { CartEvent } from "../../domain/events/sensor-events";
import type { ServerMetrics } from "../metrics/server-metrics";
import type { CartError, ScreenState } from "../schemas/cart-protocol.schema";
import { parseCartEvent } from "../schemas/sensor-event.schema";
import { parseCartTopic } from "./topics";

/** What the gateway needs from the application: ingest one cart's events in order. */
export interface CartIngestPort {
  /**
   * Ingests validated events of one cart, in order. Resolves once they are durably recorded
   * (the gateway acknowledges the MQTT message only then). Rejects on infrastructure failure.
   */
  ingest(store: string, cart: string, events: CartEvent[]): Promise<CartIngestOutcome>;
}

export interface CartIngestOutcome {
  /** events the application refused (duplicates are not errors: leave them out) */
  rejected: { index: number; reason: string; detail?: string }[];
  /** how many were redeliveries of events already recorded */
  duplicates?: number;
  /** the cart's screen state after the events, when it has one */
  screen?: ScreenState;
  /** basket events produced (counted for metrics: prompts, reviews, payments) */
  produced?: BasketEvent[];
  /** an event in the batch settled a weight change and a decision was made on it */
  settled?: boolean;
}

/** How the gateway talks back to a cart: the broker adapter implements it. */
export interface CartOutbound {
  publishScreen(store: string, cart: string, screen: ScreenState): Promise<void>;
  publishError(store: string, cart: string, error: CartError): Promise<void>;
}

export interface CartGatewayOptions {
  ingest: CartIngestPort;
  metrics?: ServerMetrics;
  /** largest accepted payload, bytes (default 256 KiB) */
  maxPayloadBytes?: number;
  /** largest accepted array, elements (default 2,000) */
  maxBatch?: number;
  log?: { warn(obj: object, msg: string): void; error(obj: object, msg: string): void };
  /** a listener told of every published screen (the WebSocket hub uses it) */
  onScreen?: (store: string, cart: string, screen: ScreenState) => void;
}

export class CartGateway {
  private outbound: CartOutbound | undefined;
  private readonly queues = new Map<string, Promise<void>>();
  private readonly lastSeq = new Map<string, number>();
  private readonly maxPayload: number;
  private readonly maxBatch: number;

  constructor(private readonly options: CartGatewayOptions) {
    this.maxPayload = options.maxPayloadBytes ?? 256 * 1024;
    this.maxBatch = options.maxBatch ?? 2000;
  }

  /** The broker adapter attaches itself once it is up. */
  attach(outbound: CartOutbound): void {
    this.outbound = outbound;
  }

  /**
   * Handles one message published on an events topic. `publisher`, when the broker knows who
   * sent it (embedded broker), must be the cart the topic names. Resolves when done; rejects
   * when the events could not be recorded (the broker must then not acknowledge).
   */
  handleMessage(topic: string, payload: Buffer | Uint8Array, receivedAt = performance.now()): Promise<void> {
    const parsed = parseCartTopic(topic);
    if (parsed?.kind !== "events") {
      this.count("wrong-topic");
      return Promise.resolve();
    }
    const { store, cart } = parsed;
    return this.enqueue(store, cart, () => this.process(store, cart, payload, receivedAt));
  }

  /** Publishes a screen state produced outside the MQTT path (review decision, exit workflow). */
  async publishScreen(store: string, cart: string, screen: ScreenState): Promise<void> {
    await this.enqueue(store, cart, async () => {
      await this.maybePublish(store, cart, screen);
    });
  }

  /** Waits until every queued message has been processed. */
  async drain(): Promise<void> {
    while (this.queues.size > 0) await Promise.allSettled([...this.queues.values()]);
  }

  get pending(): number {
    return this.queues.size;
  }

  private enqueue(store: string, cart: string, work: () => Promise<void>): Promise<void> {
    const key = `${store}\u0000${cart}`;
    const prev = this.queues.get(key) ?? Promise.resolve();
    const next = prev.then(work);
    const settled = next.then(
      () => undefined,
      () => undefined,
    );
    this.queues.set(key, settled);
    void settled.then(() => {
      if (this.queues.get(key) === settled) this.queues.delete(key);
    });
    return next;
  }

  private async process(store: string, cart: string, payload: Buffer | Uint8Array, receivedAt: number) {
    if (payload.byteLength > this.maxPayload) {
      this.count("too-large");
      await this.sendError(store, cart, {
        reason: "too-large",
        detail: `payload of ${payload.byteLength} bytes; at most ${this.maxPayload}`,
      });
      return;
    }
    let body: unknown;
    try {
      body = JSON.parse(Buffer.from(payload).toString("utf8"));
    } catch (err) {
      this.count("bad-json");
      await this.sendError(store, cart, { reason: "bad-json", detail: (err as Error).message });
      return;
    }
    const items = Array.isArray(body) ? body : [body];
    if (items.length > this.maxBatch) {
      this.count("too-large");
      await this.sendError(store, cart, {
        reason: "too-large",
        detail: `${items.length} events in one message; at most ${this.maxBatch}`,
      });
      return;
    }
    const valid: CartEvent[] = [];
    const errors: CartError[] = [];
    for (const item of items) {
      const r = parseCartEvent(item);
      if (!r.ok) {
        errors.push(withId({ reason: r.reason, detail: r.detail }, r.id));
        continue;
      }
      if (r.event.store !== store || r.event.cart !== cart) {
        errors.push(
          withId(
            {
              reason: "wrong-topic",
              detail: `event for ${r.event.store}/${r.event.cart} published on the topic of ${store}/${cart}`,
            },
            r.event.id,
          ),
        );
        continue;
      }
      valid.push(r.event);
    }
    for (const e of errors) this.count(e.reason);

    let outcome: CartIngestOutcome | undefined;
    if (valid.length > 0) {
      try {
        outcome = await this.options.ingest.ingest(store, cart, valid);
      } catch (err) {
        this.count("internal-error");
        this.options.log?.error({ err, store, cart }, "cart ingest failed; message not acknowledged");
        throw err;
      }
      const rejectedN = outcome.rejected.length;
      const dup = outcome.duplicates ?? 0;
      this.options.metrics?.events.inc({ outcome: "accepted" }, valid.length - rejectedN - dup);
      if (dup) this.options.metrics?.events.inc({ outcome: "duplicate" }, dup);
      for (const r of outcome.rejected) {
        this.count(r.reason);
        errors.push(withId({ reason: r.reason, detail: r.detail }, valid[r.index]?.id));
      }
      if (outcome.produced) this.options.metrics?.observeBasketEvents(outcome.produced);
    }
    for (const e of errors) await this.sendError(store, cart, e);
    if (outcome?.screen) {
      const published = await this.maybePublish(store, cart, outcome.screen);
      if (published && outcome.settled) {
        this.options.metrics?.decisionLatency.observe((performance.now() - receivedAt) / 1000);
      }
    }
  }

  private async maybePublish(store: string, cart: string, screen: ScreenState): Promise<boolean> {
    const key = `${store}\u0000${cart}`;
    const last = this.lastSeq.get(key);
    if (last !== undefined && screen.seq <= last) return false;
    this.lastSeq.set(key, screen.seq);
    this.options.onScreen?.(store, cart, screen);
    if (!this.outbound) return false;
    await this.outbound.publishScreen(store, cart, screen);
    this.options.metrics?.screens.inc();
    return true;
  }

  private async sendError(store: string, cart: string, error: CartError): Promise<void> {
    if (!this.outbound) return;
    try {
      await this.outbound.publishError(store, cart, error);
    } catch (err) {
      this.options.log?.warn({ err, store, cart }, "could not publish a cart error");
    }
  }

  private count(reason: string): void {
    this.options.metrics?.rejected.inc({ reason });
    this.options.metrics?.events.inc({ outcome: "rejected" });
  }
}

function withId(e: { reason: string; detail?: string }, id: string | undefined): CartError {
  const out: CartError = id === undefined ? { reason: e.reason } : { id, reason: e.reason };
  if (e.detail !== undefined) out.detail = e.detail;
  return out;
}
