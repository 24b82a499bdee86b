/**
 * The embedded storage: one SQLite file (default `.data/skiplane.sqlite`) in WAL mode, for a
 * single store server process. Same tables and queries as PostgreSQL (see ../sql).
 */
import { mkdirSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname } from "node:path";
import { Worker } from "node:worker_threads";
import BetterSqlite3 from "better-sqlite3";
import { Kysely, SqliteDialect } from "kysely";
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
import { SqliteEventStore, SqliteSessionReadModel } from "./sqlite-fast-paths";

export const DEFAULT_SQLITE_FILE = ".data/skiplane.sqlite";

export interface SqliteStorageOptions {
  /** database file; `:memory:` for a throwaway database */
  file?: string;
  /**
   * raw events of all carts are committed together, at most this long after the first of a
   * batch (ms; default 2), or at once when 64 are waiting (under load one turn of the event loop
   * brings that many: a timer would then only cost every message a further turn). A 5 ms / 256
   * window was tried: three alternating pairs of bench:server runs at 300 carts showed the same
   * CPU per event (0.237 against 0.233 ms) and a higher median latency, so it was not kept.
   */
  groupCommitMs?: number;
}

/** Opens (creating if needed) the SQLite database, applies pending migrations, returns the ports. */
export function openSqliteStorage(
  options: SqliteStorageOptions = {},
): Storage & { raw: BetterSqlite3.Database } {
  const file = options.file ?? DEFAULT_SQLITE_FILE;
  if (file !== ":memory:") mkdirSync(dirname(file), { recursive: true });
  const raw = new BetterSqlite3(file);
  raw.pragma("journal_mode = WAL");
  raw.pragma("synchronous = NORMAL");
  // The raw log grows by ~1 MB a second under 1,000 carts, across four indexes: SQLite's default
  // 2 MB page cache re-reads index pages through read() calls; 64 MB and memory-mapped reads keep
  // them in memory (bench:server, 300 carts: ~9 % less event-loop time in a paired run, at a
  // machine load where runs vary by about as much).
  raw.pragma("cache_size = -65536");
  raw.pragma("mmap_size = 268435456");
  raw.pragma("busy_timeout = 5000");
  raw.pragma("foreign_keys = ON");
  migrateSqlite(raw, loadMigrations(new URL("./migrations/", import.meta.url)));
  const checkpointer = file === ":memory:" ? undefined : startCheckpointer(file, raw);
  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: cachingStatements(raw) }) });
  return {
    kind: "sqlite",
    raw,
    events: new SqliteEventStore(db, raw),
    rawLog: new SqlRawSensorLog(db, {
      ensureDay: async () => {},
      deleteDaysBefore: async (cutoffDay) =>
        Number(raw.prepare("DELETE FROM raw_events WHERE day < ?").run(cutoffDay).changes),
      insertBatch: rawBatchInserter(raw),
      // kysely runs a transaction within one turn of the event loop (better-sqlite3 is
      // synchronous), so this is a safeguard: never write into someone else's transaction
      groupCommit: {
        ready: () => !raw.inTransaction,
        delayMs: options.groupCommitMs ?? 2,
        maxItems: 64,
      },
    }),
    sessions: new SqliteSessionReadModel(db, raw),
    reviews: new SqlReviewCases(db),
    labels: new SqlReviewLabels(db),
    carts: new SqlCartRegistry(db),
    apiKeys: new SqlApiKeys(db, "sqlite"),
    accounts: new SqlAccounts(db),
    close: async () => {
      await checkpointer?.terminate();
      await db.destroy();
    },
  };
}

/**
 * WAL checkpoints off the event loop. SQLite checkpoints automatically inside the commit that
 * fills the WAL (1,000 pages) — synchronously, with fsyncs: under a steady stream of cart events
 * that blocked the server's only thread every second or two (waiting on the disk, not counted as
 * CPU). Instead a worker thread with its own connection runs a PASSIVE checkpoint (never blocks
 * writers) every 500 ms; the main connection keeps a high automatic threshold as a safety net.
 */
