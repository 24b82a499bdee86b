/**
 * The chain storage: PostgreSQL shared by any number of store server processes. Same tables and
 * queries as SQLite (see ../sql) plus what only PostgreSQL does here: raw sensor events in one
 * partition per device day, created on first use and dropped whole by retention.
 */
import { Kysely, PostgresDialect } from "kysely";
import pg from "pg";
import type { Storage } from "../../app/ports/read-models";
import { loadMigrations, type Migration } from "../sql/migrate";
import type { Database } from "../sql/schema";
import { type RawRow, SqlRawSensorLog } from "../sql/sql-raw-log";
import {
  SqlAccounts,
  SqlApiKeys,
  SqlCartRegistry,
  SqlReviewCases,
  SqlReviewLabels,
} from "../sql/sql-read-models";
import { PgEventStore } from "./pg-event-store";
import { PgSessionReadModel } from "./pg-session-read-model";

export interface PostgresStorageOptions {
  /** e.g. `postgres://postgres@127.0.0.1:5432/skiplane` */
  connectionString: string;
  /** a schema to use (created if missing); default `public` */
  schema?: string;
  /** pool size; default 10 */
  max?: number;
}

const INT8 = 20;
const NUMERIC = 1700;
/** BIGINT columns hold ms timestamps, versions and positions: all well below 2^53. */
const types = {
  getTypeParser: ((oid: number, format?: string) =>
    oid === INT8 || oid === NUMERIC
      ? (v: string) => Number(v)
      : pg.types.getTypeParser(oid, format as "text")) as typeof pg.types.getTypeParser,
};

/** Connects, applies pending migrations under an advisory lock, returns the ports. */
export async function openPostgresStorage(
  options: PostgresStorageOptions,
): Promise<Storage & { pool: pg.Pool }> {
  const schema = options.schema ?? "public";
  if (!/^[a-z_][a-z0-9_]*$/.test(schema)) throw new Error(`invalid schema name: ${schema}`);
  const pool = new pg.Pool({
    connectionString: options.connectionString,
    max: options.max ?? 10,
    options: `-c search_path=${schema}`,
    types,
  });
  try {
    await migratePostgres(pool, schema, loadMigrations(new URL("./migrations/", import.meta.url)));
  } catch (err) {
    await pool.end();
    throw err;
  }
  // Read-model rows are derived from the event streams (rebuild re-projects any that lag), so
  // their commits need not wait for the WAL flush: on their own connections with
  // synchronous_commit off, an upsert returns without an fsync, and the next synchronous commit
  // (the raw log's, the streams') flushes it anyway. A crash of PostgreSQL itself may lose the
  // last fraction of a second of them; nothing acknowledged depends on them.
  const derived = new pg.Pool({
    connectionString: options.connectionString,
    max: 2,
    options: `-c search_path=${schema} -c synchronous_commit=off`,
    types,
  });
  // an idle connection's error (the server restarted) must not crash the process: the next
  // query on it fails instead, and the pool opens a new one
  for (const p of [pool, derived]) p.on("error", () => undefined);
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  const partitions = new Set<number>();
  return {
    kind: "postgres",
    pool,
    events: new PgEventStore(db, pool),
    rawLog: new SqlRawSensorLog(db, {
      ensureDay: async (day) => {
        if (partitions.has(day)) return;
        await ensurePartition(pool, day);
        partitions.add(day);
      },
      deleteDaysBefore: async (cutoffDay) => {
        const deleted = await dropPartitionsBefore(pool, cutoffDay);
        for (const d of [...partitions]) if (d < cutoffDay) partitions.delete(d);
        return deleted;
      },
      insertBatch: (rows) => insertRawBatch(pool, rows),
      // a few statements in flight: batches form while others are on the wire
      groupCommit: { maxInFlight: Math.max(1, Math.min(4, (options.max ?? 10) - 2)) },
    }),
    sessions: new PgSessionReadModel(db, derived),
    reviews: new SqlReviewCases(db),
    labels: new SqlReviewLabels(db),
    carts: new SqlCartRegistry(db),
    apiKeys: new SqlApiKeys(db, "postgres"),
    accounts: new SqlAccounts(db),
    close: async () => {
      await db.destroy();
      await derived.end();
    },
  };
}

/**
 * Applies migrations not yet recorded, in order, all under one advisory lock so racing processes
 * wait. Consecutive migrations run in one transaction (all or none of them); one marked
 * `noTransaction` (`CREATE INDEX CONCURRENTLY`: writes go on while it builds) runs on its own
 * between them, and is recorded once built.
 *
 * The lock is a session lock taken by polling `pg_try_advisory_lock`, not a blocking wait: a
 * session blocked in a lock call holds a snapshot, and a concurrent index build waits for every
 * older snapshot to end, so a process waiting for the lock and the process building would wait
 * for each other. (A server of before 2026-12-05 starting meanwhile blocks in
 * `pg_advisory_xact_lock`: PostgreSQL finds that cycle and fails one of the two — the build is
 * then retried at the next start, see `applyWithoutTransaction`.)
 */
