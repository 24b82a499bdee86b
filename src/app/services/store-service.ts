/**
 * StoreService: the application layer of a store server — what the MQTT gateway and the HTTP
 * API call. One instance serves every store the process hosts; every call names its store.
 *
 * Cart events (exchange-v1 §1) go: ownership checks → raw sensor log (idempotent: a QoS 1
 * redelivery stops here) → CartStreams (fusion; deterministic) → the session's stream (append
 * with the expected version) → read models → the cart screen (§5) returned for the gateway to
 * publish. `session.start` places the check-in hold; `session.end` runs the exit workflow.
 *
 * Recovery: the first time a process meets a cart (at startup via `rebuild()`, or when a cart
 * reconnects to another process) it replays the raw events of the cart's latest session
 * through a fresh CartStreams. Fusion ids are session-scoped (SessionScopedIds), so the replay
 * re-creates exactly the events already stored; the ones that never made it to the stream (a
 * crash between the raw write and the append) are appended, and an interrupted exit resumes.
 */
import type { BasketEvent } from "../../domain/basket/basket.events";
import type { Catalog } from "../../domain/catalog/product";
import type { CartEvent, ReceiptLine } from "../../domain/events/sensor-events";
import type { FusionConfig } from "../../domain/fusion/fusion.config";
import { DomainError } from "../../domain/shared/errors";
import type { StoreSettings } from "../../domain/store/store-settings";
import { type CartStreamResult, CartStreams } from "../cart-stream/cart-stream";
import type { Clock } from "../ports/clock";
import { sessionStreamId } from "../ports/event-store";
import type { IdGenerator } from "../ports/id-generator";
import type { PaymentGateway } from "../ports/payment-gateway";
import type {
  CartScreen,
  ReceiptView,
  ReviewCaseView,
  ReviewLabel,
  SessionFilter,
  SessionView,
  Storage,
} from "../ports/read-models";
import { type AbandonOutcome, abandonSession } from "../workflows/abandon.workflow";
import { type CheckInOutcome, checkIn } from "../workflows/check-in.workflow";
import { recordLeftoverProblemHold, type SettleOutcome, settleSession } from "../workflows/exit.workflow";
import { type OwedReleaseOutcome, releaseOwedHolds } from "../workflows/hold-release.workflow";
import type { PaymentWorkflowDeps } from "../workflows/payment-context";
import {
  cancelSession,
  type DisputeInput,
  disputeLine,
  type ResolveOutcome,
  type ReviewDecisionInput,
  resolveReview,
} from "../workflows/review.workflow";
import { sweepInterval, sweepPeriodically } from "./periodic-sweep";
import { type RecoveringQueue, runInOrder } from "./recovering-queue";
import { SessionScopedIds } from "./session-scoped-ids";
import { type SessionSnapshot, SessionStreams } from "./session-streams";
import { buildCases, buildReceipt, buildReceiptLine, buildScreen, buildSessionView } from "./views";

export interface StoreConfig {
  store: string;
  catalog: Catalog;
  settings: StoreSettings;
  fusionConfig?: Partial<FusionConfig>;
  /** the hold placed at check-in, minor units; default 10,000 (100.00) */
  holdAmount?: number;
  /**
   * the payment method of sessions opened without an account (demo and simulator carts);
   * without it such a session cannot be charged and ends in `problem`
   */
  defaultPaymentMethod?: string;
  /**
   * a cart session with no basket activity for this long is ended by the store (decision 0108):
   * to review with its hold, or cancelled when its basket is empty; default 30, 0 = never
   */
  abandonAfterMinutes?: number;
}

/** What one sweep of `releaseOwedHolds()` did to a session owing hold releases (decision 0112). */
export type OwedReleaseResult = { store: string; session: string } & OwedReleaseOutcome;

/** What `abandonSilent()` did to one silent session. */
export type AbandonedSession = { store: string; cart: string; session: string } & AbandonOutcome;

export interface StoreServiceDeps {
  storage: Storage;
  payments: PaymentGateway;
  clock: Clock;
  /** ids for what the server creates (dispute cases, refunds): `ulidIds()` in production */
  ids: IdGenerator;
  stores: StoreConfig[];
  /** idle scale history replayed before a session when rebuilding it; default 60 s */
  replayLeadMs?: number;
  /** session rows read per query by the sweeps that page through a store; default 500 */
  sweepPageSize?: number;
  log?: { warn(obj: object, msg: string): void; error(obj: object, msg: string): void };
  /**
   * The shopper's receipt link of a session (the web's `/r/<token>`, the token good for that
   * session only), put on the paid screen so a shopper without the store app can open it. The
   * screen stays retained on the cart until its next session, so the link must expire: given
   * when the session was paid, it returns the link and when it stops opening the receipt
   * (epoch ms, the screen's `receiptExpiresAt`). Absent: the paid screen carries no link.
   */
  receiptLink?: (store: string, session: string, paidAt: number) => { link: string; expiresAt: number };
}

/** What ingesting a batch of one cart's events did (the gateway's CartIngestOutcome shape). */
export interface CartIngestResult {
  /** events refused, by index in the batch (redeliveries are not refusals: see `duplicates`) */
  rejected: { index: number; reason: string; detail?: string }[];
  duplicates: number;
  /** the cart's screen after the batch */
  screen: CartScreen;
  /** basket events written */
  produced: BasketEvent[];
  /** an event settled a weight change and fusion decided on it */
  settled?: boolean;
  /** set when the batch ended a session: what the exit workflow did */
  exit?: SettleOutcome;
}

