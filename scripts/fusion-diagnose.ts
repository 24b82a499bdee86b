/**
 * Diagnose fusion on a simulated store: replays DIR/log.jsonl cart by cart through the fusion
 * core alone (no pricing, nobody answers) and tallies what it decided, by kind and by the
 * hypothesis that won, against DIR/truth.jsonl. A development aid for tuning FusionConfig.
 *
 * `--residual`: the weight residual on lines identified beyond doubt (one unit added, one scan
 * and one sighting going in whose top is that product, the winning explanation at posterior
 * ≥ 0.999): delta − the catalog's unit mean, in grams and in the model's sd
 * (sqrt(unit sd² + scaleNoiseSdG² + sd(delta)²)). A unit's own weight is drawn around the mean,
 * so the median is the scale's bias: what the detector leaves unsettled at commit.
 *
 * Run: npx tsx scripts/fusion-diagnose.ts DIR [--threshold 0.95] [--show N] [--residual]
 */

import { readFileSync } from "node:fs";
import { join } from "node:path";
import { loadCatalogFile } from "../src/adapters/files/catalog-file";
import { perCartIds } from "../src/app/cart-stream/cart-stream";
import type { BasketEvent } from "../src/domain/basket/basket.events";
import type { CartEvent } from "../src/domain/events/sensor-events";
import { createCartFusion } from "../src/domain/fusion/cart-fusion";
import { DEFAULT_FUSION_CONFIG } from "../src/domain/fusion/fusion.config";
import type { CartFusion } from "../src/domain/fusion/fusion.types";
import { sequentialIds } from "../src/domain/shared/ids";
import { LOG_FILES, scriptCommand, storeDir } from "./script-command";

const command = scriptCommand("fusion-diagnose", "Tallies what fusion alone decided on a store's log.")
  .argument("<dir>", "a store's log with its truth (skiplane sim --out DIR)")
  .option("--threshold <p>", "fusion's accept threshold (default: FusionConfig.acceptThreshold)")
  .option("--show <n>", "examples per kind (default 10)")
  .option("--session <id>", "print one session's basket events and truth, nothing else")
  .option("--causes", "no examples of unsure lines")
  .option("--residual", "the weight residual on lines identified beyond doubt")
  .parse();
