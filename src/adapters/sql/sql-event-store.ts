/**
 * The event store over kysely, one implementation for SQLite and PostgreSQL.
 *
 * Concurrency: the `streams` row is a compare-and-set cell. A writer with expected version v
 * runs `UPDATE streams SET version = v + n WHERE … AND version = v` (or an INSERT … ON CONFLICT
 * DO NOTHING for a new stream); zero rows means someone else appended first, and the whole
 * transaction rolls back. In PostgreSQL the competing writer blocks on the row lock and then
 * re-checks the condition against the committed row, so exactly one wins.
 *
 * Ordering: positions come from the store's `store_positions` row, incremented inside the same
 * transaction. Its row lock is held to commit, so positions within a store are gap-free and
 * committed in order — a poller reading `position > p` never skips a late commit. Different
 * stores never contend.
 */
import { type Kysely, sql } from "kysely";
import {
  type AppendResult,
  type EventMeta,
  type EventStore,
  type ExpectedVersion,
  type StoredEvent,
  storeOfStream,
} from "../../app/ports/event-store";
import type { BasketEvent } from "../../domain/basket/basket.events";
import { type Database, type EventsTable, fromJson, toJson } from "./schema";

class Conflict extends Error {}

export class SqlEventStore<E extends { type: string } = BasketEvent> implements EventStore<E> {
  constructor(private readonly db: Kysely<Database>) {}

  async append(
    streamId: string,
    events: readonly E[],
    options: { expectedVersion: ExpectedVersion; meta: EventMeta; recordedAt: number },
  ): Promise<AppendResult> {
    const store = storeOfStream(streamId);
    const n = events.length;
    const { expectedVersion: expected } = options;
    if (n === 0) {
      const actual = await this.streamVersion(streamId);
      return expected === "any" || expected === actual
        ? { status: "appended", version: actual, lastPosition: await this.storePosition(store) }
        : { status: "conflict", expected, actual };
    }
    try {
      return await this.db.transaction().execute(async (trx) => {
        let version: number;
        if (expected === "any") {
          const r = await trx
            .insertInto("streams")
            .values({ store, stream: streamId, version: n })
            .onConflict((oc) =>
              oc.columns(["store", "stream"]).doUpdateSet({ version: sql`streams.version + ${n}` }),
            )
            .returning("version")
            .executeTakeFirstOrThrow();
          version = Number(r.version);
        } else if (expected === 0) {
          const r = await trx
            .insertInto("streams")
            .values({ store, stream: streamId, version: n })
            .onConflict((oc) => oc.columns(["store", "stream"]).doNothing())
            .returning("version")
            .executeTakeFirst();
          if (!r) throw new Conflict();
          version = n;
        } else {
          const r = await trx
            .updateTable("streams")
            .set({ version: expected + n })
            .where("store", "=", store)
            .where("stream", "=", streamId)
            .where("version", "=", expected)
            .returning("version")
            .executeTakeFirst();
          if (!r) throw new Conflict();
          version = expected + n;
        }
        const p = await trx
          .insertInto("store_positions")
          .values({ store, position: n })
          .onConflict((oc) =>
            oc.column("store").doUpdateSet({ position: sql`store_positions.position + ${n}` }),
          )
          .returning("position")
          .executeTakeFirstOrThrow();
        const last = Number(p.position);
        const meta = toJson(options.meta);
        const rows: EventsTable[] = events.map((e, i) => ({
          store,
          position: last - n + 1 + i,
          stream: streamId,
          version: version - n + 1 + i,
          type: e.type,
          data: toJson(e),
          meta,
          recorded_at: options.recordedAt,
        }));
        // Chunked: SQLite caps bound parameters per statement.
        for (let i = 0; i < rows.length; i += 100) {
          await trx
            .insertInto("events")
            .values(rows.slice(i, i + 100))
            .execute();
        }
        return { status: "appended" as const, version, lastPosition: last };
      });
    } catch (err) {
      if (err instanceof Conflict || isUniqueViolation(err)) {
        return { status: "conflict", expected, actual: await this.streamVersion(streamId) };
      }
      throw err;
    }
  }

  async readStream(
    streamId: string,
    fromVersion = 1,
  ): Promise<{ version: number; events: StoredEvent<E>[] }> {
    const store = storeOfStream(streamId);
    const rows = await this.db
      .selectFrom("events")
      .selectAll()
      .where("store", "=", store)
      .where("stream", "=", streamId)
      .where("version", ">=", fromVersion)
      .orderBy("version")
      .execute();
    const events = rows.map((r) => toStored<E>(r));
    const version = events.length ? events[events.length - 1].version : await this.streamVersion(streamId);
    return { version, events };
  }

  async streamVersion(streamId: string): Promise<number> {
    const r = await this.db
      .selectFrom("streams")
      .select("version")
      .where("store", "=", storeOfStream(streamId))
      .where("stream", "=", streamId)
      .executeTakeFirst();
    return r ? Number(r.version) : 0;
  }

  async readStore(store: string, afterPosition: number, limit: number): Promise<StoredEvent<E>[]> {
    const rows = await this.db
      .selectFrom("events")
      .selectAll()
      .where("store", "=", store)
      .where("position", ">", afterPosition)
      .orderBy("position")
      .limit(limit)
      .execute();
    return rows.map((r) => toStored<E>(r));
  }

  async storePosition(store: string): Promise<number> {
    const r = await this.db
      .selectFrom("store_positions")
      .select("position")
      .where("store", "=", store)
      .executeTakeFirst();
    return r ? Number(r.position) : 0;
  }
}

function toStored<E extends { type: string }>(r: EventsTable): StoredEvent<E> {
  return {
    streamId: r.stream,
    store: r.store,
    version: Number(r.version),
    position: Number(r.position),
    type: r.type as E["type"],
    data: fromJson<E>(r.data),
    meta: fromJson<EventMeta>(r.meta),
    recordedAt: Number(r.recorded_at),
  };
}

/** SQLite `SQLITE_CONSTRAINT_PRIMARYKEY/UNIQUE`, PostgreSQL 23505. */
export function isUniqueViolation(err: unknown): boolean {
  const code = (err as { code?: unknown })?.code;
  return code === "23505" || code === "SQLITE_CONSTRAINT_PRIMARYKEY" || code === "SQLITE_CONSTRAINT_UNIQUE";
}
