/**
 * The hot writes of the SQLite adapter without the query builder: the event store's append
 * (one BEGIN…COMMIT over prepared statements) and the session read model's upsert. Same SQL
 * semantics as the shared kysely implementations (../sql), which keep every read; the contract
 * suites run against these.
 *
 * better-sqlite3 is synchronous, so each of these runs start to finish within one call: no other
 * write can slip into the transaction, and no kysely transaction is left on this connection
 * that a raw write could land in.
 */
import type BetterSqlite3 from "better-sqlite3";
import type { Kysely } from "kysely";
import {
  type AppendResult,
  type EventMeta,
  type ExpectedVersion,
  storeOfStream,
} from "../../app/ports/event-store";
import type { SessionView } from "../../app/ports/read-models";
import type { BasketEvent } from "../../domain/basket/basket.events";
import type { Database } from "../sql/schema";
import { isUniqueViolation, SqlEventStore } from "../sql/sql-event-store";
import { SqlSessionReadModel } from "../sql/sql-read-models";

class Conflict extends Error {}

export class SqliteEventStore<E extends { type: string } = BasketEvent> extends SqlEventStore<E> {
  private readonly tx: (
    store: string,
    streamId: string,
    events: readonly E[],
    options: { expectedVersion: ExpectedVersion; meta: EventMeta; recordedAt: number },
  ) => { version: number; lastPosition: number };
  private readonly version: BetterSqlite3.Statement<unknown[], { version: number }>;

  constructor(db: Kysely<Database>, raw: BetterSqlite3.Database) {
    super(db);
    const upsertAny = raw.prepare<unknown[], { version: number }>(
      "INSERT INTO streams (store, stream, version) VALUES (?, ?, ?) ON CONFLICT (store, stream) DO UPDATE SET version = streams.version + excluded.version RETURNING version",
    );
    const insertNew = raw.prepare<unknown[], { version: number }>(
      "INSERT INTO streams (store, stream, version) VALUES (?, ?, ?) ON CONFLICT (store, stream) DO NOTHING RETURNING version",
    );
    const cas = raw.prepare<unknown[], { version: number }>(
      "UPDATE streams SET version = ? WHERE store = ? AND stream = ? AND version = ? RETURNING version",
    );
    const position = raw.prepare<unknown[], { position: number }>(
      "INSERT INTO store_positions (store, position) VALUES (?, ?) ON CONFLICT (store) DO UPDATE SET position = store_positions.position + excluded.position RETURNING position",
    );
    const insertEvent = raw.prepare(
      "INSERT INTO events (store, position, stream, version, type, data, meta, recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
    );
    this.version = raw.prepare<unknown[], { version: number }>(
      "SELECT version FROM streams WHERE store = ? AND stream = ?",
    );
    this.tx = raw.transaction((store, streamId, events, options) => {
      const n = events.length;
      const expected = options.expectedVersion;
      let version: number;
      if (expected === "any") {
        version = Number(upsertAny.get(store, streamId, n)!.version);
      } else if (expected === 0) {
        if (!insertNew.get(store, streamId, n)) throw new Conflict();
        version = n;
      } else {
        if (!cas.get(expected + n, store, streamId, expected)) throw new Conflict();
        version = expected + n;
      }
      const last = Number(position.get(store, n)!.position);
      const meta = JSON.stringify(options.meta);
      for (let i = 0; i < n; i++) {
        const e = events[i];
        insertEvent.run(
          store,
          last - n + 1 + i,
          streamId,
          version - n + 1 + i,
          e.type,
          JSON.stringify(e),
          meta,
          options.recordedAt,
        );
      }
      return { version, lastPosition: last };
    });
  }

  override async append(
    streamId: string,
    events: readonly E[],
    options: { expectedVersion: ExpectedVersion; meta: EventMeta; recordedAt: number },
  ): Promise<AppendResult> {
    if (events.length === 0) return super.append(streamId, events, options);
    const store = storeOfStream(streamId);
    try {
      const r = this.tx(store, streamId, events, options);
      return { status: "appended", version: r.version, lastPosition: r.lastPosition };
    } catch (err) {
      if (!(err instanceof Conflict) && !isUniqueViolation(err)) throw err;
      const row = this.version.get(store, streamId);
      return { status: "conflict", expected: options.expectedVersion, actual: row ? Number(row.version) : 0 };
    }
  }
}

export class SqliteSessionReadModel extends SqlSessionReadModel {
  private readonly upsert: BetterSqlite3.Statement;

  constructor(db: Kysely<Database>, raw: BetterSqlite3.Database) {
    super(db, "sqlite");
    this.upsert = raw.prepare(
      `INSERT INTO sessions (store, session, cart, account, state, open, total, currency, opened_at, updated_at, version, screen, receipt, holds_to_release)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (store, session) DO UPDATE SET
         cart = excluded.cart, account = excluded.account, state = excluded.state, open = excluded.open,
         total = excluded.total, currency = excluded.currency, opened_at = excluded.opened_at,
         updated_at = excluded.updated_at, version = excluded.version, screen = excluded.screen,
         receipt = excluded.receipt, holds_to_release = excluded.holds_to_release
       WHERE sessions.version <= excluded.version`,
    );
  }

  override async put(v: SessionView): Promise<void> {
    this.upsert.run(
      v.store,
      v.session,
      v.cart ?? null,
      v.account ?? null,
      v.state,
      v.open ? 1 : 0,
      v.total,
      v.currency,
      v.openedAt,
      v.updatedAt,
      v.version,
      JSON.stringify(v.screen),
      v.receipt ? JSON.stringify(v.receipt) : null,
      v.holdsToRelease?.length ? JSON.stringify(v.holdsToRelease) : null,
    );
  }
}
