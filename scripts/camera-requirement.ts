/**
 * What camera do issue #4's targets need? Sweeps the simulated camera — how often it puts a
 * look-alike first (`lookalikeConfusionP`) or any other product (`randomConfusionP`), how well its
 * confidence separates a right top from a confused one (the confused band's upper edge
 * `confusedTopPMax`: at 0.85 it overlaps the right band 0.70–0.99, at 0.70 it does not), how often
 * it misses an item (`visionMissP`) or a child's drop (`childMissP`), and how often it reports an
 * empty hand at a stop (`phantomPerStop`: since session 8's labels a blank sighting beside a missed
 * product is the same evidence as a personal item) — on the standard and hard mixes, simulates N sessions for each setting and prints the evidence bound
 * (src/eval/evidence-bound.ts: the best any fusion that never charges what the evidence does not
 * decide could reach) against the targets `skiplane eval` holds answering shoppers to.
 *
 * No fusion runs: the bound needs only the simulator's truth (`undecidableStops`), so a setting
 * takes seconds. What comes out is a requirement on the camera derived from the simulator's model
 * of it (docs/simulator.md, "What camera the targets need"), not a figure of fusion.
 *
 * Run: npx tsx scripts/camera-requirement.ts [--sessions 2000] [--out DIR] (--help for more)
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import { loadDemoCatalog } from "../src/adapters/demo/demo-catalog";
import { loadCatalogFile } from "../src/adapters/files/catalog-file";
import { progressBar } from "../src/cli/commands/progress";
import type { Catalog } from "../src/domain/catalog/product";
import { targetsFor } from "../src/eval/evaluate";
import { answerRatesOf, type EvidenceBound, evidenceBound } from "../src/eval/evidence-bound";
import { niceTicks } from "../src/eval/tradeoff-chart";
import { parseMixOverrides } from "../src/sim/mix-file";
import { mixByName, type SensorProfile, type SimMix } from "../src/sim/profile";
import { simulate, type TruthWithDecidable } from "../src/sim/simulator";

/** the camera parameters swept (the rest of the mix stays as it is) */
export interface CameraSetting {
  lookalikeConfusionP: number;
  confusedTopPMax: number;
  visionMissP: number;
  randomConfusionP: number;
  /** empty-hand (phantom) sightings per stop */
  phantomPerStop: number;
  /** a child's drop not seen */
  childMissP: number;
}

/** the swept parameters, in the order rows and tables give them */
export const CAMERA_KEYS = [
  "lookalikeConfusionP",
  "confusedTopPMax",
  "visionMissP",
  "randomConfusionP",
  "phantomPerStop",
  "childMissP",
] as const satisfies readonly (keyof CameraSetting)[];

/** the camera parameters of a mix's sensors */
export function cameraOf(s: SensorProfile): CameraSetting {
  return {
    lookalikeConfusionP: s.lookalikeConfusionP,
    confusedTopPMax: s.confusedTopPMax,
    visionMissP: s.visionMissP,
    randomConfusionP: s.randomConfusionP,
    phantomPerStop: s.phantomPerStop,
    childMissP: s.childMissP,
  };
}

/** the answering figures #4 targets that the bound can miss (silent errors are 0 by construction) */
export type TargetKey = "pctRightNoHuman" | "reviewsPer1000" | "promptsPerSession";

export interface TargetCheck {
  key: TargetKey;
  op: "≥" | "≤";
  target: number;
  /** the bound (answering shoppers: an expectation over their answers) */
  value: number;
  /** standard error from sampling the sessions (sd of the per-session figure / √n) */
  se: number;
  reachable: boolean;
}

export interface CameraRow {
  mix: string;
  seed: number;
  sessions: number;
  setting: CameraSetting;
  /** mean undecided stops per session, and sessions with at least one (%) */
  k: number;
  pctSessionsUndecided: number;
  answering: EvidenceBound;
  /** the targeted figures; silent errors and needless reviews are 0 in the bound, always reachable */
  checks: TargetCheck[];
  /** undecided stops by reason, as `skiplane sim` prints them */
  reasons: Record<string, number>;
}

