/**
 * CartStreams: the one place where validated cart events (exchange-v1 §1) become baskets.
 * Used by replay and evaluation, by the simulator's answering shoppers, and by the store server.
 *
 * Per cart it keeps one CartFusion and the cart's open session; per session a basket state folded
 * with `evolveBasket`. It adds the lifecycle events fusion does not make: SessionOpened on
 * `session.start`, and on `session.end` — after fusion's ReviewRequested for whatever is still
 * unresolved — CheckoutStarted. Pricing and payment are the caller's (replay prices with
 * priceBasket; the server runs its checkout workflow).
 *
 * Pure: no I/O, no clock; ids come from the injected generator. Give `idsForCart` a generator
 * scoped per cart when ids must not depend on how carts interleave (replay of a log that holds
 * `answer` lines naming prompt ids: they must come out the same however the lines interleave).
 */

import type { BasketEvent } from "../../domain/basket/basket.events";
import { type BasketState, evolveBasket, initialBasketState } from "../../domain/basket/basket.state";
import type { Catalog } from "../../domain/catalog/product";
import type { CartEvent } from "../../domain/events/sensor-events";
import { createCartFusion } from "../../domain/fusion/cart-fusion";
import type { FusionConfig } from "../../domain/fusion/fusion.config";
import type { CartFusion, FusionCounters, RejectReason } from "../../domain/fusion/fusion.types";
import type { IdGenerator } from "../../domain/shared/ids";

export type CartStreamRejectReason = RejectReason | "session-id-reused";

export interface CartStreamResult {
  outcome: "accepted" | "rejected";
  reason?: CartStreamRejectReason;
  detail?: string;
  /** the session this event belongs to (the cart's open session, or the one it opened/closed) */
  session?: string;
  /** basket events this input produced, already folded into the session's basket */
  events: BasketEvent[];
  /** this input settled a weight change and fusion decided on it (for latency measurement) */
  settled?: boolean;
  /** set on an accepted session.end: the session is now at checkout (phase "exiting") */
  ended?: { session: string };
}

export interface CartStreamCounters {
  accepted: number;
  rejected: Record<string, number>;
  sessionsOpened: number;
  sessionsEnded: number;
}

export interface CartStreamsDeps {
  catalog: Catalog;
  fusionConfig?: Partial<FusionConfig>;
  ids: IdGenerator;
  store: string;
  /** optional per-cart id generator (default: every cart shares `ids`) */
  idsForCart?: (cart: string) => IdGenerator;
  /** how many ended sessions' baskets are kept for `basket()` (oldest dropped first); default 10,000 */
  retainEnded?: number;
  /** how many recent event ids per cart are remembered for dedupe; default 8,192 */
  idMemory?: number;
  /**
   * how long (event time, ms) a session id whose basket was dropped stays refused for a new
   * `session.start`; default 24 h (RETIRED_WINDOW_MS)
   */
  retiredWindowMs?: number;
}

/**
 * How long an ended session's id is remembered once its basket is dropped: a `session.start`
 * sent again (a QoS 1 redelivery after the server's or a cluster store's persistent broker
 * session, which brokers keep for up to a day: 1 h and 24 h here) must not reopen it as a new,
 * empty basket. Beyond a day nothing redelivers it. Measured in event time (the latest `t` this
 * instance has seen), so a replay prunes exactly as the live run did.
 */
export const RETIRED_WINDOW_MS = 86_400_000;

interface CartState {
  fusion: CartFusion;
  session?: string;
  ids: Set<string>;
  ring: (string | undefined)[];
  pos: number;
}

/** A generator whose counters are kept per cart: `line_c01_0001`, `prompt_c01_0003`, … */
export function perCartIds(base: IdGenerator): (cart: string) => IdGenerator {
  return (cart) => (prefix) => base(`${prefix}_${cart}`);
}

export class CartStreams {
  readonly counters: CartStreamCounters = { accepted: 0, rejected: {}, sessionsOpened: 0, sessionsEnded: 0 };
  private readonly carts = new Map<string, CartState>();
  private readonly baskets = new Map<string, BasketState>();
  private readonly ended: string[] = [];
  /**
   * session ids whose baskets were dropped, still known as used, with the event time they were
   * dropped at (insertion order = time order): forgotten `retiredWindowMs` later, so this holds
   * the sessions of one window (≈ 70 B each), not every session the process ever ended
   */
  private readonly retired = new Map<string, number>();
  /** the latest event time seen (ms): the clock the retired window runs on */
  private latestT = Number.NEGATIVE_INFINITY;
  private readonly retiredWindowMs: number;
  private endedHead = 0;
  private readonly retainEnded: number;
  private readonly idMemory: number;

  constructor(private readonly deps: CartStreamsDeps) {
    this.retainEnded = deps.retainEnded ?? 10_000;
    this.idMemory = Math.max(1, deps.idMemory ?? 8192);
    this.retiredWindowMs = deps.retiredWindowMs ?? RETIRED_WINDOW_MS;
  }

