/**
 * WalkoutService: walk-out stores in the store server. The twin of StoreService's cart path:
 * store-level device events (exchange-v1 §1 `gate.in`, `gate.out`, `track`, `plate`) go
 *
 *   raw sensor log (idempotent: a QoS 1 redelivery stops here) → WalkoutStreams (the one place
 *   walk-out events become baskets; deterministic) → each session's stream (append with the
 *   expected count of fusion events) → read models (StoreService's projection) →
 *
 * `gate.in` places the check-in hold and `gate.out` runs the same exit workflow as a cart's
 * `session.end` (StoreService: pricing, payment, receipts, reviews, disputes). Nothing here
 * prices or fuses: WalkoutStreams and the workflows do.
 *
 * Ordering: all events of one store go through one queue (fusion is per store: a plate change
 * is attributed to whoever was within reach), in arrival order.
 *
 * Recovery. Fusion state of a walk-out store spans its shoppers (tracks, shelves), so the unit
 * of replay is an *occupancy period*: from a `gate.in` into an empty store until the store is
 * empty again. Every raw event received while someone is inside is logged under the period's id
 * (the session id of the `gate.in` that opened it; the raw log's `session` column), events while
 * the store is empty under none. Fusion ids are scoped to the period (SessionScopedIds), so
 * replaying the latest period — preceded by up to `replayLeadMs` of the idle plate history, as
 * for a cart — re-creates the ids already stored; what never reached a session's stream (a crash
 * between the raw write and the append) is appended, and an interrupted exit is resumed.
 * Limits: a store that is never empty replays from the start of its current period; what fusion
 * learnt before the period (items put back on another plate) is not replayed.
 *
 * Lost shoppers (decision 0109). A visit with no gate, track or shelf event of its own for the
 * store's `abandonAfterMinutes` (the tracker lost the shopper, the gate missed them) is ended by
 * the store: a `gate.out` made by the server (marked `sweep`, which no device can send: the edge
 * strips unknown fields) goes to the raw log and through fusion like a device's, so the shopper
 * leaves fusion and a replay sees exactly the same; then, instead of the exit workflow, the
 * abandon workflow of decision 0108 sends the basket to review with its hold, or cancels an empty
 * visit and releases its hold.
 */
import type { BasketEvent } from "../../domain/basket/basket.events";
import type { Catalog } from "../../domain/catalog/product";
import type { CartEvent, GateOutEvent, StoreEvent, StoreLayout } from "../../domain/events/sensor-events";
import { DomainError } from "../../domain/shared/errors";
import type { WalkoutConfig } from "../../domain/walkout/walkout.fusion";
import type { Clock } from "../ports/clock";
import type { RawAppend, RawSensorLog } from "../ports/raw-sensor-log";
import type { ReviewCaseRepository, SessionReadModel, SessionView } from "../ports/read-models";
import { sweepInterval, sweepPeriodically } from "../services/periodic-sweep";
import { type RecoveringQueue, runInOrder } from "../services/recovering-queue";
import { SessionScopedIds } from "../services/session-scoped-ids";
import type { SessionStreams } from "../services/session-streams";
import { DEFAULT_ABANDON_AFTER_MINUTES, START_GRACE_MS } from "../services/store-service";
import type { AbandonOutcome } from "../workflows/abandon.workflow";
import type { SettleOutcome } from "../workflows/exit.workflow";
import { WalkoutStreams } from "./walkout-stream";

/**
 * The raw log's lane for a walk-out store's device events (the port keys rows by cart; a
 * walk-out store has none). `~` is not allowed in cart ids, so it never meets a real cart.
 */
export const WALKOUT_LANE = "~store";

export interface WalkoutStoreConfig {
  store: string;
  catalog: Catalog;
  layout: StoreLayout;
  fusion?: Partial<WalkoutConfig>;
  /**
   * a visit with no gate, track or shelf event of its own for this long is ended by the store
   * (decision 0109): to review with its hold, or cancelled when its basket is empty; default 30,
   * 0 = never
   */
  abandonAfterMinutes?: number;
}

/** What the walk-out path needs from the store service (the shared exit workflow). */
export interface WalkoutExitPort {
  readonly sessions: SessionStreams;
  /** places the check-in hold of a session that opened (a `gate.in`) */
  checkInSession(store: string, session: string, account: string | undefined): Promise<unknown>;
  /** runs the exit workflow for a session at checkout (a `gate.out`) */
  settleExit(store: string, session: string): Promise<SettleOutcome>;
  /** ends a visit nobody will end (a lost shopper): review with its hold, or cancelled (0108) */
  abandonSession(store: string, session: string, reason: string): Promise<AbandonOutcome>;
}

