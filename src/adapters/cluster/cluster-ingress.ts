/**
 * Clustered MQTT ingress: the ownership listener that serves exactly the stores this process
 * holds a lease on (decision 0201).
 *
 * Acquiring store S (tenure epoch e) builds a fresh serving unit — a StoreService for S alone
 * and a StoreLane (S's persistent MQTT session, with a CartGateway per connection) — and, beside connecting, runs
 * `rebuild()`: carts with open sessions are recovered by deterministic replay of their raw events
 * and interrupted exits resume (their payment keys make a second run charge nothing). Nothing of
 * an earlier tenure is reused: in-memory fusion state from before a gap could be stale.
 *
 * Losing S drops the lane (unacknowledged messages stay with the broker for the next owner) and
 * forgets the unit. A write refused by the database fence (SQLSTATE SK001: another node owns S)
 * makes this process step down from S at once.
 */
import type { LossReason, Ownership, OwnershipListener } from "../../app/cluster/ownership";
import type { AbandonedSession, CartIngestResult, StoreService } from "../../app/services/store-service";
import { DomainError } from "../../domain/shared/errors";
import type { ServerMetrics } from "../metrics/server-metrics";
import type { CartIngestPort } from "../mqtt/cart-gateway";
import type { IntakeLimit } from "../mqtt/intake-limit";
import type { ScreenState } from "../schemas/cart-protocol.schema";
import { type LaneStatus, StoreLane } from "./store-lane";

export interface ClusterIngressOptions {
  node: string;
  mqtt: {
    url: string;
    username?: string;
    password?: string;
    clientIdPrefix?: string;
    /** the secret part of the store sessions' ids (store-lane.ts); absent: `{prefix}-{store}` */
    sessionKey?: Buffer;
    sessionExpirySec?: number;
  };
  /** a fresh StoreService serving only `store` */
  newService: (store: string) => StoreService;
  /**
   * what each acquired store's lane takes cart messages through, around its service (cluster-node:
   * provisioned-carts.ts `provisionedCartsBehind`, as the single process); absent: the service
   */
  guardIngest?: (ingest: CartIngestPort) => CartIngestPort;
  /** set after construction (the ownership needs this listener first) */
  ownership?: Ownership;
  metrics?: ServerMetrics;
  /** the process's bound on MQTT messages taken in and not yet recorded, shared by every lane (0121) */
  intake?: IntakeLimit;
  onScreen?: (store: string, cart: string, screen: ScreenState) => void;
  /** a cart's message ended its session: what the exit workflow did */
  onExit?: (store: string, cart: string, result: CartIngestResult) => void;
  /** the store ended a session whose cart went silent (decision 0108) */
  onAbandoned?: (done: AbandonedSession) => void;
  /** seconds a caller should wait before retrying a command refused here (store not served) */
  retryAfterSec?: number;
  /** how long losing a store waits for messages in progress; default 2,000 ms */
  drainMs?: number;
  log?: {
    info(obj: object, msg: string): void;
    warn(obj: object, msg: string): void;
    error(obj: object, msg: string): void;
  };
}

interface Unit {
  store: string;
  epoch: number;
  service: StoreService;
  lane: StoreLane;
  rebuilt: Promise<unknown>;
  /** the silent-session and owed-release sweeps, started once the store is rebuilt */
  watch?: { stop(): void };
}

/** The database refused a cart write because another node owns the store (migration 0201). */
export function isFenced(err: unknown): boolean {
  for (let e = err as { code?: string; cause?: unknown } | undefined, i = 0; e && i < 5; i++) {
    if (e.code === "SK001") return true;
    e = e.cause as typeof e;
  }
  return false;
}

export class ClusterIngress implements OwnershipListener {
  private readonly units = new Map<string, Unit>();
  /** fenced writes seen (each made this process step down from a store) */
  fenced = 0;

  constructor(private readonly o: ClusterIngressOptions) {}

  set ownership(o: Ownership) {
    this.o.ownership = o;
  }

  /** The serving unit of `store` while this process owns it. */
  serviceOf(store: string): StoreService | undefined {
    return this.units.get(store)?.service;
  }

  /**
   * Runs a command (a review decision, a dispute) on the store's serving unit, after its recovery,
   * in order with its cart events (same StoreService, same per-session serialisation) — only
   * while this process owns the store. Otherwise, or when the database fence refuses the write
   * (another process owns the store now: this one steps down), a STORE_UNAVAILABLE error (503).
   */
  async command<T>(store: string, run: (service: StoreService) => Promise<T>): Promise<T> {
    const u = this.units.get(store);
    const current = () =>
      u !== undefined && this.units.get(store) === u && this.o.ownership?.epochOf(store) === u.epoch;
    if (!current()) throw this.unavailable(store);
    await u?.rebuilt;
    if (!u || !current()) throw this.unavailable(store);
    try {
      return await run(u.service);
    } catch (err) {
      if (!isFenced(err)) throw err;
      this.onFailure(store, u.epoch, err);
      throw this.unavailable(store);
    }
  }

  /** True while commands for `store` run on this process. */
  serves(store: string): boolean {
    const u = this.units.get(store);
    return u !== undefined && this.o.ownership?.epochOf(store) === u.epoch;
  }

