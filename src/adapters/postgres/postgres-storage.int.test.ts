import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runEventStoreContract } from "../../app/ports/contracts/event-store.contract";
import { runRawSensorLogContract } from "../../app/ports/contracts/raw-sensor-log.contract";
import { runReadModelContract } from "../../app/ports/contracts/read-models.contract";
import { sessionStreamId } from "../../app/ports/event-store";
import { loadMigrations } from "../sql/migrate";
import { openTestPostgres } from "./test-schema";

let db: Awaited<ReturnType<typeof openTestPostgres>>;
beforeAll(async () => {
  db = await openTestPostgres("storage");
});
afterAll(async () => {
  await db?.dispose();
});

describe("postgres storage", () => {
  runEventStoreContract({ newStore: () => db.storage.events });
  runRawSensorLogContract({ newLog: () => db.storage.rawLog });
  runReadModelContract({ newStorage: () => db.storage });

  it("applies migrations once when several processes start together", async () => {
    const others = await Promise.all([db.open(), db.open(), db.open()]);
    const { rows } = await others[0].pool.query("SELECT id, name FROM schema_migrations ORDER BY id");
    expect(rows).toEqual(
      loadMigrations(new URL("./migrations/", import.meta.url)).map((m) => ({ id: m.id, name: m.name })),
    );
    expect(rows.slice(0, 2)).toEqual([
      { id: 1, name: "init" },
      { id: 2, name: "raw-events-cart-seq" },
    ]);
  });

  it("keeps one stream consistent across two server processes (two pools)", async () => {
    const second = await db.open();
    const id = sessionStreamId("st-x", "s1");
    const meta = { source: "workflow" as const };
    const ev = (reason: string) => ({ type: "SessionCancelled" as const, at: 1, reason });
    await db.storage.events.append(id, [ev("a")], { expectedVersion: 0, meta, recordedAt: 1 });
    const [r1, r2] = await Promise.all([
      db.storage.events.append(id, [ev("p1")], { expectedVersion: 1, meta, recordedAt: 1 }),
      second.events.append(id, [ev("p2")], { expectedVersion: 1, meta, recordedAt: 1 }),
    ]);
    expect([r1.status, r2.status].sort()).toEqual(["appended", "conflict"]);
    expect(await second.events.streamVersion(id)).toBe(2);
  });

  it("puts raw events in one partition per device day and drops whole partitions", async () => {
    const store = "st-part";
    const day = 86_400_000;
    const t0 = Date.UTC(2026, 5, 1, 12);
    for (let d = 0; d < 3; d++) {
      await db.storage.rawLog.append({
        store,
        cart: "c",
        receivedAt: t0,
        event: { v: 1, t: t0 + d * day, type: "weight", store, cart: "c", grams: d, id: `p${d}` },
      });
    }
    const parts = async () =>
      (
        await db.storage.pool.query<{ name: string }>(
          `SELECT c.relname AS name FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
           JOIN pg_class p ON p.oid = i.inhparent JOIN pg_namespace n ON n.oid = p.relnamespace
           WHERE p.relname = 'raw_events' AND n.nspname = $1`,
          [db.schema],
        )
      ).rows.map((r) => r.name);
    const base = Math.floor(t0 / day);
    expect(await parts()).toEqual(expect.arrayContaining([0, 1, 2].map((d) => `raw_events_d${base + d}`)));
    await db.storage.rawLog.deleteBefore(t0 + day);
    const after = await parts();
    expect(after).not.toContain(`raw_events_d${base}`);
    expect(after).toContain(`raw_events_d${base + 1}`);
  });
});