/** What `abandonSilent()` did to one silent visit. */
export type AbandonedVisit = { store: string; session: string; shopper: string } & AbandonOutcome;

/** The server's own `gate.out` for a lost shopper: `sweep` says why (devices cannot send it). */
type SweepExit = GateOutEvent & { sweep: { reason: string } };

export interface WalkoutServiceDeps {
  storage: { rawLog: RawSensorLog; sessions: SessionReadModel; reviews: ReviewCaseRepository };
  exits: WalkoutExitPort;
  clock: Clock;
  stores: WalkoutStoreConfig[];
  /** idle plate history replayed before an occupancy period when rebuilding; default 60 s */
  replayLeadMs?: number;
  log?: { warn(obj: object, msg: string): void };
}

export interface WalkoutIngestOutcome {
  /** events refused, by index in the batch (redeliveries are not refusals: see `duplicates`) */
  rejected: { index: number; reason: string; detail?: string }[];
  duplicates: number;
  /** basket events written, all sessions together */
  produced: BasketEvent[];
  /** sessions whose stream changed */
  changed: string[];
  /** sessions that left through the gate with this batch, and what the exit workflow did */
  exits: { session: string; outcome: SettleOutcome }[];
  /** a shelf change was decided while handling the batch */
  settled?: boolean;
}

export interface WalkoutCountersView {
  events: number;
  duplicates: number;
  rejected: Record<string, number>;
  exits: Record<string, number>;
  recoveredEvents: number;
  /** recoveries whose replay made fewer events than a session's stream holds (should stay 0) */
  replayDiverged: number;
  /** fusion events for a session that was already closed (cancelled by an operator) */
  closedSessionEvents: number;
}

/** A shopper in (or recently out of) a walk-out store, as the operator dashboard shows them. */
export interface ShopperView {
  session: string;
  /** the anonymous track id the cameras follow */
  shopper?: string;
  account?: string;
  /** the session state machine's state */
  state: string;
  /** true while the shopper is inside */
  inside: boolean;
  /** what the shopper's screen would show (exit state included) */
  screenState: string;
  currency: string;
  total: number;
  lines: { sku: string; name: string; qty?: number; grams?: number; amount: number; status: string }[];
  /** open review cases of this visit, with their reasons (naming the candidate shoppers) */
  reviews: { caseId: string; kind: string; reason: string; status: string }[];
  openedAt: number;
  updatedAt: number;
}

interface Runtime extends RecoveringQueue {
  cfg: WalkoutStoreConfig;
  streams: WalkoutStreams;
  scoped: SessionScopedIds;
  /** the current occupancy period (undefined while the store is empty) */
  period?: string;
  /** fusion events this runtime appended per session: the stream must hold exactly as many */
  produced: Map<string, number>;
  /** the start-up recovery (shoppers() waits for it) */
  ready: Promise<void>;
  /**
   * each open visit's last sign of its shopper (decision 0109): server time received and what it
   * was; rebuilt by replay, so a restart keeps counting from the last one
   */
  activity: Map<string, { at: number; what: string }>;
  /** visits the sweep took out of fusion whose abandon has not been recorded yet, with the reason */
  unfinished: Map<string, { shopper: string; reason: string }>;
  /** the latest device time fusion took in (the time of a sweep's gate.out) */
  lastT: number;
}

/** This runtime's fusion state is behind or ahead of a session's stream: rebuild it. */
class StaleWalkout extends Error {}

type Out = Omit<WalkoutIngestOutcome, "changed"> & {
  changed: Set<string>;
  abandoned?: { session: string; shopper: string; outcome: AbandonOutcome }[];
};

export class WalkoutService {
  readonly counters: WalkoutCountersView = {
    events: 0,
    duplicates: 0,
    rejected: {},
    exits: {},
    recoveredEvents: 0,
    replayDiverged: 0,
    closedSessionEvents: 0,
  };
  private readonly configs = new Map<string, WalkoutStoreConfig>();
  private readonly runtimes = new Map<string, Runtime>();
  /** when this service started: silence is not judged in the first START_GRACE_MS */
  private readonly startedAt: number;

