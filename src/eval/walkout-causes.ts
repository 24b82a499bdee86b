/**
 * Where walk-out reviews and silent errors come from: runs the walk-out simulator and the fusion
 * in one process (no log file: 300 visits in well under a minute instead of minutes of JSON),
 * keeps the simulator's trace of every shelf action, and gives each reviewed or wrong visit its
 * causes by matching the fusion's shelf decisions to the actions behind them (same shelf, the
 * action's moment inside the change). The receipts, reviews and item counts are the same as
 * `skiplane sim-walkout` + `skiplane eval` on the same seed (same simulator, same fusion).
 *
 *   npx tsx src/eval/walkout-causes.ts --seed 8 --visits 300 [--data DIR] [--list] [--why]
 *     [--no-hand-recognition] [--hands-always] [--any-close-meetings] [--round-trips]
 *
 * Flags: see `HELP` below (`--help`); an unknown flag is an error.
 */
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { defaultDataDir } from "../adapters/demo/data-dir";
import { parseCatalog } from "../adapters/files/catalog-file";
import { readAutocheckoutStore } from "../adapters/importers/autocheckout";
import { type WalkoutStreamResult, WalkoutStreams } from "../app/walkout-stream/walkout-stream";
import type { BasketEvent } from "../domain/basket/basket.events";
import { basketContents } from "../domain/basket/basket.state";
import type { StoreEvent, TruthLine } from "../domain/events/sensor-events";
import { sequentialIds } from "../domain/shared/ids";
import type { ShelfDecision } from "../domain/walkout/walkout.fusion";
import { simulateWalkout, type WalkoutTraceAction } from "../sim/walkout/walkout-sim";
import { compare } from "./score";

type Action = WalkoutTraceAction;

/** a walk-out visit's receipt: its contents, and whether it went to review */
export interface WalkoutReceipt {
  items: { sku: string; qty: number }[];
  review: boolean;
}

/**
 * Each visit's receipt (an empty one where none was issued) against its truth, and the item F1
 * over all visits.
 */
export function compareVisits(
  truth: TruthLine[],
  receipts: Map<string, WalkoutReceipt>,
): { f1: number; visits: { truth: TruthLine; receipt: WalkoutReceipt; c: ReturnType<typeof compare> }[] } {
  let tp = 0;
  let fp = 0;
  let fn = 0;
  const visits = truth.map((t) => {
    const receipt = receipts.get(t.session) ?? { items: [], review: false };
    const c = compare(t, { items: receipt.items, weighed: [] });
    tp += c.tp;
    fp += c.fp;
    fn += c.fn;
    return { truth: t, receipt, c };
  });
  return { f1: (2 * tp) / (2 * tp + fp + fn), visits };
}

/**
 * Feeds one store event to the walk-out streams, keeping the shelf decisions and, for each visit
 * that ends, its receipt; the ended visit's basket is released. Returns the streams' result.
 */
