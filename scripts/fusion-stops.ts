/**
 * Which shelf stops fusion asks about, against what the shopper did there and whether the
 * simulator calls the stop decided. Re-simulates DIR (same seed, same plans: the log of a replayed
 * run is the simulator's own output) with the fusion core of each cart as the simulator's sink and
 * nobody answering, maps each prompt to the stop whose weight step came last before it, and tallies
 * prompts on decided stops (the needless ones) by stop kind and by why fusion asked.
 * --all also counts prompts on decided stops of undecided sessions; --blank tallies the stops the
 * camera showed only blank or faint (top p under 0.45), nothing scanned: what went in (a personal
 * item or merchandise), whether it weighs like a product, and what the simulator judged.
 * A development aid: reads the simulator, changes nothing.
 * Run: npx tsx scripts/fusion-stops.ts DIR [--show N] [--all] [--blank]
 */

import type { Evidence } from "../src/domain/basket/basket.events";
import { loadDirCatalog, readManifest, simulateManifest } from "../src/eval/evaluate";
import type { Action, SessionPlan } from "../src/sim/actions";
import { SIM_FILES, scriptCommand, storeDir } from "./script-command";
import { evidenceText, promptingSink, stopAt, type TracedStop, traceStops } from "./stop-trace";

const command = scriptCommand(
  "fusion-stops",
  "Which shelf stops fusion asks about, against what was done there.",
)
  .argument("<dir>", "a simulated store (skiplane sim --out DIR)")
  .option("--show <n>", "examples per row (default 5)")
  .option("--all", "count prompts on decided stops of undecided sessions too")
  .option("--blank", "tally the stops the camera showed only blank or faint")
  .parse();
const opts = command.opts<{ show?: string; all?: boolean; blank?: boolean }>();
const dir = storeDir("fusion-stops", command.args[0], SIM_FILES);
const show = Number(opts.show ?? 5);
const m = readManifest(dir);
if (!m) throw new Error(`${dir}: sim.json missing`);
const catalog = loadDirCatalog(dir);

interface Stop extends TracedStop {
  /** top p of each sighting (0 for an empty one), scans and codes */
  tops: number[];
  reads: number;
  /** the weight of the stop's load matches some product (the simulator's matchesAnyProduct) */
  matches?: boolean;
}
interface Run {
  plan: SessionPlan;
  stops: Stop[];
  prompts: { at: number; ev?: Evidence; text: string; kind: string }[];
}
const done: { run: Run; undecidable: string[] }[] = [];
const current = traceStops<Stop, Run>({
  begin: (p, sim) => {
    const run: Run = {
      plan: p,
      stops: p.actions.map((action, index) => ({ index, action, lines: [], tops: [], reads: 0 })),
      prompts: [],
    };
    const amb = (sim as { amb: { matchesAnyProduct(g: number): boolean } }).amb;
    for (const st of run.stops) {
      const a = st.action;
      const g =
        a.kind === "bag" ? a.grams : a.kind === "add" ? a.units.reduce((x, u) => x + u.grams, 0) : undefined;
      if (g !== undefined) st.matches = amb.matchesAnyProduct(g);
    }
    return run;
  },
  end: (run, r) => {
    done.push({ run, undecidable: r.undecidable });
  },
  sent: (s, ev) => {
    if (ev.type === "vision") s.tops.push(Math.max(0, ...(ev.candidates ?? []).map((c) => c.p)));
    if (ev.type === "barcode" || ev.type === "plu") s.reads++;
  },
});
const sink = promptingSink(catalog, (cart, be, ev) => {
  current.get(cart)?.prompts.push({ at: be.at, ev, text: be.prompt.text, kind: be.prompt.kind });
});
simulateManifest(m, catalog, { sink });