function startCheckpointer(file: string, raw: BetterSqlite3.Database): Worker | undefined {
  try {
    const worker = new Worker(
      `const { parentPort, workerData } = require("node:worker_threads");
       const Database = require(workerData.module);
       const db = new Database(workerData.file);
       db.pragma("busy_timeout = 5000");
       setInterval(() => { try { db.pragma("wal_checkpoint(PASSIVE)"); } catch {} }, 500);`,
      { eval: true, workerData: { file, module: createRequire(import.meta.url).resolve("better-sqlite3") } },
    );
    worker.unref();
    worker.on("error", () => raw.pragma("wal_autocheckpoint = 1000"));
    raw.pragma("wal_autocheckpoint = 20000");
    return worker;
  } catch {
    return undefined;
  }
}

/**
 * The raw log's group commit on SQLite: one BEGIN…COMMIT for a whole batch, prepared
 * statements, no query builder. A row whose key exists (or came earlier in the batch) is not
 * new and answers the stored seq.
 */
function rawBatchInserter(
  raw: BetterSqlite3.Database,
): (rows: RawRow[]) => { isNew: boolean; seq: number }[] {
  const insert = raw.prepare<unknown[], { seq: number }>(
    "INSERT INTO raw_events (store, cart, key, session, day, t, received_at, event) VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (store, cart, key, day) DO NOTHING RETURNING seq",
  );
  const existing = raw.prepare<unknown[], { seq: number }>(
    "SELECT seq FROM raw_events WHERE store = ? AND cart = ? AND key = ? AND day = ?",
  );
  return raw.transaction((rows: RawRow[]) =>
    rows.map((r) => {
      const ins = insert.get(r.store, r.cart, r.key, r.session, r.day, r.t, r.received_at, r.event);
      if (ins) return { isNew: true, seq: Number(ins.seq) };
      const old = existing.get(r.store, r.cart, r.key, r.day);
      if (!old) throw new Error(`raw event ${r.key} neither inserted nor found`);
      return { isNew: false, seq: Number(old.seq) };
    }),
  );
}

/**
 * kysely prepares every statement anew; preparing cost more than running in the store-service
 * benchmark, so prepared statements are kept by SQL text (a bounded map: the SQL of the hot
 * queries does not vary, only their parameters).
 */
function cachingStatements(raw: BetterSqlite3.Database, max = 500) {
  const cache = new Map<string, BetterSqlite3.Statement>();
  return {
    close: () => raw.close(),
    prepare(sql: string) {
      let stmt = cache.get(sql);
      if (!stmt) {
        stmt = raw.prepare(sql);
        if (cache.size >= max) cache.delete(cache.keys().next().value as string);
        cache.set(sql, stmt);
      }
      return stmt;
    },
  };
}

/** Applies migrations not yet recorded, each in its own immediate transaction. */
export function migrateSqlite(raw: BetterSqlite3.Database, migrations: Migration[]): number[] {
  raw.exec(
    "CREATE TABLE IF NOT EXISTS schema_migrations (id INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)",
  );
  const applied: number[] = [];
  for (const m of migrations) {
    const run = raw.transaction(() => {
      if (raw.prepare("SELECT 1 FROM schema_migrations WHERE id = ?").get(m.id)) return false;
      if (m.precheck) {
        const rows = raw.prepare(m.precheck.sql).all() as Record<string, unknown>[];
        if (rows.length > 0) throw m.precheck.error(rows);
      }
      raw.exec(m.sql);
      raw
        .prepare("INSERT INTO schema_migrations (id, name, applied_at) VALUES (?, ?, ?)")
        .run(m.id, m.name, new Date().toISOString());
      return true;
    });
    if (run.immediate()) applied.push(m.id);
  }
  return applied;
}
