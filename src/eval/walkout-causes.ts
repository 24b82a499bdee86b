/**
 * Where walk-out reviews and silent errors come from: runs the walk-out simulator and the fusion
 * in one process (no log file: 300 visits in well under a minute instead of minutes of JSON),
 * keeps the simulator's trace of every shelf action, and gives each reviewed or wrong visit its
 * causes by matching the fusion's shelf decisions to the actions behind them (same shelf, the
 * action's moment inside the change). The receipts, reviews and item counts are the same as
 * `skiplane sim-walkout` + `skiplane eval` on the same seed (same simulator, same fusion).
 *
 *   npx tsx src/eval/walkout-causes.ts --seed 8 --visits 300 [--data DIR] [--list] [--why] [--no-hand-recognition]
 *     [--hands-always] [--held-out-meetings]
 *
 * `--no-hand-recognition`: the simulator leaves out what the cameras recognise in a hand (the
 * track events' `held`), as `skiplane sim-walkout --no-hand-recognition` does.
 * `--hands-always`: the simulator reports every hand throughout the visit (`handsAlways: true`,
 * docs/walkout.md "fifth pass"), as `skiplane sim-walkout --hands-always` does; by default hands
 * are reported only at shelves and hand-overs (the log of before).
 * `--held-out-meetings`: the fusion takes two hands for a meeting only when held out towards each
 * other (`handoffHeldOut: DEFAULT_HAND_MEETING`, hand-meeting.ts; off by default).
 */
import { join, resolve } from "node:path";
import { defaultDataDir } from "../adapters/demo/data-dir";
import { parseCatalog } from "../adapters/files/catalog-file";
import { readAutocheckoutStore } from "../adapters/importers/autocheckout";
import { WalkoutStreams } from "../app/walkout-stream/walkout-stream";
import type { BasketEvent } from "../domain/basket/basket.events";
import { basketContents } from "../domain/basket/basket.state";
import type { TruthLine } from "../domain/events/sensor-events";
import { sequentialIds } from "../domain/shared/ids";
import { DEFAULT_HAND_MEETING } from "../domain/walkout/hand-meeting";
import type { ShelfDecision } from "../domain/walkout/walkout.fusion";
import { simulateWalkout } from "../sim/walkout/walkout-sim";
import { compare } from "./score";

interface Action {
  t: number;
  shopper: string;
  kind: string;
  skus: string[];
  gondola: number;
  shelf: number;
  plate: number;
}

export interface VisitCauses {
  session: string;
  review: boolean;
  diff: string[];
  causes: string[];
  /** the review's reason and the summaries of the lines it lists (`--why`) */
  why: string[];
}

export interface WalkoutCauseReport {
  visits: number;
  reviews: number;
  silent: number;
  f1: number;
  /** visits per cause (a visit may have several) */
  causes: Record<string, number>;
  /** visits per first cause */
  primary: Record<string, number>;
  list: VisitCauses[];
  /** hand-overs done and meetings of hands where nothing passed (handsAlways), in the simulator */
  handovers: number;
  gestures: number;
}

/** actions behind a decision: same shelf, the action's moment inside the change (±) */
function behind(d: ShelfDecision, actions: Action[]): Action[] {
  const c = d.change;
  return actions.filter(
    (a) =>
      a.gondola === c.gondola &&
      a.shelf === c.shelf &&
      a.t >= c.startT - 1200 &&
      a.t <= c.endT + 300 &&
      a.kind !== "touch",
  );
}

function skusOf(label: string): string[] {
  return label.split(" + ").map((x) => x.replace(/^\d+× /, ""));
}