export interface StoreServiceCounters {
  events: number;
  duplicates: number;
  rejected: Record<string, number>;
  sessionsOpened: number;
  exits: Record<string, number>;
  recoveredCarts: number;
  recoveredEvents: number;
  /** silent sessions ended by the store (decision 0108), by outcome: review, cancelled */
  abandoned: Record<string, number>;
  /** carts whose fusion state was found stale (fed by another process) and rebuilt */
  staleCarts: number;
  /** recoveries whose replay produced fewer events than the stream holds (should stay 0) */
  replayDiverged: number;
}

interface CartRuntime extends RecoveringQueue {
  store: string;
  cart: string;
  streams: CartStreams;
  scoped: SessionScopedIds;
  /** the cart's most recent session (what its screen shows) */
  lastSession?: string;
  /**
   * cart events this runtime's fusion produced for `lastSession`: the stream must hold exactly
   * as many, or another process has fed this cart meanwhile and this fusion state is stale
   */
  produced: number;
  /**
   * the open session's last basket activity (decision 0108): server time received and what it
   * was; rebuilt by replay, so a restart keeps counting from the cart's last sign of life
   */
  activity?: { at: number; what: string };
  /** the raw log's seq of the last event this runtime's fusion took in */
  lastSeq?: number;
  /** the last screen built, and from what: a message that changed nothing reuses it */
  screen?: { snap: SessionSnapshot; problem: boolean; screen: CartScreen };
}

/** Another process wrote this cart's events: rebuild its fusion state from the raw log. */
class StaleCart extends Error {}

export class StoreService {
  readonly counters: StoreServiceCounters = {
    events: 0,
    duplicates: 0,
    rejected: {},
    sessionsOpened: 0,
    exits: {},
    recoveredCarts: 0,
    recoveredEvents: 0,
    abandoned: {},
    staleCarts: 0,
    replayDiverged: 0,
  };
  private readonly configs = new Map<string, StoreConfig>();
  private readonly carts = new Map<string, Promise<CartRuntime>>();
  /** sessions whose check-in hold was refused: the screen shows `problem` while shopping */
  private readonly holdProblems = new Set<string>();
  /**
   * check-in holds the stream did not record (the session had left `shopping` first), for a
   * cancel to release; a recorded hold is found in the stream. Emptied when the exit settles.
   */
  private readonly checkIns = new Map<string, { authorizationId: string }>();
  readonly sessions: SessionStreams;
  private readonly workflow: PaymentWorkflowDeps;
  /** when this service started: silence is not judged in the first START_GRACE_MS */
  private readonly startedAt: number;

  constructor(private readonly deps: StoreServiceDeps) {
    this.startedAt = deps.clock.now();
    for (const c of deps.stores) {
      if (c.catalog.currency !== c.settings.currency) {
        throw new DomainError(
          "CURRENCY_MISMATCH",
          `store ${c.store}: catalog and settings currencies differ`,
        );
      }
      this.configs.set(c.store, c);
    }
    this.sessions = new SessionStreams({
      events: deps.storage.events,
      clock: deps.clock,
      onAppended: (snap, events) => this.project(snap, events),
    });
    this.workflow = {
      streams: this.sessions,
      payments: deps.payments,
      clock: deps.clock,
      ids: deps.ids,
      pricing: (store) => this.config(store),
      paymentMethod: (store, account) => this.paymentMethod(store, account),
      holdAmount: (store) => this.config(store).holdAmount ?? 10_000,
      reviews: deps.storage.reviews,
      labels: deps.storage.labels,
    };
  }

  /** The stores this service hosts. */
  stores(): string[] {
    return [...this.configs.keys()];
  }

  // ---------------------------------------------------------------------------------------
  // cart events

  /**
   * Ingests one cart's events in order (one MQTT message). Resolves once everything is durably
   * written; rejects only on infrastructure failure (the gateway then does not acknowledge, and
   * the redelivery is safe).
   */
  async ingest(store: string, cart: string, events: readonly CartEvent[]): Promise<CartIngestResult> {
    const cfg = this.configs.get(store);
    if (!cfg) {
      // Not an infrastructure failure: refuse every event (a redelivery would change nothing).
      this.counters.rejected["unknown-store"] =
        (this.counters.rejected["unknown-store"] ?? 0) + events.length;
      return {
        rejected: events.map((_, index) => ({
          index,
          reason: "unknown-store",
          detail: `store ${store} is not hosted here`,
        })),
        duplicates: 0,
        produced: [],
        screen: { state: "idle", currency: "", total: 0, lines: [], seq: 0 },
      };
    }
    const rt = await this.runtime(store, cart);
    return runInOrder(
      rt,
      () => this.recover(rt),
      () => this.ingestBatch(rt, events),
    );
  }

  /** One event: `ingest(store, cart, [event])`. */
  ingestCartEvent(store: string, cart: string, event: CartEvent): Promise<CartIngestResult> {
    return this.ingest(store, cart, [event]);
  }

