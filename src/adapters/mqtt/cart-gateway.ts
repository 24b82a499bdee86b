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
 * is published (retained) — only when its `seq` moved and its content changed, so redeliveries
 * and changes the screen does not show publish nothing.
 *
 * Catching up: when several messages of one cart are waiting (the broker read them together,
 * or the server fell behind), they are ingested in ONE call — their events in order, as one
 * batch — and all of them complete (are acknowledged) once it has been recorded. A cart that
 * fell behind therefore catches up in one round instead of one round per message, and its
 * screen is published once, for the latest state.
 */
import type { BasketEvent } from "../../domain/basket/basket.events";
import type { CartEvent } from "../../domain/events/sensor-events";
import type { ServerMetrics } from "../metrics/server-metrics";
import type { CartError, ScreenState } from "../schemas/cart-protocol.schema";
import { parseCartEvent } from "../schemas/sensor-event.schema";
import type { IntakeLimit } from "./intake-limit";
import { type BatchLimits, decodeBatch, withId } from "./message-batch";
import { parseCartTopic } from "./topics";
import { fastWeightEvent } from "./weight-fast-path";

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
  /** most waiting messages of one cart ingested together (default 64; 1 = one by one) */
  maxCoalesce?: number;
  /** the process's bound on messages taken in and not yet recorded (intake-limit.ts) */
  intake?: IntakeLimit;
}

interface Waiting {
  payload: Buffer | Uint8Array;
  receivedAt: number;
  resolve: () => void;
  reject: (err: unknown) => void;
}

/** One message's share of a coalesced ingest. */
interface Part {
  w: Waiting;
  valid: CartEvent[];
  errors: CartError[];
}

export class CartGateway {
  private outbound: CartOutbound | undefined;
  private readonly queues = new Map<string, Promise<void>>();
  /** per cart: the last screen published (its seq, and its content without the seq) */
  private readonly lastScreen = new Map<string, { seq: number; content: string }>();
  private readonly inbox = new Map<string, Waiting[]>();
  private readonly limits: BatchLimits;

  constructor(private readonly options: CartGatewayOptions) {
    this.limits = { maxPayload: options.maxPayloadBytes ?? 256 * 1024, maxBatch: options.maxBatch ?? 2000 };
  }

  /** The broker adapter attaches itself once it is up. */
  attach(outbound: CartOutbound): void {
    this.outbound = outbound;
  }

  /**
   * Handles one message published on an events topic. Resolves when done; rejects when the
   * events could not be recorded (the broker must then not acknowledge). Under the in-flight
   * limit (`intake`) the message may first wait for room: `onAdmitted` is called once it is
   * taken in (at once when there is room), so a broker adapter reads on only then — called
   * after the message is in its cart's inbox, so a next message handed over from inside it
   * queues behind this one.
   */
  handleMessage(
    topic: string,
    payload: Buffer | Uint8Array,
    receivedAt = performance.now(),
    onAdmitted?: () => void,
  ): Promise<void> {
    const parsed = parseCartTopic(topic);
    if (parsed?.kind !== "events") {
      this.count("wrong-topic");
      onAdmitted?.();
      return Promise.resolve();
    }
    const { store, cart } = parsed;
    // In the cart's inbox BEFORE the broker is told to read on: a message admitted late (intake
    // was paused) calls mqtt.js back outside its read, and mqtt.js may then hand over the next
    // message synchronously, inside onAdmitted — taken first, it overtook this one (cart-b-8
    // recorded before cart-b-7 in test/server/intake-keepalive.int.test.ts)
    const start = () => {
      const done = this.take(store, cart, payload, receivedAt);
      onAdmitted?.();
      return done;
    };
    const intake = this.options.intake;
    return intake ? intake.run(payload.byteLength, start) : start();
  }