  constructor(private readonly deps: WalkoutServiceDeps) {
    for (const c of deps.stores) this.configs.set(c.store, c);
    this.startedAt = deps.clock.now();
  }

  /** The walk-out stores this service hosts. */
  stores(): string[] {
    return [...this.configs.keys()];
  }

  isWalkout(store: string): boolean {
    return this.configs.has(store);
  }

  /** Rebuilds every walk-out store's fusion state from its raw events (at startup). */
  async rebuild(): Promise<{ stores: number; appended: number; inside: number }> {
    const before = this.counters.recoveredEvents;
    let inside = 0;
    for (const store of this.configs.keys()) {
      const rt = this.runtime(store);
      await rt.ready;
      inside += rt.streams.openSessions().length;
    }
    return { stores: this.configs.size, appended: this.counters.recoveredEvents - before, inside };
  }

  /**
   * Ingests events of one store (one or more device messages), in order. Resolves once
   * everything is durably written; rejects only on infrastructure failure (the gateway then
   * does not acknowledge, and the redelivery is safe).
   */
  async ingest(store: string, events: readonly StoreEvent[]): Promise<WalkoutIngestOutcome> {
    if (!this.configs.has(store)) {
      this.count("unknown-store", events.length);
      return {
        rejected: events.map((_, index) => ({
          index,
          reason: "unknown-store",
          detail: `store ${store} is not a walk-out store hosted here`,
        })),
        duplicates: 0,
        produced: [],
        changed: [],
        exits: [],
      };
    }
    const rt = this.runtime(store);
    return runInOrder(
      rt,
      () => this.recover(rt),
      () => this.ingestBatch(rt, events),
    );
  }

  /** Shoppers inside (open sessions) and the most recent ones who left, newest first. */
  async shoppers(store: string, options: { recent?: number } = {}): Promise<ShopperView[]> {
    const rt = this.runtime(store);
    await rt.ready.catch(() => undefined);
    const rows = await this.deps.storage.sessions.list(store, { limit: 200 });
    const open = rows.filter((s) => s.open);
    const left = rows.filter((s) => !s.open).slice(0, options.recent ?? 20);
    const out: ShopperView[] = [];
    for (const s of [...open, ...left]) out.push(await this.shopperView(store, s));
    return out;
  }

  private async shopperView(store: string, s: SessionView): Promise<ShopperView> {
    const snap = await this.deps.exits.sessions.load(store, s.session);
    const cases = await this.deps.storage.reviews.forSession(store, s.session);
    return {
      session: s.session,
      ...(snap.state.shopper !== undefined ? { shopper: snap.state.shopper } : {}),
      ...(s.account !== undefined ? { account: s.account } : {}),
      state: s.state,
      inside: s.open,
      screenState: s.screen.state,
      currency: s.currency,
      total: s.total,
      lines: s.screen.lines.map((l) => ({
        sku: l.sku,
        name: l.name,
        ...(l.qty !== undefined ? { qty: l.qty } : {}),
        ...(l.grams !== undefined ? { grams: l.grams } : {}),
        amount: l.amount,
        status: l.status,
      })),
      reviews: cases.map((c) => ({ caseId: c.caseId, kind: c.kind, reason: c.reason, status: c.status })),
      openedAt: s.openedAt,
      updatedAt: s.updatedAt,
    };
  }

  // ---------------------------------------------------------------------------------------

  private runtime(store: string): Runtime {
    let rt = this.runtimes.get(store);
    if (!rt) {
      const cfg = this.configs.get(store);
      if (!cfg) throw new DomainError("UNKNOWN_STORE", `store ${store} is not a walk-out store hosted here`);
      const scoped = new SessionScopedIds();
      const fresh: Runtime = {
        cfg,
        scoped,
        streams: newStreams(cfg, scoped),
        produced: new Map(),
        queue: Promise.resolve(),
        needsRecovery: false,
        ready: Promise.resolve(),
        activity: new Map(),
        unfinished: new Map(),
        lastT: -Infinity,
      };
      fresh.ready = this.recover(fresh).catch((err) => {
        fresh.needsRecovery = true;
        throw err;
      });
      // batches wait for the start-up recovery; a failed one (storage down) left needsRecovery
      // set, so the first batch retries it
      fresh.queue = fresh.ready.catch(() => {});
      this.runtimes.set(store, fresh);
      rt = fresh;
    }
    return rt;
  }