  private async ingestBatch(rt: CartRuntime, events: readonly CartEvent[]): Promise<CartIngestResult> {
    const out: Omit<CartIngestResult, "screen"> = { rejected: [], duplicates: 0, produced: [] };
    // Lifecycle events (which open or close the session, so decide the session of what follows)
    // go one at a time; the events between them go to the raw log together, in one write.
    let i = 0;
    while (i < events.length) {
      if (isLifecycle(events[i])) {
        await this.ingestOne(rt, events[i], i, out);
        i++;
        continue;
      }
      let j = i + 1;
      while (j < events.length && !isLifecycle(events[j])) j++;
      await this.ingestRun(rt, events, i, j, out);
      i = j;
    }
    return { ...out, screen: await this.screenOf(rt) };
  }

  /** Events [from, to) of a message, none of them a lifecycle event: one raw-log write. */
  private async ingestRun(
    rt: CartRuntime,
    events: readonly CartEvent[],
    from: number,
    to: number,
    out: Omit<CartIngestResult, "screen">,
  ): Promise<void> {
    const { store, cart } = rt;
    const session = rt.streams.sessionOf(cart);
    const receivedAt = this.deps.clock.now();
    const index: number[] = [];
    const entries: { store: string; cart: string; session?: string; receivedAt: number; event: CartEvent }[] =
      [];
    for (let k = from; k < to; k++) {
      const event = events[k];
      this.counters.events++;
      if (event.store !== store || event.cart !== cart) {
        this.reject(out, k, "wrong-cart", `event of ${event.store}/${event.cart} on ${store}/${cart}`);
        continue;
      }
      index.push(k);
      entries.push({ store, cart, session, receivedAt, event });
    }
    if (entries.length === 0) return;
    const log = this.deps.storage.rawLog;
    let raws: { isNew: boolean; key: string; seq: number }[];
    if (log.appendMany) raws = await log.appendMany(entries);
    else {
      raws = [];
      for (const e of entries) raws.push(await log.append(e));
    }
    for (let n = 0; n < entries.length; n++) {
      const done = await this.afterRaw(rt, entries[n].event, index[n], raws[n], session, out, receivedAt);
      // recovered from the raw log, which already holds the rest of this run: it is replayed
      if (done === "recovered") return;
    }
  }

  private reject(
    out: Omit<CartIngestResult, "screen">,
    index: number,
    reason: string,
    detail?: string,
  ): void {
    this.counters.rejected[reason] = (this.counters.rejected[reason] ?? 0) + 1;
    out.rejected.push({ index, reason, ...(detail !== undefined ? { detail } : {}) });
  }

  private async ingestOne(
    rt: CartRuntime,
    event: CartEvent,
    index: number,
    out: Omit<CartIngestResult, "screen">,
  ): Promise<void> {
    const { store, cart } = rt;
    this.counters.events++;
    if (event.store !== store || event.cart !== cart) {
      return this.reject(
        out,
        index,
        "wrong-cart",
        `event of ${event.store}/${event.cart} on ${store}/${cart}`,
      );
    }
    const open = rt.streams.sessionOf(cart);
    let session = open;
    if (event.type === "session.start" && open === undefined) {
      // Session ids come from carts: one already used anywhere in the store is refused.
      const used = await this.sessions.load(store, event.session);
      if (used.version > 0) {
        // This cart's own earlier start sent again is a redelivery; another cart's is refused.
        // Neither reaches the raw log: replay must see exactly what fusion saw.
        if (used.state.cart === cart) {
          this.counters.duplicates++;
          out.duplicates++;
          return;
        }
        return this.reject(out, index, "session-id-reused", `session ${event.session} was used before`);
      }
      session = event.session;
    }
    const receivedAt = this.deps.clock.now();
    const raw = await this.deps.storage.rawLog.append({ store, cart, session, receivedAt, event });
    await this.afterRaw(rt, event, index, raw, session, out, receivedAt);
  }

  /** What follows the raw write of one event: fusion, the stream append, check-in, exit. */
  private async afterRaw(
    rt: CartRuntime,
    event: CartEvent,
    index: number,
    raw: { isNew: boolean; key: string; seq: number },
    session: string | undefined,
    out: Omit<CartIngestResult, "screen">,
    receivedAt: number,
  ): Promise<"recovered" | undefined> {
    const { store } = rt;
    if (!raw.isNew) {
      this.counters.duplicates++;
      out.duplicates++;
      return;
    }
    rt.scoped.enter(session);
    const r = rt.streams.ingest(event);
    rt.lastSeq = raw.seq;
    noteActivity(rt, event, r, receivedAt);
    if (r.outcome === "rejected") {
      if (r.reason === "duplicate") {
        this.counters.duplicates++;
        out.duplicates++;
        return;
      }
      this.reject(out, index, r.reason ?? "bad-value", r.detail);
      return;
    }
    if (r.settled) out.settled = true;
    if (event.type === "session.start" && r.session === event.session) rt.produced = 0;
    if (r.session) rt.lastSession = r.session;
    if (r.session && r.events.length > 0) {
      try {
        await this.appendCartEvents(store, r.session, r.events, raw.key, rt.produced);
        rt.produced += r.events.length;
      } catch (err) {
        if (err instanceof StaleCart) {
          // The raw event is stored: replaying the raw log appends what this event produced.
          this.counters.staleCarts++;
          await this.recover(rt);
          return "recovered";
        }
        if (!(err instanceof DomainError)) throw err;
        // The session moved on without the cart (cancelled by an operator): refuse, keep going.
        this.reject(out, index, "no-open-session", err.message);
        return;
      }
      out.produced.push(...r.events);
    }
    if (event.type === "session.start" && r.session === event.session) {
      this.counters.sessionsOpened++;
      await this.runCheckIn(store, event.session, event.account);
    }
    if (r.ended) out.exit = await this.settle(store, r.ended.session);
    return;
  }

