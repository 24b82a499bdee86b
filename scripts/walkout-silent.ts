/**
 * Every silent walk-out visit, traced: the simulator's actions of the visit's shopper and of the
 * shoppers at the same shelves around them, and each fusion decision on those shelves (change,
 * plates, hypotheses, near shoppers with body/hand distance and posterior, charged sessions), with
 * the hands' camera readings of the candidates around the change.
 *
 *   npx tsx scripts/walkout-silent.ts --seed 10 [--visits 300] [--hands-always] [--round-trips]
 */
import { join } from "node:path";
import { defaultDataDir } from "../src/adapters/demo/data-dir";
import { parseCatalog } from "../src/adapters/files/catalog-file";
import { readAutocheckoutStore } from "../src/adapters/importers/autocheckout";
import { WalkoutStreams } from "../src/app/walkout-stream/walkout-stream";
import type { StoreEvent, TruthLine } from "../src/domain/events/sensor-events";
import { sequentialIds } from "../src/domain/shared/ids";
import type { ShelfDecision } from "../src/domain/walkout/walkout.fusion";
import { compareVisits, ingestKeeping, type WalkoutReceipt } from "../src/eval/walkout-causes";
import { simulateWalkout, type WalkoutTraceAction } from "../src/sim/walkout/walkout-sim";
import { scriptCommand } from "./script-command";

const values = scriptCommand("walkout-silent", "Traces every silent walk-out visit of a simulated store.")
  .option("--seed <n>", "the simulation's seed", "7")
  .option("--visits <n>", "visits to simulate", "300")
  .option("--hands-always", "every shopper's hands are seen")
  .option("--round-trips", "the detector's round trips on")
  .option("--all", "no effect (accepted as before)")
  .parse()
  .opts<{ seed: string; visits: string; handsAlways?: boolean; roundTrips?: boolean; all?: boolean }>();
const store = readAutocheckoutStore(join(defaultDataDir(), "autocheckout-cps-test-01"));
const parsed = parseCatalog(store.catalog);
if (!parsed.ok) throw new Error("catalog");
const catalog = parsed.catalog;
const actions: WalkoutTraceAction[] = [];
const truth: TruthLine[] = [];
const tracks: Extract<StoreEvent, { type: "track" }>[] = [];
const ws = new WalkoutStreams({
  catalog,
  layout: store.layout,
  ids: sequentialIds(),
  store: "sim",
  config: values.roundTrips ? { detector: { roundTrips: true } } : {},
});
const sessionOf = new Map<string, string>();
const shopperOf = new Map<string, string>();
const decisions: ShelfDecision[] = [];
const receipts = new Map<string, WalkoutReceipt>();
simulateWalkout(
  {
    catalog,
    layout: store.layout,
    visits: Number(values.visits),
    seed: Number(values.seed),
    store: "sim",
    ...(values.handsAlways ? { handsAlways: true } : {}),
    trace: (a) => actions.push(a),
  },
  (e) => {
    if (e.type === "gate.in") {
      sessionOf.set(e.shopper, e.session);
      shopperOf.set(e.session, e.shopper);
    }
    if (e.type === "track") tracks.push(e as Extract<StoreEvent, { type: "track" }>);
    ingestKeeping(ws, e, decisions, receipts);
  },
  (t) => truth.push(t),
);
const f = (x: number) => (Number.isFinite(x) ? x.toFixed(2) : "-");
const scored = compareVisits(truth, receipts);
const reviews = scored.visits.filter((v) => v.receipt.review).length;
const silent = scored.visits.filter((v) => !v.receipt.review && v.c.diff.length > 0);
for (const { truth: t, c } of silent) {
  const diff = c.diff;
  const me = shopperOf.get(t.session)!;
  console.log(`\n=== ${t.session} (${me}) diff ${diff.join(", ")}`);
  const skus = new Set(diff.map((d) => d.replace(/^[+−-]/, "").replace(/×\d+$/, "")));
  const mine = actions.filter((a) => a.shopper === me || a.kind.endsWith(me));
  for (const a of mine)
    console.log(
      `  act ${a.t} ${a.shopper} ${a.kind} ${a.skus.join("+")} g${a.gondola}s${a.shelf}p${a.plate}`,
    );
  const hot = mine.filter((a) => a.skus.some((s) => skus.has(s)));
  for (const h of hot) {
    console.log(`  -- around ${h.kind} ${h.skus.join("+")} at ${h.t}`);
    for (const a of actions)
      if (a.gondola === h.gondola && a.shelf === h.shelf && Math.abs(a.t - h.t) < 6000 && a !== h)
        console.log(
          `    other act ${a.t} ${a.shopper}(${sessionOf.get(a.shopper)}) ${a.kind} ${a.skus.join("+")} p${a.plate}`,
        );
    for (const d of decisions) {
      const c = d.change;
      if (c.gondola !== h.gondola || c.shelf !== h.shelf || c.endT < h.t - 3000 || c.startT > h.t + 6000)
        continue;
      console.log(
        `    dec ${d.kind} ${c.startT}-${c.endT} step ${c.stepT}${c.stepClean ? "" : "?"} Δ${c.delta.toFixed(0)} plates ${c.plates.map((p) => `${p.plate}:${p.delta.toFixed(0)}`).join(" ")} amb=${d.ambiguous} sessions ${d.sessions.join(",")} ${d.reason ?? ""}`,
      );
      console.log(
        `      hyp ${d.hypotheses
          .slice(0, 3)
          .map((x) => `${x.label} ${x.posterior.toFixed(3)}`)
          .join("; ")}`,
      );
      for (const s of d.shoppers)
        console.log(
          `      near ${s.shopper}(${sessionOf.get(s.shopper)}) body ${f(s.body)} hand ${f(s.hand)} p ${s.p ?? ""}`,
        );
      for (const s of d.candidates ?? [])
        console.log(`      cand ${s.shopper} p ${s.p ?? ""} d ${f(s.distance)}`);
      const who = new Set(d.shoppers.map((s) => s.shopper));
      for (const k of tracks)
        if (who.has(k.shopper) && k.t >= c.startT - 1500 && k.t <= c.endT + 500)
          console.log(
            `      trk ${k.t} ${k.shopper} body ${k.x.toFixed(2)},${k.y.toFixed(2)} hand ${k.hand ? k.hand.map((v: number) => v.toFixed(2)).join(",") : "-"} held ${k.held ? JSON.stringify(k.held.slice(0, 2)) : "-"}`,
          );
    }
  }
}
const per = (n: number) => ((1000 * n) / truth.length).toFixed(1);
console.log(
  `\nseed ${values.seed}: ${truth.length} visits, reviews ${reviews} (${per(reviews)}), silent ${silent.length} (${per(silent.length)}), F1 ${scored.f1.toFixed(4)}`,
);