  private async ingestBatch(rt: Runtime, events: readonly StoreEvent[]): Promise<WalkoutIngestOutcome> {
    const out: Out = { rejected: [], duplicates: 0, produced: [], changed: new Set(), exits: [] };
    // Gate events change who is inside (so the period of what follows) and go one at a time;
    // the track and plate events between them go to the raw log together, in one write.
    let i = 0;
    while (i < events.length) {
      let j = i + 1;
      if (!isGate(events[i])) while (j < events.length && !isGate(events[j])) j++;
      await this.ingestRun(rt, events, i, j, out);
      i = j;
    }
    return { ...out, changed: [...out.changed] };
  }

  private async ingestRun(rt: Runtime, events: readonly StoreEvent[], from: number, to: number, out: Out) {
    const { store } = rt.cfg;
    const receivedAt = this.deps.clock.now();
    const index: number[] = [];
    const entries: RawAppend[] = [];
    for (let k = from; k < to; k++) {
      const event = events[k];
      this.counters.events++;
      if (event.store !== store) {
        this.reject(out, k, "wrong-store", `event of store ${event.store} for ${store}`);
        continue;
      }
      const period = this.periodFor(rt, event);
      if (event.type === "gate.in") {
        // Session ids are unique in a store (carts' included). This gate's own earlier message
        // sent again is a redelivery; any other use is refused before the raw log, so replay sees
        // exactly what fusion saw.
        const used = await this.deps.exits.sessions.load(store, event.session);
        if (used.version > 0) {
          if (used.state.shopper === event.shopper) {
            this.counters.duplicates++;
            out.duplicates++;
          } else this.reject(out, k, "session-id-reused", `session ${event.session} was used before`);
          continue;
        }
      }
      index.push(k);
      entries.push({ store, cart: WALKOUT_LANE, session: period, receivedAt, event: asRaw(event) });
    }
    if (entries.length === 0) return;
    const log = this.deps.storage.rawLog;
    let raws: { isNew: boolean; key: string }[];
    if (log.appendMany) raws = await log.appendMany(entries);
    else {
      raws = [];
      for (const e of entries) raws.push(await log.append(e));
    }
    for (let n = 0; n < entries.length; n++) {
      const raw = raws[n];
      if (!raw.isNew) {
        this.counters.duplicates++;
        out.duplicates++;
        continue;
      }
      await this.afterRaw(rt, events[index[n]], index[n], entries[n].session, raw.key, out, receivedAt);
    }
  }

  /**
   * The occupancy period an event is logged under: the current one while someone is inside; a
   * `gate.in` into an empty store opens a new one named after its session.
   */
  private periodFor(rt: Runtime, event: StoreEvent): string | undefined {
    if (rt.streams.openSessions().length > 0 && rt.period !== undefined) return rt.period;
    if (event.type === "gate.in") {
      rt.period = event.session;
      return rt.period;
    }
    rt.period = undefined;
    return undefined;
  }

  private async afterRaw(
    rt: Runtime,
    event: StoreEvent,
    index: number,
    period: string | undefined,
    causation: string,
    out: Out,
    receivedAt: number,
  ): Promise<void> {
    const { store } = rt.cfg;
    rt.scoped.enter(period);
    const r = rt.streams.ingest(event);
    if (r.outcome === "rejected") {
      if (r.reason === "duplicate") {
        this.counters.duplicates++;
        out.duplicates++;
      } else this.reject(out, index, r.reason ?? "bad-value", r.detail);
      return;
    }
    noteActivity(rt, event, r, receivedAt);
    const swept = sweptBy(event, r);
    if (r.decisions?.length) out.settled = true;
    for (const { session, events: all } of r.events) {
      const events = session === swept ? withoutCheckout(all) : all;
      if (events.length === 0) continue;
      const expected = rt.produced.get(session) ?? 0;
      try {
        await this.deps.exits.sessions.update(
          store,
          session,
          (s) => {
            if (s.cartEvents !== expected) throw new StaleWalkout(`${store}/${session}`);
            if (s.state.phase !== "idle" && s.state.phase !== "shopping") {
              throw new DomainError("SESSION_CLOSED", `session ${session} is ${s.state.phase}`);
            }
            return events;
          },
          { source: "cart", causation },
        );
      } catch (err) {
        if (!(err instanceof DomainError)) throw err;
        // The session moved on without the shopper (cancelled by an operator): its basket is closed.
        this.counters.closedSessionEvents += events.length;
        continue;
      }
      rt.produced.set(session, expected + events.length);
      out.produced.push(...events);
      out.changed.add(session);
    }
    if (event.type === "gate.in") {
      await this.deps.exits.checkInSession(store, event.session, event.account);
      out.changed.add(event.session);
    }
    for (const { session } of r.ended ?? []) {
      rt.activity.delete(session);
      if (session === swept && event.type === "gate.out") {
        // a lost shopper: not the exit workflow (nobody passed the gate) but the abandon one
        out.changed.add(session);
        rt.streams.release(session);
        rt.produced.delete(session);
        const reason = (event as SweepExit).sweep.reason;
        const outcome = await this.finishAbandon(rt, session, event.shopper, reason);
        out.abandoned = [...(out.abandoned ?? []), { session, shopper: event.shopper, outcome }];
        continue;
      }
      const outcome = await this.deps.exits.settleExit(store, session);
      this.counters.exits[outcome.status] = (this.counters.exits[outcome.status] ?? 0) + 1;
      out.exits.push({ session, outcome });
      out.changed.add(session);
      rt.streams.release(session);
      rt.produced.delete(session);
    }
    if (rt.streams.openSessions().length === 0) rt.period = undefined;
  }