  /**
   * Appends fusion's events. `expected` is how many cart events the stream must already hold
   * for them to follow on (workflow events in between are fine; cart events written by another
   * process are not: StaleCart).
   */
  private async appendCartEvents(
    store: string,
    session: string,
    events: BasketEvent[],
    causation: string,
    expected: number,
  ) {
    return this.sessions.update(
      store,
      session,
      (s) => {
        if (s.cartEvents !== expected) throw new StaleCart(`${store}/${session}`);
        if (s.state.phase !== "idle" && s.state.phase !== "shopping") {
          // Cancelled (or settled) while the cart kept sending: its basket is closed.
          throw new DomainError("SESSION_CLOSED", `session ${session} is ${s.state.phase}`);
        }
        return events;
      },
      { source: "cart", causation },
    );
  }

  private async runCheckIn(
    store: string,
    session: string,
    account: string | undefined,
  ): Promise<CheckInOutcome> {
    const streamId = sessionStreamId(store, session);
    const outcome = await checkIn(this.workflow, store, session, account);
    this.checkIns.delete(streamId);
    if (
      outcome.status === "held" &&
      (await this.sessions.load(store, session)).state.payment.authorizationId !== outcome.authorizationId
    )
      this.checkIns.set(streamId, { authorizationId: outcome.authorizationId });
    const problem = outcome.status !== "held" && outcome.status !== "no-account";
    if (problem !== this.holdProblems.has(streamId)) {
      if (problem) this.holdProblems.add(streamId);
      else this.holdProblems.delete(streamId);
      await this.project(await this.sessions.load(store, session), []);
    }
    return outcome;
  }

  private async settle(store: string, session: string): Promise<SettleOutcome> {
    const r = await settleSession(this.workflow, store, session);
    this.counters.exits[r.status] = (this.counters.exits[r.status] ?? 0) + 1;
    if (r.status !== "skipped") {
      // the exit has taken the hold over (captured, released, or recorded for the review)
      this.holdProblems.delete(sessionStreamId(store, session));
      this.checkIns.delete(sessionStreamId(store, session));
    }
    return r;
  }

  // ---------------------------------------------------------------------------------------
  // recovery

  /**
   * At startup: recovers every registered cart and every cart with an open session (replaying
   * raw events into fresh fusion state, appending what was lost), resumes interrupted exits,
   * records as owed the live holds `problem` sessions still keep off the record (0107, 0120), and
   * runs the owed-release sweep once.
   */
  async rebuild(): Promise<{ carts: number; appended: number; resumed: number; reprojected: number }> {
    const before = this.counters.recoveredEvents;
    let carts = 0;
    let resumed = 0;
    let reprojected = 0;
    for (const store of this.configs.keys()) {
      reprojected += (await this.reproject(store)).reprojected;
      const ids = new Set((await this.deps.storage.carts.list(store)).map((c) => c.cart));
      for await (const s of this.pages(store, { open: true })) {
        if (s.cart) ids.add(s.cart);
      }
      for (const cart of ids) {
        await this.runtime(store, cart);
        carts++;
      }
      for (const state of ["exiting", "charging"]) {
        for await (const s of this.pages(store, { state })) {
          await this.settle(store, s.session);
          resumed++;
        }
      }
      // a `problem` session's live hold not owed on record (older streams, or a stop between the
      // provider's release and its record) becomes owed; the sweep below releases it (0120)
      for await (const s of this.pages(store, { state: "problem" })) {
        await recordLeftoverProblemHold(this.workflow, store, s.session);
      }
    }
    await this.releaseOwedHolds();
    return { carts, appended: this.counters.recoveredEvents - before, resumed, reprojected };
  }

  // ---------------------------------------------------------------------------------------
  // holds owed a release (decision 0112)

  /**
   * Retries the release of every hold a session owes (HoldReleaseFailed: a release the provider
   * did not confirm when the session stopped using the hold), with the same release key, and
   * records each one confirmed — a `problem` session's own hold too (decision 0120). Found
   * through the session rows' `holdsToRelease`, every owing row of every store, a page at a time;
   * run at startup and by `watchOwedReleases`. Returns one entry per session tried.
   */
  async releaseOwedHolds(): Promise<OwedReleaseResult[]> {
    const out: OwedReleaseResult[] = [];
    for (const store of this.configs.keys()) {
      for await (const s of this.pages(store, { holdsToRelease: true })) {
        const r = await releaseOwedHolds(this.workflow, store, s.session);
        if (r.released.length + r.failed.length > 0) out.push({ store, session: s.session, ...r });
      }
    }
    return out;
  }

