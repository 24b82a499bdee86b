/**
 * Replay: §1 events in, §4 receipts out. Cart events go through CartStreams (fusion, baskets);
 * at each session.end the basket is priced with priceBasket and becomes a receipt line: what is
 * charged (for anything still unsure, fusion's best decision), the total, whether a review case
 * was opened, and how many prompts were shown. Store-level (walk-out) events go to a pluggable
 * handler; without one they are counted and ignored.
 *
 * The Replayer is synchronous per event so the simulator's answering shoppers can drive it in the
 * loop; `replayFile` is the file driver. Fusion decision latency is wall-clock time around each
 * ingest that settled a weight change.
 */
import { type CartStreamResult, CartStreams, perCartIds } from "../app/cart-stream/cart-stream";
import type { BasketEvent } from "../domain/basket/basket.events";
import { basketContents } from "../domain/basket/basket.state";
import type { Catalog } from "../domain/catalog/product";
import type { CartEvent, ReceiptLine, SensorEvent, StoreEvent } from "../domain/events/sensor-events";
import { isCartEvent } from "../domain/events/sensor-events";
import type { FusionConfig } from "../domain/fusion/fusion.config";
import { priceBasket } from "../domain/pricing/price-basket";
import { sequentialIds } from "../domain/shared/ids";
import type { StoreSettings } from "../domain/store/store-settings";
import { IssueLog, readSensorLog } from "./log-reader";

/** Walk-out store events are handled by whoever registers here (the walk-out stream). */
export interface StoreEventHandler {
  handle(e: StoreEvent): ReceiptLine[] | undefined;
  /** receipts for visits still open at the end of the log, if the handler settles them */
  finish?(): ReceiptLine[];
}

export interface ReplayOptions {
  catalog: Catalog;
  settings: StoreSettings;
  fusionConfig?: Partial<FusionConfig>;
  storeHandler?: StoreEventHandler;
  /** receives each receipt as its session ends */
  onReceipt?: (r: ReceiptLine) => void;
  /** measure wall-clock latency of settling ingests (default true) */
  timing?: boolean;
}

export interface ReplayCounters {
  events: number;
  accepted: number;
  rejected: Record<string, number>;
  /** store events with no handler, by type */
  ignoredStoreEvents: Record<string, number>;
  sessions: number;
  /** sessions opened and never ended in the log */
  unfinished: number;
  /** why sessions went to review: ReviewRequested reasons with numbers and names blanked */
  reviewReasons: Record<string, number>;
}

const now = (): number => {
  const [s, ns] = process.hrtime();
  return s * 1000 + ns / 1e6;
};

export class Replayer {
  readonly counters: ReplayCounters = {
    events: 0,
    accepted: 0,
    rejected: {},
    ignoredStoreEvents: {},
    sessions: 0,
    unfinished: 0,
    reviewReasons: {},
  };
  /** ms per settling ingest */
  readonly latencies: number[] = [];
  private readonly streams = new Map<string, CartStreams>();
  private readonly receipts: ReceiptLine[] = [];
  /** prompts answered per open session (PromptClosed "answered") */
  private readonly answered = new Map<string, number>();
  /** per open session: what each line was (every sku), each prompt's lines, the skus asked about */
  private readonly asking = new Map<
    string,
    { lines: Map<string, string[]>; prompts: Map<string, string[]>; asked: Set<string> }
  >();

  constructor(private readonly o: ReplayOptions) {}

  /** one validated §1 event; returns the basket events it caused (cart events) */
  ingest(e: SensorEvent): BasketEvent[] {
    this.counters.events++;
    if (!isCartEvent(e)) {
      const h = this.o.storeHandler;
      if (!h) {
        this.counters.ignoredStoreEvents[e.type] = (this.counters.ignoredStoreEvents[e.type] ?? 0) + 1;
        return [];
      }
      for (const r of h.handle(e) ?? []) this.emit(r);
      return [];
    }
    return this.ingestCart(e).events;
  }

  ingestCart(e: CartEvent): CartStreamResult {
    const cs = this.streamsFor(e.store);
    let r: CartStreamResult;
    if (this.o.timing !== false) {
      const t0 = now();
      r = cs.ingest(e);
      if (r.settled) this.latencies.push(now() - t0);
    } else {
      r = cs.ingest(e);
    }
    if (r.outcome === "rejected") {
      const k = r.reason ?? "rejected";
      this.counters.rejected[k] = (this.counters.rejected[k] ?? 0) + 1;
      return r;
    }
    this.counters.accepted++;
    if (e.type === "session.start") this.counters.sessions++;
    if (r.session !== undefined) {
      for (const be of r.events) {
        if (be.type === "ReviewRequested") {
          const k = reasonKey(be.reason);
          this.counters.reviewReasons[k] = (this.counters.reviewReasons[k] ?? 0) + 1;
        }
        if (be.type === "PromptClosed" && be.outcome === "answered") {
          this.answered.set(r.session, (this.answered.get(r.session) ?? 0) + 1);
        }
      }
      this.noteAsking(r.session, r.events);
    }
    if (r.ended) {
      const receipt = this.receiptFor(cs, r.ended.session);
      const answered = this.answered.get(r.ended.session) ?? 0;
      const asked = [...(this.asking.get(r.ended.session)?.asked ?? [])].sort(cmp);
      this.answered.delete(r.ended.session);
      this.asking.delete(r.ended.session);
      this.emit(answered > 0 ? ({ ...receipt, answered, asked } as ReceiptLine) : receipt);
      cs.release(r.ended.session);
    }
    return r;
  }