/**
 * The evidence bound of one camera setting on `base`: `sessions` sessions of seed `seed` (the
 * sessions of `skiplane sim --seed` with the same mix and these sensors), scored for answering
 * shoppers at the mix's answer rates.
 */
export function cameraBound(
  base: SimMix,
  setting: Partial<SensorProfile>,
  o: { catalog: Catalog; sessions: number; seed: number; carts?: number; onSession?: () => void },
): CameraRow {
  const r = parseMixOverrides({ sensors: setting }, base);
  if (!r.ok) throw new Error(`camera setting ${JSON.stringify(setting)}: ${r.problems.join("; ")}`);
  const mix = r.mix;
  const truths: TruthWithDecidable[] = [];
  const summary = simulate(
    { catalog: o.catalog, mix, sessions: o.sessions, seed: o.seed, carts: o.carts ?? 20 },
    () => {},
    (t) => {
      truths.push(t);
      o.onSession?.();
    },
  );
  const rates = answerRatesOf(mix.shoppers);
  const b = evidenceBound(truths, "answering", rates);
  if (!b.available) throw new Error(`evidence bound unavailable: ${b.reason}`);
  // per-session figures, for the sampling error of their means
  const per: Record<TargetKey, (k: number) => number> = {
    pctRightNoHuman: (k) => 100 * rates.right ** k,
    reviewsPer1000: (k) => 1000 * (1 - (1 - rates.none) ** k),
    promptsPerSession: (k) => k,
  };
  const targets = targetsFor(base.name, "answering");
  const checks: TargetCheck[] = [];
  for (const key of ["pctRightNoHuman", "reviewsPer1000", "promptsPerSession"] as const) {
    const t = targets[key];
    if (!t) continue;
    const value = b[key];
    checks.push({
      key,
      op: t.op,
      target: t.v,
      value,
      se: standardError(truths.map((x) => per[key](x.undecidableStops))),
      reachable: t.op === "≥" ? value >= t.v : value <= t.v,
    });
  }
  return {
    mix: base.name,
    seed: o.seed,
    sessions: truths.length,
    setting: cameraOf(mix.sensors),
    k: b.promptsPerSession,
    pctSessionsUndecided: (100 * b.undecidableSessions) / b.sessions,
    answering: b,
    checks,
    reasons: summary.undecidableReasons,
  };
}

function standardError(xs: number[]): number {
  const n = xs.length;
  if (n < 2) return 0;
  const mean = xs.reduce((a, x) => a + x, 0) / n;
  const v = xs.reduce((a, x) => a + (x - mean) ** 2, 0) / (n - 1);
  return Math.sqrt(v / n);
}

export interface CameraAxes {
  confusion: number[];
  bandMax: number[];
  miss: number[];
  random: number[];
  phantom: number[];
  childMiss: number[];
}

const AXIS_KEY: Record<keyof CameraAxes, keyof CameraSetting> = {
  confusion: "lookalikeConfusionP",
  bandMax: "confusedTopPMax",
  miss: "visionMissP",
  random: "randomConfusionP",
  phantom: "phantomPerStop",
  childMiss: "childMissP",
};

/** every combination of the axes, in the order given (the first of each is usually the mix's own) */
export function settingsGrid(axes: CameraAxes): CameraSetting[] {
  const out: CameraSetting[] = [];
  for (const childMissP of axes.childMiss)
    for (const phantomPerStop of axes.phantom)
      for (const randomConfusionP of axes.random)
        for (const visionMissP of axes.miss)
          for (const confusedTopPMax of axes.bandMax)
            for (const lookalikeConfusionP of axes.confusion)
              out.push({
                lookalikeConfusionP,
                confusedTopPMax,
                visionMissP,
                randomConfusionP,
                phantomPerStop,
                childMissP,
              });
  return out;
}

