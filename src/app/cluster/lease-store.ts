/**
 * The lease port: who owns which partition of the work (a store) right now.
 *
 * A lease has an owner, an expiry kept by the store's own clock (one clock for every process),
 * and a fencing `epoch` that grows by one every time the partition changes hands and never goes
 * back. The owner renews well before expiry; a process that stops renewing (killed, paused,
 * partitioned) loses the partition once the lease has expired, and the next owner gets a higher
 * epoch. Adapters: PostgreSQL (`src/adapters/cluster/pg-lease-store.ts`), memory (tests).
 */

export interface LeaseGrant {
  partition: string;
  /** this tenure's fencing epoch (1, 2, 3 … per partition) */
  epoch: number;
}

export interface LeaseRow {
  partition: string;
  /** empty when released */
  owner: string;
  epoch: number;
  /** ms until expiry by the store's clock (negative: expired that long ago) */
  remainingMs: number;
}

export interface LeaseStore {
  /**
   * Records that `node` is alive and returns the nodes seen within `windowMs` (this one
   * included), sorted by name, with how long ago each was last seen.
   */
  heartbeat(node: string, windowMs: number): Promise<{ node: string; ageMs: number }[]>;
  /** Takes `partition` when nobody holds it (never held, released or expired); else undefined. */
  tryAcquire(partition: string, node: string, ttlMs: number): Promise<LeaseGrant | undefined>;
  /**
   * Extends `node`'s tenures by `ttlMs` from now; returns the partitions renewed. A partition
   * missing from the answer has another owner or epoch now: it is lost.
   */
  renew(node: string, held: readonly LeaseGrant[], ttlMs: number): Promise<Set<string>>;
  /** Gives the partition back at once (another node may take it immediately). */
  release(partition: string, node: string, epoch: number): Promise<void>;
  /** Current leases of these partitions (partitions never leased are absent). */
  list(partitions: readonly string[]): Promise<LeaseRow[]>;
  /** Removes `node` from the live set (orderly shutdown). */
  leave(node: string): Promise<void>;
}
