/**
 * WalkoutStreams: the app-layer router for walk-out stores, the twin of CartStreams. Store events
 * (gate.in, gate.out, track, plate) go to one WalkoutFusion per store; the basket events it
 * returns are folded into one basket per shopper session; at `gate.out` the session gets
 * CheckoutStarted after fusion's ReviewRequested, exactly like a cart's `session.end`, so the
 * shared pricing/payment path (replay's receipts, the store service's exit workflow) settles it.
 */
import type { BasketEvent } from "../../domain/basket/basket.events";
import { type BasketState, evolveBasket, initialBasketState } from "../../domain/basket/basket.state";
import type { Catalog } from "../../domain/catalog/product";
import type { StoreEvent, StoreLayout } from "../../domain/events/sensor-events";
import type { RejectReason } from "../../domain/fusion/fusion.types";
import type { IdGenerator } from "../../domain/shared/ids";
import {
  type ShelfDecision,
  type WalkoutConfig,
  type WalkoutCounters,
  WalkoutFusion,
  type WalkoutIngestResult,
} from "../../domain/walkout/walkout.fusion";

export interface WalkoutStreamsDeps {
  catalog: Catalog;
  layout: StoreLayout;
  ids: IdGenerator;
  /** the store this router serves; events of other stores are rejected */
  store: string;
  config?: Partial<WalkoutConfig>;
}

export interface WalkoutStreamResult {
  outcome: "accepted" | "rejected";
  reason?: RejectReason | "session-id-reused";
  detail?: string;
  /** basket events per session, in order (CheckoutStarted appended for sessions that ended) */
  events: { session: string; events: BasketEvent[] }[];
  ended?: { session: string }[];
  decisions?: ShelfDecision[];
}

export class WalkoutStreams {
  private readonly fusion: WalkoutFusion;
  private readonly baskets = new Map<string, BasketState>();
  private readonly used = new Set<string>();
  private readonly gateIds = new Set<string>();
  readonly store: string;

  constructor(deps: WalkoutStreamsDeps) {
    this.store = deps.store;
    this.fusion = new WalkoutFusion(deps);
  }

  get counters(): WalkoutCounters {
    return this.fusion.counters;
  }

  openSessions(): { shopper: string; session: string }[] {
    return this.fusion.openSessions();
  }

  ingest(event: StoreEvent): WalkoutStreamResult {
    // a redelivered gate.in (same id) is the fusion's "duplicate", not a reused session
    const redelivery = event.id !== undefined && this.gateIds.has(event.id);
    if (event.type === "gate.in" && this.used.has(event.session) && !redelivery) {
      return {
        outcome: "rejected",
        reason: "session-id-reused",
        detail: `session ${event.session} was used before`,
        events: [],
      };
    }
    if (event.type === "gate.in" && event.id !== undefined) this.gateIds.add(event.id);
    return this.apply(this.fusion.ingest(event));
  }

  /** end of input: decide on everything buffered (open sessions stay open) */
  flush(): WalkoutStreamResult {
    return this.apply(this.fusion.flush());
  }

  /** the basket of a session (open or ended, until released) */
  basket(session: string): BasketState | undefined {
    return this.baskets.get(session);
  }

  release(session: string): void {
    this.baskets.delete(session);
  }

  private apply(r: WalkoutIngestResult): WalkoutStreamResult {
    if (r.outcome === "rejected")
      return { outcome: "rejected", reason: r.reason, detail: r.detail, events: [] };
    const endedSet = new Map((r.ended ?? []).map((e) => [e.session, e.at]));
    const events = r.events.map(({ session, events }) => {
      const list = [...events];
      const at = endedSet.get(session);
      if (at !== undefined) list.push({ type: "CheckoutStarted", at });
      return { session, events: list };
    });
    for (const [session, at] of endedSet) {
      if (!events.some((e) => e.session === session)) {
        events.push({ session, events: [{ type: "CheckoutStarted", at }] });
      }
    }
    for (const { session, events: list } of events) {
      let state = this.baskets.get(session) ?? initialBasketState();
      for (const e of list) {
        if (e.type === "SessionOpened") this.used.add(session);
        state = evolveBasket(state, e);
      }
      this.baskets.set(session, state);
    }
    const out: WalkoutStreamResult = { outcome: "accepted", events };
    if (r.ended?.length) out.ended = r.ended.map((e) => ({ session: e.session }));
    if (r.decisions?.length) out.decisions = r.decisions;
    return out;
  }
}