/**
 * One parameter at a time: the mix's own camera first, then for each axis each of its values
 * other than the own one, everything else as the own camera ("which single parameter matters").
 * A value named twice, or equal to the own, gives no second row.
 */
export function settingsOneAtATime(own: CameraSetting, axes: CameraAxes): CameraSetting[] {
  const out: CameraSetting[] = [own];
  const seen = new Set([JSON.stringify(own)]);
  for (const axis of Object.keys(AXIS_KEY) as (keyof CameraAxes)[]) {
    for (const v of axes[axis]) {
      const s = { ...own, [AXIS_KEY[axis]]: v };
      const id = JSON.stringify(s);
      if (seen.has(id)) continue;
      seen.add(id);
      out.push(s);
    }
  }
  return out;
}

/** what sets `s` apart from `own`, e.g. "miss 0, phantom 0" ("own camera" when nothing does) */
export function describeChange(s: CameraSetting, own: CameraSetting): string {
  const parts = CAMERA_KEYS.filter((k) => s[k] !== own[k]).map((k) =>
    k === "confusedTopPMax" ? `band ≤ ${s[k].toFixed(2)}` : `${SHORT[k]} ${pct(s[k])}`,
  );
  return parts.length ? parts.join(", ") : "own camera";
}

/**
 * Per target, for each (band edge, miss rate, random confusion rate) the sweep holds: the largest look-alike confusion
 * rate that still reaches it (undefined: none swept does). "The camera a target needs".
 */
export function requirementByTarget(rows: CameraRow[]): ({
  mix: string;
  key: TargetKey;
  maxConfusion?: number;
} & Omit<CameraSetting, "lookalikeConfusionP">)[] {
  const out: ReturnType<typeof requirementByTarget> = [];
  const keyOf = (r: CameraRow) =>
    [r.mix, ...CAMERA_KEYS.filter((k) => k !== "lookalikeConfusionP").map((k) => r.setting[k])].join("|");
  const groups = new Map<string, CameraRow[]>();
  for (const r of rows) groups.set(keyOf(r), [...(groups.get(keyOf(r)) ?? []), r]);
  for (const g of groups.values()) {
    for (const c of g[0].checks) {
      const ok = g.filter((r) => r.checks.find((x) => x.key === c.key)?.reachable);
      out.push({
        mix: g[0].mix,
        key: c.key,
        confusedTopPMax: g[0].setting.confusedTopPMax,
        visionMissP: g[0].setting.visionMissP,
        randomConfusionP: g[0].setting.randomConfusionP,
        phantomPerStop: g[0].setting.phantomPerStop,
        childMissP: g[0].setting.childMissP,
        maxConfusion: ok.length ? Math.max(...ok.map((r) => r.setting.lookalikeConfusionP)) : undefined,
      });
    }
  }
  return out;
}

const LABEL: Record<TargetKey, string> = {
  pctRightNoHuman: "right, no human (%)",
  reviewsPer1000: "reviews / 1,000",
  promptsPerSession: "prompts / session",
};
const DIGITS: Record<TargetKey, number> = { pctRightNoHuman: 2, reviewsPer1000: 1, promptsPerSession: 3 };
const pct = (x: number) => `${Number((100 * x).toFixed(2))} %`;
const SHORT: Record<keyof CameraSetting, string> = {
  lookalikeConfusionP: "confusion",
  confusedTopPMax: "band ≤",
  visionMissP: "miss",
  randomConfusionP: "random",
  phantomPerStop: "phantom",
  childMissP: "child miss",
};

export function formatRow(r: CameraRow): string {
  const cells = r.checks.map(
    (c) =>
      `${c.value.toFixed(DIGITS[c.key])}±${c.se.toFixed(DIGITS[c.key])} ${c.reachable ? "ok  " : "MISS"}`,
  );
  return [
    r.mix.padEnd(8),
    pct(r.setting.lookalikeConfusionP).padStart(7),
    r.setting.confusedTopPMax.toFixed(2).padStart(5),
    pct(r.setting.visionMissP).padStart(6),
    pct(r.setting.randomConfusionP).padStart(6),
    pct(r.setting.phantomPerStop).padStart(7),
    pct(r.setting.childMissP).padStart(6),
    r.k.toFixed(3).padStart(6),
    r.pctSessionsUndecided.toFixed(1).padStart(6),
    ...cells.map((c) => c.padStart(20)),
  ].join("  ");
}

