/**
 * Who serves a store right now, and where: the lease's owner (unexpired, not released) with the
 * HTTP address that node advertises in its heartbeat (migration 0204). Read on the data pool, not
 * the lease store's small pool: lease renewals must never queue behind API traffic.
 */
import type pg from "pg";

export interface StoreOwner {
  node: string;
  epoch: number;
  /** the owner's HTTP API base URL; undefined when it advertises none */
  httpUrl?: string;
  /** ms until the lease expires (database clock) */
  remainingMs: number;
}

export class OwnerDirectory {
  constructor(private readonly pool: pg.Pool) {}

  async ownerOf(store: string): Promise<StoreOwner | undefined> {
    const { rows } = await this.pool.query<{
      owner: string;
      epoch: string | number;
      http_url: string | null;
      remaining: number;
    }>(
      `SELECT l.owner, l.epoch, n.http_url,
              (extract(epoch FROM (l.expires_at - clock_timestamp())) * 1000)::float8 AS remaining
         FROM leases l LEFT JOIN cluster_nodes n ON n.node = l.owner
        WHERE l.partition = $1 AND l.owner <> '' AND l.released = 0 AND l.expires_at > clock_timestamp()`,
      [store],
    );
    const r = rows[0];
    if (!r) return undefined;
    return {
      node: r.owner,
      epoch: Number(r.epoch),
      ...(r.http_url ? { httpUrl: r.http_url } : {}),
      remainingMs: r.remaining,
    };
  }
}
