/**
 * The PostgreSQL event store: the shared SqlEventStore, with `append` done in ONE statement
 * (data-modifying CTEs) instead of a five-round-trip transaction. Same rules (0101): the
 * `streams` row is the compare-and-set cell, positions come from the store's `store_positions`
 * row, and the events are inserted only when both succeeded — all inside the statement's own
 * transaction, so the store's position row is locked for the statement only, not for several
 * network round trips. The contract suite runs against it.
 */
import { type Kysely, sql } from "kysely";
import type { AppendResult, EventMeta, ExpectedVersion } from "../../app/ports/event-store";
import { storeOfStream } from "../../app/ports/event-store";
import type { BasketEvent } from "../../domain/basket/basket.events";
import type { Database } from "../sql/schema";
import { isUniqueViolation, SqlEventStore } from "../sql/sql-event-store";

export class PgEventStore<E extends { type: string } = BasketEvent> extends SqlEventStore<E> {
  constructor(private readonly pg: Kysely<Database>) {
    super(pg);
  }

  override async append(
    streamId: string,
    events: readonly E[],
    options: { expectedVersion: ExpectedVersion; meta: EventMeta; recordedAt: number },
  ): Promise<AppendResult> {
    const n = events.length;
    const expected = options.expectedVersion;
    if (n === 0) return super.append(streamId, events, options);
    const store = storeOfStream(streamId);
    const cas =
      expected === "any"
        ? sql`INSERT INTO streams (store, stream, version) VALUES (${store}, ${streamId}, ${n})
              ON CONFLICT (store, stream) DO UPDATE SET version = streams.version + EXCLUDED.version
              RETURNING version`
        : expected === 0
          ? sql`INSERT INTO streams (store, stream, version) VALUES (${store}, ${streamId}, ${n})
                ON CONFLICT (store, stream) DO NOTHING RETURNING version`
          : sql`UPDATE streams SET version = version + ${n}
                WHERE store = ${store} AND stream = ${streamId} AND version = ${expected}
                RETURNING version`;
    const types = events.map((e) => e.type);
    const data = events.map((e) => JSON.stringify(e));
    try {
      const r = await sql<{ version: number; position: number }>`
        WITH s AS (${cas}),
        p AS (
          INSERT INTO store_positions (store, position) SELECT ${store}, ${n}::bigint FROM s
          ON CONFLICT (store) DO UPDATE SET position = store_positions.position + EXCLUDED.position
          RETURNING position
        ),
        e AS (
          INSERT INTO events (store, position, stream, version, type, data, meta, recorded_at)
          SELECT ${store}, p.position - ${n}::bigint + u.i, ${streamId}, s.version - ${n}::bigint + u.i,
                 u.type, u.data::jsonb, ${JSON.stringify(options.meta)}::jsonb, ${options.recordedAt}::bigint
          FROM s, p, unnest(${types}::text[], ${data}::text[]) WITH ORDINALITY AS u(type, data, i)
          RETURNING 1
        )
        SELECT s.version::bigint AS version, p.position::bigint AS position FROM s, p`.execute(this.pg);
      const row = r.rows[0];
      if (row)
        return { status: "appended", version: Number(row.version), lastPosition: Number(row.position) };
    } catch (err) {
      if (!isUniqueViolation(err)) throw err;
    }
    return { status: "conflict", expected, actual: await this.streamVersion(streamId) };
  }
}
