import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { runEventStoreContract } from "../../app/ports/contracts/event-store.contract";
import { runRawSensorLogContract } from "../../app/ports/contracts/raw-sensor-log.contract";
import { runReadModelContract } from "../../app/ports/contracts/read-models.contract";
import { loadMigrations } from "../sql/migrate";
import { openSqliteStorage } from "./sqlite-storage";

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
});
