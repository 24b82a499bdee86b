/**
 * The dashboard's aggregates, computed by the database, on both adapters (a SQLite file and a
 * PostgreSQL schema): SessionReadModel.summary (sessions by state: the live ones whenever opened,
 * those in a final state only since the day's start; open; and those opened since a
 * time that settled, with what their receipts took: a JSON field, read by each dialect its own
 * way) and ReviewCaseRepository.openSummary. And migration 0004 (the index on
 * (store, opened_at) the day's reads use) on a database of the previous schema.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import BetterSqlite3 from "better-sqlite3";
import { type CompiledQuery, Kysely, SqliteDialect } from "kysely";
import pg from "pg";
import { afterAll, describe, expect, it } from "vitest";
import type { ReviewCaseView, SessionView, Storage } from "../../app/ports/read-models";
import { migratePostgres, openPostgresStorage } from "../postgres/postgres-storage";
import { dropTestSchema, openTestPostgres, TEST_PG_URL, uniqueSchemaName } from "../postgres/test-schema";
import { SqliteSessionReadModel } from "../sqlite/sqlite-fast-paths";
import { migrateSqlite, openSqliteStorage } from "../sqlite/sqlite-storage";
import { loadMigrations } from "./migrate";
import type { Database } from "./schema";

const DAY = 1_000_000;

function session(store: string, n: number, over: Partial<SessionView>): SessionView {
  const id = `s${String(n).padStart(4, "0")}`;
  return {
    store,
    session: id,
    cart: "c1",
    state: "shopping",
    open: true,
    total: 0,
    currency: "EUR",
    openedAt: DAY + n,
    updatedAt: DAY + n,
    version: 1,
    screen: { session: id, state: "shopping", currency: "EUR", total: 0, lines: [], seq: 1 },
    ...over,
  };
}

function settled(
  store: string,
  n: number,
  openedAt: number,
  captured: number,
  refunded: number,
): SessionView {
  const s = session(store, n, { state: "closed", open: false, openedAt, updatedAt: openedAt + 10 });
  return {
    ...s,
    receipt: {
      store,
      session: s.session,
      currency: "EUR",
      lines: [],
      adjustments: [],
      taxes: [],
      subtotal: captured,
      total: captured,
      captured,
      refunded,
      review: false,
      prompts: 0,
      issuedAt: openedAt + 10,
    },
  };
}

function reviewCase(store: string, caseId: string, over: Partial<ReviewCaseView>): ReviewCaseView {
  return {
    store,
    caseId,
    session: "s0001",
    kind: "uncertain",
    lineIds: [],
    reason: "ambiguous",
    status: "open",
    openedAt: DAY,
    lines: [],
    version: 1,
    ...over,
  };
}

/** What each adapter must answer for the store the data below fills. */
async function fill(s: Storage, store: string) {
  let n = 0;
  // shopping, with what is in their baskets: one over 2^31 minor units (a sum must not be 32-bit)
  const baskets = [0, 129, 387, 2_500_000_000, 5, 1_000, 258];
  for (const total of baskets) await s.sessions.put(session(store, n++, { openedAt: DAY + 50 + n, total }));
  const taken: number[] = [];
  for (let i = 0; i < 5; i++) {
    // the largest receipt over 2^31 minor units: sums must not be 32-bit
    const captured = i === 4 ? 3_000_000_000 : 387 + i;
    const refunded = i === 1 ? 100 : 0;
    taken.push(captured - refunded);
    await s.sessions.put(settled(store, n++, DAY + 100 + i, captured, refunded));
  }
  // settled yesterday: counted by state, not in the day's sums
  for (let i = 0; i < 3; i++) await s.sessions.put(settled(store, n++, DAY - 5_000 + i, 999, 0));
  // stuck at the exit since last week (a payment problem, a hold for review): not final, so
  // counted whenever they were opened
  for (let i = 0; i < 2; i++)
    await s.sessions.put(session(store, n++, { state: "problem", open: false, openedAt: DAY - 600_000 + i }));
  await s.sessions.put(session(store, n++, { state: "review", open: false, openedAt: DAY - 500_000 }));
  // ended today without a receipt (an empty basket cancelled)
  for (let i = 0; i < 2; i++)
    await s.sessions.put(session(store, n++, { state: "cancelled", open: false, openedAt: DAY + 200 + i }));
  // another store's sessions and cases are never counted
  await s.sessions.put(settled(`${store}-other`, 0, DAY + 1, 5000, 0));
  await s.reviews.put(reviewCase(`${store}-other`, "case_x", { openedAt: 1 }));
  await s.reviews.put(reviewCase(store, "case_1", { openedAt: DAY + 30 }));
  await s.reviews.put(reviewCase(store, "case_2", { openedAt: DAY + 20, kind: "dispute" }));
  await s.reviews.put(reviewCase(store, "case_3", { openedAt: DAY + 40, kind: "dispute" }));
  await s.reviews.put(reviewCase(store, "case_4", { openedAt: DAY + 10, status: "resolved" }));
  return { taken: taken.reduce((a, b) => a + b, 0), inBaskets: baskets.reduce((a, b) => a + b, 0) };
}