  /**
   * The abandon workflow for a visit the sweep took out of fusion. Until it is recorded (a hold
   * release the provider refused) the visit is kept in `unfinished` for the next sweep; a crash
   * leaves it to the replay, which finds the sweep's gate.out and a session still `shopping`.
   */
  private async finishAbandon(
    rt: Runtime,
    session: string,
    shopper: string,
    reason: string,
  ): Promise<AbandonOutcome> {
    rt.unfinished.set(session, { shopper, reason });
    const outcome = await this.deps.exits.abandonSession(rt.cfg.store, session, reason);
    if (outcome.status === "release-failed") {
      this.deps.log?.warn(
        { store: rt.cfg.store, session, reason: outcome.reason },
        "lost shopper: hold release failed",
      );
    } else rt.unfinished.delete(session);
    return outcome;
  }

  // ---------------------------------------------------------------------------------------
  // lost shoppers (decision 0109)

  /**
   * Ends every walk-out visit that has shown no gate, track or shelf event of its own for its
   * store's `abandonAfterMinutes` by the injected clock (decision 0109), in the store's queue
   * (so never racing the devices' events). Returns what it did; `watchAbandoned` calls it
   * periodically.
   */
  async abandonSilent(): Promise<AbandonedVisit[]> {
    const out: AbandonedVisit[] = [];
    for (const rt of this.runtimes.values()) {
      await rt.ready.catch(() => undefined);
      if (this.silentVisits(rt).length === 0 && rt.unfinished.size === 0) continue;
      out.push(
        ...(await runInOrder(
          rt,
          () => this.recover(rt),
          () => this.sweep(rt),
        )),
      );
    }
    return out;
  }

  /** Runs `abandonSilent()` every `everyMs` (default: a quarter of the shortest setting, at most a minute). */
  watchAbandoned(options: {
    everyMs?: number;
    onAbandoned?: (done: AbandonedVisit[]) => void | Promise<void>;
    onError?: (err: unknown) => void;
  }): { stop(): void } {
    const auto = sweepInterval([...this.configs.values()].map(abandonAfterMinutes));
    if (auto === undefined) return { stop() {} };
    // runtimes are made on first use: make every store's now, so its visits are swept
    for (const store of this.configs.keys()) this.runtime(store);
    return sweepPeriodically(() => this.abandonSilent(), options.everyMs ?? auto, {
      ...(options.onAbandoned ? { onDone: options.onAbandoned } : {}),
      ...(options.onError ? { onError: options.onError } : {}),
    });
  }

  /** Open visits whose last sign of their shopper is older than the store allows. */
  private silentVisits(
    rt: Runtime,
  ): { shopper: string; session: string; last: { at: number; what: string } }[] {
    const minutes = abandonAfterMinutes(rt.cfg);
    const now = this.deps.clock.now();
    if (minutes <= 0 || now - this.startedAt < START_GRACE_MS) return [];
    const out = [];
    for (const v of rt.streams.openSessions()) {
      const last = rt.activity.get(v.session);
      if (last && now - last.at >= minutes * 60_000) out.push({ ...v, last });
    }
    return out;
  }

