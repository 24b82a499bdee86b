/**
 * Store server benchmark (not a test): many carts shopping at once through StoreService — raw
 * log, fusion, session stream, read models, check-in hold and exit capture (sandbox gateway) —
 * on SQLite (a temp file) and PostgreSQL (a fresh schema on 127.0.0.1, dropped after). Prints,
 * per backend: cart messages per second, p50/p99/max time of one `ingest` call (one message,
 * one event), sessions completed (paid) per second, and this process's CPU time per message
 * (the figure to compare on a busy machine: wall-clock figures depend on the load).
 *
 * Run: npm run bench:store-service [-- --carts 50 --sessions 4 --items 6 --backend sqlite|postgres|both
 *      --interval ms]   (each cart pauses ~ms between messages: latency at a realistic rate
 *                        instead of a saturation test; --help: the options)
 */
import { mkdtempSync, rmSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { Option } from "commander";
import { amount, count, scriptCommand } from "../scripts/script-command";
import { SandboxPaymentGateway } from "../src/adapters/payments/sandbox-gateway";
import { openTestPostgres } from "../src/adapters/postgres/test-schema";
import { openSqliteStorage } from "../src/adapters/sqlite/sqlite-storage";
import type { Storage } from "../src/app/ports/read-models";
import { StoreService } from "../src/app/services/store-service";
import { cartLog, cola, scenarioCatalog, water } from "../src/app/services/store-service.fixtures";
import { sequentialIds } from "../src/domain/shared/ids";
import { DEFAULT_STORE_SETTINGS } from "../src/domain/store/store-settings";

// parsed before anything runs: --help and a usage error exit here
const opts = scriptCommand(
  "store-service.bench",
  "Store server benchmark (not a test): many carts shopping at once through StoreService, on SQLite and/or PostgreSQL.",
)
  .option("--carts <n>", "carts shopping at once (a count)", count(1), 50)
  .option("--sessions <n>", "shopping sessions per cart, one after the other (a count)", count(1), 4)
  .option("--items <n>", "items per session (a count)", count(1), 6)
  .addOption(
    new Option(
      "--backend <name>",
      "storage: a temp SQLite file, a fresh schema on 127.0.0.1's PostgreSQL, or both",
    )
      .choices(["sqlite", "postgres", "both"])
      .default("both"),
  )
  .option(
    "--interval <ms>",
    "pause between one cart's messages in ms, each 0.5 to 1.5 times it (0: none, a saturation test)",
    amount(0),
    0,
  )
  .addHelpText("after", "\nRun: npm run bench:store-service -- [options]")
  .parse()
  .opts<{ carts: number; sessions: number; items: number; backend: string; interval: number }>();
const CARTS = opts.carts;
const SESSIONS = opts.sessions;
const ITEMS = opts.items;
const BACKEND = opts.backend;
/** pause between one cart's messages, ms (0: as fast as possible, i.e. a saturation test) */
const INTERVAL = opts.interval;

function pct(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

async function run(name: string, storage: Storage): Promise<void> {
  const store = "bench";
  const T0 = Date.UTC(2026, 10, 21, 9);
  const service = new StoreService({
    storage,
    payments: new SandboxPaymentGateway({ ids: sequentialIds() }),
    clock: { now: () => Date.now() },
    ids: sequentialIds(),
    stores: [
      {
        store,
        catalog: scenarioCatalog,
        settings: DEFAULT_STORE_SETTINGS,
        defaultPaymentMethod: "tok_house",
      },
    ],
  });
  const logs = Array.from({ length: CARTS }, (_, c) =>
    Array.from({ length: SESSIONS }, (_, s) =>
      cartLog(
        store,
        `cart-${c}`,
        `s-${c}-${s}`,
        T0 + s * 600_000,
        Array.from({ length: ITEMS }, (_, i) => ((i + c) % 2 ? cola : water)),
      ),
    ).flat(),
  );
  const latencies: number[] = [];
  let paid = 0;
  let messages = 0;
  const cpu0 = process.cpuUsage();
  const started = performance.now();
  await Promise.all(
    logs.map(async (log, c) => {
      for (const e of log) {
        if (INTERVAL > 0)
          await new Promise((r) => setTimeout(r, INTERVAL * (0.5 + ((c * 7919 + messages) % 100) / 100)));
        const t = performance.now();
        const r = await service.ingest(store, `cart-${c}`, [e]);
        latencies.push(performance.now() - t);
        messages++;
        if (r.exit?.status === "paid") paid++;
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  const cpu = process.cpuUsage(cpu0);
  const cpuMsPerMessage = (cpu.user + cpu.system) / 1000 / messages;
  latencies.sort((a, b) => a - b);
  console.log(
    `${name.padEnd(10)} ${CARTS} carts × ${SESSIONS} sessions × ${ITEMS} items${INTERVAL ? `, ~${INTERVAL} ms apart` : ""}: ${messages} messages in ${seconds.toFixed(2)} s = ` +
      `${Math.round(messages / seconds)} msg/s; ingest p50 ${pct(latencies, 50).toFixed(2)} ms, p99 ${pct(latencies, 99).toFixed(2)} ms, ` +
      `max ${latencies[latencies.length - 1].toFixed(1)} ms; ${paid} sessions paid (${(paid / seconds).toFixed(1)}/s); ` +
      `this process's CPU ${cpuMsPerMessage.toFixed(2)} ms per message (load average ${loadavg()[0].toFixed(1)})`,
  );
  if (paid !== CARTS * SESSIONS)
    console.log(`  warning: expected ${CARTS * SESSIONS} paid sessions, got ${paid}`);
}

console.log(`node ${process.version}, ${cpus()[0]?.model ?? "cpu"} × ${cpus().length}`);
if (BACKEND === "sqlite" || BACKEND === "both") {
  const dir = mkdtempSync(join(tmpdir(), "skiplane-bench-"));
  const storage = openSqliteStorage({ file: join(dir, "bench.sqlite") });
  try {
    await run("sqlite", storage);
  } finally {
    await storage.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
if (BACKEND === "postgres" || BACKEND === "both") {
  const db = await openTestPostgres("bench");
  try {
    await run("postgres", db.storage);
  } finally {
    await db.dispose();
  }
}