  /**
   * Every session row of `store` matching `filter`, a page at a time in session-id order (keyset
   * paging: a row that changes or leaves the filter while the sweep works skips nothing after it).
   */
  private async *pages(
    store: string,
    filter: Omit<SessionFilter, "after" | "limit">,
  ): AsyncGenerator<SessionView> {
    const limit = this.deps.sweepPageSize ?? SWEEP_PAGE;
    let after = "";
    for (;;) {
      const page = await this.deps.storage.sessions.list(store, { ...filter, after, limit });
      yield* page;
      if (page.length < limit) return;
      after = page[page.length - 1].session;
    }
  }

  /**
   * Runs `releaseOwedHolds()` every `everyMs` (default a minute) until stopped; `onSwept` gets
   * every sweep's results (also an empty one, so a gauge of what is still owed can go to 0).
   */
  watchOwedReleases(options: {
    everyMs?: number;
    onSwept?: (done: OwedReleaseResult[]) => void | Promise<void>;
    onError?: (err: unknown) => void;
  }): { stop(): void } {
    return sweepPeriodically(() => this.releaseOwedHolds(), options.everyMs ?? 60_000, {
      ...(options.onSwept ? { onDone: options.onSwept, always: true } : {}),
      ...(options.onError ? { onError: options.onError } : {}),
    });
  }

  /**
   * Re-projects read-model rows that lag their stream. Projections are written after the append
   * commits, so a crash in between leaves a row one append behind; `rebuild()` runs this over the
   * store's most recent events (`recent`), `reproject(store, Infinity)` over all of them.
   */
  async reproject(store: string, recent = 5_000): Promise<{ checked: number; reprojected: number }> {
    this.config(store);
    const end = await this.deps.storage.events.storePosition(store);
    let after = Number.isFinite(recent) ? Math.max(0, end - recent) : 0;
    const latest = new Map<string, number>();
    for (;;) {
      const page = await this.deps.storage.events.readStore(store, after, 1_000);
      if (page.length === 0) break;
      for (const e of page) {
        const session = e.streamId.slice(`${store}/session/`.length);
        if (e.streamId.startsWith(`${store}/session/`)) latest.set(session, e.version);
      }
      after = page[page.length - 1].position;
    }
    let reprojected = 0;
    for (const [session, version] of latest) {
      const row = await this.deps.storage.sessions.get(store, session);
      if (row && row.version >= version) continue;
      const snap = await this.sessions.load(store, session, true);
      await this.project(snap, [
        { type: "ReviewRequested", at: 0, caseId: "", kind: "uncertain", lineIds: [], reason: "" },
      ]);
      reprojected++;
    }
    return { checked: latest.size, reprojected };
  }

  private runtime(store: string, cart: string): Promise<CartRuntime> {
    const cfg = this.config(store);
    const key = `${store}\u0000${cart}`;
    let p = this.carts.get(key);
    if (!p) {
      const scoped = new SessionScopedIds();
      const rt: CartRuntime = {
        store,
        cart,
        scoped,
        streams: this.newCartStreams(cfg, scoped),
        produced: 0,
        needsRecovery: false,
        queue: Promise.resolve(),
      };
      p = this.recover(rt).then(() => rt);
      this.carts.set(key, p);
      p.catch(() => this.carts.delete(key));
    }
    return p;
  }

  private newCartStreams(cfg: StoreConfig, scoped: SessionScopedIds): CartStreams {
    return new CartStreams({
      catalog: cfg.catalog,
      fusionConfig: { ...cfg.fusionConfig, idMemory: cfg.fusionConfig?.idMemory ?? SERVER_ID_MEMORY },
      ids: scoped.ids,
      store: cfg.store,
      retainEnded: 4,
      idMemory: SERVER_ID_MEMORY,
    });
  }

  /**
   * Rebuilds the cart's fusion state from the raw log (fresh CartStreams) and appends what the
   * stream is missing. Retries when another process appends cart events meanwhile.
   */
  private async recover(rt: CartRuntime, attempt = 0): Promise<void> {
    const { store, cart } = rt;
    rt.scoped = new SessionScopedIds();
    rt.streams = this.newCartStreams(this.config(store), rt.scoped);
    rt.produced = 0;
    rt.activity = undefined;
    rt.lastSeq = undefined;
    const latest = await this.deps.storage.rawLog.latestSession(store, cart);
    if (!latest) return;
    rt.lastSession = latest;
    let snap = await this.sessions.load(store, latest, true);
    if (snap.version === 0 || snap.state.phase === "shopping") {
      const raws = await this.deps.storage.rawLog.readForReplay(
        store,
        cart,
        latest,
        this.deps.replayLeadMs ?? 60_000,
      );
      const produced: BasketEvent[] = [];
      let account: string | undefined;
      let opened = false;
      for (const e of raws) {
        rt.scoped.enter(e.session);
        const r = rt.streams.ingest(e.event);
        rt.lastSeq = e.seq;
        noteActivity(rt, e.event, r, e.receivedAt);
        if (r.outcome !== "accepted" || r.session !== latest) continue;
        produced.push(...r.events);
        if (e.event.type === "session.start") {
          opened = true;
          account = e.event.account;
        }
      }
      const missing = produced.slice(snap.cartEvents);
      if (missing.length > 0) {
        try {
          snap = (await this.appendCartEvents(store, latest, missing, "recovery", snap.cartEvents)).snap;
        } catch (err) {
          if (err instanceof StaleCart && attempt < 3) return this.recover(rt, attempt + 1);
          throw err;
        }
        this.counters.recoveredEvents += missing.length;
      }
      if (produced.length < snap.cartEvents) {
        // Replay made fewer events than the stream holds: fusion was not deterministic over
        // this history (or the idle lead-in was too short). Keep going from the stream's count.
        this.deps.log?.warn(
          { store, cart, session: latest, replayed: produced.length, stored: snap.cartEvents },
          "replay diverged",
        );
        this.counters.replayDiverged++;
      }
      rt.produced = Math.max(produced.length, snap.cartEvents);
      // a session whose raw history is gone counts its silence from now
      if (rt.streams.sessionOf(cart) && !rt.activity)
        rt.activity = { at: this.deps.clock.now(), what: "recovery" };
      this.counters.recoveredCarts++;
      if (opened && snap.state.phase === "shopping") await this.runCheckIn(store, latest, account);
    }
    if (snap.state.phase === "exiting" || snap.state.phase === "charging") await this.settle(store, latest);
  }

