/**
 * Session streams for the use cases: load a session (fold its stream), and append to it with
 * optimistic concurrency. `update` runs a decision against the current state and appends the
 * result with the version it read; when another writer (another server process) got there first
 * it re-reads and decides again — so a decision with side effects must be idempotent (payment
 * calls carry idempotency keys derived from the stream). Every event is folded through
 * evolveBasket before it is written, so an illegal transition never reaches the store.
 *
 * Cart events decide on the cached state (their process owns the cart; a stale cache shows up
 * as a conflict because they always write); workflow decisions first read the stream's tail.
 *
 * Within one process, calls on one stream are serialized (a promise chain per stream) so the
 * process does not race itself.
 */
import type { BasketEvent } from "../../domain/basket/basket.events";
import { type BasketState, evolveBasket, initialBasketState } from "../../domain/basket/basket.state";
import type { Clock } from "../ports/clock";
import { type EventMeta, type EventStore, sessionStreamId } from "../ports/event-store";

export interface SessionSnapshot {
  store: string;
  session: string;
  streamId: string;
  /** events in the stream (0: it does not exist) */
  version: number;
  /** store position of the stream's last event: grows with every change, across sessions */
  lastPosition: number;
  state: BasketState;
  /** how many of the stream's events came from the cart (fusion) */
  cartEvents: number;
  /** the last PaymentCaptured's id (refunds need it) */
  captureId?: string;
  /** when the last PaymentCaptured happened (the paid screen's receipt link expires from it) */
  capturedAt?: number;
}

export class ConcurrencyExhausted extends Error {
  readonly code = "CONCURRENCY";
  constructor(streamId: string) {
    super(`stream ${streamId} kept changing under us`);
  }
}

export interface SessionStreamsDeps {
  events: EventStore;
  clock: Clock;
  /** called after every successful append (read-model projection) */
  onAppended?: (snap: SessionSnapshot, events: BasketEvent[]) => Promise<void>;
  /** snapshots kept in memory; default 20,000 */
  cacheSize?: number;
}

export class SessionStreams {
  private readonly cache = new Map<string, SessionSnapshot>();
  private readonly locks = new Map<string, Promise<unknown>>();
  /** conflicts met and retried (figures) */
  conflicts = 0;

  constructor(private readonly deps: SessionStreamsDeps) {}

  /** The session's current snapshot (from memory unless `fresh`). */
  async load(store: string, session: string, fresh = false): Promise<SessionSnapshot> {
    const id = sessionStreamId(store, session);
    const cached = this.cache.get(id);
    if (cached && !fresh) return cached;
    const from = cached && fresh ? cached.version + 1 : 1;
    const { events } = await this.deps.events.readStream(id, from);
    let snap: SessionSnapshot = cached && fresh ? cached : empty(store, session);
    for (const e of events) {
      snap = apply(snap, [e.data], e.meta.source === "cart");
      snap.version = e.version;
      snap.lastPosition = e.position;
    }
    this.remember(snap);
    return snap;
  }

  /** Runs `fn` with no other call on this stream in this process running. */
  exclusive<T>(store: string, session: string, fn: () => Promise<T>): Promise<T> {
    const id = sessionStreamId(store, session);
    const prev = this.locks.get(id) ?? Promise.resolve();
    const run = prev.then(fn, fn);
    const tail = run.then(
      () => {},
      () => {},
    );
    this.locks.set(id, tail);
    void tail.then(() => {
      if (this.locks.get(id) === tail) this.locks.delete(id);
    });
    return run;
  }

  /**
   * Decides against the current state and appends; retries on a concurrent append. Returns the
   * new snapshot and the events written (none when the decision was empty).
   */
  async update(
    store: string,
    session: string,
    decide: (snap: SessionSnapshot) => BasketEvent[] | Promise<BasketEvent[]>,
    meta: EventMeta,
    attempts = 4,
  ): Promise<{ snap: SessionSnapshot; events: BasketEvent[] }> {
    return this.exclusive(store, session, async () => {
      // Workflow decisions read the stream's tail first: another process may have moved it, and
      // a decision that writes nothing would never find out by a conflict.
      let snap = await this.load(store, session, meta.source === "workflow");
      for (let i = 0; i < attempts; i++) {
        const events = await decide(snap);
        if (events.length === 0) return { snap, events };
        // Fold first: throws on an illegal transition before anything is written.
        const next = apply(snap, events, meta.source === "cart");
        const r = await this.deps.events.append(snap.streamId, events, {
          expectedVersion: snap.version,
          meta,
          recordedAt: this.deps.clock.now(),
        });
        if (r.status === "appended") {
          next.version = r.version;
          next.lastPosition = r.lastPosition;
          this.remember(next);
          await this.deps.onAppended?.(next, events);
          return { snap: next, events };
        }
        this.conflicts++;
        snap = await this.load(store, session, true);
      }
      throw new ConcurrencyExhausted(sessionStreamId(store, session));
    });
  }

  /** Snapshots held in memory (at most `cacheSize`). */
  get cached(): number {
    return this.cache.size;
  }

  /** Forgets a cached snapshot (the next load reads the store). */
  forget(store: string, session: string): void {
    this.cache.delete(sessionStreamId(store, session));
  }

  private remember(snap: SessionSnapshot): void {
    this.cache.delete(snap.streamId);
    this.cache.set(snap.streamId, snap);
    const max = this.deps.cacheSize ?? 20_000;
    while (this.cache.size > max) {
      const oldest = this.cache.keys().next().value as string;
      this.cache.delete(oldest);
    }
  }
}

function empty(store: string, session: string): SessionSnapshot {
  return {
    store,
    session,
    streamId: sessionStreamId(store, session),
    version: 0,
    lastPosition: 0,
    state: initialBasketState(),
    cartEvents: 0,
  };
}

function apply(snap: SessionSnapshot, events: readonly BasketEvent[], fromCart: boolean): SessionSnapshot {
  let state = snap.state;
  let captureId = snap.captureId;
  let capturedAt = snap.capturedAt;
  for (const e of events) {
    state = evolveBasket(state, e);
    if (e.type === "PaymentCaptured") {
      captureId = e.captureId;
      capturedAt = e.at;
    }
  }
  return {
    ...snap,
    state,
    captureId,
    ...(capturedAt !== undefined ? { capturedAt } : {}),
    cartEvents: snap.cartEvents + (fromCart ? events.length : 0),
  };
}
