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

  it("group-commits concurrent appends in one statement: own compare-and-set, gap-free positions in order", async () => {
    const meta = { source: "workflow" as const };
    const ev = (reason: string) => ({ type: "SessionCancelled" as const, at: 1, reason });
    const events = db.storage.events;
    const stores = ["st-gb1", "st-gb2"];
    // streams 0..29 of each store exist at version 1 beforehand
    for (const store of stores)
      for (let k = 0; k < 30; k++)
        await events.append(sessionStreamId(store, `s${k}`), [ev("a")], {
          expectedVersion: 0,
          meta,
          recordedAt: 1,
        });
    const before = await Promise.all(stores.map((s) => events.storePosition(s)));
    // submitted in one turn: they are written together; k % 5 = 1 expects a wrong version,
    // k % 5 = 2 creates a stream that exists, k % 5 = 3 appends with "any", k % 5 = 4 creates a new one
    const expectedOf = (k: number) =>
      k % 5 === 1 ? 7 : k % 5 === 2 ? 0 : k % 5 === 3 ? ("any" as const) : 1;
    const calls = stores.flatMap((store) =>
      Array.from({ length: 30 }, (_, k) => {
        const stream = k % 5 === 4 ? `n${k}` : `s${k}`;
        const expectedVersion = k % 5 === 4 ? 0 : expectedOf(k);
        return events.append(sessionStreamId(store, stream), [ev(`b${k}`), ev(`c${k}`)], {
          expectedVersion,
          meta,
          recordedAt: 2,
        });
      }),
    );
    const results = await Promise.all(calls);
    results.forEach((r, j) => {
      const k = j % 30;
      if (k % 5 === 1 || k % 5 === 2)
        expect(r).toEqual({ status: "conflict", expected: expectedOf(k), actual: 1 });
      else expect(r).toMatchObject({ status: "appended", version: k % 5 === 4 ? 2 : 3 });
    });
    for (const [si, store] of stores.entries()) {
      const mine = results.slice(si * 30, si * 30 + 30).filter((r) => r.status === "appended");
      // positions follow the order of the calls, two per append, no gaps
      expect(mine.map((r) => (r.status === "appended" ? r.lastPosition : 0))).toEqual(
        mine.map((_, i) => before[si] + 2 * (i + 1)),
      );
      const page = await events.readStore(store, before[si], 1_000);
      expect(page.map((e) => e.position)).toEqual(page.map((_, i) => before[si] + i + 1));
      expect(page.map((e) => (e.data as { reason: string }).reason)).toEqual(
        Array.from({ length: 30 }, (_, k) => k)
          .filter((k) => k % 5 !== 1 && k % 5 !== 2)
          .flatMap((k) => [`b${k}`, `c${k}`]),
      );
      const s3 = await events.readStream(sessionStreamId(store, "s3"));
      expect(s3.events.map((e) => [e.version, (e.data as { reason: string }).reason])).toEqual([
        [1, "a"],
        [2, "b3"],
        [3, "c3"],
      ]);
    }
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
