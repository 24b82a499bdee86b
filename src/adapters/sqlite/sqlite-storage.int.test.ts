import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import BetterSqlite3 from "better-sqlite3";
import { afterAll, describe, expect, it } from "vitest";
import { runEventStoreContract } from "../../app/ports/contracts/event-store.contract";
import { runRawSensorLogContract } from "../../app/ports/contracts/raw-sensor-log.contract";
import { runReadModelContract } from "../../app/ports/contracts/read-models.contract";
import { loadMigrations } from "../sql/migrate";
import { migrateSqlite, openSqliteStorage } from "./sqlite-storage";

const dir = mkdtempSync(join(tmpdir(), "skiplane-sqlite-"));
const storage = openSqliteStorage({ file: join(dir, "skiplane.sqlite") });
afterAll(async () => {
  await storage.close();
  rmSync(dir, { recursive: true, force: true });
});

describe("sqlite storage", () => {
  runEventStoreContract({ newStore: () => storage.events });
  runRawSensorLogContract({ newLog: () => storage.rawLog });
  runReadModelContract({ newStorage: () => storage });

  it("runs in WAL mode and applies migrations once", async () => {
    expect(storage.raw.pragma("journal_mode", { simple: true })).toBe("wal");
    const again = openSqliteStorage({ file: join(dir, "skiplane.sqlite") });
    const rows = again.raw.prepare("SELECT id, name FROM schema_migrations ORDER BY id").all();
    expect(rows).toEqual(
      loadMigrations(new URL("./migrations/", import.meta.url)).map((m) => ({ id: m.id, name: m.name })),
    );
    expect(rows.slice(0, 2)).toEqual([
      { id: 1, name: "init" },
      { id: 2, name: "raw-events-cart-seq" },
    ]);
    await again.close();
  });

  it("migration 0006 (cart ids unique across stores) stops on ids already in two stores, naming them", () => {
    const all = loadMigrations(new URL("./migrations/", import.meta.url));
    const raw = new BetterSqlite3(join(dir, "dup.sqlite"));
    try {
      migrateSqlite(
        raw,
        all.filter((m) => m.id < 6),
      );
      const put = raw.prepare(
        "INSERT INTO carts (store, cart, secret_hash, revoked, created_at) VALUES (?, ?, 'h', 0, 1)",
      );
      for (const [store, cart] of [
        ["st-a", "cart-7"],
        ["st-b", "cart-7"],
        ["st-a", "cart-8"],
        ["st-c", "cart-9"],
        ["st-d", "cart-9"],
      ])
        put.run(store, cart);
      expect(() => migrateSqlite(raw, all)).toThrow(
        /2 id\(s\) are provisioned in more than one store: cart-7 \(stores st-a, st-b\); cart-9 \(stores st-c, st-d\)/,
      );
      expect(raw.prepare("SELECT max(id) AS id FROM schema_migrations").get()).toEqual({ id: 5 });
      raw.prepare("DELETE FROM carts WHERE store IN ('st-b', 'st-d')").run();
      expect(migrateSqlite(raw, all)).toEqual([6]);
      expect(() => put.run("st-b", "cart-8")).toThrow(/UNIQUE/);
    } finally {
      raw.close();
    }
  });
});
