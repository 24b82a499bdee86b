/**
 * The device gateway: the broker-independent half of the walk-out MQTT edge, the twin of the
 * cart gateway (cart-gateway.ts) for store-level devices (device-topics.ts).
 *
 * A message on `skiplane/v1/{store}/devices/{device}/events` is one §1 walk-out event or an
 * array of them. Each element is validated with zod; a malformed element, or one whose `store`
 * differs from the topic, is answered on the device's `errors` topic and counted, and the valid
 * elements around it are kept. Fusion is per store (a shelf change is attributed to whoever was
 * within reach), so all devices of one store share ONE queue, in arrival order; stores run in
 * parallel. The returned promise resolves only once the ingest port has recorded the events, so
 * the broker adapter holds the QoS 1 acknowledgement until then. Messages waiting for a store
 * (plate controllers publish several a second) are ingested in one call, like a cart's.
 */
import type { StoreEvent } from "../../domain/events/sensor-events";
import type { ServerMetrics } from "../metrics/server-metrics";
import type { CartError } from "../schemas/cart-protocol.schema";
import { parseStoreEvent } from "../schemas/sensor-event.schema";
import { parseDeviceTopic } from "./device-topics";
import type { IntakeLimit } from "./intake-limit";
import { type BatchLimits, decodeBatch, withId } from "./message-batch";

/** What the gateway needs from the application: ingest one store's events in order. */
export interface DeviceIngestPort {
  /** Resolves once the events are durably recorded; rejects on infrastructure failure. */
  ingest(
    store: string,
    events: StoreEvent[],
  ): Promise<{ rejected: { index: number; reason: string; detail?: string }[]; duplicates?: number }>;
}

/** How the gateway answers a device: the broker adapter implements it. */
export interface DeviceOutbound {
  publishDeviceError(store: string, device: string, error: CartError): Promise<void>;
}

export interface DeviceGatewayOptions {
  ingest: DeviceIngestPort;
  metrics?: ServerMetrics;
  /** largest accepted payload, bytes (default 1 MiB: a second of 60 Hz samples of a shelf) */
  maxPayloadBytes?: number;
  /** largest accepted array, elements (default 2,000) */
  maxBatch?: number;
  /** most waiting messages of one store ingested together (default 64) */
  maxCoalesce?: number;
  /** the process's bound on messages taken in and not yet recorded (intake-limit.ts), shared with carts */
  intake?: IntakeLimit;
  log?: { warn(obj: object, msg: string): void; error(obj: object, msg: string): void };
}

interface Waiting {
  device: string;
  payload: Buffer | Uint8Array;
  resolve: () => void;
  reject: (err: unknown) => void;
}

interface Part {
  w: Waiting;
  valid: StoreEvent[];
  errors: CartError[];
}

export class DeviceGateway {
  private outbound: DeviceOutbound | undefined;
  private readonly queues = new Map<string, Promise<void>>();
  private readonly inbox = new Map<string, Waiting[]>();
  private readonly limits: BatchLimits;

  constructor(private readonly options: DeviceGatewayOptions) {
    this.limits = { maxPayload: options.maxPayloadBytes ?? 1024 * 1024, maxBatch: options.maxBatch ?? 2000 };
  }

  attach(outbound: DeviceOutbound): void {
    this.outbound = outbound;
  }

  /** Is this a device events topic (the broker adapters route such messages here)? */
  accepts(topic: string): boolean {
    return parseDeviceTopic(topic)?.kind === "events";
  }

  /**
   * Handles one message on a device events topic; rejects when it could not be recorded. Under
   * the in-flight limit it may first wait for room (see the cart gateway).
   */
  handleMessage(topic: string, payload: Buffer | Uint8Array): Promise<void> {
    const parsed = parseDeviceTopic(topic);
    if (parsed?.kind !== "events") {
      this.count("wrong-topic");
      return Promise.resolve();
    }
    const { store, device } = parsed;
    const intake = this.options.intake;
    if (!intake) return this.take(store, device, payload);
    return intake.run(payload.byteLength, () => this.take(store, device, payload));
  }

