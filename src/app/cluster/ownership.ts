/**
 * Ownership: which stores this server process serves, decided with leases (decision 0201).
 *
 * Every `tick()` (about once a second; the first one only heartbeats) the node
 *   1. heartbeats and learns the live nodes;
 *   2. renews the leases it holds — one it can no longer renew is lost: it stops serving that
 *      store at once (the `lost` listener) before anything else;
 *   3. works out each store's preferred node by rendezvous hashing over the live nodes (stable:
 *      adding or removing a node moves only that node's share) and
 *      - takes the stores preferred to it that nobody holds (never leased, released, expired),
 *      - takes orphans: stores expired for longer than one renewal period that their preferred
 *        node has not taken (dead, or slow) — a dead owner's stores move after about one TTL,
 *      - hands back stores it holds whose preferred node is another node that has been live
 *        for a while (`settleMs`), at most `maxHandoffsPerTick` per round (scale-out).
 *
 * Liveness is "heartbeat seen within two TTLs" and hand-offs wait for a node to be live for
 * `settleMs`: a process whose ticks run late under load neither leaves the live set at once nor
 * makes stores flap between nodes — every move costs a replay of the store's open carts.
 *
 * A lease is trusted locally only until `sentAt + ttl − margin` by this process's monotonic
 * clock, where `sentAt` is when the renewal that granted it was sent: the database's expiry is
 * later than that, so a process paused past it (SIGSTOP, GC, a frozen VM) knows on waking that it
 * may no longer own the store — `holds()` says no before it touches anything — without asking.
 * The database fence (migration 0201) covers the rest: a write already in flight is refused.
 *
 * Time comes from the injected monotonic clock and the store's clock, never from this module.
 */
import type { Clock } from "../ports/clock";
import type { LeaseGrant, LeaseStore } from "./lease-store";

export type LossReason = "expired" | "taken" | "rebalanced" | "stepped-down" | "shutdown";

export interface OwnershipListener {
  /** Start serving `partition` (tenure `epoch`). Should not throw for a broker that is down. */
  acquired(partition: string, epoch: number): Promise<void>;
  /** Stop serving `partition` now: drop its subscriptions and in-memory state. */
  lost(partition: string, epoch: number, reason: LossReason): Promise<void>;
}

export interface OwnershipOptions {
  node: string;
  leases: LeaseStore;
  /** every partition (store) the cluster serves */
  partitions: () => readonly string[];
  listener: OwnershipListener;
  /** monotonic clock, ms */
  clock: Clock;
  /** lease duration; default 4,000 ms */
  ttlMs?: number;
  /** local safety margin subtracted from the lease; default 500 ms */
  marginMs?: number;
  /** the tick interval (orphans are taken once expired for longer); default ttl / 4 */
  renewMs?: number;
  /** a node must be live this long before stores are handed to it; default 2 × ttl */
  settleMs?: number;
  /** stores handed back per round at most; default 2 */
  maxHandoffsPerTick?: number;
  log?: { info(obj: object, msg: string): void; warn(obj: object, msg: string): void };
}

interface Held {
  epoch: number;
  /** trusted until (monotonic ms) */
  validUntil: number;
}

export interface OwnershipStatus {
  node: string;
  liveNodes: string[];
  held: { partition: string; epoch: number; validForMs: number }[];
  /** the last tick reached the lease store */
  leaseStoreOk: boolean;
  ticks: number;
  moves: { acquired: number; lost: number };
}