const opts = command.opts<{
  threshold?: string;
  show?: string;
  session?: string;
  causes?: boolean;
  residual?: boolean;
}>();
const dir = storeDir("fusion-diagnose", command.args[0], LOG_FILES);
const threshold = Number(opts.threshold ?? DEFAULT_FUSION_CONFIG.acceptThreshold);
const show = Number(opts.show ?? 10);
const only = opts.session;
const catalog = loadCatalogFile(join(dir, "catalog.json"));
const ids = perCartIds(sequentialIds());
const fusions = new Map<string, CartFusion>();
const bySession = new Map<string, BasketEvent[]>();
const current = new Map<string, string>();
for (const line of readFileSync(join(dir, "log.jsonl"), "utf8").split("\n")) {
  if (!line) continue;
  const e = JSON.parse(line) as CartEvent;
  if (!("cart" in e)) continue;
  let f = fusions.get(e.cart);
  if (!f) {
    f = createCartFusion({
      catalog,
      ids: ids(e.cart),
      store: e.store,
      cart: e.cart,
      config: { acceptThreshold: threshold },
    });
    fusions.set(e.cart, f);
  }
  if (e.type === "session.start") current.set(e.cart, e.session);
  const r = f.ingest(e);
  const s = current.get(e.cart);
  if (s && r.events.length) {
    if (!bySession.has(s)) bySession.set(s, []);
    bySession.get(s)!.push(...r.events);
  }
}
const tally = new Map<string, number>();
const examples = new Map<string, string[]>();
const bump = (k: string, ex?: string) => {
  tally.set(k, (tally.get(k) ?? 0) + 1);
  if (ex) {
    if (!examples.has(k)) examples.set(k, []);
    const xs = examples.get(k)!;
    if (xs.length < show) xs.push(ex);
  }
};
/** why a prompt went up, from the evidence of the change it is about */
const cause = (
  ev:
    | {
        summary: string;
        vision: unknown[];
        scans: unknown[];
        plu: unknown[];
        hypotheses: { label: string; posterior: number }[];
      }
    | undefined,
): string => {
  if (!ev) return "no line (nothing worth guessing)";
  const h = ev.hypotheses;
  const seen = ev.summary.includes("camera saw");
  if (ev.summary.includes("nothing identified")) return "remainder";
  if (h[0]?.label.startsWith("not merchandise"))
    return seen ? "not merchandise? (seen)" : "not merchandise? (unseen)";
  if (!seen && ev.scans.length === 0 && ev.plu.length === 0) return "weight only (camera missed)";
  const one = (l: string) => /^1 × [^+]+$/.test(l);
  if (h.length > 1 && one(h[0].label) && one(h[1].label)) return "two single products compete (look-alikes?)";
  if (h.length > 1 && h[0].label.includes("+") !== h[1].label.includes("+")) return "one product vs several";
  if (/ g$/.test(h[0]?.label ?? "")) return "weighed produce";
  return "other";
};
const promptLines = new Map<string, string>();
for (const [session, evs] of bySession) {
  const evidenceOf = new Map<string, Parameters<typeof cause>[0]>();
  for (const e of evs) {
    if (e.type === "ItemAdded" || e.type === "ItemRemoved") evidenceOf.set(e.lineId, e.evidence);
    if (e.type === "PromptRaised") {
      bump(`prompt ${e.prompt.kind}`);
      const c = cause(evidenceOf.get(e.prompt.lineIds[0] ?? ""));
      const ev = evidenceOf.get(e.prompt.lineIds[0] ?? "");
      bump(
        `prompt cause: ${c}`,
        `${session}: ${ev?.summary ?? e.prompt.text}  [${(ev?.hypotheses ?? [])
          .slice(0, 3)
          .map((x) => `${x.label} ${x.posterior}`)
          .join(" | ")}]`,
      );
      promptLines.set(e.prompt.id, c);
    }
    if (e.type === "ItemAdded" || e.type === "ItemRemoved") {
      const top = e.evidence.hypotheses
        .slice(0, 3)
        .map((h) => `${h.label} ${h.posterior}`)
        .join(" | ");
      bump(
        `${e.type} ${e.status}`,
        e.status === "unsure" && !opts.causes ? `${session}: ${e.evidence.summary}  [${top}]` : undefined,
      );
    }
    if (e.type === "ReviewRequested")
      bump(`review: ${e.reason.replace(/[−+]?\d+(\.\d+)? g/g, "# g").replace(/: Weight.*/, "")}`);
  }
}
if (only) {
  for (const e of bySession.get(only) ?? []) {
    const ev = e.type === "ItemAdded" || e.type === "ItemRemoved" ? e.evidence : undefined;
    const rest = { ...e } as Record<string, unknown>;
    delete rest.evidence;
    console.log(JSON.stringify(rest));
    if (ev)
      console.log(
        `    ${ev.summary}  [${ev.hypotheses.map((h) => `${h.label} ${h.posterior}`).join(" | ")}]`,
      );
  }
  const truth = readFileSync(join(dir, "truth.jsonl"), "utf8")
    .split("\n")
    .find((l) => l.includes(`"${only}"`));
  console.log(`truth: ${truth}`);
  process.exit(0);
}
console.log(`sessions ${bySession.size}, threshold ${threshold}`);
for (const [k, n] of [...tally].sort()) console.log(`${String(n).padStart(6)}  ${k}`);
for (const [k, xs] of examples) {
  console.log(`\n${k}:`);
  for (const x of xs) console.log(`  ${x}`);
}
if (opts.residual) {
  const res: number[] = [];
  const zs: number[] = [];
  for (const evs of bySession.values())
    for (const e of evs) {
      if (e.type !== "ItemAdded" || (e.qty ?? 1) !== 1 || e.grams !== undefined) continue;
      const ev = e.evidence;
      const w = catalog.bySku.get(e.sku)?.weight;
      if (!w || !ev.change || (ev.hypotheses[0]?.posterior ?? 0) < 0.999) continue;
      if (ev.hypotheses[0].label !== `1 × ${catalog.bySku.get(e.sku)?.name}`) continue;
      if (ev.scans.length !== 1 || ev.scans[0].sku !== e.sku || ev.scans[0].grams !== undefined) continue;
      const ins = ev.vision.filter((v) => v.dir === "in" && v.candidates.length > 0);
      if (ins.length !== 1) continue;
      const top = ins[0].candidates.reduce((a, b) => (b.p > a.p ? b : a)).sku;
      if (top !== e.sku) continue;
      const r = ev.change.delta - w.mean;
      res.push(r);
      zs.push(r / Math.sqrt(w.sd ** 2 + DEFAULT_FUSION_CONFIG.scaleNoiseSdG ** 2 + ev.change.sd ** 2));
    }
  const q = (xs: number[], p: number) => {
    const s = [...xs].sort((a, b) => a - b);
    return s.length ? s[Math.min(s.length - 1, Math.floor(p * s.length))] : Number.NaN;
  };
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  const f = (x: number) => x.toFixed(2);
  console.log(
    `\nresidual on ${res.length} lines identified beyond doubt: delta − catalog mean, g: mean ${f(mean(res))}` +
      ` median ${f(q(res, 0.5))} p5 ${f(q(res, 0.05))} p10 ${f(q(res, 0.1))} p90 ${f(q(res, 0.9))} p95 ${f(q(res, 0.95))};` +
      ` in model sd: mean ${f(mean(zs))} p5 ${f(q(zs, 0.05))} p95 ${f(q(zs, 0.95))},` +
      ` beyond 3 sd ${((100 * zs.filter((z) => Math.abs(z) > 3).length) / zs.length).toFixed(1)} %`,
  );
}
const totals = [...fusions.values()].reduce(
  (a, f) => {
    for (const [k, v] of Object.entries(f.counters.signal ?? {})) a[k] = (a[k] ?? 0) + v;
    return a;
  },
  {} as Record<string, number>,
);
console.log("\nsignal counters:", JSON.stringify(totals));