export function formatHeader(mix: string): string {
  const targets = targetsFor(mix, "answering");
  const keys = (["pctRightNoHuman", "reviewsPer1000", "promptsPerSession"] as const).filter(
    (k) => targets[k],
  );
  return [
    "mix".padEnd(8),
    "confuse".padStart(7),
    "band≤".padStart(5),
    "miss".padStart(6),
    "random".padStart(6),
    "phantom".padStart(7),
    "child".padStart(6),
    "k".padStart(6),
    "k≥1 %".padStart(6),
    ...keys.map((k) => `${LABEL[k]} ${targets[k]!.op}${targets[k]!.v}`.padStart(20)),
  ].join("  ");
}

/** the undecided stops of a row by reason, per 1,000 sessions, most first */
export function formatReasons(r: CameraRow): string {
  const parts = Object.entries(r.reasons)
    .sort((a, b) => b[1] - a[1])
    .map(([why, n]) => `${why} ${((1000 * n) / r.sessions).toFixed(1)}`);
  return `    undecided stops / 1,000 sessions by reason: ${parts.length ? parts.join(" · ") : "none"}`;
}

const esc = (s: string) =>
  s.replace(/[&<>"]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" })[c]!);

/**
 * Per mix and targeted figure, one bar per setting swept (labelled by what differs from the mix's
 * own camera), its ±2 se whisker, the target dashed, green where the bound reaches it.
 */
export function barsSvg(mine: CameraRow[], key: TargetKey, own: CameraSetting | undefined): string {
  const c = mine[0].checks.find((x) => x.key === key)!;
  const vals = mine.map((r) => r.checks.find((x) => x.key === key)!.value);
  const labelW = 250;
  const W = 720;
  const barH = 16;
  const m = { t: 40, b: 30 };
  const H = m.t + m.b + mine.length * (barH + 4);
  const lo = key === "pctRightNoHuman" ? Math.floor(Math.min(...vals, c.target) - 1) : 0;
  const yt = niceTicks(Math.max(...vals, c.target) * 1.05 - lo);
  const top = yt.ticks[yt.ticks.length - 1];
  const x = (v: number) => labelW + ((v - lo) / top) * (W - labelW - 20);
  const p: string[] = [
    `<text x="4" y="16" font-size="12" font-weight="bold">${esc(`${mine[0].mix}: ${LABEL[key]} (bound, answering), target ${c.op} ${c.target}`)}</text>`,
  ];
  for (const t of yt.ticks)
    p.push(
      `<line x1="${x(t + lo)}" y1="${m.t - 6}" x2="${x(t + lo)}" y2="${H - m.b}" stroke="#eee"/>`,
      `<text x="${x(t + lo)}" y="${H - m.b + 14}" text-anchor="middle" font-size="10">${Number((t + lo).toFixed(3))}</text>`,
    );
  mine.forEach((r, i) => {
    const ch = r.checks.find((q) => q.key === key)!;
    const y0 = m.t + i * (barH + 4);
    const label = own ? describeChange(r.setting, own) : formatRow(r).slice(0, 40);
    p.push(
      `<text x="${labelW - 6}" y="${y0 + barH - 4}" text-anchor="end" font-size="11">${esc(label)}</text>`,
      `<rect x="${x(lo)}" y="${y0}" width="${Math.max(0, x(ch.value) - x(lo)).toFixed(1)}" height="${barH}" fill="${ch.reachable ? "#1a7f37" : "#d1242f"}" opacity="0.75"/>`,
      `<line x1="${x(ch.value - 2 * ch.se).toFixed(1)}" y1="${y0 + barH / 2}" x2="${x(ch.value + 2 * ch.se).toFixed(1)}" y2="${y0 + barH / 2}" stroke="#000"/>`,
      `<text x="${(x(ch.value) + 4).toFixed(1)}" y="${y0 + barH - 4}" font-size="10">${ch.value.toFixed(DIGITS[key])}</text>`,
    );
  });
  p.push(
    `<line x1="${x(c.target)}" y1="${m.t - 10}" x2="${x(c.target)}" y2="${H - m.b}" stroke="#555" stroke-dasharray="5,4"/>`,
    `<text x="${x(c.target) + 4}" y="${m.t - 12}" font-size="10" fill="#555">target ${c.op} ${c.target}</text>`,
  );
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}">${p.join("")}</svg>`;
}