export function ingestKeeping(
  ws: WalkoutStreams,
  e: StoreEvent,
  decisions: ShelfDecision[],
  receipts: Map<string, WalkoutReceipt>,
): WalkoutStreamResult {
  const r = ws.ingest(e);
  decisions.push(...(r.decisions ?? []));
  for (const { session } of r.ended ?? []) {
    const st = ws.basket(session)!;
    receipts.set(session, {
      items: basketContents(st).items,
      review: st.cases.size > 0 || st.resolvedCases.length > 0,
    });
    ws.release(session);
  }
  return r;
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
  /**
   * the fusion's meeting rule before decision 0133: any two hands within 0.3 m away from the
   * shelves are a meeting (`handoffHeldOut: undefined`); default: held out towards each other
   */
  anyCloseMeetings?: boolean;
  /** the shelf detector reports round trips (shelf-detector.ts, 7; off by default) */
  roundTrips?: boolean;
  /** the fusion's config overrides of helper 82's two rules (`false` = before them) */
  camerasWeighClearHands?: boolean;
  pairOpenUnsure?: boolean;
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
    config: {
      ...(o.anyCloseMeetings ? { handoffHeldOut: undefined } : {}),
      ...(o.roundTrips ? { detector: { roundTrips: true } } : {}),
      ...(o.camerasWeighClearHands === false ? { camerasWeighClearHands: false } : {}),
      ...(o.pairOpenUnsure === false ? { pairOpenUnsure: false } : {}),
    },
  });
  const shopperOf = new Map<string, string>();
  const events = new Map<string, BasketEvent[]>();
  const decisions: ShelfDecision[] = [];
  const receipts = new Map<string, WalkoutReceipt>();
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
      const r = ingestKeeping(ws, e, decisions, receipts);
      for (const { session, events: es } of r.events)
        events.set(session, [...(events.get(session) ?? []), ...es]);
    },
    (t) => truth.push(t),
  );
  const decisionOf = (e: BasketEvent) => {
    if (e.type !== "ItemAdded" && e.type !== "ItemRemoved") return undefined;
    const ch = e.evidence?.change;
    return ch ? decisions.find((d) => d.change.endT === ch.endT && d.change.delta === ch.delta) : undefined;
  };
  const scored = compareVisits(truth, receipts);
  const list: VisitCauses[] = [];
  for (const { truth: t, receipt: r, c } of scored.visits) {
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
    f1: scored.f1,
    causes: count((v) => v.causes),
    primary: count((v) => v.causes.slice(0, 1)),
    list,
    handovers: sim.actions.handoff ?? 0,
    gestures: sim.gestures,
  };
}

export const HELP = `Where walk-out reviews and silent errors come from: simulates a walk-out store and runs the
fusion on it, then gives each reviewed or wrong visit its causes.

usage: npx tsx src/eval/walkout-causes.ts [options]

  --seed N                simulator seed (default 7)
  --visits N              visits to simulate (default 300)
  --data DIR              shared data directory with autocheckout-cps-test-01
                          (default: SKIPLANE_DATA_DIR, else ../shared/data)
  --list                  one line per reviewed or wrong visit, with its causes
  --why                   --list, plus each review's reason and its lines' evidence
  --no-hand-recognition   the simulator leaves out what the cameras recognise in a hand
  --hands-always          the simulator reports every hand throughout the visit (default: only at
                          shelves and hand-overs)
  --any-close-meetings    the fusion's meeting rule before decision 0133: any two hands within
                          0.3 m away from the shelves (default: hands held out towards each other)
  --held-out-meetings     accepted for older commands: the default since decision 0133
  --round-trips           the shelf detector reports an item put back and taken again before the
                          shelf settled as two changes (decision 0133; off by default)
  --cameras-weigh-clear-hands on|off
                          the cameras' readings also weigh a one-unit change the hands' positions
                          alone gave to one shopper (camerasWeighClearHands)
  --pair-open-unsure on|off
                          two units the pair hypotheses left open are not given to the nearer hand
                          (pairOpenUnsure)
  -h, --help              this text
`;

export interface CausesArgs {
  seed: number;
  visits: number;
  dataDir: string;
  handRecognition: boolean;
  handsAlways: boolean;
  anyCloseMeetings: boolean;
  roundTrips: boolean;
  camerasWeighClearHands?: boolean;
  pairOpenUnsure?: boolean;
  list: boolean;
  why: boolean;
}

