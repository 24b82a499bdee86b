/**
 * Leases in PostgreSQL (tables from migration 0201). Expiry is database time
 * (`clock_timestamp()`), so server processes on machines with different clocks agree on it.
 *
 * The lease store has its own small pool with short `lock_timeout` and `statement_timeout`:
 * renewals must not queue behind a saturated data pool, and a takeover that waits on the fence's
 * row lock (a writer of the old owner mid-transaction) gives up quickly and retries next tick.
 */
import pg from "pg";
import type { LeaseGrant, LeaseRow, LeaseStore } from "../../app/cluster/lease-store";

export interface PgLeaseStoreOptions {
  connectionString: string;
  schema?: string;
  /** this node's HTTP API base URL, advertised with every heartbeat (commands are forwarded to it) */
  httpUrl?: string;
}

export class PgLeaseStore implements LeaseStore {
  readonly pool: pg.Pool;
  /** advertised with each heartbeat; set once the HTTP server listens (its port may be 0 until then) */
  httpUrl: string | null;

  constructor(options: PgLeaseStoreOptions) {
    this.httpUrl = options.httpUrl ?? null;
    const schema = options.schema ?? "public";
    if (!/^[a-z_][a-z0-9_]*$/.test(schema)) throw new Error(`invalid schema name: ${schema}`);
    this.pool = new pg.Pool({
      connectionString: options.connectionString,
      max: 2,
      options: `-c search_path=${schema} -c lock_timeout=1000 -c statement_timeout=3000`,
      connectionTimeoutMillis: 3000,
    });
    // a restarted database drops idle connections: the pool replaces them, nothing to do here
    this.pool.on("error", () => undefined);
  }

  async heartbeat(node: string, windowMs: number): Promise<{ node: string; ageMs: number }[]> {
    await this.pool.query(
      `INSERT INTO cluster_nodes (node, started_at, seen_at, http_url) VALUES ($1, clock_timestamp(), clock_timestamp(), $2)
       ON CONFLICT (node) DO UPDATE SET seen_at = clock_timestamp(), http_url = EXCLUDED.http_url`,
      [node, this.httpUrl],
    );
    const { rows } = await this.pool.query<{ node: string; age: number }>(
      `SELECT node, (extract(epoch FROM (clock_timestamp() - seen_at)) * 1000)::float8 AS age
         FROM cluster_nodes
        WHERE seen_at > clock_timestamp() - make_interval(secs => $1::double precision / 1000)
        ORDER BY node`,
      [windowMs],
    );
    return rows.map((r) => ({ node: r.node, ageMs: r.age }));
  }

  async tryAcquire(partition: string, node: string, ttlMs: number): Promise<LeaseGrant | undefined> {
    const { rows } = await this.pool.query<{ epoch: string }>(
      `INSERT INTO leases AS l (partition, owner, epoch, expires_at, renewed_at, released)
       VALUES ($1, $2, 1, clock_timestamp() + make_interval(secs => $3::double precision / 1000), clock_timestamp(), 0)
       ON CONFLICT (partition) DO UPDATE
          SET owner = EXCLUDED.owner, epoch = l.epoch + 1, expires_at = EXCLUDED.expires_at,
              renewed_at = EXCLUDED.renewed_at, released = 0
        WHERE l.released = 1 OR l.expires_at < clock_timestamp()
       RETURNING epoch`,
      [partition, node, ttlMs],
    );
    return rows[0] ? { partition, epoch: Number(rows[0].epoch) } : undefined;
  }

  async renew(node: string, held: readonly LeaseGrant[], ttlMs: number): Promise<Set<string>> {
    if (held.length === 0) return new Set();
    const { rows } = await this.pool.query<{ partition: string }>(
      `UPDATE leases l
          SET expires_at = clock_timestamp() + make_interval(secs => $2::double precision / 1000),
              renewed_at = clock_timestamp()
         FROM unnest($3::text[], $4::bigint[]) AS h(partition, epoch)
        WHERE l.partition = h.partition AND l.epoch = h.epoch AND l.owner = $1 AND l.released = 0
       RETURNING l.partition`,
      [node, ttlMs, held.map((h) => h.partition), held.map((h) => h.epoch)],
    );
    return new Set(rows.map((r) => r.partition));
  }

  async release(partition: string, node: string, epoch: number): Promise<void> {
    await this.pool.query(
      `UPDATE leases SET owner = '', released = 1, expires_at = clock_timestamp()
        WHERE partition = $1 AND owner = $2 AND epoch = $3`,
      [partition, node, epoch],
    );
  }

  async list(partitions: readonly string[]): Promise<LeaseRow[]> {
    if (partitions.length === 0) return [];
    const { rows } = await this.pool.query<{
      partition: string;
      owner: string;
      epoch: string;
      remaining: number;
    }>(
      `SELECT partition, owner, epoch,
              (extract(epoch FROM (expires_at - clock_timestamp())) * 1000)::float8 AS remaining
         FROM leases WHERE partition = ANY($1::text[])`,
      [partitions],
    );
    return rows.map((r) => ({
      partition: r.partition,
      owner: r.owner,
      epoch: Number(r.epoch),
      remainingMs: r.remaining,
    }));
  }

  async leave(node: string): Promise<void> {
    await this.pool.query("DELETE FROM cluster_nodes WHERE node = $1", [node]);
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}