  private async sweep(rt: Runtime): Promise<AbandonedVisit[]> {
    const { store } = rt.cfg;
    const done: AbandonedVisit[] = [];
    for (const [session, { shopper, reason }] of [...rt.unfinished]) {
      const outcome = await this.finishAbandon(rt, session, shopper, reason);
      done.push({ store, session, shopper, ...outcome });
    }
    const minutes = abandonAfterMinutes(rt.cfg);
    for (const { shopper, session, last } of this.silentVisits(rt)) {
      const exit: SweepExit = {
        v: 1,
        t: rt.lastT,
        type: "gate.out",
        store,
        shopper,
        id: `sweep-${session}`,
        sweep: {
          reason: `shopper lost: no gate, track or shelf event of this visit for ${minutes} min (last: ${last.what} at ${new Date(last.at).toISOString()})`,
        },
      };
      const out: Out = { rejected: [], duplicates: 0, produced: [], changed: new Set(), exits: [] };
      const receivedAt = this.deps.clock.now();
      const period = this.periodFor(rt, exit);
      const raw = await this.deps.storage.rawLog.append({
        store,
        cart: WALKOUT_LANE,
        session: period,
        receivedAt,
        event: asRaw(exit),
      });
      // already logged (a sweep whose record was lost): the replay has taken it, nothing to do
      if (!raw.isNew) continue;
      await this.afterRaw(rt, exit, 0, period, raw.key, out, receivedAt);
      for (const a of out.abandoned ?? [])
        done.push({ store, session: a.session, shopper: a.shopper, ...a.outcome });
    }
    return done;
  }

  /**
   * Rebuilds the store's fusion state by replaying its latest occupancy period from the raw log
   * (fresh WalkoutStreams), appends what the sessions' streams are missing, places the holds of
   * the shoppers still inside again and settles the ones who left meanwhile.
   */
  private async recover(rt: Runtime): Promise<void> {
    const { store } = rt.cfg;
    rt.scoped = new SessionScopedIds();
    rt.streams = newStreams(rt.cfg, rt.scoped);
    rt.produced = new Map();
    rt.period = undefined;
    rt.activity = new Map();
    rt.unfinished = new Map();
    rt.lastT = -Infinity;
    const log = this.deps.storage.rawLog;
    const period = await log.latestSession(store, WALKOUT_LANE);
    if (!period) return;
    const raws = await log.readForReplay(store, WALKOUT_LANE, period, this.deps.replayLeadMs ?? 60_000);
    const produced = new Map<string, BasketEvent[]>();
    const ended = new Set<string>();
    const accounts = new Map<string, string | undefined>();
    /** visits ended by a sweep's gate.out, with the reason it gave */
    const swept = new Map<string, { shopper: string; reason: string }>();
    for (const e of raws) {
      const event = fromRaw(e.event);
      if (!event) continue;
      rt.scoped.enter(e.session);
      const r = rt.streams.ingest(event);
      if (r.outcome !== "accepted") continue;
      noteActivity(rt, event, r, e.receivedAt);
      if (event.type === "gate.in") accounts.set(event.session, event.account);
      const sweptSession = sweptBy(event, r);
      if (sweptSession !== undefined && event.type === "gate.out") {
        swept.set(sweptSession, { shopper: event.shopper, reason: (event as SweepExit).sweep.reason });
      }
      for (const { session, events } of r.events) {
        const list = produced.get(session) ?? [];
        list.push(...(session === sweptSession ? withoutCheckout(events) : events));
        produced.set(session, list);
      }
      for (const { session } of r.ended ?? []) {
        ended.add(session);
        rt.activity.delete(session);
      }
    }
    const sessions = this.deps.exits.sessions;
    for (const [session, events] of produced) {
      let snap = await sessions.load(store, session, true);
      if (snap.state.phase === "idle" || snap.state.phase === "shopping") {
        const missing = events.slice(snap.cartEvents);
        if (missing.length > 0) {
          const expected = snap.cartEvents;
          snap = (
            await sessions.update(
              store,
              session,
              (s) => {
                if (s.cartEvents !== expected) throw new StaleWalkout(`${store}/${session}`);
                return missing;
              },
              { source: "cart", causation: "recovery" },
            )
          ).snap;
          this.counters.recoveredEvents += missing.length;
        }
      }
      if (events.length < snap.cartEvents) {
        this.deps.log?.warn(
          { store, session, replayed: events.length, stored: snap.cartEvents },
          "walk-out replay diverged",
        );
        this.counters.replayDiverged++;
      }
      rt.produced.set(session, Math.max(events.length, snap.cartEvents));
      if (ended.has(session)) {
        rt.streams.release(session);
        rt.produced.delete(session);
        const lost = swept.get(session);
        if (lost) {
          // the sweep took the shopper out but its abandon was not recorded: record it now
          if (snap.state.phase === "shopping")
            await this.finishAbandon(rt, session, lost.shopper, lost.reason);
        } else if (snap.state.phase === "exiting" || snap.state.phase === "charging") {
          await this.deps.exits.settleExit(store, session);
        }
      } else if (snap.state.phase === "shopping") {
        await this.deps.exits.checkInSession(store, session, accounts.get(session));
      }
    }
    if (rt.streams.openSessions().length > 0) rt.period = period;
    // a visit whose raw history is gone counts its silence from now
    for (const { session } of rt.streams.openSessions()) {
      if (!rt.activity.has(session))
        rt.activity.set(session, { at: this.deps.clock.now(), what: "recovery" });
    }
  }

