/**
 * The session read model on PostgreSQL with its writes group-committed: the projections of all
 * sessions that changed while one write was on its way go out as ONE upsert (unnest of column
 * arrays) with the usual version guard, instead of one statement and one commit each. Rows of
 * the same session within a batch collapse to the newest version (an upsert may not touch a
 * row twice). Reads are the shared kysely ones.
 */
import type { Kysely } from "kysely";
import type pg from "pg";
import type { SessionView } from "../../app/ports/read-models";
import { GroupCommit } from "../sql/group-commit";
import type { Database } from "../sql/schema";
import { SqlSessionReadModel } from "../sql/sql-read-models";

export class PgSessionReadModel extends SqlSessionReadModel {
  private readonly group: GroupCommit<SessionView, undefined>;

  constructor(db: Kysely<Database>, pool: pg.Pool) {
    super(db, "postgres");
    this.group = new GroupCommit((views) => upsertSessions(pool, views), { maxInFlight: 2, maxItems: 1_000 });
  }

  override async put(v: SessionView): Promise<void> {
    await this.group.submit([v]);
  }
}

async function upsertSessions(pool: pg.Pool, views: SessionView[]): Promise<undefined[]> {
  const newest = new Map<string, SessionView>();
  for (const v of views) {
    const k = `${v.store}\u0000${v.session}`;
    const had = newest.get(k);
    if (!had || had.version <= v.version) newest.set(k, v);
  }
  const rows = [...newest.values()];
  const col = <T>(f: (v: SessionView) => T) => rows.map(f);
  await pool.query(
    `INSERT INTO sessions (store, session, cart, account, state, open, total, currency, opened_at, updated_at, version, screen, receipt, holds_to_release)
     SELECT u.store, u.session, u.cart, u.account, u.state, u.open, u.total, u.currency, u.opened_at, u.updated_at,
            u.version, u.screen::jsonb, u.receipt::jsonb, u.holds_to_release::jsonb
       FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::int[], $7::int8[], $8::text[],
                   $9::int8[], $10::int8[], $11::int8[], $12::text[], $13::text[], $14::text[])
            AS u(store, session, cart, account, state, open, total, currency, opened_at, updated_at, version, screen, receipt, holds_to_release)
     ON CONFLICT (store, session) DO UPDATE SET
       cart = excluded.cart, account = excluded.account, state = excluded.state, open = excluded.open,
       total = excluded.total, currency = excluded.currency, opened_at = excluded.opened_at,
       updated_at = excluded.updated_at, version = excluded.version, screen = excluded.screen,
       receipt = excluded.receipt, holds_to_release = excluded.holds_to_release
     WHERE sessions.version <= excluded.version`,
    [
      col((v) => v.store),
      col((v) => v.session),
      col((v) => v.cart ?? null),
      col((v) => v.account ?? null),
      col((v) => v.state),
      col((v) => (v.open ? 1 : 0)),
      col((v) => v.total),
      col((v) => v.currency),
      col((v) => v.openedAt),
      col((v) => v.updatedAt),
      col((v) => v.version),
      col((v) => JSON.stringify(v.screen)),
      col((v) => (v.receipt ? JSON.stringify(v.receipt) : null)),
      col((v) => (v.holdsToRelease?.length ? JSON.stringify(v.holdsToRelease) : null)),
    ],
  );
  return views.map(() => undefined);
}