  // ---------------------------------------------------------------------------------------
  // abandoned sessions (decision 0108)

  /**
   * Ends every cart session that has shown no basket activity for its store's
   * `abandonAfterMinutes` by the injected clock: to review with its hold, or cancelled with the
   * hold released when the basket is empty. Each runs in its cart's queue, so it never races
   * the cart's own events. Returns what it did; `watchAbandoned` calls it periodically.
   */
  async abandonSilent(): Promise<AbandonedSession[]> {
    const out: AbandonedSession[] = [];
    for (const p of [...this.carts.values()]) {
      const rt = await p.catch(() => undefined);
      if (!rt || !this.silentFor(rt)) continue;
      const r = await runInOrder(
        rt,
        () => this.recover(rt),
        () => this.abandonIfSilent(rt),
      );
      if (r) out.push(r);
    }
    return out;
  }

  /**
   * Runs `abandonSilent()` every `everyMs` (default: a quarter of the shortest setting, at most
   * a minute) until stopped; a failed sweep is reported and the next one tries again.
   */
  watchAbandoned(options: {
    everyMs?: number;
    onAbandoned?: (done: AbandonedSession[]) => void | Promise<void>;
    onError?: (err: unknown) => void;
  }): { stop(): void } {
    const auto = sweepInterval([...this.configs.values()].map(abandonAfterMinutes));
    if (auto === undefined) return { stop() {} };
    return sweepPeriodically(() => this.abandonSilent(), options.everyMs ?? auto, {
      ...(options.onAbandoned ? { onDone: options.onAbandoned } : {}),
      ...(options.onError ? { onError: options.onError } : {}),
    });
  }

  /** The cart has an open session whose last activity is older than its store allows. */
  private silentFor(rt: CartRuntime): boolean {
    const minutes = abandonAfterMinutes(this.config(rt.store));
    if (minutes <= 0 || !rt.activity || !rt.streams.sessionOf(rt.cart)) return false;
    const now = this.deps.clock.now();
    return now - rt.activity.at >= minutes * 60_000 && now - this.startedAt >= START_GRACE_MS;
  }

  private async abandonIfSilent(rt: CartRuntime): Promise<AbandonedSession | undefined> {
    const { store, cart } = rt;
    if (!this.silentFor(rt)) return;
    // Another process may have taken this cart's events meanwhile (a shared subscription): the
    // raw log has them, and a replay brings this runtime's activity up to date.
    const session = rt.streams.sessionOf(cart)!;
    const newer = await this.deps.storage.rawLog.readCart(store, cart, {
      session,
      ...(rt.lastSeq !== undefined ? { afterSeq: rt.lastSeq } : {}),
      limit: 1,
    });
    if (rt.lastSeq === undefined || newer.length > 0) {
      await this.recover(rt);
      if (!this.silentFor(rt) || rt.streams.sessionOf(cart) !== session) return;
    }
    const minutes = abandonAfterMinutes(this.config(store));
    const last = rt.activity!;
    const reason = `cart went silent: no basket activity for ${minutes} min (last: ${last.what} at ${new Date(last.at).toISOString()})`;
    const r = await this.abandonSession(store, session, reason);
    if (r.status === "review" || r.status === "cancelled") {
      // The session is over for the cart too: its fusion state starts afresh, as after a
      // restart (a revived cart's late events are refused; its next session.start is taken).
      await this.recover(rt);
    } else if (r.status === "release-failed") {
      this.deps.log?.warn({ store, cart, session, reason: r.reason }, "silent session: hold release failed");
    }
    return { store, cart, session, ...r };
  }

  /**
   * Ends a `shopping` session nobody will end (decision 0108; a walk-out visit whose shopper was
   * lost, 0109): to review with its hold, or cancelled with the hold released when its basket is
   * empty. Counted in `counters.abandoned`; a second call changes nothing.
   */
  async abandonSession(store: string, session: string, reason: string): Promise<AbandonOutcome> {
    this.config(store);
    const streamId = sessionStreamId(store, session);
    const r = await abandonSession(
      this.workflow,
      store,
      session,
      reason,
      this.checkIns.get(streamId)?.authorizationId,
    );
    if (r.status === "review" || r.status === "cancelled") {
      this.counters.abandoned[r.status] = (this.counters.abandoned[r.status] ?? 0) + 1;
      this.checkIns.delete(streamId);
      this.holdProblems.delete(streamId);
    }
    return r;
  }