function classify(d: ShelfDecision, e: BasketEvent, actions: Action[]): string {
  const m = behind(d, actions);
  const summary = e.type === "ItemAdded" || e.type === "ItemRemoved" ? (e.evidence?.summary ?? "") : "";
  if (summary.includes("all within reach")) {
    const actors = new Set(m.map((a) => a.shopper));
    return actors.size >= 2
      ? "attribution: two shoppers' hands at one shelf within the settle time"
      : "attribution: one actor, another shopper's hand or body too close to tell";
  }
  if (d.change.forced) return "identification: shelf never settled (20 s)";
  if (e.type === "ItemRemoved") {
    return m.some((a) => a.kind === "putback-wrong")
      ? "put-back on a wrong plate: which held item (weights close)"
      : "put-back: product or returner unsure";
  }
  if (m.length >= 2) return "identification: two actions merged in one change";
  if (m.some((a) => a.kind === "pick2" && new Set(a.skus).size === 2))
    return "identification: two different products in one change";
  const [h0, h1] = d.hypotheses;
  if (h0 && h1 && skusOf(h0.label).join() === skusOf(h1.label).join())
    return "identification: quantity tie (n vs n ± 1)";
  return "identification: weight tie between products believed on the plates (a foreign item put back, or calibration)";
}

export function walkoutCauses(o: {
  seed: number;
  visits: number;
  dataDir: string;
  handRecognition?: boolean;
  /** true: hands reported throughout the visit (2026-12-04's fifth pass); default: only at shelves and hand-overs */
  handsAlways?: boolean;
  /** the fusion's meeting test for hands reported throughout (hand-meeting.ts) */
  heldOutMeetings?: boolean;
}): WalkoutCauseReport {
  const store = readAutocheckoutStore(join(o.dataDir, "autocheckout-cps-test-01"));
  const parsed = parseCatalog(store.catalog);
  if (!parsed.ok) throw new Error("invalid catalog");
  const catalog = parsed.catalog;
  const actions: Action[] = [];
  const truth: TruthLine[] = [];
  const ws = new WalkoutStreams({
    catalog,
    layout: store.layout,
    ids: sequentialIds(),
    store: "sim",
    ...(o.heldOutMeetings ? { config: { handoffHeldOut: DEFAULT_HAND_MEETING } } : {}),
  });
  const shopperOf = new Map<string, string>();
  const events = new Map<string, BasketEvent[]>();
  const decisions: ShelfDecision[] = [];
  const receipts = new Map<string, { items: { sku: string; qty: number }[]; review: boolean }>();
  const sim = simulateWalkout(
    {
      catalog,
      layout: store.layout,
      visits: o.visits,
      seed: o.seed,
      store: "sim",
      ...(o.handRecognition === false ? { handRecognition: false as const } : {}),
      ...(o.handsAlways === true ? { handsAlways: true } : {}),
      trace: (a) => actions.push(a),
    },
    (e) => {
      if (e.type === "gate.in") shopperOf.set(e.session, e.shopper);
      const r = ws.ingest(e);
      for (const { session, events: es } of r.events)
        events.set(session, [...(events.get(session) ?? []), ...es]);
      decisions.push(...(r.decisions ?? []));
      for (const { session } of r.ended ?? []) {
        const st = ws.basket(session)!;
        receipts.set(session, {
          items: basketContents(st).items,
          review: st.cases.size > 0 || st.resolvedCases.length > 0,
        });
        ws.release(session);
      }
    },
    (t) => truth.push(t),
  );
  const decisionOf = (e: BasketEvent) => {
    if (e.type !== "ItemAdded" && e.type !== "ItemRemoved") return undefined;
    const ch = e.evidence?.change;
    return ch ? decisions.find((d) => d.change.endT === ch.endT && d.change.delta === ch.delta) : undefined;
  };
  let tp = 0;
  let fp = 0;
  let fn = 0;
  const list: VisitCauses[] = [];
  for (const t of truth) {
    const r = receipts.get(t.session) ?? { items: [], review: false };
    const c = compare(t, { items: r.items, weighed: [] });
    tp += c.tp;
    fp += c.fp;
    fn += c.fn;
    if (!r.review && c.diff.length === 0) continue;
    const causes: string[] = [];
    const evs = events.get(t.session) ?? [];
    const rr = evs.find((e) => e.type === "ReviewRequested");
    if (rr?.type === "ReviewRequested") {
      if (rr.reason.includes("hand-over")) {
        const me = shopperOf.get(t.session) ?? "";
        const real = actions.some(
          (a) => a.kind.startsWith("handoff→") && (a.shopper === me || a.kind.endsWith(me)),
        );
        causes.push(real ? "hand-over seen by the cameras" : "hands met, no hand-over");
      }
      if (rr.reason.includes("may have taken")) causes.push("named as a candidate for another visit's line");
      const ids = new Set(rr.lineIds);
      for (const e of evs) {
        if ((e.type === "ItemAdded" || e.type === "ItemRemoved") && ids.has(e.lineId)) {
          const d = decisionOf(e);
          causes.push(d ? classify(d, e, actions) : "other unsure line");
        }
      }
      if (causes.length === 0) causes.push(`other: ${rr.reason.slice(0, 60)}`);
    }
    if (!r.review) causes.push(`silent error: ${c.diff.join(", ")}`);
    const why: string[] = [];
    if (rr?.type === "ReviewRequested") {
      why.push(`reason: ${rr.reason}`);
      const ids = new Set(rr.lineIds);
      for (const e of evs)
        if ((e.type === "ItemAdded" || e.type === "ItemRemoved") && ids.has(e.lineId))
          why.push(
            `${e.type} ${e.lineId}: ${e.evidence?.summary ?? ""} [${(e.evidence?.hypotheses ?? [])
              .slice(0, 3)
              .map((h) => `${h.label} ${h.posterior}`)
              .join("; ")}]`,
          );
    } else {
      for (const e of evs)
        if (e.type === "ItemAdded" || e.type === "ItemRemoved")
          why.push(`${e.type} ${e.lineId}: ${e.evidence?.summary ?? ""}`);
    }
    list.push({ session: t.session, review: r.review, diff: c.diff, causes: [...new Set(causes)], why });
  }
  const count = (pick: (v: VisitCauses) => string[]) => {
    const m: Record<string, number> = {};
    for (const v of list) for (const k of pick(v)) m[k] = (m[k] ?? 0) + 1;
    return Object.fromEntries(Object.entries(m).sort((a, b) => b[1] - a[1]));
  };
  return {
    visits: truth.length,
    reviews: list.filter((v) => v.review).length,
    silent: list.filter((v) => !v.review).length,
    f1: (2 * tp) / (2 * tp + fp + fn),
    causes: count((v) => v.causes),
    primary: count((v) => v.causes.slice(0, 1)),
    list,
    handovers: sim.actions.handoff ?? 0,
    gestures: sim.gestures,
  };
}