/** the command line, checked: `"help"` for --help; an unknown flag or a bad number throws */
export function parseCausesArgs(argv: string[]): CausesArgs | "help" {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    allowPositionals: false,
    options: {
      seed: { type: "string", default: "7" },
      visits: { type: "string", default: "300" },
      data: { type: "string" },
      list: { type: "boolean", default: false },
      why: { type: "boolean", default: false },
      "no-hand-recognition": { type: "boolean", default: false },
      "hands-always": { type: "boolean", default: false },
      "any-close-meetings": { type: "boolean", default: false },
      "held-out-meetings": { type: "boolean", default: false },
      "round-trips": { type: "boolean", default: false },
      "cameras-weigh-clear-hands": { type: "string" },
      "pair-open-unsure": { type: "string" },
      help: { type: "boolean", short: "h", default: false },
    },
  });
  if (values.help) return "help";
  const seed = Number(values.seed);
  const visits = Number(values.visits);
  if (!Number.isInteger(seed)) throw new Error(`--seed: a whole number, not ${values.seed}`);
  if (!Number.isInteger(visits) || visits < 1)
    throw new Error(`--visits: a whole number ≥ 1, not ${values.visits}`);
  if (values["any-close-meetings"] && values["held-out-meetings"])
    throw new Error("--any-close-meetings and --held-out-meetings contradict each other");
  const onOff = (name: string, v: string | undefined): boolean | undefined => {
    if (v === undefined) return undefined;
    if (v !== "on" && v !== "off") throw new Error(`--${name}: on or off, not ${v}`);
    return v === "on";
  };
  const camerasWeighClearHands = onOff("cameras-weigh-clear-hands", values["cameras-weigh-clear-hands"]);
  const pairOpenUnsure = onOff("pair-open-unsure", values["pair-open-unsure"]);
  return {
    seed,
    visits,
    ...(camerasWeighClearHands === undefined ? {} : { camerasWeighClearHands }),
    ...(pairOpenUnsure === undefined ? {} : { pairOpenUnsure }),
    dataDir: resolve(values.data ?? defaultDataDir()),
    handRecognition: !values["no-hand-recognition"],
    handsAlways: values["hands-always"],
    anyCloseMeetings: values["any-close-meetings"],
    roundTrips: values["round-trips"],
    list: values.list || values.why,
    why: values.why,
  };
}

function main(argv: string[]): void {
  const a = parseCausesArgs(argv);
  if (a === "help") {
    process.stdout.write(HELP);
    return;
  }
  const { seed, visits, dataDir, handRecognition, handsAlways, anyCloseMeetings, roundTrips } = a;
  const r = walkoutCauses({
    ...(a.camerasWeighClearHands === undefined ? {} : { camerasWeighClearHands: a.camerasWeighClearHands }),
    ...(a.pairOpenUnsure === undefined ? {} : { pairOpenUnsure: a.pairOpenUnsure }),
    seed,
    visits,
    dataDir,
    handRecognition,
    handsAlways,
    anyCloseMeetings,
    roundTrips,
  });
  const per = (n: number) => ((1000 * n) / r.visits).toFixed(1);
  console.log(
    `seed ${seed}${handRecognition ? (handsAlways ? " (hands always)" : "") : " (no hand recognition)"}${anyCloseMeetings ? " (any close hands a meeting)" : ""}${roundTrips ? " (round trips)" : ""}${a.camerasWeighClearHands === undefined ? "" : ` (cameras weigh clear hands ${a.camerasWeighClearHands ? "on" : "off"})`}${a.pairOpenUnsure === undefined ? "" : ` (pair open unsure ${a.pairOpenUnsure ? "on" : "off"})`}, ${r.visits} visits: reviews ${r.reviews} (${per(r.reviews)} / 1,000), silent errors ${r.silent} ` +
      `(${per(r.silent)} / 1,000), item F1 ${r.f1.toFixed(4)}`,
  );
  console.log(`simulator: ${r.handovers} hand-overs, ${r.gestures} meetings of hands where nothing passed`);
  console.log("visits by first cause:");
  for (const [k, n] of Object.entries(r.primary)) console.log(`  ${String(n).padStart(3)}  ${k}`);
  console.log("visits by any cause:");
  for (const [k, n] of Object.entries(r.causes)) console.log(`  ${String(n).padStart(3)}  ${k}`);
  if (a.list)
    for (const v of r.list) {
      console.log(`${v.session} review=${v.review} ${v.diff.join(",")} | ${v.causes.join(" | ")}`);
      if (a.why) for (const w of v.why) console.log(`    ${w}`);
    }
}

if (process.argv[1]?.endsWith("walkout-causes.ts")) {
  try {
    main(process.argv.slice(2));
  } catch (err) {
    process.stderr.write(
      `walkout-causes: ${err instanceof Error ? err.message : String(err)}\n(--help lists the flags)\n`,
    );
    process.exitCode = 2;
  }
}
