/**
 * `skiplane eval DIR`: replay DIR/log.jsonl (nobody answers prompts unless the log holds
 * `answer` lines), score the receipts against DIR/truth.jsonl, and — with `answering` — run the
 * simulator's shoppers again (from DIR/sim.json) with fusion in the loop so they answer the
 * prompts they see. Optionally sweep the accept threshold for the trade-off chart.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { z } from "zod";
import { formatIssue, readCatalogFile } from "../adapters/files/catalog-file";
import { formatJsonSyntaxError, parseJsonText } from "../adapters/files/json-syntax";
import { loadLayoutFile } from "../adapters/files/layout-file";
import { walkoutReceiptHandler } from "../app/walkout-stream/walkout-receipts";
import { WalkoutStreams } from "../app/walkout-stream/walkout-stream";
import type { Catalog } from "../domain/catalog/product";
import { priceBasket } from "../domain/pricing/price-basket";
import { DomainError } from "../domain/shared/errors";
import { sequentialIds } from "../domain/shared/ids";
import type { StoreSettings } from "../domain/store/store-settings";
import { manifestMix } from "../sim/mix-file";
import { type SimOptions, simulate, type TruthWithDecidable } from "../sim/simulator";
import { answerRatesOf, type EvidenceBound, type EvidenceBoundResult, evidenceBound } from "./evidence-bound";
import { IssueLog, type LineIssue } from "./log-reader";
import { type ReplayCounters, Replayer, replayFile } from "./replay";
import { type EvalFigures, score, type WrongExample } from "./score";
import type { TradeoffPoint } from "./tradeoff-chart";
import { type EvalReceipt, type EvalTruth, readTruthFile } from "./truth-file";

export type EvalMode = "replay" | "answering";

export interface ModeResult {
  mode: EvalMode;
  threshold: number;
  figures: EvalFigures;
  counters: ReplayCounters;
  fusion: Record<string, number>;
  silentExamples: WrongExample[];
  needlessExamples: WrongExample[];
  wrongExamples: WrongExample[];
  /** wall-clock seconds of the run */
  seconds: number;
  /**
   * the best any fusion that never charges what the evidence does not decide could do on this
   * evidence (src/eval/evidence-bound.ts); unavailable when the truth has no `undecidableStops`
   */
  evidenceBound?: EvidenceBoundResult;
}

export interface EvalReport {
  dir: string;
  mix?: string;
  /** the mix file sim.json names (`skiplane sim --mix-file`): its overrides are on top of `mix` */
  mixFile?: string;
  sessions: number;
  threshold: number;
  modes: ModeResult[];
  sweep: Record<string, TradeoffPoint[]>;
  issues: {
    log: { counts: Record<string, number>; examples: LineIssue[] };
    truth: { counts: Record<string, number>; examples: LineIssue[] };
  };
  /** sessions in the truth with no session in the log, and sessions in the log with no truth */
  unmatched: { truthWithoutLog: string[]; logWithoutTruth: string[] };
  /** what went wrong beside the lines (a broken sim.json) and what the figures lost by it */
  warnings?: string[];
}

const manifestSchema = z.object({
  seed: z.number().int(),
  sessions: z.number().int().positive(),
  carts: z.number().int().positive(),
  mix: z.string(),
  /** a mix file's overrides on top of `mix` (checked by manifestMix), and the file's name */
  mixOverrides: z.unknown().optional(),
  mixFile: z.string().optional(),
  store: z.string().min(1),
  answering: z.boolean().optional(),
});
export type SimManifestIn = z.infer<typeof manifestSchema>;

/** DIR/sim.json, or undefined when there is none; a broken one throws, naming the file and the problem */
export function readManifest(dir: string): SimManifestIn | undefined {
  const r = checkManifest(dir);
  if (r.problem !== undefined) throw new Error(r.problem);
  return r.manifest;
}