/** Rendezvous (highest random weight) hashing: FNV-1a 32 over `node|partition`, then mixed. */
export function rendezvousWeight(node: string, partition: string): number {
  let h = 0x811c9dc5;
  const s = `${node}|${partition}`;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  // final avalanche (murmur3 fmix32) so similar names spread evenly
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** The live node a partition prefers (ties broken by name, so every node computes the same). */
export function preferredNode(partition: string, nodes: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestW = -1;
  for (const n of nodes) {
    const w = rendezvousWeight(n, partition);
    if (w > bestW || (w === bestW && best !== undefined && n < best)) {
      best = n;
      bestW = w;
    }
  }
  return best;
}

export class Ownership {
  private readonly held = new Map<string, Held>();
  private liveNodes: string[] = [];
  /** when this node first saw each live node (its clock) */
  private readonly firstSeen = new Map<string, number>();
  private leaseStoreOk = false;
  private ticks = 0;
  private readonly moves = { acquired: 0, lost: 0 };
  private running: Promise<void> | undefined;
  private stopped = false;
  /** partitions stepping down: not re-taken until the listener finished */
  private readonly leaving = new Set<string>();
  private readonly ttl: number;
  private readonly margin: number;

  constructor(private readonly o: OwnershipOptions) {
    this.ttl = o.ttlMs ?? 4000;
    this.margin = o.marginMs ?? 500;
    if (this.margin * 2 >= this.ttl) throw new Error("lease margin must be well below the lease duration");
  }

  /** True while this node may act on `partition` (its lease is trusted right now). */
  holds(partition: string): boolean {
    const h = this.held.get(partition);
    return h !== undefined && this.o.clock.now() < h.validUntil;
  }

  /** The tenure epoch held for `partition`, if trusted right now. */
  epochOf(partition: string): number | undefined {
    return this.holds(partition) ? this.held.get(partition)?.epoch : undefined;
  }

  status(): OwnershipStatus {
    const now = this.o.clock.now();
    return {
      node: this.o.node,
      liveNodes: [...this.liveNodes],
      held: [...this.held.entries()]
        .map(([partition, h]) => ({ partition, epoch: h.epoch, validForMs: Math.round(h.validUntil - now) }))
        .sort((a, b) => a.partition.localeCompare(b.partition)),
      leaseStoreOk: this.leaseStoreOk,
      ticks: this.ticks,
      moves: { ...this.moves },
    };
  }

  /** One round (see the header). Never runs twice at once; errors are logged, not thrown. */
  tick(): Promise<void> {
    if (this.stopped) return Promise.resolve();
    if (!this.running) {
      this.running = this.round().finally(() => {
        this.running = undefined;
      });
    }
    return this.running;
  }

  /**
   * Stop serving `partition` now, e.g. because a write was fenced: another node owns it. The
   * lease is given back if this node still has it.
   */
  async stepDown(partition: string, reason: LossReason = "stepped-down"): Promise<void> {
    const h = this.held.get(partition);
    if (!h || this.leaving.has(partition)) return;
    await this.drop(partition, h.epoch, reason);
    await this.o.leases.release(partition, this.o.node, h.epoch).catch(() => undefined);
  }

  /** Orderly shutdown: stop serving everything, hand every lease back, leave the live set. */
  async stop(): Promise<void> {
    this.stopped = true;
    await this.running?.catch(() => undefined);
    for (const [p, h] of [...this.held.entries()]) {
      await this.drop(p, h.epoch, "shutdown");
      await this.o.leases.release(p, this.o.node, h.epoch).catch(() => undefined);
    }
    await this.o.leases.leave(this.o.node).catch(() => undefined);
  }

  private async round(): Promise<void> {
    this.ticks++;
    const { leases, node } = this.o;
    // 0. A lease not renewed in time is dropped before anything else, store reachable or not.
    for (const [p, h] of [...this.held.entries()]) {
      if (this.o.clock.now() >= h.validUntil) await this.drop(p, h.epoch, "expired");
    }
    try {
      const beats = await leases.heartbeat(node, 2 * this.ttl);
      this.liveNodes = beats.map((b) => b.node);
      // hand-off targets must be heartbeating now, not merely within the live window
      const fresh = new Set(beats.filter((b) => b.ageMs < this.ttl).map((b) => b.node));
      const seenAt = this.o.clock.now();
      for (const n of this.liveNodes) if (!this.firstSeen.has(n)) this.firstSeen.set(n, seenAt);
      for (const n of [...this.firstSeen.keys()]) if (!this.liveNodes.includes(n)) this.firstSeen.delete(n);
      // 1. renew
      const held = [...this.held.entries()].map(([partition, h]) => ({ partition, epoch: h.epoch }));
      if (held.length > 0) {
        const renewSentAt = this.o.clock.now();
        const renewed = await leases.renew(node, held, this.ttl);
        for (const g of held) {
          const h = this.held.get(g.partition);
          if (!h || h.epoch !== g.epoch) continue;
          if (renewed.has(g.partition)) h.validUntil = renewSentAt + this.ttl - this.margin;
          else await this.drop(g.partition, g.epoch, "taken");
        }
      }
      this.leaseStoreOk = true;
      // A node's first round only announces it: nodes started together see each other before
      // placing stores, instead of the first one up taking everything and handing most back.
      if (this.ticks === 1) return;
      // 2. place partitions
      const all = this.o.partitions();
      const rows = new Map((await leases.list(all)).map((r) => [r.partition, r]));
      const live = this.liveNodes.includes(node) ? this.liveNodes : [...this.liveNodes, node].sort();
      const settle = this.o.settleMs ?? 2 * this.ttl;
      const settled = live.filter(
        (n) => n === node || (fresh.has(n) && seenAt - (this.firstSeen.get(n) ?? seenAt) >= settle),
      );
      const renewMs = this.o.renewMs ?? this.ttl / 4;
      let handoffs = this.o.maxHandoffsPerTick ?? 2;
      for (const p of all) {
        if (this.stopped) return;
        const preferred = preferredNode(p, live);
        const mine = this.held.get(p);
        if (mine) {
          const target = preferredNode(p, settled);
          if (target !== node && target !== undefined && handoffs > 0) {
            // Scale-out: hand the store to its preferred node; it takes it on its next tick.
            handoffs--;
            await this.drop(p, mine.epoch, "rebalanced");
            await leases.release(p, node, mine.epoch);
          }
          continue;
        }
        if (this.leaving.has(p)) continue;
        const row = rows.get(p);
        const free = !row || row.owner === "" || row.remainingMs < 0;
        if (!free) continue;
        // Released (owner ""): only its preferred live node takes it. Expired with an owner that
        // stopped renewing: the preferred node, or anyone a renewal period later (dead owner).
        const orphan = row !== undefined && row.owner !== "" && row.remainingMs < -renewMs;
        if (preferred !== node && !orphan) continue;
        const t0 = this.o.clock.now();
        const grant = await leases.tryAcquire(p, node, this.ttl);
        if (grant) await this.take(grant, t0);
      }
    } catch (err) {
      this.leaseStoreOk = false;
      this.o.log?.warn({ err }, "lease round failed; leases are trusted only until they lapse");
    }
  }

  private async take(grant: LeaseGrant, sentAt: number): Promise<void> {
    this.held.set(grant.partition, { epoch: grant.epoch, validUntil: sentAt + this.ttl - this.margin });
    this.moves.acquired++;
    this.o.log?.info({ partition: grant.partition, epoch: grant.epoch }, "lease acquired");
    try {
      await this.o.listener.acquired(grant.partition, grant.epoch);
    } catch (err) {
      // Could not start serving: give the store back so another node can.
      this.o.log?.warn(
        { err, partition: grant.partition },
        "could not serve an acquired store; releasing it",
      );
      await this.drop(grant.partition, grant.epoch, "stepped-down");
      await this.o.leases.release(grant.partition, this.o.node, grant.epoch).catch(() => undefined);
    }
  }

  private async drop(partition: string, epoch: number, reason: LossReason): Promise<void> {
    const h = this.held.get(partition);
    if (!h || h.epoch !== epoch) return;
    this.held.delete(partition);
    this.leaving.add(partition);
    this.moves.lost++;
    this.o.log?.info({ partition, epoch, reason }, "lease given up");
    try {
      await this.o.listener.lost(partition, epoch, reason);
    } catch (err) {
      this.o.log?.warn({ err, partition }, "error while stepping down");
    } finally {
      this.leaving.delete(partition);
    }
  }
}
