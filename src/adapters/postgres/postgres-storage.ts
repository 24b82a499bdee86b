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
import { SqlRawSensorLog } from "../sql/sql-raw-log";
import {
  SqlAccounts,
  SqlApiKeys,
  SqlCartRegistry,
  SqlReviewCases,
  SqlReviewLabels,
  SqlSessionReadModel,
} from "../sql/sql-read-models";
import { PgEventStore } from "./pg-event-store";

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
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  const partitions = new Set<number>();
  return {
    kind: "postgres",
    pool,
    events: new PgEventStore(db),
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
    }),
    sessions: new SqlSessionReadModel(db),
    reviews: new SqlReviewCases(db),
    labels: new SqlReviewLabels(db),
    carts: new SqlCartRegistry(db),
    apiKeys: new SqlApiKeys(db),
    accounts: new SqlAccounts(db),
    close: () => db.destroy(),
  };
}

/** Applies migrations not yet recorded, all under one advisory lock so racing processes wait. */
export async function migratePostgres(
  pool: pg.Pool,
  schema: string,
  migrations: Migration[],
): Promise<number[]> {
  const client = await pool.connect();
  const applied: number[] = [];
  try {
    await client.query("BEGIN");
    await client.query("SELECT pg_advisory_xact_lock(hashtext($1))", [`skiplane-migrations:${schema}`]);
    await client.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
    await client.query(
      "CREATE TABLE IF NOT EXISTS schema_migrations (id INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TIMESTAMPTZ NOT NULL DEFAULT now())",
    );
    const done = new Set(
      (await client.query<{ id: number }>("SELECT id FROM schema_migrations")).rows.map((r) => r.id),
    );
    for (const m of migrations) {
      if (done.has(m.id)) continue;
      await client.query(m.sql);
      await client.query("INSERT INTO schema_migrations (id, name) VALUES ($1, $2)", [m.id, m.name]);
      applied.push(m.id);
    }
    await client.query("COMMIT");
    return applied;
  } catch (err) {
    await client.query("ROLLBACK").catch(() => {});
    throw err;
  } finally {
    client.release();
  }
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