  // ---------------------------------------------------------------------------------------
  // screens, receipts, queries

  /** The cart's current screen (its latest session, or idle). */
  async screen(store: string, cart: string): Promise<CartScreen> {
    return this.screenOf(await this.runtime(store, cart));
  }

  private async screenOf(rt: CartRuntime): Promise<CartScreen> {
    const cfg = this.config(rt.store);
    if (!rt.lastSession) return buildScreen(undefined, cfg);
    const snap = await this.sessions.load(rt.store, rt.lastSession);
    const problem = this.holdProblems.has(snap.streamId);
    // Snapshots are immutable (a change makes a new one): same snapshot, same screen.
    const cached = rt.screen;
    if (cached && cached.snap === snap && cached.problem === problem) return cached.screen;
    const screen = buildScreen(snap, cfg, problem);
    if (screen.state === "paid" && screen.session && this.deps.receiptLink) {
      // from the capture (a later event or a rebuilt screen must not give the link a new life)
      const paidAt = snap.capturedAt ?? snap.state.updatedAt ?? this.deps.clock.now();
      const r = this.deps.receiptLink(rt.store, screen.session, paidAt);
      screen.receipt = r.link;
      screen.receiptExpiresAt = r.expiresAt;
    }
    rt.screen = { snap, problem, screen };
    return screen;
  }

  /** The receipt of a session, live from its stream (undefined when the session is unknown). */
  async receipt(store: string, session: string): Promise<ReceiptView | undefined> {
    this.config(store);
    const snap = await this.sessions.load(store, session, true);
    if (snap.version === 0) return undefined;
    return buildReceipt(snap, this.config(store), snap.state.updatedAt ?? this.deps.clock.now());
  }

  /** The session's exchange-v1 §4 receipt line (undefined when the session is unknown). */
  async receiptLine(store: string, session: string): Promise<ReceiptLine | undefined> {
    this.config(store);
    const snap = await this.sessions.load(store, session, true);
    if (snap.version === 0) return undefined;
    return buildReceiptLine(snap, this.config(store));
  }

  /** A session's row (read model). */
  async session(store: string, session: string): Promise<SessionView | undefined> {
    this.config(store);
    return this.deps.storage.sessions.get(store, session);
  }

  /** Sessions of a store, newest first. */
  async listSessions(store: string, filter?: SessionFilter): Promise<SessionView[]> {
    this.config(store);
    return this.deps.storage.sessions.list(store, filter);
  }

  /** Open review cases, oldest first. */
  async reviewQueue(
    store: string,
    filter?: { kind?: "uncertain" | "dispute"; limit?: number },
  ): Promise<ReviewCaseView[]> {
    this.config(store);
    return this.deps.storage.reviews.queue(store, filter);
  }

  async reviewCase(store: string, caseId: string): Promise<ReviewCaseView | undefined> {
    this.config(store);
    return this.deps.storage.reviews.get(store, caseId);
  }

  async disputes(store: string, limit?: number): Promise<ReviewCaseView[]> {
    this.config(store);
    return this.deps.storage.reviews.disputes(store, limit);
  }

  /** Labelled review decisions, oldest first: one JSON object per line makes the JSONL export. */
  async exportLabels(store: string, options?: { since?: number; limit?: number }): Promise<ReviewLabel[]> {
    this.config(store);
    return this.deps.storage.labels.export(store, options);
  }

  // ---------------------------------------------------------------------------------------
  // human commands

  /** A shopper disputes a line of a paid session: opens a dispute case. */
  async disputeLine(store: string, session: string, input: DisputeInput): Promise<{ caseId: string }> {
    this.config(store);
    return disputeLine(this.workflow, store, session, input);
  }

  /** A reviewer decides a case; the money follows (capture if held, refund if over-charged). */
  async resolveReview(store: string, caseId: string, input: ReviewDecisionInput): Promise<ResolveOutcome> {
    const { catalog } = this.config(store);
    // a correction names a product of this store's catalog: refused before anything is recorded
    // (an unknown sku written into the stream would fail the pricing of the settle after it)
    const sku = input.correction?.sku;
    if (sku !== undefined && !catalog.bySku.has(sku))
      throw new DomainError("UNKNOWN_SKU", `unknown sku "${sku}" in store ${store}`, { sku });
    return resolveReview(this.workflow, store, caseId, input);
  }

  /** Retries a failed payment (`problem`) with the same keys: never charges twice. */
  async retryPayment(store: string, session: string): Promise<SettleOutcome> {
    this.config(store);
    return this.settle(store, session);
  }

  /** The check-in hold of a session opened outside the cart path (a walk-out `gate.in`). */
  async checkInSession(store: string, session: string, account: string | undefined): Promise<CheckInOutcome> {
    this.config(store);
    return this.runCheckIn(store, session, account);
  }

  /** The exit workflow for a session at checkout outside the cart path (a walk-out `gate.out`). */
  async settleExit(store: string, session: string): Promise<SettleOutcome> {
    this.config(store);
    return this.settle(store, session);
  }

  /** An operator cancels a session; its hold is released. */
  async cancelSession(store: string, session: string, reason: string): Promise<void> {
    this.config(store);
    const held = this.checkIns.get(sessionStreamId(store, session));
    await cancelSession(this.workflow, store, session, reason, held?.authorizationId);
    this.checkIns.delete(sessionStreamId(store, session));
    this.holdProblems.delete(sessionStreamId(store, session));
  }