/**
 * Per mix and targeted figure: a bar per setting (`barsSvg`), and where the sweep holds several
 * look-alike confusion rates, small charts of the bound against that rate (evenly spaced, as
 * swept), one line per band edge, one panel per other setting, the target dashed.
 */
export function requirementHtml(rows: CameraRow[], title: string): string {
  const colours = ["#d1242f", "#bf8700", "#1a7f37", "#1f6feb", "#8250df"];
  const charts: string[] = [];
  for (const mix of [...new Set(rows.map((r) => r.mix))]) {
    const mine = rows.filter((r) => r.mix === mix);
    const ownMix = mixByName(mix);
    for (const c of mine[0].checks)
      charts.push(`<div>${barsSvg(mine, c.key, ownMix ? cameraOf(ownMix.sensors) : undefined)}</div>`);
    const xs = [...new Set(mine.map((r) => r.setting.lookalikeConfusionP))].sort((a, b) => b - a);
    if (xs.length < 2) continue;
    const bands = [...new Set(mine.map((r) => r.setting.confusedTopPMax))].sort((a, b) => b - a);
    const panelOf = (r: CameraRow) =>
      `${r.setting.visionMissP}|${r.setting.randomConfusionP}|${r.setting.phantomPerStop}|${r.setting.childMissP}`;
    const panels = [...new Set(mine.map(panelOf))];
    for (const c of mine[0].checks) {
      const vals = mine.map((r) => r.checks.find((x) => x.key === c.key)!.value);
      const lo = c.key === "pctRightNoHuman" ? Math.floor(Math.min(...vals, c.target) - 1) : 0;
      const yt = niceTicks(Math.max(...vals, c.target) * 1.05 - lo);
      const top = yt.ticks[yt.ticks.length - 1];
      const row: string[] = [];
      for (const panel of panels) {
        const [miss, random, phantom, child] = panel.split("|").map(Number);
        const here = mine.filter((r) => panelOf(r) === panel);
        const W = 330;
        const H = 240;
        const m = { l: 52, r: 10, t: 34, b: 44 };
        const x = (i: number) => m.l + ((i + 0.5) / xs.length) * (W - m.l - m.r);
        const y = (v: number) => H - m.b - ((v - lo) / top) * (H - m.t - m.b);
        const p: string[] = [
          `<rect x="${m.l}" y="${m.t}" width="${W - m.l - m.r}" height="${H - m.t - m.b}" fill="#fff" stroke="#999"/>`,
        ];
        for (const t of yt.ticks)
          p.push(
            `<line x1="${m.l}" y1="${y(t + lo)}" x2="${W - m.r}" y2="${y(t + lo)}" stroke="#eee"/>`,
            `<text x="${m.l - 6}" y="${y(t + lo) + 4}" text-anchor="end" font-size="10">${Number((t + lo).toFixed(3))}</text>`,
          );
        xs.forEach((v, i) => {
          p.push(
            `<text x="${x(i)}" y="${H - m.b + 14}" text-anchor="middle" font-size="10">${pct(v)}</text>`,
          );
        });
        p.push(
          `<text x="${(m.l + W - m.r) / 2}" y="${H - 8}" text-anchor="middle" font-size="11">look-alike confusion</text>`,
          `<line x1="${m.l}" y1="${y(c.target)}" x2="${W - m.r}" y2="${y(c.target)}" stroke="#555" stroke-dasharray="5,4"/>`,
          `<text x="${W - m.r - 4}" y="${y(c.target) - 4}" text-anchor="end" font-size="10" fill="#555">target ${c.op} ${c.target}</text>`,
          `<text x="${m.l}" y="${m.t - 18}" font-size="12" font-weight="bold">${esc(`${mix}: ${LABEL[c.key]}`)}</text>`,
          `<text x="${m.l}" y="${m.t - 5}" font-size="10">${esc(`miss ${pct(miss)}, random ${pct(random)}, phantom ${pct(phantom)}, child miss ${pct(child)}`)}</text>`,
        );
        bands.forEach((band, bi) => {
          const col = colours[bi % colours.length];
          const pts = xs
            .map((v, i) => {
              const r = here.find(
                (z) => z.setting.confusedTopPMax === band && z.setting.lookalikeConfusionP === v,
              );
              return r
                ? [x(i), Number(y(r.checks.find((q) => q.key === c.key)!.value).toFixed(1))]
                : undefined;
            })
            .filter((q): q is number[] => q !== undefined);
          p.push(
            `<polyline points="${pts.map((q) => q.join(",")).join(" ")}" fill="none" stroke="${col}" stroke-width="2"/>`,
            ...pts.map((q) => `<circle cx="${q[0]}" cy="${q[1]}" r="2.5" fill="${col}"/>`),
          );
        });
        row.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}">${p.join("")}</svg>`);
      }
      charts.push(`<div class="row">${row.join("")}</div>`);
    }
  }
  const legend = [...new Set(rows.map((r) => r.setting.confusedTopPMax))]
    .sort((a, b) => b - a)
    .map((b, i) => `<span style="color:${colours[i % colours.length]}">■ confused band up to ${b}</span>`)
    .join(" &nbsp; ");
  const table = rows
    .map(
      (r) =>
        `<tr><td>${r.mix}</td><td>${pct(r.setting.lookalikeConfusionP)}</td><td>${r.setting.confusedTopPMax}</td><td>${pct(r.setting.visionMissP)}</td><td>${pct(r.setting.randomConfusionP)}</td><td>${pct(r.setting.phantomPerStop)}</td><td>${pct(r.setting.childMissP)}</td><td>${r.k.toFixed(3)}</td>${r.checks
          .map(
            (c) =>
              `<td style="color:${c.reachable ? "#1a7f37" : "#d1242f"}">${c.value.toFixed(DIGITS[c.key])} ${c.reachable ? "reachable" : "misses"}</td>`,
          )
          .join("")}</tr>`,
    )
    .join("\n");
  return `<!doctype html><html><head><meta charset="utf-8"><title>${esc(title)}</title>
