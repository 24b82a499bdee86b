/**
 * Migration 0004 (index sessions (store, opened_at)) on PostgreSQL is built CONCURRENTLY, outside
 * the migrations' transaction (migratePostgres). Before 2026-12-05 it was built inside it: while
 * it waited for, then built on, a big sessions table, every write to sessions queued behind it.
 *
 * - a schema migrated without 0004 and a writer holding a transaction on sessions: the migration
 *   waits for that writer (as any index build must) but another write goes through meanwhile
 *   (before: it queued behind the build's lock, lock_timeout);
 * - a database migrated the old way (0004 inside the transaction) and one migrated now end up
 *   identical: the same indexes, definitions, validity and schema_migrations rows; the new runner
 *   applies nothing on the old one;
 * - an INVALID sessions_opened left by a build that failed is dropped and built again (IF NOT
 *   EXISTS alone would keep it).
 */
import pg from "pg";
import { afterAll, describe, expect, it } from "vitest";
import { loadMigrations, type Migration } from "../sql/migrate";
import { migratePostgres } from "./postgres-storage";
import { dropTestSchema, TEST_PG_URL, uniqueSchemaName } from "./test-schema";

const all = loadMigrations(new URL("./migrations/", import.meta.url));
const schemas: string[] = [];
const pools: pg.Pool[] = [];

afterAll(async () => {
  for (const p of pools) await p.end();
  for (const s of schemas) await dropTestSchema(s);
});

function poolOn(schema: string, max = 1): pg.Pool {
  const pool = new pg.Pool({ connectionString: TEST_PG_URL, max, options: `-c search_path=${schema}` });
  pools.push(pool);
  return pool;
}

const newSchema = (prefix: string) => {
  const s = uniqueSchemaName(prefix);
  schemas.push(s);
  return s;
};

const insertSession = (session: string) =>
  `INSERT INTO sessions (store, session, cart, account, state, open, total, currency, opened_at, updated_at, version, screen, receipt) VALUES ('st', '${session}', 'c1', NULL, 'shopping', 1, 0, 'USD', 1, 1, 1, '{}', NULL)`;

/** Every index of the schema: name, definition (schema name taken out) and validity. */
async function indexes(pool: pg.Pool, schema: string) {
  const r = await pool.query<{ name: string; def: string; valid: boolean }>(
    `SELECT c.relname AS name, pg_get_indexdef(i.indexrelid) AS def, i.indisvalid AS valid
       FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = $1 ORDER BY c.relname`,
    [schema],
  );
  return r.rows.map((x) => ({ ...x, def: x.def.replaceAll(`${schema}.`, "") }));
}

const recorded = async (pool: pg.Pool) =>
  (await pool.query<{ id: number; name: string }>("SELECT id, name FROM schema_migrations ORDER BY id")).rows;

/** 0004 as it was applied before 2026-12-05 (7851528's file): inside the migrations' transaction. */
function oldWay(): Migration[] {
  const sql = "CREATE INDEX IF NOT EXISTS sessions_opened ON sessions (store, opened_at);\n";
  return all.map((m) => (m.id === 4 ? { id: m.id, name: m.name, sql } : m));
}