const cause = (ev: Evidence | undefined): string => {
  if (!ev) return "no line";
  const h = ev.hypotheses;
  const seen = ev.summary.includes("camera saw");
  if (ev.summary.includes("nothing identified")) return "remainder";
  if (h[0]?.label.startsWith("not merchandise")) return seen ? "not merch (seen)" : "not merch (unseen)";
  if (!seen && ev.scans.length === 0 && ev.plu.length === 0) return "weight only";
  const one = (l: string) => /^1 × [^+]+$/.test(l);
  if (h.length > 1 && one(h[0].label) && one(h[1].label)) return "two singles";
  if (h.length > 1 && h[0].label.includes("+") !== h[1].label.includes("+")) return "one vs several";
  if (/ g$/.test(h[0]?.label ?? "")) return "weighed";
  return "other";
};
const describe = (a: Action): string => {
  switch (a.kind) {
    case "add":
      return `add ${a.units.map((u) => `${u.sku} ${u.grams.toFixed(1)}`).join(" + ")}${a.together ? " together" : ""}${a.scan ? " scanned" : ""}${a.child ? " child" : ""}`;
    case "remove":
      return `remove ${a.units.map((u) => u.sku).join(" + ")}`;
    case "produce":
      return `produce ${a.sku} ${a.grams} ${a.entry}`;
    case "bag":
      return `bag ${a.grams} g`;
    default:
      return a.kind;
  }
};
const kindOf = (a: Action): string => {
  if (a.kind === "add") {
    const skus = new Set(a.units.map((u) => u.sku));
    return `add${a.scan ? " scanned" : ""}${a.units.length > 1 ? (skus.size > 1 ? " mixed" : " n×one") : " one"}${a.together ? " together" : ""}`;
  }
  return a.kind;
};
const tally = new Map<string, number>();
const ex = new Map<string, string[]>();
let needlessSessions = 0;
let promptsDecided = 0;
let promptsAll = 0;
for (const { run, undecidable } of done) {
  const undecidedStops = new Set(undecidable.map((w) => Number(/\(stop (\d+):/.exec(w)?.[1]) - 1));
  const sessionDecided = undecidedStops.size === 0;
  if (sessionDecided && run.prompts.length) needlessSessions++;
  for (const p of run.prompts) {
    promptsAll++;
    const stop = stopAt(run.stops, p.at);
    if (stop && undecidedStops.has(stop.index)) continue;
    if (!opts.all && !sessionDecided) continue;
    promptsDecided++;
    const wrongDir = stop?.lines.some((l) => l.startsWith(stop.action.kind === "remove" ? "vin" : "vout"))
      ? " (a sighting the other way)"
      : "";
    const key = `${stop ? kindOf(stop.action) : "before any stop"} | ${cause(p.ev)} | ${p.kind}${wrongDir}`;
    tally.set(key, (tally.get(key) ?? 0) + 1);
    const xs = ex.get(key) ?? [];
    if (xs.length < show)
      xs.push(
        `${run.plan.session} stop ${stop ? stop.index + 1 : "-"}: ${stop ? describe(stop.action) : ""} {${stop?.lines.join("; ") ?? ""}}\n        ${
          p.ev ? evidenceText(p.ev) : p.text
        }`,
      );
    ex.set(key, xs);
  }
}
console.log(
  `${dir}: ${done.length} sessions, prompts ${promptsAll}, on decided stops${opts.all ? "" : " of decided sessions"} ${promptsDecided}; decided sessions with a prompt ${needlessSessions}`,
);
for (const [k, n] of [...tally].sort((a, b) => b[1] - a[1])) {
  console.log(`${String(n).padStart(5)}  ${k}`);
  for (const x of ex.get(k) ?? []) console.log(`      ${x}`);
}

if (opts.blank) {
  // stops whose only camera evidence is blank or faint (top p under 0.45), nothing scanned or
  // keyed, and whose load weighs like a product: by truth kind and the simulator's judgement
  const t = new Map<string, number>();
  const bx = new Map<string, string[]>();
  for (const { run, undecidable } of done) {
    const und = new Set(undecidable.map((w) => Number(/\(stop (\d+):/.exec(w)?.[1]) - 1));
    for (const s of run.stops) {
      if (s.matches === undefined || s.reads > 0) continue;
      if (!(s.tops.length > 0 && s.tops.every((p) => p < 0.45))) continue;
      const k = `${s.action.kind}${s.action.kind === "add" ? (s.action.units.length > 1 ? " several" : " one") : ""} | weight ${s.matches ? "matches a product" : "matches none"} | ${und.has(s.index) ? "undecided" : "decided"}`;
      t.set(k, (t.get(k) ?? 0) + 1);
      const xs = bx.get(k) ?? [];
      if (xs.length < show)
        xs.push(`${run.plan.session} stop ${s.index + 1}: ${describe(s.action)} {${s.lines.join("; ")}}`);
      bx.set(k, xs);
    }
  }
  console.log("\nstops seen only blank or faint, nothing scanned (truth | weight | simulator):");
  for (const [k, n] of [...t].sort((a, b) => b[1] - a[1])) {
    console.log(`${String(n).padStart(5)}  ${k}`);
    for (const x of bx.get(k) ?? []) console.log(`      ${x}`);
  }
}