export async function migratePostgres(
  pool: pg.Pool,
  schema: string,
  migrations: Migration[],
): Promise<number[]> {
  const client = await pool.connect();
  const lock = `skiplane-migrations:${schema}`;
  const applied: number[] = [];
  let locked = false;
  let healthy = true;
  try {
    for (;;) {
      const r = await client.query<{ ok: boolean }>("SELECT pg_try_advisory_lock(hashtext($1)) AS ok", [
        lock,
      ]);
      if (r.rows[0].ok) break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    locked = true;
    await client.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
    await client.query(
      "CREATE TABLE IF NOT EXISTS schema_migrations (id INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TIMESTAMPTZ NOT NULL DEFAULT now())",
    );
    const done = new Set(
      (await client.query<{ id: number }>("SELECT id FROM schema_migrations")).rows.map((r) => r.id),
    );
    const pending = migrations.filter((m) => !done.has(m.id));
    const record = (m: Migration) =>
      client.query("INSERT INTO schema_migrations (id, name) VALUES ($1, $2)", [m.id, m.name]);
    for (let i = 0; i < pending.length; ) {
      if (pending[i].noTransaction) {
        await applyWithoutTransaction(client, schema, pending[i]);
        await record(pending[i]);
        applied.push(pending[i].id);
        i++;
        continue;
      }
      const batch: number[] = [];
      await client.query("BEGIN");
      try {
        for (; i < pending.length && !pending[i].noTransaction; i++) {
          await precheck(client, pending[i]);
          await client.query(pending[i].sql);
          await record(pending[i]);
          batch.push(pending[i].id);
        }
        await client.query("COMMIT");
      } catch (err) {
        await client.query("ROLLBACK").catch(() => {
          healthy = false;
        });
        throw err;
      }
      applied.push(...batch);
    }
    return applied;
  } finally {
    if (locked)
      await client.query("SELECT pg_advisory_unlock(hashtext($1))", [lock]).catch(() => {
        healthy = false;
      });
    // a connection that may still hold the lock (or a broken transaction) is not given back
    client.release(!healthy);
  }
}

/**
 * A `noTransaction` migration: each statement must be `CREATE [UNIQUE] INDEX CONCURRENTLY IF NOT
 * EXISTS name ON …` (run one by one: several in one query would be one implicit transaction). A
 * concurrent build that failed or was cut off (a crash, a cancel, a deadlock) leaves the index
 * there but INVALID — `IF NOT EXISTS` would keep it, unusable — so such an index is dropped
 * (concurrently) and built again.
 */
async function applyWithoutTransaction(client: pg.PoolClient, schema: string, m: Migration) {
  await precheck(client, m);
  const statements = m.sql
    .split("\n")
    .filter((line) => !line.trim().startsWith("--"))
    .join("\n")
    .split(";")
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
  for (const statement of statements) {
    const index = /^CREATE\s+(?:UNIQUE\s+)?INDEX\s+CONCURRENTLY\s+IF\s+NOT\s+EXISTS\s+(\w+)\s+ON\s/i.exec(
      statement,
    )?.[1];
    if (!index)
      throw new Error(
        `migration ${m.id}-${m.name}: without a transaction only CREATE INDEX CONCURRENTLY IF NOT EXISTS may run`,
      );
    const found = await client.query<{ valid: boolean }>(
      `SELECT i.indisvalid AS valid FROM pg_index i
         JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = $1 AND c.relname = $2`,
      [schema, index],
    );
    if (found.rows[0] && !found.rows[0].valid)
      await client.query(`DROP INDEX CONCURRENTLY ${schema}.${index}`);
    try {
      await client.query(statement);
    } catch (err) {
      // a unique index's build found duplicates written after the precheck: name them
      if ((err as { code?: unknown }).code === "23505") await precheck(client, m);
      throw err;
    }
  }
}

/** The migration's precheck (migrate.ts): its rows, if any, stop the migration with its error. */
async function precheck(client: pg.PoolClient, m: Migration) {
  if (!m.precheck) return;
  const { rows } = await client.query<Record<string, unknown>>(m.precheck.sql);
  if (rows.length > 0) throw m.precheck.error(rows);
}

/**
 * The raw log's group commit on PostgreSQL: ONE multi-row INSERT (unnest of column arrays) for
 * the whole batch, in order; rows whose key exists are skipped and their seq looked up (a
 * redelivery: rare). Keys repeated within the batch are sent once; the repeats are not new.
 */
async function insertRawBatch(pool: pg.Pool, rows: RawRow[]): Promise<{ isNew: boolean; seq: number }[]> {
  const id = (r: { store: string; cart: string; key: string; day: number }) =>
    `${r.store}\u0000${r.cart}\u0000${r.key}\u0000${r.day}`;
  const firstAt = new Map<string, number>();
  const send: RawRow[] = [];
  for (let i = 0; i < rows.length; i++) {
    const k = id(rows[i]);
    if (!firstAt.has(k)) {
      firstAt.set(k, i);
      send.push(rows[i]);
    }
  }
  const cols = (f: (r: RawRow) => unknown) => send.map(f);
  const { rows: inserted } = await pool.query<{
    seq: number;
    store: string;
    cart: string;
    key: string;
    day: number;
  }>(
    `INSERT INTO raw_events (store, cart, key, session, day, t, received_at, event)
     SELECT u.store, u.cart, u.key, u.session, u.day, u.t, u.received_at, u.event::jsonb
       FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::int[], $6::float8[], $7::int8[], $8::text[])
            WITH ORDINALITY AS u(store, cart, key, session, day, t, received_at, event, i)
      ORDER BY u.i
     ON CONFLICT (store, cart, key, day) DO NOTHING
     RETURNING seq, store, cart, key, day`,
    [
      cols((r) => r.store),
      cols((r) => r.cart),
      cols((r) => r.key),
      cols((r) => r.session),
      cols((r) => r.day),
      cols((r) => r.t),
      cols((r) => r.received_at),
      cols((r) => r.event),
    ],
  );
  const seqOf = new Map<string, { seq: number; isNew: boolean }>();
  for (const r of inserted) seqOf.set(id(r), { seq: Number(r.seq), isNew: true });
  const missing = send.filter((r) => !seqOf.has(id(r)));
  if (missing.length > 0) {
    const { rows: found } = await pool.query<{
      seq: number;
      store: string;
      cart: string;
      key: string;
      day: number;
    }>(
      `SELECT e.seq, e.store, e.cart, e.key, e.day FROM raw_events e
         JOIN unnest($1::text[], $2::text[], $3::text[], $4::int[]) AS u(store, cart, key, day)
           ON e.store = u.store AND e.cart = u.cart AND e.key = u.key AND e.day = u.day`,
      [
        missing.map((r) => r.store),
        missing.map((r) => r.cart),
        missing.map((r) => r.key),
        missing.map((r) => r.day),
      ],
    );
    for (const r of found) seqOf.set(id(r), { seq: Number(r.seq), isNew: false });
  }
  return rows.map((r, i) => {
    const k = id(r);
    const s = seqOf.get(k);
    if (!s) throw new Error(`raw event ${r.key} neither inserted nor found`);
    return { seq: s.seq, isNew: s.isNew && firstAt.get(k) === i };
  });
}

function partitionName(day: number): string {
  return day < 0 ? `raw_events_dm${-day}` : `raw_events_d${day}`;
}

async function ensurePartition(pool: pg.Pool, day: number): Promise<void> {
  if (!Number.isSafeInteger(day)) throw new Error(`bad partition day ${day}`);
  try {
    await pool.query(
      `CREATE TABLE IF NOT EXISTS ${partitionName(day)} PARTITION OF raw_events FOR VALUES FROM (${day}) TO (${day + 1})`,
    );
  } catch (err) {
    // Two processes creating the same partition at once: one wins, the other sees a duplicate.
    const code = (err as { code?: string }).code;
    if (code !== "42P07" && code !== "23505") throw err;
  }
}

async function dropPartitionsBefore(pool: pg.Pool, cutoffDay: number): Promise<number> {
  const { rows } = await pool.query<{ name: string }>(
    `SELECT c.relname AS name FROM pg_inherits i
       JOIN pg_class c ON c.oid = i.inhrelid
       JOIN pg_class p ON p.oid = i.inhparent
       JOIN pg_namespace n ON n.oid = p.relnamespace
      WHERE p.relname = 'raw_events' AND n.nspname = current_schema()`,
  );
  let deleted = 0;
  for (const { name } of rows) {
    const m = /^raw_events_d(m?)(\d+)$/.exec(name);
    if (!m) continue;
    const day = m[1] ? -Number(m[2]) : Number(m[2]);
    if (day >= cutoffDay) continue;
    const c = await pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${name}`);
    await pool.query(`DROP TABLE IF EXISTS ${name}`);
    deleted += c.rows[0].n;
  }
  return deleted;
}