  /**
   * Which products the shopper was asked about: every sku a line had that an answered prompt
   * named, and the lines its answer revised or added (they come in the same result, before the
   * PromptClosed). The scorer tells from it whether a wrong charge was itself asked about.
   */
  private noteAsking(session: string, events: BasketEvent[]): void {
    let a = this.asking.get(session);
    if (!a) {
      a = { lines: new Map(), prompts: new Map(), asked: new Set() };
      this.asking.set(session, a);
    }
    const answeredHere = events.some((e) => e.type === "PromptClosed" && e.outcome === "answered");
    for (const e of events) {
      if (e.type === "ItemAdded" || e.type === "ItemRemoved" || e.type === "LineRevised") {
        const skus = a.lines.get(e.lineId) ?? [];
        skus.push(e.sku);
        a.lines.set(e.lineId, skus);
        if (answeredHere && e.type !== "ItemRemoved") a.asked.add(e.sku);
      } else if (e.type === "PromptRaised") a.prompts.set(e.prompt.id, e.prompt.lineIds);
      else if (e.type === "PromptClosed" && e.outcome === "answered")
        for (const id of a.prompts.get(e.promptId) ?? [])
          for (const sku of a.lines.get(id) ?? []) a.asked.add(sku);
    }
  }

  /** receipts of store visits the handler settles at the end; counts sessions never ended */
  finish(): ReceiptLine[] {
    for (const cs of this.streams.values())
      for (const c of cs.cartIds()) if (cs.sessionOf(c)) this.counters.unfinished++;
    for (const r of this.o.storeHandler?.finish?.() ?? []) this.emit(r);
    return this.receipts;
  }

  /** every receipt so far, in the order sessions ended (with `answered` when prompts were answered) */
  get all(): ReceiptLine[] {
    return this.receipts;
  }

  fusionCounters(): Record<string, number> {
    const sum: Record<string, number> = {};
    for (const cs of this.streams.values()) {
      for (const cart of cs.cartIds()) {
        const c = cs.fusionCounters(cart);
        if (!c) continue;
        for (const k of ["changes", "prompts", "reviews"] as const) sum[k] = (sum[k] ?? 0) + c[k];
        for (const [k, v] of Object.entries(c.signal ?? {}))
          sum[`signal.${k}`] = (sum[`signal.${k}`] ?? 0) + v;
        for (const [k, v] of Object.entries(c.dropped ?? {}))
          sum[`dropped.${k}`] = (sum[`dropped.${k}`] ?? 0) + v;
      }
    }
    return sum;
  }

  private emit(r: ReceiptLine): void {
    this.receipts.push(r);
    this.o.onReceipt?.(r);
  }

  private streamsFor(store: string): CartStreams {
    let cs = this.streams.get(store);
    if (!cs) {
      // ids scoped per cart, so prompt ids named by `answer` lines come out the same however carts interleave
      cs = new CartStreams({
        catalog: this.o.catalog,
        fusionConfig: this.o.fusionConfig,
        ids: sequentialIds(),
        idsForCart: perCartIds(sequentialIds()),
        store,
        retainEnded: 16,
      });
      this.streams.set(store, cs);
    }
    return cs;
  }

  private receiptFor(cs: CartStreams, session: string): ReceiptLine {
    const state = cs.basket(session)!;
    const c = basketContents(state);
    const items = [...c.items].sort((a, b) => cmp(a.sku, b.sku));
    const weighed = [...c.weighed].sort((a, b) => cmp(a.sku, b.sku) || a.grams - b.grams);
    const priced = priceBasket({ items, weighed }, this.o.catalog, this.o.settings);
    return {
      session,
      items,
      weighed,
      total: priced.total,
      currency: priced.currency,
      review: state.cases.size > 0 || state.resolvedCases.length > 0,
      prompts: state.promptsRaised,
    };
  }
}

/** a review reason as a category: the text before any colon, numbers blanked */
export function reasonKey(reason: string): string {
  return reason
    .split(":")[0]
    .replace(/[−+-]?\d+(\.\d+)?/g, "#")
    .slice(0, 80);
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export interface ReplayFileResult {
  receipts: ReceiptLine[];
  issues: IssueLog;
  counters: ReplayCounters;
  latencies: number[];
  fusion: Record<string, number>;
}

/** Replay a §1 log file; bad lines are reported (line number, reason) and skipped. */
export async function replayFile(path: string, o: ReplayOptions): Promise<ReplayFileResult> {
  const issues = new IssueLog();
  const rp = new Replayer(o);
  for await (const { event } of readSensorLog(path, issues)) rp.ingest(event);
  const receipts = rp.finish();
  return { receipts, issues, counters: rp.counters, latencies: rp.latencies, fusion: rp.fusionCounters() };
}