/**
 * DIR/sim.json, if there is one: the manifest, nothing (no file), or what is wrong with it
 * (`problem` names the file and, for broken JSON, the line and column).
 */
export function checkManifest(dir: string): { manifest?: SimManifestIn; problem?: string } {
  const p = join(dir, "sim.json");
  if (!existsSync(p)) return {};
  let text: string;
  try {
    text = readFileSync(p, "utf8");
  } catch (err) {
    return { problem: `cannot read ${p}: ${(err as Error).message}` };
  }
  const j = parseJsonText(text);
  if (!j.ok) return { problem: `${p} is not valid JSON: ${formatJsonSyntaxError(j)}` };
  const r = manifestSchema.safeParse(j.data);
  if (!r.success)
    return {
      problem: `${p} is not a simulation manifest: ${r.error.issues
        .slice(0, 5)
        .map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`)
        .join("; ")}`,
    };
  return { manifest: r.data };
}

/** why a truth line cannot be priced with this catalog and store (then it cannot be scored) */
export function truthPricingProblem(
  t: EvalTruth,
  catalog: Catalog,
  settings: StoreSettings,
): string | undefined {
  try {
    priceBasket(t, catalog, settings);
    return undefined;
  } catch (err) {
    if (!(err instanceof DomainError)) throw err;
    return `session ${t.session} cannot be priced with catalog.json (${err.message}); not scored`;
  }
}

export function loadDirCatalog(dir: string): Catalog {
  const r = readCatalogFile(join(dir, "catalog.json"));
  if (!r.ok)
    throw new Error(`invalid catalog ${join(dir, "catalog.json")}:\n${r.issues.map(formatIssue).join("\n")}`);
  return r.catalog;
}

export async function runReplayMode(
  dir: string,
  catalog: Catalog,
  settings: StoreSettings,
  truths: TruthWithDecidable[] | ReturnType<typeof readTruthFile>,
  threshold: number,
  timing = true,
): Promise<{ result: ModeResult; issues: IssueLog; receipts: EvalReceipt[] }> {
  const t0 = Date.now();
  // a walk-out store (DIR/layout.json): its gate/track/plate events go to the walk-out streams
  const layoutPath = join(dir, "layout.json");
  const layout = existsSync(layoutPath) ? loadLayoutFile(layoutPath) : undefined;
  const storeHandler = layout
    ? walkoutReceiptHandler(
        (store) => new WalkoutStreams({ catalog, layout, ids: sequentialIds(), store }),
        catalog,
        settings,
        { keepDecisions: false },
      )
    : undefined;
  const r = await replayFile(join(dir, "log.jsonl"), {
    catalog,
    settings,
    fusionConfig: { acceptThreshold: threshold },
    timing,
    storeHandler,
  });
  const s = score(truths, r.receipts, { catalog, settings }, r.latencies);
  return {
    result: {
      mode: "replay",
      threshold,
      figures: s.figures,
      counters: r.counters,
      fusion: r.fusion,
      silentExamples: s.silentExamples,
      needlessExamples: s.needlessExamples,
      wrongExamples: s.wrongExamples,
      seconds: (Date.now() - t0) / 1000,
      evidenceBound: evidenceBound(truths, "replay"),
    },
    issues: r.issues,
    receipts: r.receipts,
  };
}

/**
 * Runs the manifest's simulation again (same seed, same plans) with `sink` as the simulator's sink;
 * `answering`: shoppers answer the prompts of the sink (its prompts reach them through the
 * simulator). Returns the truth of each session.
 */
export function simulateManifest(
  m: SimManifestIn,
  catalog: Catalog,
  o: { sink?: SimOptions["sink"]; answering?: boolean },
): TruthWithDecidable[] {
  const mix = manifestMix(m);
  if (!mix) throw new Error(`sim.json: unknown mix ${m.mix}`);
  const truths: TruthWithDecidable[] = [];
  simulate(
    {
      catalog,
      mix,
      sessions: m.sessions,
      seed: m.seed,
      carts: m.carts,
      store: m.store,
      ...(o.answering ? { answering: true } : {}),
      sink: o.sink,
    },
    () => {},
    (t) => truths.push(t),
  );
  return truths;
}

/**
 * Runs the manifest's simulation again with shoppers who answer the prompts: `sink` is the fusion
 * they answer (its prompts reach them through the simulator); returns the truth of each session.
 */
export function simulateAnswering(
  m: SimManifestIn,
  catalog: Catalog,
  sink: NonNullable<SimOptions["sink"]>,
): TruthWithDecidable[] {
  return simulateManifest(m, catalog, { answering: true, sink });
}

export function runAnsweringMode(
  m: SimManifestIn,
  catalog: Catalog,
  settings: StoreSettings,
  threshold: number,
  timing = true,
): ModeResult {
  const t0 = Date.now();
  const rp = new Replayer({ catalog, settings, fusionConfig: { acceptThreshold: threshold }, timing });
  const truths = simulateAnswering(m, catalog, (e) => rp.ingest(e));
  const receipts = rp.finish();
  const s = score(truths, receipts, { catalog, settings }, rp.latencies);
  const mix = manifestMix(m);
  return {
    mode: "answering",
    threshold,
    figures: s.figures,
    counters: rp.counters,
    fusion: rp.fusionCounters(),
    silentExamples: s.silentExamples,
    needlessExamples: s.needlessExamples,
    wrongExamples: s.wrongExamples,
    seconds: (Date.now() - t0) / 1000,
    evidenceBound: evidenceBound(truths, "answering", mix ? answerRatesOf(mix.shoppers) : undefined),
  };
}

export interface EvaluateOptions {
  dir: string;
  settings: StoreSettings;
  threshold: number;
  answering: boolean;
  /** also replay without answering (default true) */
  replay?: boolean;
  sweep: number[];
  progress?: (msg: string) => void;
}

export async function evaluateDir(o: EvaluateOptions): Promise<EvalReport> {
  const catalog = loadDirCatalog(o.dir);
  const truthIssues = new IssueLog();
  const truths = readTruthFile(join(o.dir, "truth.jsonl"), truthIssues, (t) =>
    truthPricingProblem(t, catalog, o.settings),
  );
  const { manifest, problem } = checkManifest(o.dir);
  const warnings: string[] = [];
  if (problem !== undefined) {
    // the manifest is how answering shoppers are re-simulated; a replay needs only its mix
    if (o.answering) throw new Error(`${problem}\n--answering re-simulates the shoppers from it`);
    warnings.push(
      `${problem} — evaluated without it${
        existsSync(join(o.dir, "layout.json"))
          ? ""
          : ": the mix it names is unknown, so the figures are held to the standard mix's targets"
      }`,
    );
  }
  const say = o.progress ?? (() => {});
  const modes: ModeResult[] = [];
  const sweep: Record<string, TradeoffPoint[]> = {};
  const addPoint = (mode: EvalMode, p: TradeoffPoint) => {
    sweep[mode] = [...(sweep[mode] ?? []), p];
  };
  let logIssues = new IssueLog();
  let unmatched: EvalReport["unmatched"] = { truthWithoutLog: [], logWithoutTruth: [] };

  if (o.replay !== false) {
    say(`replaying ${join(o.dir, "log.jsonl")} at threshold ${o.threshold}`);
    const r = await runReplayMode(o.dir, catalog, o.settings, truths, o.threshold);
    modes.push(r.result);
    logIssues = r.issues;
    const inLog = new Set(r.receipts.map((x) => x.session));
    const inTruth = new Set(truths.map((t) => t.session));
    unmatched = {
      truthWithoutLog: truths.filter((t) => !inLog.has(t.session)).map((t) => t.session),
      logWithoutTruth: r.receipts.filter((x) => !inTruth.has(x.session)).map((x) => x.session),
    };
    for (const th of o.sweep) {
      say(`sweep (replay): threshold ${th}`);
      const s =
        th === o.threshold
          ? r.result
          : (await runReplayMode(o.dir, catalog, o.settings, truths, th, false)).result;
      addPoint("replay", point(th, s.figures));
    }
  }
  if (o.answering) {
    if (!manifest)
      throw new Error(`${join(o.dir, "sim.json")} is missing: answering shoppers are re-simulated from it`);
    say(`simulating answering shoppers (${manifest.sessions} sessions) at threshold ${o.threshold}`);
    const a = runAnsweringMode(manifest, catalog, o.settings, o.threshold);
    modes.push(a);
    for (const th of o.sweep) {
      say(`sweep (answering): threshold ${th}`);
      const s = th === o.threshold ? a : runAnsweringMode(manifest, catalog, o.settings, th, false);
      addPoint("answering", point(th, s.figures));
    }
  }
  return {
    dir: o.dir,
    // a walk-out store's log (DIR/layout.json) is scored against the walk-out targets
    mix: manifest?.mix ?? (existsSync(join(o.dir, "layout.json")) ? "walkout" : undefined),
    ...(manifest?.mixFile === undefined ? {} : { mixFile: manifest.mixFile }),
    sessions: truths.length,
    threshold: o.threshold,
    modes,
    sweep,
    issues: {
      log: { counts: logIssues.counts, examples: logIssues.examples },
      truth: { counts: truthIssues.counts, examples: truthIssues.examples },
    },
    unmatched,
    ...(warnings.length ? { warnings } : {}),
  };
}

/** The header's mix: the named one, and the file whose overrides the sim put on top of it. */
function mixName(r: EvalReport): string {
  if (r.mix === "walkout") return "walk-out store";
  const named = `${r.mix ?? "unknown"} mix`;
  return r.mixFile === undefined ? named : `${named} + overrides from ${r.mixFile}`;
}

function point(threshold: number, f: EvalFigures): TradeoffPoint {
  return {
    threshold,
    reviewsPer1000: f.reviewsPer1000,
    silentPer1000: f.silentPer1000,
    promptsPerSession: f.promptsPerSession,
    pctRightNoHuman: f.pctRightNoHuman,
  };
}

/** the targets a run is held to (docs/evaluation.md) */
export function targetsFor(
  mix: string | undefined,
  mode: EvalMode,
): Partial<Record<keyof EvalFigures, { op: "≥" | "≤"; v: number }>> {
  // issue #7: per 1,000 visits with two to four shoppers in the store
  if (mix === "walkout") return { silentPer1000: { op: "≤", v: 5 }, reviewsPer1000: { op: "≤", v: 50 } };
  const hard = mix === "hard";
  if (mode === "replay") {
    return {
      silentPer1000: { op: "≤", v: hard ? 5 : 1 },
      needlessReviewsPer1000: { op: "≤", v: 20 },
    };
  }
  return hard
    ? { silentPer1000: { op: "≤", v: 5 }, reviewsPer1000: { op: "≤", v: 50 } }
    : {
        pctRightNoHuman: { op: "≥", v: 99.5 },
        silentPer1000: { op: "≤", v: 1 },
        reviewsPer1000: { op: "≤", v: 10 },
        promptsPerSession: { op: "≤", v: 0.2 },
      };
}

function fmt(v: number | null | undefined, digits = 2): string {
  if (v === null || v === undefined) return "–";
  return Number.isInteger(v) ? String(v) : v.toFixed(digits);
}

/** the table printed by `skiplane eval` */
export function formatReport(r: EvalReport): string {
  const cols = r.modes.map(
    (m) => `${m.mode === "replay" ? "replayed (nobody answers)" : "answering shoppers"}`,
  );
  const rows: [string, (m: ModeResult) => string, keyof EvalFigures | undefined][] = [
    ["sessions", (m) => fmt(m.figures.sessions), undefined],
    ["receipts right, no human (%)", (m) => fmt(m.figures.pctRightNoHuman, 2), "pctRightNoHuman"],
    ["receipts right (%)", (m) => fmt(m.figures.pctRight, 2), undefined],
    [
      "silent errors / 1,000 (charged wrong, not asked)",
      (m) => fmt(m.figures.silentPer1000, 2),
      "silentPer1000",
    ],
    ["  … by session (no prompt answered)", (m) => fmt(m.figures.chargeSilentPer1000, 2), undefined],
    ["  … by SKU (wrong product, no prompt answered)", (m) => fmt(m.figures.skuSilentPer1000, 2), undefined],
    [
      "charged wrong, not reviewed / 1,000 (asked or not)",
      (m) => fmt(m.figures.chargedWrongNotReviewedPer1000, 2),
      undefined,
    ],
    ["charged right, no human (%)", (m) => fmt(m.figures.pctChargeRightNoHuman, 2), undefined],
    ["reviews / 1,000", (m) => fmt(m.figures.reviewsPer1000, 1), "reviewsPer1000"],
    ["prompts / session", (m) => fmt(m.figures.promptsPerSession, 3), "promptsPerSession"],
    ["needless reviews / 1,000", (m) => fmt(m.figures.needlessReviewsPer1000, 1), "needlessReviewsPer1000"],
    ["undecidable, not reviewed / 1,000", (m) => fmt(m.figures.undecidableNotReviewedPer1000, 1), undefined],
    ["item precision", (m) => fmt(m.figures.items.precision, 4), undefined],
    ["item recall", (m) => fmt(m.figures.items.recall, 4), undefined],
    ["item F1", (m) => fmt(m.figures.items.f1, 4), undefined],
    [
      "overcharged (minor units, % of sales)",
      (m) =>
        `${m.figures.money.overcharged} (${((100 * m.figures.money.overcharged) / Math.max(1, m.figures.money.trueSales)).toFixed(3)} %)`,
      undefined,
    ],
    [
      "undercharged (minor units, % of sales)",
      (m) =>
        `${m.figures.money.undercharged} (${((100 * m.figures.money.undercharged) / Math.max(1, m.figures.money.trueSales)).toFixed(3)} %)`,
      undefined,
    ],
    [
      "decision latency p50 / p99 (ms)",
      (m) =>
        m.figures.latencyMs
          ? `${m.figures.latencyMs.p50.toFixed(3)} / ${m.figures.latencyMs.p99.toFixed(3)}`
          : "–",
      undefined,
    ],
    ["missing receipts", (m) => fmt(m.figures.missingReceipts), undefined],
    ["run time (s)", (m) => fmt(m.seconds, 1), undefined],
  ];
  const w0 = Math.max(...rows.map((x) => x[0].length));
  const ws = cols.map((c, i) => Math.max(c.length, ...rows.map((row) => cellWithTarget(r, row, i).length)));
  const line = (a: string, cs: string[]) =>
    `${a.padEnd(w0)}  ${cs.map((c, i) => c.padStart(ws[i])).join("  ")}`;
  const out = [
    `evaluation of ${r.dir} (${mixName(r)}, threshold ${r.threshold})`,
    line("", cols),
    ...rows.map((row) =>
      line(
        row[0],
        r.modes.map((_, i) => cellWithTarget(r, row, i)),
      ),
    ),
  ];
  return [...out, ...formatEvidenceBound(r)].join("\n");
}

/**
 * The evidence bound beneath the table, one column per mode: the figures of a fusion that accepts
 * every decided stop right and asks one prompt per undecided one (src/eval/evidence-bound.ts),
 * each targeted figure marked "reachable" or "bound misses target".
 */
export function formatEvidenceBound(r: EvalReport): string[] {
  if (r.modes.length === 0 || r.mix === "walkout") return [];
  const bounds = r.modes.map((m) => m.evidenceBound);
  if (bounds.every((b) => !b?.available)) {
    const why = bounds.find((b) => b && !b.available);
    return [`evidence bound: unavailable${why && !why.available ? ` (${why.reason})` : ""}`];
  }
  const cols = r.modes.map((m) => (m.mode === "replay" ? "replayed (nobody answers)" : "answering shoppers"));
  const sd = (v: number, s: number, d: number) =>
    s > 0 ? `${v.toFixed(d)} ± ${s.toFixed(d)}` : v.toFixed(d);
  type Row = [string, (b: EvidenceBound) => string, keyof EvidenceBound | undefined];
  const rows: Row[] = [
    ["undecidable stops / session (k)", (b) => b.promptsPerSession.toFixed(3), undefined],
    ["sessions with k ≥ 1 (%)", (b) => ((100 * b.undecidableSessions) / b.sessions).toFixed(2), undefined],
    ["receipts right, no human (%)", (b) => sd(b.pctRightNoHuman, b.pctRightNoHumanSd, 2), "pctRightNoHuman"],
    ["silent errors / 1,000", (b) => String(b.silentPer1000), "silentPer1000"],
    ["charged wrong after a wrong answer / 1,000", (b) => b.wrongAskedPer1000.toFixed(1), undefined],
    ["reviews / 1,000", (b) => sd(b.reviewsPer1000, b.reviewsPer1000Sd, 1), "reviewsPer1000"],
    ["prompts / session", (b) => b.promptsPerSession.toFixed(3), "promptsPerSession"],
    ["needless reviews / 1,000", (b) => String(b.needlessReviewsPer1000), "needlessReviewsPer1000"],
    ["undecidable, not reviewed / 1,000", (b) => b.undecidableNotReviewedPer1000.toFixed(1), undefined],
  ];
  const cell = (row: Row, i: number): string => {
    const b = bounds[i];
    if (!b?.available) return "unavailable";
    const v = row[1](b);
    const key = row[2];
    const t = key ? targetsFor(r.mix, r.modes[i].mode)[key as keyof EvalFigures] : undefined;
    if (!key || !t) return v;
    const x = b[key] as number;
    const ok = t.op === "≥" ? x >= t.v : x <= t.v;
    return `${v} ${ok ? "reachable" : "bound misses target"} (${t.op}${t.v})`;
  };
  const w0 = Math.max(...rows.map((x) => x[0].length));
  const ws = cols.map((c, i) => Math.max(c.length, ...rows.map((row) => cell(row, i).length)));
  const line = (a: string, cs: string[]) =>
    `${a.padEnd(w0)}  ${cs.map((c, i) => c.padStart(ws[i])).join("  ")}`;
  const rates = bounds.find((b) => b?.available && b.answerRates) as EvidenceBound | undefined;
  const ar = rates?.answerRates;
  return [
    "",
    "best any fusion could do on this evidence (evidence bound: every decided stop accepted right, one prompt",
    `per undecided stop; answering: expected over the shoppers' answers${
      ar
        ? ` at ${fmtPct(ar.right)} right / ${fmtPct(ar.wrong)} wrong / ${fmtPct(ar.none)} none, ± one sd of a draw`
        : ""
    }; docs/evaluation.md)`,
    line("", cols),
    ...rows.map((row) =>
      line(
        row[0],
        r.modes.map((_, i) => cell(row, i)),
      ),
    ),
  ];
}

function fmtPct(p: number): string {
  return `${Math.round(p * 1000) / 10} %`;
}

function cellWithTarget(
  r: EvalReport,
  row: [string, (m: ModeResult) => string, keyof EvalFigures | undefined],
  i: number,
): string {
  const m = r.modes[i];
  const v = row[1](m);
  const key = row[2];
  if (!key) return v;
  const t = targetsFor(r.mix, m.mode)[key];
  if (!t) return v;
  const x = m.figures[key] as number | null;
  if (x === null) return v;
  const ok = t.op === "≥" ? x >= t.v : x <= t.v;
  return `${v} ${ok ? "ok" : "MISS"} (${t.op}${t.v})`;
}