<style>body{font-family:system-ui,sans-serif;margin:24px}.row{display:flex;flex-wrap:wrap}td,th{padding:2px 8px;text-align:right;font-variant-numeric:tabular-nums}</style>
</head><body><h1>${esc(title)}</h1>
<p>The evidence bound (the best any fusion that never charges what the evidence does not decide could reach, answering shoppers)
for simulated cameras. A requirement on the camera derived from the simulator's model of it; no figure of fusion.
Right tops are drawn from p 0.70–0.99, confused ones from 0.45 up to the band's edge.</p>
<p>Bars: red misses the target, green reaches it; whiskers ±2 standard errors from sampling the sessions.
Line charts (where several look-alike confusion rates were swept): ${legend}</p>
${charts.join("\n")}
<table><tr><th>mix</th><th>confusion</th><th>confused band ≤</th><th>miss</th><th>random</th><th>phantom</th><th>child miss</th><th>k</th><th colspan="3">targeted figures</th></tr>
${table}</table></body></html>
`;
}

const HELP = `Usage: npx tsx scripts/camera-requirement.ts [options]

Sweeps the simulated camera and prints the evidence bound (no fusion) for each setting against
issue #4's answering targets. Progress is drawn on a terminal only.

  --sessions N        sessions per setting (default 2000)
  --mixes LIST        standard,hard (default both)
  --seed-standard N   seed of the standard mix (default 7)
  --seed-hard N       seed of the hard mix (default 8)
  --confusion LIST    look-alike confusion rates (default: the mix's own, then 2 %, 1 %, 0.5 %, 0.2 %, 0;
                      hard also 10 %, 5 %)
  --band LIST         upper edges of the confused band (default 0.85,0.80,0.75,0.70; right tops are 0.70-0.99)
  --miss LIST         vision miss rates (default: the mix's own and 1 %)
  --random LIST       rates of putting any other product first (default: the mix's own)
  --phantom LIST      empty-hand sightings per stop (default: the mix's own)
  --child-miss LIST   rates of missing a child's drop (default: the mix's own)
  --vary grid|one     grid: every combination of the lists (default); one: the mix's own camera,
                      then each list's values one parameter at a time, the rest as the own camera
                      (lists not given: confusion own,1 %,0; band own,0.70; miss own,1 %,0;
                      random own,0; phantom own,1 %,0; child miss own,10 %,0)
  --reasons           under each row, the undecided stops by reason per 1,000 sessions
  --catalog FILE      catalog.json to simulate (default: the demo catalog)
  --out DIR           also write DIR/camera-requirement.json and DIR/camera-requirement.html
  -h, --help          this text
`;

const list = (s: string | undefined): number[] | undefined =>
  s === undefined
    ? undefined
    : s.split(",").map((x) => {
        const v = Number(x);
        if (!Number.isFinite(v)) throw new Error(`not a number: ${x}`);
        return v;
      });
const uniq = (xs: number[]) => [...new Set(xs)];

function main(): void {
  const { values } = parseArgs({
    options: {
      sessions: { type: "string", default: "2000" },
      mixes: { type: "string", default: "standard,hard" },
      "seed-standard": { type: "string", default: "7" },
      "seed-hard": { type: "string", default: "8" },
      confusion: { type: "string" },
      band: { type: "string" },
      miss: { type: "string" },
      random: { type: "string" },
      phantom: { type: "string" },
      "child-miss": { type: "string" },
      vary: { type: "string", default: "grid" },
      reasons: { type: "boolean", default: false },
      catalog: { type: "string" },
      out: { type: "string" },
      help: { type: "boolean", short: "h", default: false },
    },
  });
  if (values.help) {
    process.stdout.write(HELP);
    return;
  }
  if (values.vary !== "grid" && values.vary !== "one") throw new Error("--vary: grid or one");
  const sessions = Number(values.sessions);
  if (!Number.isInteger(sessions) || sessions < 1) throw new Error("--sessions: a whole number ≥ 1");
  const catalog = values.catalog ? loadCatalogFile(values.catalog) : loadDemoCatalog();
  const plans = values.mixes.split(",").map((name) => {
    const base = mixByName(name);
    if (!base) throw new Error(`--mixes: unknown mix ${name}`);
    const own = base.sensors;
    const settings =
      values.vary === "one"
        ? settingsOneAtATime(cameraOf(own), {
            confusion: list(values.confusion) ?? [0.01, 0],
            bandMax: list(values.band) ?? [0.7],
            miss: list(values.miss) ?? [0.01, 0],
            random: list(values.random) ?? [0],
            phantom: list(values.phantom) ?? [0.01, 0],
            childMiss: list(values["child-miss"]) ?? [0.1, 0],
          })
        : settingsGrid({
            confusion:
              list(values.confusion) ??
              uniq([
                own.lookalikeConfusionP,
                ...(name === "hard" ? [0.1, 0.05] : []),
                0.02,
                0.01,
                0.005,
                0.002,
                0,
              ]),
            bandMax: list(values.band) ?? uniq([own.confusedTopPMax, 0.8, 0.75, 0.7]),
            miss: list(values.miss) ?? uniq([own.visionMissP, 0.01]),
            random: list(values.random) ?? [own.randomConfusionP],
            phantom: list(values.phantom) ?? [own.phantomPerStop],
            childMiss: list(values["child-miss"]) ?? [own.childMissP],
          });
    const seed = Number(name === "hard" ? values["seed-hard"] : values["seed-standard"]);
    return { base, settings, seed };
  });
  const rows: CameraRow[] = [];
  for (const p of plans) {
    process.stdout.write(
      `\n${p.base.name} mix, seed ${p.seed}, ${sessions} sessions per setting (answers ${p.base.shoppers.answerRightP} right, ${p.base.shoppers.answerWrongP} wrong, the rest none)\n${formatHeader(p.base.name)}\n`,
    );
    p.settings.forEach((s, i) => {
      // one bar per setting, cleared before its row is printed (the bar is on stderr, terminals only)
      const bar = progressBar(`${p.base.name} ${i + 1}/${p.settings.length}`, sessions, "sessions");
      let done = 0;
      let row: CameraRow;
      try {
        row = cameraBound(p.base, s, {
          catalog,
          sessions,
          seed: p.seed,
          onSession: () => bar.update(++done),
        });
      } finally {
        bar.stop();
      }
      rows.push(row);
      process.stdout.write(`${formatRow(row)}\n`);
      if (values.reasons) process.stdout.write(`${formatReasons(row)}\n`);
    });
  }
  if (values.vary === "one") {
    process.stdout.write("\none parameter at a time, best first per target (* reaches it):\n");
    for (const p of plans) {
      const mine = rows.filter((r) => r.mix === p.base.name);
      const own = cameraOf(p.base.sensors);
      for (const c of mine[0].checks) {
        const better = c.op === "≤" ? 1 : -1;
        const ranked = [...mine].sort(
          (a, b) =>
            better *
            (a.checks.find((x) => x.key === c.key)!.value - b.checks.find((x) => x.key === c.key)!.value),
        );
        process.stdout.write(`  ${p.base.name} ${LABEL[c.key]} ${c.op} ${c.target}:\n`);
        for (const r of ranked) {
          const x = r.checks.find((q) => q.key === c.key)!;
          process.stdout.write(
            `    ${x.reachable ? "*" : " "} ${x.value.toFixed(DIGITS[c.key]).padStart(8)}  ${describeChange(r.setting, own)}\n`,
          );
        }
      }
    }
  } else {
    process.stdout.write(
      "\nthe camera each target needs (largest look-alike confusion rate swept that reaches it):\n",
    );
    for (const q of requirementByTarget(rows))
      process.stdout.write(
        `  ${q.mix.padEnd(8)} ${LABEL[q.key].padEnd(20)} band ≤ ${q.confusedTopPMax.toFixed(2)}, miss ${pct(q.visionMissP).padEnd(6)}, random ${pct(q.randomConfusionP).padEnd(6)}, phantom ${pct(q.phantomPerStop).padEnd(6)}, child miss ${pct(q.childMissP).padEnd(6)}: ${
          q.maxConfusion === undefined ? "none swept" : `confusion ≤ ${pct(q.maxConfusion)}`
        }\n`,
      );
  }
  if (values.out) {
    mkdirSync(values.out, { recursive: true });
    const title = `What camera the targets need (evidence bound, ${sessions} sessions per setting)`;
    writeFileSync(
      join(values.out, "camera-requirement.json"),
      `${JSON.stringify({ sessions, rows, requirement: requirementByTarget(rows) }, null, 2)}\n`,
    );
    writeFileSync(join(values.out, "camera-requirement.html"), requirementHtml(rows, title));
    process.stdout.write(
      `wrote ${join(values.out, "camera-requirement.json")} and camera-requirement.html\n`,
    );
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  try {
    main();
  } catch (err) {
    process.stderr.write(`camera-requirement: ${(err as Error).message}\n`);
    process.exit(2);
  }
}