  /** Publishes the cart's current screen (after a command changed its session). */
  async publishScreen(store: string, cart: string): Promise<void> {
    const u = this.units.get(store);
    if (!u) return;
    try {
      await u.lane.publishScreen(store, cart, await u.service.screen(store, cart));
    } catch (err) {
      this.o.log?.warn({ err, store, cart }, "screen not published after a command");
    }
  }

  private unavailable(store: string): DomainError {
    return new DomainError(
      "STORE_UNAVAILABLE",
      `store ${store} is not served by this process right now (its lease is moving); retry`,
      { retryAfterSec: this.o.retryAfterSec ?? 5 },
    );
  }

  lanes(): LaneStatus[] {
    return [...this.units.values()]
      .map((u) => u.lane.status())
      .sort((a, b) => a.store.localeCompare(b.store));
  }

  async acquired(store: string, epoch: number): Promise<void> {
    const old = this.units.get(store);
    if (old) await this.stopUnit(old);
    const service = this.o.newService(store);
    const onExit = this.o.onExit;
    const served: CartIngestPort = onExit
      ? {
          async ingest(s, cart, events) {
            const r = await service.ingest(s, cart, events);
            if (r.exit) onExit(s, cart, r);
            return r;
          },
        }
      : service;
    const ingest = this.o.guardIngest ? this.o.guardIngest(served) : served;
    const owns = () => this.o.ownership?.epochOf(store) === epoch;
    const lane = new StoreLane({
      store,
      epoch,
      url: this.o.mqtt.url,
      username: this.o.mqtt.username,
      password: this.o.mqtt.password,
      clientIdPrefix: this.o.mqtt.clientIdPrefix ?? "skiplane-store",
      ...(this.o.mqtt.sessionKey ? { sessionKey: this.o.mqtt.sessionKey } : {}),
      sessionExpirySec: this.o.mqtt.sessionExpirySec,
      ingest,
      metrics: this.o.metrics,
      ...(this.o.intake ? { intake: this.o.intake } : {}),
      onScreen: this.o.onScreen,
      stillOwner: owns,
      onFailure: (err) => this.onFailure(store, epoch, err),
      log: this.o.log,
    });
    const rebuilt = service.rebuild().then(
      (r) => {
        this.o.log?.info({ store, epoch, ...r }, "store recovered");
        if (this.units.get(store) === unit) unit.watch = this.watchAbandoned(unit);
      },
      (err: unknown) => this.onFailure(store, epoch, err),
    );
    const unit: Unit = { store, epoch, service, lane, rebuilt };
    this.units.set(store, unit);
    await lane.start();
  }

  async lost(store: string, epoch: number, reason: LossReason): Promise<void> {
    const u = this.units.get(store);
    if (!u || u.epoch !== epoch) return;
    this.o.log?.info({ store, epoch, reason }, "stepping down from store");
    await this.stopUnit(u);
  }

  async close(): Promise<void> {
    for (const u of [...this.units.values()]) await this.stopUnit(u);
  }

  /**
   * Silent sessions of an owned store (decision 0108): ended, their carts' screens published;
   * and the holds its sessions owe a release (0112), retried.
   */
  private watchAbandoned(u: Unit): { stop(): void } {
    // holds the store's sessions owe a release (decision 0112), retried beside the silent sweep
    const owed = u.service.watchOwedReleases({
      onSwept: (done) => this.o.metrics?.observeOwedReleases([u.store], done),
      onError: (err) => this.o.log?.warn({ store: u.store, err }, "hold-release sweep failed"),
    });
    const silent = u.service.watchAbandoned({
      onAbandoned: async (done) => {
        for (const a of done) {
          if (a.status !== "review" && a.status !== "cancelled") continue;
          this.o.log?.info(a, "silent session ended");
          this.o.onAbandoned?.(a);
          await u.lane.publishScreen(a.store, a.cart, await u.service.screen(a.store, a.cart));
        }
      },
      onError: (err) => this.o.log?.warn({ store: u.store, err }, "silent-session sweep failed"),
    });
    return {
      stop() {
        owed.stop();
        silent.stop();
      },
    };
  }

  private async stopUnit(u: Unit): Promise<void> {
    u.watch?.stop();
    if (this.units.get(u.store) === u) this.units.delete(u.store);
    await u.lane.close();
    // Let messages in progress finish or fail (their writes are fenced); never wait forever.
    const wait = this.o.drainMs ?? 2000;
    await Promise.race([
      Promise.allSettled([u.lane.drain(), u.rebuilt]),
      new Promise((r) => setTimeout(r, wait).unref()),
    ]);
  }

  private onFailure(store: string, epoch: number, err: unknown): void {
    if (isFenced(err)) {
      this.fenced++;
      this.o.log?.warn(
        { store, epoch, err: (err as Error).message },
        "write fenced: another node owns this store",
      );
      void this.o.ownership?.stepDown(store, "stepped-down");
      return;
    }
    this.o.log?.warn({ store, epoch, err }, "store message not recorded; will be redelivered");
  }
}