describe("postgres migration 0004: CREATE INDEX CONCURRENTLY outside the transaction", () => {
  it("marks 0004 and 0006 (unique carts (cart)) only to run without a transaction", () => {
    expect(all.filter((m) => m.noTransaction).map((m) => m.id)).toEqual([4, 6]);
  });

  it("writes to sessions go on while the index waits and builds", async () => {
    const schema = newSchema("mig4c");
    const pool = poolOn(schema);
    await migratePostgres(
      pool,
      schema,
      all.filter((m) => m.id !== 4),
    );
    // a writer in the middle of a transaction on sessions: any index build waits for it
    const writer = new pg.Client({ connectionString: TEST_PG_URL, options: `-c search_path=${schema}` });
    const other = new pg.Client({ connectionString: TEST_PG_URL, options: `-c search_path=${schema}` });
    await writer.connect();
    await other.connect();
    try {
      await writer.query("BEGIN");
      await writer.query(insertSession("s-writer"));
      const migrating = migratePostgres(poolOn(schema), schema, all);
      migrating.catch(() => {});
      // the migration is waiting for the writer
      const waiting = async () =>
        Number(
          (
            await other.query(
              "SELECT count(*) AS n FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE '%sessions_opened%' AND query NOT LIKE '%pg_stat_activity%'",
            )
          ).rows[0].n,
        );
      for (let i = 0; i < 200 && (await waiting()) === 0; i++) await new Promise((r) => setTimeout(r, 50));
      expect(await waiting()).toBe(1);

      // another write meanwhile: goes through (before: queued behind the build's SHARE lock)
      await other.query("SET lock_timeout = '3s'");
      await expect(other.query(insertSession("s-meanwhile"))).resolves.toBeDefined();

      await writer.query("COMMIT");
      expect(await migrating).toEqual([4]);
      const built = (await indexes(pool, schema)).find((x) => x.name === "sessions_opened");
      expect(built).toEqual({
        name: "sessions_opened",
        def: "CREATE INDEX sessions_opened ON sessions USING btree (store, opened_at)",
        valid: true,
      });
      expect(Number((await pool.query("SELECT count(*) AS n FROM sessions")).rows[0].n)).toBe(2);
    } finally {
      await writer.end();
      await other.end();
    }
  }, 30_000);

  it("a database migrated the old way and one migrated now are identical", async () => {
    const old = newSchema("mig4o");
    const now = newSchema("mig4n");
    const oldPool = poolOn(old);
    const nowPool = poolOn(now);
    expect(await migratePostgres(oldPool, old, oldWay())).toEqual(all.map((m) => m.id));
    expect(await migratePostgres(nowPool, now, all)).toEqual(all.map((m) => m.id));
    expect(await indexes(nowPool, now)).toEqual(await indexes(oldPool, old));
    expect((await indexes(nowPool, now)).some((x) => x.name === "sessions_opened")).toBe(true);
    expect(await recorded(nowPool)).toEqual(await recorded(oldPool));
    // the old database is up to date for the new runner: nothing applied, nothing changed
    const before = await indexes(oldPool, old);
    expect(await migratePostgres(oldPool, old, all)).toEqual([]);
    expect(await indexes(oldPool, old)).toEqual(before);
  }, 30_000);

  it("an INVALID sessions_opened left by a failed build is dropped and built again", async () => {
    const schema = newSchema("mig4i");
    const pool = poolOn(schema);
    await migratePostgres(
      pool,
      schema,
      all.filter((m) => m.id !== 4),
    );
    await pool.query(insertSession("s1"));
    await pool.query(insertSession("s2"));
    // a concurrent build that fails leaves its index behind, invalid (here: not unique)
    await expect(
      pool.query("CREATE UNIQUE INDEX CONCURRENTLY sessions_opened ON sessions (store)"),
    ).rejects.toThrow();
    expect((await indexes(pool, schema)).find((x) => x.name === "sessions_opened")?.valid).toBe(false);

    expect(await migratePostgres(pool, schema, all)).toEqual([4]);
    expect((await indexes(pool, schema)).find((x) => x.name === "sessions_opened")).toEqual({
      name: "sessions_opened",
      def: "CREATE INDEX sessions_opened ON sessions USING btree (store, opened_at)",
      valid: true,
    });
  }, 30_000);
  it("0006 (cart ids unique across stores) stops on ids already in two stores, naming them", async () => {
    const schema = newSchema("mig6d");
    const pool = poolOn(schema);
    await migratePostgres(
      pool,
      schema,
      all.filter((m) => m.id !== 6),
    );
    const put = (store: string, cart: string) =>
      pool.query(
        "INSERT INTO carts (store, cart, secret_hash, revoked, created_at) VALUES ($1, $2, 'h', 0, 1)",
        [store, cart],
      );
    await put("st-a", "cart-7");
    await put("st-b", "cart-7");
    await put("st-a", "cart-8");
    await expect(migratePostgres(pool, schema, all)).rejects.toThrow(
      /1 id\(s\) are provisioned in more than one store: cart-7 \(stores st-a, st-b\)/,
    );
    expect((await recorded(pool)).some((m) => m.id === 6)).toBe(false);
    expect((await indexes(pool, schema)).some((x) => x.name === "carts_cart")).toBe(false);
    await pool.query("DELETE FROM carts WHERE store = 'st-b'");
    expect(await migratePostgres(pool, schema, all)).toEqual([6]);
    expect((await indexes(pool, schema)).find((x) => x.name === "carts_cart")).toEqual({
      name: "carts_cart",
      def: "CREATE UNIQUE INDEX carts_cart ON carts USING btree (cart)",
      valid: true,
    });
    await expect(put("st-b", "cart-8")).rejects.toThrow(/carts_cart/);
  }, 30_000);
});