  ingest(event: CartEvent): CartStreamResult {
    if (event.store !== this.deps.store) {
      return this.reject("wrong-cart", `event for store ${event.store}, this is ${this.deps.store}`);
    }
    const cart = this.cart(event.cart);
    if (event.t > this.latestT) this.advance(event.t);
    if (event.id !== undefined && cart.ids.has(event.id)) {
      return this.reject("duplicate", `event id ${event.id} seen before`, cart.session);
    }
    if (
      event.type === "session.start" &&
      cart.session === undefined &&
      (this.baskets.has(event.session) || this.retired.has(event.session))
    ) {
      return this.reject("session-id-reused", `session ${event.session} was used before`);
    }
    const r = cart.fusion.ingest(event);
    if (r.outcome === "rejected") {
      return { ...this.reject(r.reason ?? "bad-value", r.detail, cart.session), events: [] };
    }
    if (event.id !== undefined) this.remember(cart, event.id);
    this.counters.accepted++;

    let events: BasketEvent[] = r.events;
    let ended: { session: string } | undefined;
    let session = cart.session;
    if (event.type === "session.start") {
      session = event.session;
      cart.session = session;
      this.counters.sessionsOpened++;
      const opened: BasketEvent = {
        type: "SessionOpened",
        at: event.t,
        session,
        store: event.store,
        cart: event.cart,
        ...(event.account !== undefined ? { account: event.account } : {}),
      };
      events = [opened, ...r.events];
      this.baskets.set(session, initialBasketState());
    } else if (event.type === "session.end" && session !== undefined) {
      events = [...r.events, { type: "CheckoutStarted", at: event.t }];
      ended = { session };
      cart.session = undefined;
      this.counters.sessionsEnded++;
    }
    if (session !== undefined && events.length > 0) {
      let state = this.baskets.get(session) ?? initialBasketState();
      for (const e of events) state = evolveBasket(state, e);
      this.baskets.set(session, state);
    }
    if (ended) this.retire(ended.session);
    const out: CartStreamResult = { outcome: "accepted", events };
    if (session !== undefined) out.session = session;
    if (r.detail !== undefined) out.detail = r.detail;
    if (r.settled) out.settled = true;
    if (ended) out.ended = ended;
    return out;
  }

  /** session ids remembered as used after their baskets were dropped (figures and tests) */
  get retiredCount(): number {
    return this.retired.size;
  }

  /** the basket of a session (open, or ended and still retained) */
  basket(session: string): BasketState | undefined {
    return this.baskets.get(session);
  }

  /** the cart's open session */
  sessionOf(cart: string): string | undefined {
    return this.carts.get(cart)?.session;
  }

  /** fusion's own counters for one cart (changes, prompts, reviews, dropped parts) */
  fusionCounters(cart: string): FusionCounters | undefined {
    return this.carts.get(cart)?.fusion.counters;
  }

  /** carts seen so far */
  cartIds(): string[] {
    return [...this.carts.keys()];
  }

  /** forget an ended session's basket (callers that have written its receipt) */
  release(session: string): void {
    if ([...this.carts.values()].some((c) => c.session === session)) return;
    if (this.baskets.delete(session)) this.retireId(session);
  }

  private cart(id: string): CartState {
    let c = this.carts.get(id);
    if (!c) {
      const ids = this.deps.idsForCart ? this.deps.idsForCart(id) : this.deps.ids;
      c = {
        fusion: createCartFusion({
          catalog: this.deps.catalog,
          config: this.deps.fusionConfig,
          ids,
          store: this.deps.store,
          cart: id,
        }),
        ids: new Set(),
        ring: [],
        pos: 0,
      };
      this.carts.set(id, c);
    }
    return c;
  }

  private remember(c: CartState, id: string): void {
    // The ring grows as ids come (a cart that sent 100 events holds 100 slots, not idMemory):
    // pre-sizing it cost 64 KiB per cart, 64 MB of heap for 1,000 carts that every full GC walks.
    if (c.ring.length < this.idMemory) {
      c.ring.push(id);
      c.ids.add(id);
      return;
    }
    const old = c.ring[c.pos];
    if (old !== undefined) c.ids.delete(old);
    c.ring[c.pos] = id;
    c.ids.add(id);
    c.pos = (c.pos + 1) % c.ring.length;
  }

  private retire(session: string): void {
    this.ended.push(session);
    while (this.ended.length - this.endedHead > this.retainEnded) {
      const old = this.ended[this.endedHead++];
      if (old !== undefined && this.baskets.delete(old)) this.retireId(old);
    }
    if (this.endedHead > 4096 && this.endedHead * 2 > this.ended.length) {
      this.ended.splice(0, this.endedHead);
      this.endedHead = 0;
    }
  }

  private retireId(session: string): void {
    this.retired.delete(session);
    this.retired.set(session, this.latestT);
  }

  /** Event time moved on: forget the retired ids older than the window. */
  private advance(t: number): void {
    this.latestT = t;
    const cutoff = t - this.retiredWindowMs;
    for (const [session, at] of this.retired) {
      if (at >= cutoff) break;
      this.retired.delete(session);
    }
  }

  private reject(reason: CartStreamRejectReason, detail?: string, session?: string): CartStreamResult {
    this.counters.rejected[reason] = (this.counters.rejected[reason] ?? 0) + 1;
    const r: CartStreamResult = { outcome: "rejected", reason, events: [] };
    if (detail !== undefined) r.detail = detail;
    if (session !== undefined) r.session = session;
    return r;
  }
}