  private take(store: string, device: string, payload: Buffer | Uint8Array): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      let box = this.inbox.get(store);
      if (!box) {
        box = [];
        this.inbox.set(store, box);
      }
      box.push({ device, payload, resolve, reject });
      void this.enqueue(store, () => this.processInbox(store)).catch(() => {});
    });
  }

  async drain(): Promise<void> {
    while (this.queues.size > 0) await Promise.allSettled([...this.queues.values()]);
  }

  private enqueue(store: string, work: () => Promise<void>): Promise<void> {
    const prev = this.queues.get(store) ?? Promise.resolve();
    const next = prev.then(work);
    const settled = next.then(
      () => undefined,
      () => undefined,
    );
    this.queues.set(store, settled);
    void settled.then(() => {
      if (this.queues.get(store) === settled) this.queues.delete(store);
    });
    return next;
  }

  private async processInbox(store: string): Promise<void> {
    const box = this.inbox.get(store);
    if (!box || box.length === 0) return;
    const take = box.splice(0, this.options.maxCoalesce ?? 64);
    if (box.length === 0) this.inbox.delete(store);
    try {
      await this.process(store, take);
    } catch (err) {
      for (const w of take) w.reject(err);
      return;
    }
    for (const w of take) w.resolve();
  }

  private parse(store: string, w: Waiting): Part {
    const part: Part = { w, valid: [], errors: [] };
    const batch = decodeBatch(w.payload, this.limits);
    if (!batch.ok) {
      part.errors.push(batch.error);
      return part;
    }
    for (const item of batch.items) {
      const r = parseStoreEvent(item);
      if (!r.ok) {
        part.errors.push(withId({ reason: r.reason, detail: r.detail }, r.id));
        continue;
      }
      if (r.event.store !== store) {
        part.errors.push(
          withId(
            {
              reason: "wrong-topic",
              detail: `event for store ${r.event.store} published on a device topic of ${store}`,
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

  private async process(store: string, waiting: Waiting[]): Promise<void> {
    const parts = waiting.map((w) => this.parse(store, w));
    for (const p of parts) for (const e of p.errors) this.count(e.reason);
    const valid = parts.flatMap((p) => p.valid);
    if (valid.length > 0) {
      let outcome: Awaited<ReturnType<DeviceIngestPort["ingest"]>>;
      try {
        outcome = await this.options.ingest.ingest(store, valid);
      } catch (err) {
        this.count("internal-error");
        this.options.log?.error({ err, store }, "device ingest failed; messages not acknowledged");
        throw err;
      }
      const dup = outcome.duplicates ?? 0;
      this.options.metrics?.events.inc({ outcome: "accepted" }, valid.length - outcome.rejected.length - dup);
      if (dup) this.options.metrics?.events.inc({ outcome: "duplicate" }, dup);
      const partOf: Part[] = [];
      for (const p of parts) for (let i = 0; i < p.valid.length; i++) partOf.push(p);
      for (const r of outcome.rejected) {
        this.count(r.reason);
        (partOf[r.index] ?? parts[parts.length - 1]).errors.push(
          withId({ reason: r.reason, detail: r.detail }, valid[r.index]?.id),
        );
      }
    }
    for (const p of parts) for (const e of p.errors) await this.sendError(store, p.w.device, e);
  }

  private async sendError(store: string, device: string, error: CartError): Promise<void> {
    if (!this.outbound) return;
    try {
      await this.outbound.publishDeviceError(store, device, error);
    } catch (err) {
      this.options.log?.warn({ err, store, device }, "could not publish a device error");
    }
  }

  private count(reason: string): void {
    this.options.metrics?.rejected.inc({ reason });
    this.options.metrics?.events.inc({ outcome: "rejected" });
  }
}
