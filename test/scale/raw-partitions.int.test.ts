/**
 * Bounded raw storage on the real PostgreSQL: day partitions are created ahead of time and days
 * past the retention are dropped whole; business events stay.
 */
import pg from "pg";
import { afterAll, beforeAll, expect, it } from "vitest";
import { maintainRawPartitions, rawPartitionName } from "../../src/adapters/cluster/raw-partitions";
import { openPostgresStorage } from "../../src/adapters/postgres/postgres-storage";
import { TEST_PG_URL, uniqueSchemaName } from "../../src/adapters/postgres/test-schema";

const schema = uniqueSchemaName("rawpart");
let storage: Awaited<ReturnType<typeof openPostgresStorage>>;
const DAY = 86_400_000;
const NOW = Date.UTC(2026, 10, 22, 12);

beforeAll(async () => {
  storage = await openPostgresStorage({ connectionString: TEST_PG_URL, schema });
});
afterAll(async () => {
  await storage?.close();
  const c = new pg.Client({ connectionString: TEST_PG_URL });
  await c.connect();
  await c.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  await c.end();
});

const partitions = async () =>
  (
    await storage.pool.query<{ name: string }>(
      "SELECT inhrelid::regclass::text AS name FROM pg_inherits WHERE inhparent = 'raw_events'::regclass ORDER BY 1",
    )
  ).rows.map((r) => r.name);

it("creates days ahead, drops days past the retention, keeps the rest", async () => {
  const ev = (t: number, id: string) => ({
    store: "st-r",
    cart: "c1",
    receivedAt: t,
    event: { v: 1 as const, t, store: "st-r", cart: "c1", id, type: "weight" as const, grams: [1], hz: 20 },
  });
  await storage.rawLog.append(ev(NOW - 10 * DAY, "old"));
  await storage.rawLog.append(ev(NOW - 1 * DAY, "recent"));
  const today = Math.floor(NOW / DAY);
  const r = await maintainRawPartitions({
    pool: storage.pool,
    rawLog: storage.rawLog,
    now: NOW,
    aheadDays: 2,
    retentionDays: 3,
  });
  expect(r.ran).toBe(true);
  expect(r.deleted).toBe(1);
  expect(r.created).toEqual([
    rawPartitionName(today),
    rawPartitionName(today + 1),
    rawPartitionName(today + 2),
  ]);
  const names = await partitions();
  expect(names).not.toContain(rawPartitionName(today - 10));
  expect(names).toContain(rawPartitionName(today - 1));
  expect(names).toContain(rawPartitionName(today + 2));
  expect(await storage.rawLog.count("st-r")).toBe(1);
  // idempotent: a second run (another node) creates and drops nothing
  const again = await maintainRawPartitions({
    pool: storage.pool,
    rawLog: storage.rawLog,
    now: NOW,
    aheadDays: 2,
    retentionDays: 3,
  });
  expect(again).toMatchObject({ ran: true, created: [], deleted: 0 });
});