const cleanups: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const c of cleanups.reverse()) await c();
});

const adapters: [string, () => Promise<Storage>][] = [
  [
    "sqlite",
    async () => {
      const dir = mkdtempSync(join(tmpdir(), "skiplane-summary-"));
      const s = openSqliteStorage({ file: join(dir, "db.sqlite") });
      cleanups.push(async () => {
        await s.close();
        rmSync(dir, { recursive: true, force: true });
      });
      return s;
    },
  ],
  [
    "postgres",
    async () => {
      const db = await openTestPostgres("summary");
      cleanups.push(() => db.dispose());
      return db.storage;
    },
  ],
];

describe.each(adapters)("session and case summaries (%s)", (_name, open) => {
  it("counts the live sessions and the day's ended ones by state, the open ones, and the day's settled sessions with what they took", async () => {
    const s = await open();
    const { taken, inBaskets } = await fill(s, "st-sum");
    expect(await s.sessions.summary("st-sum", { openedSince: DAY })).toEqual({
      // final states (closed, cancelled) of the day only: yesterday's 3 closed are history
      byState: { shopping: 7, problem: 2, review: 1, closed: 5, cancelled: 2 },
      open: 7,
      // the open sessions' baskets only: a settled session's total is not in anyone's basket
      openTotal: inBaskets,
      settledSince: 5,
      takenSince: taken,
      currency: "EUR",
    });
    // a later start of the day: only the sessions opened from then on
    expect(await s.sessions.summary("st-sum", { openedSince: DAY + 103 })).toMatchObject({
      byState: { shopping: 7, problem: 2, review: 1, closed: 2, cancelled: 2 },
      settledSince: 2,
      takenSince: 387 + 3 + 3_000_000_000,
    });
    expect(await s.sessions.summary("st-empty", { openedSince: 0 })).toEqual({
      byState: {},
      open: 0,
      openTotal: 0,
      settledSince: 0,
      takenSince: 0,
    });
  });

  it("counts the open sessions and sums what is in their baskets (openSummary)", async () => {
    const s = await open();
    const { inBaskets } = await fill(s, "st-open");
    expect(inBaskets).toBe(2_500_001_779);
    expect(await s.sessions.openSummary("st-open")).toEqual({ open: 7, total: inBaskets });
    expect(await s.sessions.openSummary("st-none")).toEqual({ open: 0, total: 0 });
  });

  it("counts the open cases, the disputes among them, and the oldest one's age", async () => {
    const s = await open();
    await fill(s, "st-cases");
    expect(await s.reviews.openSummary("st-cases")).toEqual({
      open: 3,
      disputes: 2,
      oldestOpenedAt: DAY + 20,
    });
    expect(await s.reviews.openSummary("st-none")).toEqual({ open: 0, disputes: 0 });
  });
});

