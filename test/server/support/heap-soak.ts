/**
 * Heap soak (not a test): StoreService in one process on a temp SQLite file with the SQLite
 * sandbox ledger, N carts each shopping session after session (the bench's scripted trip:
 * 5 scale samples per message, a camera sighting per item, the exit, paid), carts interleaved
 * message by message. After every round (each cart one session) it forces a full GC and prints
 * the heap that survives it, with the sizes of the server's per-session and per-cart memory.
 * Live heap that keeps growing round after round is a leak; heap that grows during a run and
 * falls back at a full GC is garbage not yet collected (GC lag).
 *
 * Run: node --expose-gc --import tsx test/server/support/heap-soak.ts [--carts 50] [--rounds 20] [--items 6]
 *      [--snapshots 10,30 --snapshot-dir DIR]   (heap snapshots after those rounds, to diff)
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { writeHeapSnapshot } from "node:v8";
import { loadDemoCatalog } from "../../../src/adapters/demo/demo-catalog";
import { SqliteSandboxGateway } from "../../../src/adapters/payments/sqlite-sandbox-gateway";
import { openSqliteStorage } from "../../../src/adapters/sqlite/sqlite-storage";
import { StoreService } from "../../../src/app/services/store-service";
import type { CartEvent } from "../../../src/domain/events/sensor-events";
import { sequentialIds } from "../../../src/domain/shared/ids";
import { DEFAULT_STORE_SETTINGS } from "../../../src/domain/store/store-settings";
import { cartScript, type ScriptItem } from "./cart-script";

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1] : fallback;
}
const CARTS = Number(arg("carts", "50"));
const ROUNDS = Number(arg("rounds", "20"));
const ITEMS = Number(arg("items", "6"));
const SNAPSHOTS = new Set(arg("snapshots", "").split(",").filter(Boolean).map(Number));
const SNAPSHOT_DIR = arg("snapshot-dir", tmpdir());
const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error("run with node --expose-gc");

const dir = mkdtempSync(join(tmpdir(), "skiplane-soak-"));
const file = join(dir, "soak.sqlite");
const storage = openSqliteStorage({ file });
const payments = new SqliteSandboxGateway({ file });
const catalog = loadDemoCatalog();
const products = catalog.products.filter((p) => p.soldBy === "unit" && p.weight && p.lookalikes.length === 0);
const store = "soak";
const svc = new StoreService({
  storage,
  payments,
  clock: { now: () => Date.now() },
  ids: sequentialIds(),
  stores: [
    {
      store,
      catalog,
      settings: { ...DEFAULT_STORE_SETTINGS, currency: catalog.currency },
      defaultPaymentMethod: "pm_soak",
    },
  ],
});

const mb = (n: number) => (n / 1e6).toFixed(1);
const sizeOf = (o: unknown, field: string) => (o as Record<string, { size: number }>)[field]?.size ?? 0;
let events = 0;
let t0 = Date.UTC(2026, 10, 21, 9);
const started = performance.now();
process.stdout.write("round  events  heap used after GC (MB)  sessions cached  check-ins kept  exits\n");
for (let round = 1; round <= ROUNDS; round++) {
  const scripts = Array.from({ length: CARTS }, (_, c) => {
    const items: ScriptItem[] = [];
    for (let k = 0; k < ITEMS; k++) {
      const p = products[(c * 7 + k * 13 + round) % products.length];
      items.push({ sku: p.sku, grams: p.weight!.mean });
    }
    return cartScript({
      store,
      cart: `cart-${c}`,
      session: `cart-${c}-r${round}`,
      items,
      seed: c + round,
      t0,
    });
  });
  t0 += 3_600_000;
  const longest = Math.max(...scripts.map((s) => s.length));
  for (let m = 0; m < longest; m++) {
    await Promise.all(
      scripts.map(async (s, c) => {
        if (m >= s.length) return;
        events += s[m].length;
        await svc.ingest(store, `cart-${c}`, s[m] as unknown as CartEvent[]);
      }),
    );
  }
  gc();
  gc();
  const used = process.memoryUsage().heapUsed;
  process.stdout.write(
    `${String(round).padStart(5)}  ${String(events).padStart(6)}  ${mb(used).padStart(23)}  ${String(sizeOf(svc.sessions, "cache")).padStart(15)}  ${String(sizeOf(svc, "checkIns")).padStart(14)}  ${JSON.stringify(svc.counters.exits)}\n`,
  );
  if (SNAPSHOTS.has(round))
    process.stdout.write(
      `  snapshot ${writeHeapSnapshot(join(SNAPSHOT_DIR, `soak-r${round}.heapsnapshot`))}\n`,
    );
}
process.stdout.write(`${((performance.now() - started) / 1000).toFixed(0)} s\n`);
payments.close();
await storage.close();
rmSync(dir, { recursive: true, force: true });