  /**
   * Retention of raw sensor events: deletes whole days older than `days` (business events and
   * receipts are kept). Run daily. Raw events of an open session are never that old in practice;
   * a session open for longer than the retention loses its crash-recovery history.
   */
  async applyRetention(days: number): Promise<{ deleted: number; cutoff: number }> {
    if (!Number.isFinite(days) || days < 1)
      throw new DomainError("INVALID_RETENTION", "retention must be ≥ 1 day");
    const cutoff = this.deps.clock.now() - days * 86_400_000;
    const { deleted } = await this.deps.storage.rawLog.deleteBefore(cutoff);
    return { deleted, cutoff };
  }

  /**
   * What this service keeps in memory: per cart (runtimes), per open session (check-in holds
   * not in their stream, refused holds) and the snapshot cache (bounded). Figures and tests:
   * nothing but the bounded cache may grow with the number of sessions that have ended.
   */
  retained(): { carts: number; sessionsCached: number; checkIns: number; holdProblems: number } {
    return {
      carts: this.carts.size,
      sessionsCached: this.sessions.cached,
      checkIns: this.checkIns.size,
      holdProblems: this.holdProblems.size,
    };
  }

  // ---------------------------------------------------------------------------------------

  private config(store: string): StoreConfig {
    const c = this.configs.get(store);
    if (!c) throw new DomainError("UNKNOWN_STORE", `this server does not host store ${store}`, { store });
    return c;
  }

  private async paymentMethod(store: string, account: string | undefined): Promise<string | undefined> {
    if (account === undefined || account === "") return this.config(store).defaultPaymentMethod;
    const known = await this.deps.storage.accounts.get(store, account);
    // An account not in the directory is a card token presented at the cart.
    return known?.paymentMethod ?? account;
  }

  private async project(snap: SessionSnapshot, events: readonly BasketEvent[]): Promise<void> {
    const cfg = this.config(snap.store);
    const now = this.deps.clock.now();
    await this.deps.storage.sessions.put(
      buildSessionView(snap, cfg, now, this.holdProblems.has(snap.streamId)),
    );
    if (events.some((e) => CASE_EVENTS.has(e.type))) {
      for (const c of buildCases(snap)) await this.deps.storage.reviews.put(c);
    }
  }
}

/**
 * Recent event ids a cart's CartStreams and fusion remember for dedupe. In the server the raw
 * log has already refused every event id it holds (durably, before fusion sees the event), so
 * these memories are a second and third line that never fires; at their defaults (8,192 and
 * 4,096 ids per cart) they filled to ~0.8 MB of heap per cart, ~0.8 GB at 1,000 carts after half
 * an hour of streaming, which every full GC had to mark. 256 ids (a minute of a cart's events)
 * keep a safety net.
 */
const SERVER_ID_MEMORY = 256;

/** Session rows read per query by the sweeps that page through a store (owed releases, startup). */
const SWEEP_PAGE = 500;

/**
 * After a start (a restart, a store taken over in a cluster) carts reconnect and send what they
 * queued while the server was away; their sessions are not judged silent until they have had
 * this long to do so (MQTT clients retry within seconds to a minute).
 */
export const START_GRACE_MS = 120_000;

/** `abandonAfterMinutes` unless set (decisions 0108, 0109); 0 = never. */
export const DEFAULT_ABANDON_AFTER_MINUTES = 30;

/** A store's `abandonAfterMinutes` (decision 0108): 30 unless set; 0 = never. */
function abandonAfterMinutes(cfg: StoreConfig): number {
  return cfg.abandonAfterMinutes ?? DEFAULT_ABANDON_AFTER_MINUTES;
}

/**
 * Basket activity, the sign of a shopper at the cart (decision 0108): anything the cart sends
 * besides its scale (a camera sighting, a scan, a PLU, an answer, the start), and a scale reading
 * that settled a change or changed the basket. A powered cart's steady scale (4 a second) is not:
 * a cart left in an aisle keeps sending it. Fusion decides the same in a replay, so a restart
 * finds the same last activity.
 */
function noteActivity(rt: CartRuntime, event: CartEvent, r: CartStreamResult, receivedAt: number): void {
  if (r.outcome !== "accepted" || r.session === undefined || r.ended) return;
  if (event.type === "weight" && r.events.length === 0 && !r.settled) return;
  rt.activity = { at: receivedAt, what: describeActivity(event) };
}

function describeActivity(e: CartEvent): string {
  switch (e.type) {
    case "weight":
      return "a weight change";
    case "vision":
      return `camera: ${e.dir} ${e.candidates[0]?.sku ?? "unrecognised"}`;
    case "barcode":
      return `scan ${e.code}`;
    case "plu":
      return `PLU ${e.plu}`;
    case "answer":
      return `answer to ${e.prompt}`;
    case "session.start":
      return "session start";
    default:
      return e.type;
  }
}

/** Events that open or close a session: the session of the events after them depends on them. */
function isLifecycle(e: CartEvent): boolean {
  return e.type === "session.start" || e.type === "session.end";
}

const CASE_EVENTS = new Set<BasketEvent["type"]>([
  "ReviewRequested",
  "ReviewResolved",
  "LineRevised",
  "LineVoided",
  "LineDisputed",
]);