describe("migration 0004: the (store, opened_at) index on a database of the previous schema", () => {
  it("sqlite: applies on a file migrated to 0003 with sessions in it, and the day's read uses it", async () => {
    const dir = mkdtempSync(join(tmpdir(), "skiplane-mig4-"));
    const file = join(dir, "old.sqlite");
    try {
      const all = loadMigrations(new URL("../sqlite/migrations/", import.meta.url));
      const old = new BetterSqlite3(file);
      expect(
        migrateSqlite(
          old,
          all.filter((m) => m.id < 4),
        ),
      ).toEqual([1, 2, 3]);
      old
        .prepare(
          "INSERT INTO sessions (store, session, cart, account, state, open, total, currency, opened_at, updated_at, version, screen, receipt) VALUES ('st', 's1', 'c1', NULL, 'shopping', 1, 0, 'USD', ?, ?, 1, '{}', NULL)",
        )
        .run(DAY, DAY);
      const index = () => old.prepare("SELECT sql FROM sqlite_master WHERE name = 'sessions_opened'").get();
      expect(index()).toBeUndefined();
      old.close();

      const s = openSqliteStorage({ file });
      try {
        const ids = s.raw.prepare("SELECT id FROM schema_migrations ORDER BY id").all() as { id: number }[];
        expect(ids.map((r) => r.id)).toEqual(all.map((m) => m.id));
        expect(ids.map((r) => r.id)).toContain(4);
        // the day's page query as the adapter sends it, and SQLite's plan for it
        const sent: CompiledQuery[] = [];
        const db = new Kysely<Database>({
          dialect: new SqliteDialect({ database: s.raw }),
          log: (e) => {
            sent.push(e.query);
          },
        });
        const sessions = new SqliteSessionReadModel(db, s.raw);
        const page = await sessions.list("st", { openedSince: DAY, after: "", limit: 1000 });
        expect(page.map((v) => v.session)).toEqual(["s1"]);
        const plan = s.raw
          .prepare(`EXPLAIN QUERY PLAN ${sent[0].sql}`)
          .all(...(sent[0].parameters as unknown[])) as { detail: string }[];
        expect(plan.map((p) => p.detail).join("\n")).toContain("USING INDEX sessions_opened");
      } finally {
        await s.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("postgres: applies on a schema migrated without it (every other migration, 0201-0205 too)", async () => {
    const schema = uniqueSchemaName("mig4");
    const all = loadMigrations(new URL("../postgres/migrations/", import.meta.url));
    const pool = new pg.Pool({ connectionString: TEST_PG_URL, max: 1, options: `-c search_path=${schema}` });
    try {
      const before = all.filter((m) => m.id !== 4);
      expect(await migratePostgres(pool, schema, before)).toEqual(before.map((m) => m.id));
      await pool.query(
        "INSERT INTO sessions (store, session, cart, account, state, open, total, currency, opened_at, updated_at, version, screen, receipt) VALUES ('st', 's1', 'c1', NULL, 'shopping', 1, 0, 'USD', $1, $1, 1, '{}', NULL)",
        [DAY],
      );
      const index = async () =>
        (
          await pool.query(
            "SELECT indexdef FROM pg_indexes WHERE schemaname = $1 AND indexname = 'sessions_opened'",
            [schema],
          )
        ).rows;
      expect(await index()).toEqual([]);

      const s = await openPostgresStorage({ connectionString: TEST_PG_URL, schema });
      try {
        const ids = (await pool.query("SELECT id FROM schema_migrations ORDER BY id")).rows.map((r) => r.id);
        expect(ids).toEqual(all.map((m) => m.id));
        const defs = await index();
        expect(defs).toHaveLength(1);
        expect(defs[0].indexdef).toContain("(store, opened_at)");
        expect((await s.sessions.list("st", { openedSince: DAY, after: "" })).map((v) => v.session)).toEqual([
          "s1",
        ]);
      } finally {
        await s.close();
      }
    } finally {
      await pool.end();
      await dropTestSchema(schema);
    }
  });
});