function main(argv: string[]): void {
  const arg = (name: string, dflt: string) => {
    const i = argv.indexOf(name);
    return i >= 0 && argv[i + 1] ? argv[i + 1] : dflt;
  };
  const seed = Number(arg("--seed", "7"));
  const visits = Number(arg("--visits", "300"));
  const dataDir = resolve(arg("--data", defaultDataDir()));
  const handRecognition = !argv.includes("--no-hand-recognition");
  const handsAlways = argv.includes("--hands-always");
  const heldOutMeetings = argv.includes("--held-out-meetings");
  const r = walkoutCauses({ seed, visits, dataDir, handRecognition, handsAlways, heldOutMeetings });
  const per = (n: number) => ((1000 * n) / r.visits).toFixed(1);
  console.log(
    `seed ${seed}${handRecognition ? (handsAlways ? " (hands always)" : "") : " (no hand recognition)"}${heldOutMeetings ? " (held-out meetings)" : ""}, ${r.visits} visits: reviews ${r.reviews} (${per(r.reviews)} / 1,000), silent errors ${r.silent} ` +
      `(${per(r.silent)} / 1,000), item F1 ${r.f1.toFixed(4)}`,
  );
  console.log(`simulator: ${r.handovers} hand-overs, ${r.gestures} meetings of hands where nothing passed`);
  console.log("visits by first cause:");
  for (const [k, n] of Object.entries(r.primary)) console.log(`  ${String(n).padStart(3)}  ${k}`);
  console.log("visits by any cause:");
  for (const [k, n] of Object.entries(r.causes)) console.log(`  ${String(n).padStart(3)}  ${k}`);
  if (argv.includes("--list") || argv.includes("--why"))
    for (const v of r.list) {
      console.log(`${v.session} review=${v.review} ${v.diff.join(",")} | ${v.causes.join(" | ")}`);
      if (argv.includes("--why")) for (const w of v.why) console.log(`    ${w}`);
    }
}

if (process.argv[1]?.endsWith("walkout-causes.ts")) main(process.argv.slice(2));
