/**
 * The PostgreSQL event store: the shared SqlEventStore, with `append` done in ONE statement
 * (data-modifying CTEs) instead of a five-round-trip transaction. Same rules (0101): the
 * `streams` row is the compare-and-set cell, positions come from the store's `store_positions`
 * row, and the events are inserted only when both succeeded — all inside the statement's own
 * transaction, so the store's position row is locked for the statement only, not for several
 * network round trips. The contract suite runs against it.
 *
 * Group commit (with a pool): appends of different sessions that arrive while one is being
 * written are written together in ONE transaction (one statement each, one COMMIT): all
 * appends of a store serialise on its position row until commit, so one fsync for many
 * appends instead of one each is what lets a store take hundreds of appends a second. Each
 * append keeps its own compare-and-set; a conflict in the batch is a conflict result for that
 * append only. Any error rolls the batch back and its appends are retried one by one.
 */
import { type CompiledQuery, type Kysely, sql } from "kysely";
import type pg from "pg";
import type { AppendResult, EventMeta, ExpectedVersion } from "../../app/ports/event-store";
import { storeOfStream } from "../../app/ports/event-store";
import type { BasketEvent } from "../../domain/basket/basket.events";
import { GroupCommit } from "../sql/group-commit";
import type { Database } from "../sql/schema";
import { isUniqueViolation, SqlEventStore } from "../sql/sql-event-store";

interface AppendRequest<E> {
  streamId: string;
  events: readonly E[];
  options: { expectedVersion: ExpectedVersion; meta: EventMeta; recordedAt: number };
}

export class PgEventStore<E extends { type: string } = BasketEvent> extends SqlEventStore<E> {
  private readonly group: GroupCommit<AppendRequest<E>, AppendResult> | undefined;

  constructor(
    private readonly pg: Kysely<Database>,
    pool?: pg.Pool,
  ) {
    super(pg);
    if (pool) {
      this.group = new GroupCommit(
        (reqs) =>
          reqs.length === 1 ? this.appendOne(reqs[0]).then((r) => [r]) : this.appendBatch(pool, reqs),
        { maxInFlight: 1, maxItems: 200 },
      );
    }
  }

  override async append(
    streamId: string,
    events: readonly E[],
    options: { expectedVersion: ExpectedVersion; meta: EventMeta; recordedAt: number },
  ): Promise<AppendResult> {
    if (events.length === 0) return super.append(streamId, events, options);
    if (this.group) return (await this.group.submit([{ streamId, events, options }]))[0];
    return this.appendOne({ streamId, events, options });
  }

  /** Several appends in one transaction: one statement each, one commit. */
  private async appendBatch(pool: pg.Pool, reqs: AppendRequest<E>[]): Promise<AppendResult[]> {
    const client = await pool.connect();
    const rows: ({ version: number; position: number } | undefined)[] = [];
    try {
      await client.query("BEGIN");
      for (const req of reqs) {
        const q = this.statement(req).compile(this.pg) as CompiledQuery<{
          version: number;
          position: number;
        }>;
        const r = await client.query<{ version: number; position: number }>(q.sql, q.parameters as unknown[]);
        rows.push(r.rows[0]);
      }
      await client.query("COMMIT");
    } catch (err) {
      await client.query("ROLLBACK").catch(() => {});
      throw err;
    } finally {
      client.release();
    }
    const out: AppendResult[] = [];
    for (let i = 0; i < reqs.length; i++) {
      const row = rows[i];
      out.push(
        row
          ? { status: "appended", version: Number(row.version), lastPosition: Number(row.position) }
          : {
              status: "conflict",
              expected: reqs[i].options.expectedVersion,
              actual: await this.streamVersion(reqs[i].streamId),
            },
      );
    }
    return out;
  }

  private async appendOne({ streamId, events, options }: AppendRequest<E>): Promise<AppendResult> {
    const expected = options.expectedVersion;
    try {
      const r = await this.statement({ streamId, events, options }).execute(this.pg);
      const row = r.rows[0];
      if (row)
        return { status: "appended", version: Number(row.version), lastPosition: Number(row.position) };
    } catch (err) {
      if (!isUniqueViolation(err)) throw err;
    }
    return { status: "conflict", expected, actual: await this.streamVersion(streamId) };
  }

  /** The one-statement append: compare-and-set, position, events (no row: conflict). */
  private statement({ streamId, events, options }: AppendRequest<E>) {
    const n = events.length;
    const expected = options.expectedVersion;
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
    return sql<{ version: number; position: number }>`
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
        SELECT s.version::bigint AS version, p.position::bigint AS position FROM s, p`;
  }
}