  private reject(out: Out, index: number, reason: string, detail?: string): void {
    this.count(reason, 1);
    out.rejected.push({ index, reason, ...(detail !== undefined ? { detail } : {}) });
  }

  private count(reason: string, n: number): void {
    this.counters.rejected[reason] = (this.counters.rejected[reason] ?? 0) + n;
  }
}

function newStreams(cfg: WalkoutStoreConfig, scoped: SessionScopedIds): WalkoutStreams {
  return new WalkoutStreams({
    catalog: cfg.catalog,
    layout: cfg.layout,
    ids: scoped.ids,
    store: cfg.store,
    ...(cfg.fusion ? { config: cfg.fusion } : {}),
  });
}

/** A store's `abandonAfterMinutes` (decision 0109): 30 unless set; 0 = never. */
function abandonAfterMinutes(cfg: WalkoutStoreConfig): number {
  return cfg.abandonAfterMinutes ?? DEFAULT_ABANDON_AFTER_MINUTES;
}

/**
 * A sign of a visit's shopper (decision 0109): its `gate.in`, a track point of its shopper, a
 * shelf change fusion attributed to it (any basket event for it). Plate samples nobody is
 * charged for are not: the shelves report all the time, whoever is in the store. Fusion decides
 * the same in a replay, so a restart finds the same last sign.
 */
function noteActivity(
  rt: Runtime,
  event: StoreEvent,
  r: { events: { session: string; events: BasketEvent[] }[] },
  receivedAt: number,
): void {
  if (event.t > rt.lastT) rt.lastT = event.t;
  for (const { session, events } of r.events) {
    if (events.length > 0) rt.activity.set(session, { at: receivedAt, what: "a shelf change" });
  }
  if (event.type === "gate.in") rt.activity.set(event.session, { at: receivedAt, what: "gate.in" });
  else if (event.type === "track") {
    const v = rt.streams.openSessions().find((s) => s.shopper === event.shopper);
    if (v) rt.activity.set(v.session, { at: receivedAt, what: "a track point" });
  }
}

/** The session a sweep's gate.out ended (undefined for anything else). */
function sweptBy(event: StoreEvent, r: { ended?: { session: string }[] }): string | undefined {
  if (event.type !== "gate.out" || (event as Partial<SweepExit>).sweep === undefined) return undefined;
  return r.ended?.[0]?.session;
}

/** Fusion's events at a sweep's gate.out without its CheckoutStarted: the abandon decides the exit. */
function withoutCheckout(events: BasketEvent[]): BasketEvent[] {
  return events.filter((e) => e.type !== "CheckoutStarted");
}

function isGate(e: StoreEvent): boolean {
  return e.type === "gate.in" || e.type === "gate.out";
}

/**
 * The raw log's port names cart events (carts came first); it stores any §1 line as written.
 * Walk-out events are validated at the edge before they get here, and read back by `fromRaw`.
 */
function asRaw(event: StoreEvent): CartEvent {
  return event as unknown as CartEvent;
}

const STORE_TYPES = new Set<string>(["gate.in", "gate.out", "track", "plate"]);

function fromRaw(event: CartEvent): StoreEvent | undefined {
  const e = event as unknown as StoreEvent;
  return STORE_TYPES.has(e.type) ? e : undefined;
}
