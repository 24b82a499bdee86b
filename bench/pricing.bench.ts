/**
 * Pricing benchmark (not a test): prints p50/p99/max time of priceBasket on the demo catalog
 * with the demo store's 7 promotions (6 item-level: up to 720 orders searched), for baskets of
 * several sizes, and the rate of the basket fold with the running total read after every event.
 *
 * Run: npm run bench:pricing [-- --runs 2000]   (--help: the options)
 */
import { readFileSync } from "node:fs";
import { cpus, loadavg } from "node:os";
import { count, scriptCommand } from "../scripts/script-command";
import { loadDemoCatalog } from "../src/adapters/demo/demo-catalog";
import { parseStoreConfig } from "../src/adapters/files/store-config-file";
import type { BasketEvent } from "../src/domain/basket/basket.events";
import { added } from "../src/domain/basket/basket.fixtures";
import { basketContents, evolveBasket, initialBasketState } from "../src/domain/basket/basket.state";
import { priceBasket } from "../src/domain/pricing/price-basket";

// parsed before anything runs: --help and a usage error exit here
const RUNS = scriptCommand(
  "pricing.bench",
  "Pricing benchmark (not a test): priceBasket p50/p99/max on the demo store, and the basket fold's rate.",
)
  .option(
    "--runs <n>",
    "baskets priced per basket size (a count; 200 more first warm the JIT)",
    count(1),
    2000,
  )
  .addHelpText("after", "\nRun: npm run bench:pricing -- [options]")
  .parse()
  .opts<{ runs: number }>().runs;

function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const catalog = loadDemoCatalog();
const store = parseStoreConfig(JSON.parse(readFileSync("demo/store.json", "utf8")), catalog);
if (!store.ok) throw new Error(JSON.stringify(store.issues));
const settings = store.settings;
const units = catalog.products.filter((p) => p.soldBy === "unit");
const weighed = catalog.products.filter((p) => p.soldBy === "weight");

function pct(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
}

console.log(
  `node ${process.version}, ${cpus()[0]?.model ?? "cpu"}, load ${loadavg()[0].toFixed(1)} on ${cpus().length} cpus; ` +
    `${catalog.products.length} products, ${settings.promotions.length} promotions`,
);
for (const size of [5, 20, 60]) {
  const next = rng(size);
  const times: number[] = [];
  for (let r = -200; r < RUNS; r++) {
    const items = new Map<string, number>();
    for (let k = 0; k < size; k++) {
      const p = units[Math.floor(next() * units.length)];
      items.set(p.sku, (items.get(p.sku) ?? 0) + 1);
    }
    const w =
      next() < 0.5
        ? [{ sku: weighed[Math.floor(next() * weighed.length)].sku, grams: 200 + Math.floor(next() * 1500) }]
        : [];
    const basket = { items: [...items].map(([sku, qty]) => ({ sku, qty })), weighed: w };
    const t0 = performance.now();
    priceBasket(basket, catalog, settings);
    if (r >= 0) times.push(performance.now() - t0); // the first 200 warm the JIT
  }
  console.log(
    `priceBasket, ${String(size).padStart(2)} units: p50 ${pct(times, 50).toFixed(3)} ms, p99 ${pct(times, 99).toFixed(3)} ms, max ${Math.max(...times).toFixed(3)} ms (${RUNS} baskets)`,
  );
}

{
  const next = rng(7);
  const events: BasketEvent[] = [{ type: "SessionOpened", at: 0, session: "s", store: "st" }];
  for (let i = 1; i <= 200; i++) {
    events.push(added(`line_${i}`, units[Math.floor(next() * units.length)].sku, { qty: 1 }, i));
  }
  const reps = 200;
  const t0 = performance.now();
  let n = 0;
  for (let r = 0; r < reps; r++) {
    let s = initialBasketState();
    for (const e of events) {
      s = evolveBasket(s, e);
      n += basketContents(s).items.length > 0 ? 1 : 0;
    }
  }
  const ms = performance.now() - t0;
  console.log(
    `evolveBasket + basketContents after every event (baskets up to 200 lines): ${Math.round((reps * events.length) / (ms / 1000)).toLocaleString("en-US")} events/s (${n} reads)`,
  );
}
