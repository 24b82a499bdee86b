/**
 * What camera do issue #4's targets need? Sweeps the simulated camera — how often it puts a
 * look-alike first (`lookalikeConfusionP`), how well its confidence separates a right top from a
 * confused one (the confused band's upper edge `confusedTopPMax`: at 0.85 it overlaps the right
 * band 0.70–0.99, at 0.70 it does not), and how often it misses an item (`visionMissP`) — on the
 * standard and hard mixes, simulates N sessions for each setting and prints the evidence bound
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
    setting: {
      lookalikeConfusionP: mix.sensors.lookalikeConfusionP,
      confusedTopPMax: mix.sensors.confusedTopPMax,
      visionMissP: mix.sensors.visionMissP,
      randomConfusionP: mix.sensors.randomConfusionP,
    },
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

/** every combination of the axes, in the order given (the first of each is usually the mix's own) */
export function settingsGrid(axes: {
  confusion: number[];
  bandMax: number[];
  miss: number[];
  random: number[];
}): CameraSetting[] {
  const out: CameraSetting[] = [];
  for (const randomConfusionP of axes.random)
    for (const visionMissP of axes.miss)
      for (const confusedTopPMax of axes.bandMax)
        for (const lookalikeConfusionP of axes.confusion)
          out.push({ lookalikeConfusionP, confusedTopPMax, visionMissP, randomConfusionP });
  return out;
}

/**
 * Per target, for each (band edge, miss rate, random confusion rate) the sweep holds: the largest look-alike confusion
 * rate that still reaches it (undefined: none swept does). "The camera a target needs".
 */
export function requirementByTarget(rows: CameraRow[]): {
  mix: string;
  key: TargetKey;
  confusedTopPMax: number;
  visionMissP: number;
  randomConfusionP: number;
  maxConfusion?: number;
}[] {
  const out: ReturnType<typeof requirementByTarget> = [];
  const keyOf = (r: CameraRow) =>
    `${r.mix}|${r.setting.confusedTopPMax}|${r.setting.visionMissP}|${r.setting.randomConfusionP}`;
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
    "k".padStart(6),
    "k≥1 %".padStart(6),
    ...keys.map((k) => `${LABEL[k]} ${targets[k]!.op}${targets[k]!.v}`.padStart(20)),
  ].join("  ");
}

const esc = (s: string) =>
  s.replace(/[&<>"]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" })[c]!);

/**
 * One small chart per mix and targeted figure: the bound against the look-alike confusion rate
 * (evenly spaced, as swept), one line per band edge at the mix's own miss rate, the target dashed.
 */
export function requirementHtml(rows: CameraRow[], title: string): string {
  const colours = ["#d1242f", "#bf8700", "#1a7f37", "#1f6feb", "#8250df"];
  const charts: string[] = [];
  for (const mix of [...new Set(rows.map((r) => r.mix))]) {
    const mine = rows.filter((r) => r.mix === mix);
    const xs = [...new Set(mine.map((r) => r.setting.lookalikeConfusionP))].sort((a, b) => b - a);
    const bands = [...new Set(mine.map((r) => r.setting.confusedTopPMax))].sort((a, b) => b - a);
    const panels = [...new Set(mine.map((r) => `${r.setting.visionMissP}|${r.setting.randomConfusionP}`))];
    for (const c of mine[0].checks) {
      const vals = mine.map((r) => r.checks.find((x) => x.key === c.key)!.value);
      const lo = c.key === "pctRightNoHuman" ? Math.floor(Math.min(...vals, c.target) - 1) : 0;
      const yt = niceTicks(Math.max(...vals, c.target) * 1.05 - lo);
      const top = yt.ticks[yt.ticks.length - 1];
      const row: string[] = [];
      for (const panel of panels) {
        const [miss, random] = panel.split("|").map(Number);
        const here = mine.filter(
          (r) => r.setting.visionMissP === miss && r.setting.randomConfusionP === random,
        );
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
          `<text x="${m.l}" y="${m.t - 5}" font-size="10">${esc(`miss ${pct(miss)}, random confusion ${pct(random)}`)}</text>`,
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
        `<tr><td>${r.mix}</td><td>${pct(r.setting.lookalikeConfusionP)}</td><td>${r.setting.confusedTopPMax}</td><td>${pct(r.setting.visionMissP)}</td><td>${pct(r.setting.randomConfusionP)}</td><td>${r.k.toFixed(3)}</td>${r.checks
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
<p>${legend}</p>
${charts.join("\n")}
<table><tr><th>mix</th><th>confusion</th><th>confused band ≤</th><th>miss</th><th>random</th><th>k</th><th colspan="3">targeted figures</th></tr>
${table}</table></body></html>
`;
}

const HELP = `usage: npx tsx scripts/camera-requirement.ts [options]

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
  --catalog FILE      catalog.json to simulate (default: the demo catalog)
  --out DIR           also write DIR/camera-requirement.json and DIR/camera-requirement.html
  --help              this text
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
      catalog: { type: "string" },
      out: { type: "string" },
      help: { type: "boolean", default: false },
    },
  });
  if (values.help) {
    process.stdout.write(HELP);
    return;
  }
  const sessions = Number(values.sessions);
  if (!Number.isInteger(sessions) || sessions < 1) throw new Error("--sessions: a whole number ≥ 1");
  const catalog = values.catalog ? loadCatalogFile(values.catalog) : loadDemoCatalog();
  const plans = values.mixes.split(",").map((name) => {
    const base = mixByName(name);
    if (!base) throw new Error(`--mixes: unknown mix ${name}`);
    const own = base.sensors;
    const settings = settingsGrid({
      confusion:
        list(values.confusion) ??
        uniq([own.lookalikeConfusionP, ...(name === "hard" ? [0.1, 0.05] : []), 0.02, 0.01, 0.005, 0.002, 0]),
      bandMax: list(values.band) ?? uniq([own.confusedTopPMax, 0.8, 0.75, 0.7]),
      miss: list(values.miss) ?? uniq([own.visionMissP, 0.01]),
      random: list(values.random) ?? [own.randomConfusionP],
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
    });
  }
  process.stdout.write(
    "\nthe camera each target needs (largest look-alike confusion rate swept that reaches it):\n",
  );
  for (const q of requirementByTarget(rows))
    process.stdout.write(
      `  ${q.mix.padEnd(8)} ${LABEL[q.key].padEnd(20)} band ≤ ${q.confusedTopPMax.toFixed(2)}, miss ${pct(q.visionMissP).padEnd(6)}, random ${pct(q.randomConfusionP).padEnd(6)}: ${
        q.maxConfusion === undefined ? "none swept" : `confusion ≤ ${pct(q.maxConfusion)}`
      }\n`,
    );
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