  /** Puts a message in its cart's inbox and runs the cart's queue. */
  private take(store: string, cart: string, payload: Buffer | Uint8Array, receivedAt: number): Promise<void> {
    const key = `${store}\u0000${cart}`;
    return new Promise<void>((resolve, reject) => {
      let box = this.inbox.get(key);
      if (!box) {
        box = [];
        this.inbox.set(key, box);
      }
      box.push({ payload, receivedAt, resolve, reject });
      // One turn per message; a turn takes every message waiting by then (later turns may find
      // none left), so messages are handled in arrival order, several at a time when queued.
      void this.enqueue(store, cart, () => this.processInbox(store, cart, key)).catch(() => {});
    });
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

  private async processInbox(store: string, cart: string, key: string): Promise<void> {
    const box = this.inbox.get(key);
    if (!box || box.length === 0) return;
    const take = box.splice(0, this.options.maxCoalesce ?? 64);
    if (box.length === 0) this.inbox.delete(key);
    try {
      await this.process(store, cart, take);
    } catch (err) {
      // The messages that were already waiting behind the failed ones fail too, unprocessed: the
      // broker sends them again after the failed one, so the cart's order survives the failure.
      const behind = this.inbox.get(key) ?? [];
      this.inbox.delete(key);
      for (const w of take) w.reject(err);
      for (const w of behind) w.reject(err);
      return;
    }
    for (const w of take) w.resolve();
  }

  /** Parses and validates one message: its valid events and its errors (nothing to ingest on a bad payload). */
  private parse(store: string, cart: string, w: Waiting): Part {
    const part: Part = { w, valid: [], errors: [] };
    const batch = decodeBatch(w.payload, this.limits);
    if (!batch.ok) {
      part.errors.push(batch.error);
      return part;
    }
    for (const item of batch.items) {
      // the common well-formed weight skips zod; anything else (and every refusal) is zod's
      const fast = fastWeightEvent(item);
      const r = fast ? { ok: true as const, event: fast } : parseCartEvent(item);
      if (!r.ok) {
        part.errors.push(withId({ reason: r.reason, detail: r.detail }, r.id));
        continue;
      }
      if (r.event.store !== store || r.event.cart !== cart) {
        part.errors.push(
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
      part.valid.push(r.event);
    }
    return part;
  }

  private async process(store: string, cart: string, waiting: Waiting[]) {
    const parts = waiting.map((w) => this.parse(store, cart, w));
    for (const p of parts) for (const e of p.errors) this.count(e.reason);
    const valid = parts.length === 1 ? parts[0].valid : parts.flatMap((p) => p.valid);

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
      // refusals belong to the message that carried the event
      let at = 0;
      const partOf: Part[] = [];
      for (const p of parts) for (let i = 0; i < p.valid.length; i++) partOf[at++] = p;
      for (const r of outcome.rejected) {
        this.count(r.reason);
        (partOf[r.index] ?? parts[parts.length - 1]).errors.push(
          withId({ reason: r.reason, detail: r.detail }, valid[r.index]?.id),
        );
      }
      if (outcome.produced) this.options.metrics?.observeBasketEvents(outcome.produced);
    }
    for (const p of parts) for (const e of p.errors) await this.sendError(store, cart, e);
    if (outcome?.screen) {
      const published = await this.maybePublish(store, cart, outcome.screen);
      if (published && outcome.settled) {
        // the oldest message of the batch: the latency is never understated
        this.options.metrics?.decisionLatency.observe(
          { store },
          (performance.now() - waiting[0].receivedAt) / 1000,
        );
      }
    }
  }

  private async maybePublish(store: string, cart: string, screen: ScreenState): Promise<boolean> {
    const key = `${store}\u0000${cart}`;
    const last = this.lastScreen.get(key);
    if (last !== undefined && screen.seq <= last.seq) return false;
    // A change the screen does not show (its seq moved, nothing else) is not sent again: the
    // retained screen stays as it is, and the next visible change comes with a larger seq.
    const content = JSON.stringify(screen, withoutSeq);
    if (last !== undefined && last.content === content) {
      last.seq = screen.seq;
      return false;
    }
    this.lastScreen.set(key, { seq: screen.seq, content });
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

function withoutSeq(key: string, value: unknown): unknown {
  return key === "seq" ? undefined : value;
}
