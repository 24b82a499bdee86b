/**
 * Computes the fusion noise constants from the real data in the shared data dir, and runs the
 * scale change detector over the real shelf recording (the one with known truth), so
 * docs/fusion-model.md can say where each default comes from.
 *
 * Run: npx tsx scripts/fusion-constants.ts   (SKIPLANE_DATA_DIR overrides ../shared/data)
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { DEFAULT_FUSION_CONFIG } from "../src/domain/fusion/fusion.config";
import { ScaleChangeDetector } from "../src/domain/fusion/scale-signal";
import { sharedDataScript } from "./script-command";

const dataDir = sharedDataScript(
  "fusion-constants",
  "Computes the fusion noise constants from the shared data.",
);

const quantile = (xs: number[], q: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))];
};
const sd = (xs: number[]) => {
  const m = xs.reduce((a, b) => a + b, 0) / xs.length;
  return Math.sqrt(xs.reduce((a, b) => a + (b - m) * (b - m), 0) / Math.max(1, xs.length - 1));
};
const f2 = (x: number) => x.toFixed(2);

// ---- shelf recording: per-plate noise over 1 s windows, quantisation, per gondola -----------
const platesDir = join(dataDir, "autocheckout-cps-test-01", "plates");
const plates = new Map<string, { t: number[]; g: number[] }>();
for (const f of readdirSync(platesDir).filter((x) => x.endsWith(".csv"))) {
  const t: number[] = [];
  const g: number[] = [];
  for (const line of readFileSync(join(platesDir, f), "utf8").split("\n")) {
    const [a, b] = line.split(",");
    if (b === undefined) continue;
    t.push(Number(a));
    g.push(Number(b));
  }
  plates.set(f.replace(".csv", ""), { t, g });
}
const windowSds: number[] = [];
const byGondola = new Map<string, number[]>();
const steps: number[] = [];
for (const [name, { g }] of plates) {
  const gondola = name.split("_")[1];
  for (let i = 0; i + 60 <= g.length; i += 60) {
    const s = sd(g.slice(i, i + 60));
    windowSds.push(s);
    if (!byGondola.has(gondola)) byGondola.set(gondola, []);
    byGondola.get(gondola)!.push(s);
  }
  for (let i = 1; i < g.length; i++) {
    const d = Math.abs(g[i] - g[i - 1]);
    if (d > 1e-9) steps.push(d);
  }
}
console.log(`shelf recording: ${plates.size} plates, ${windowSds.length} one-second windows (60 Hz)`);
console.log(
  `  sd over 1 s: median ${f2(quantile(windowSds, 0.5))} g, p90 ${f2(quantile(windowSds, 0.9))} g, ` +
    `p99 ${f2(quantile(windowSds, 0.99))} g`,
);
for (const [gon, xs] of [...byGondola].sort()) {
  console.log(`  gondola ${gon}: median ${f2(quantile(xs, 0.5))} g, p90 ${f2(quantile(xs, 0.9))} g`);
}
console.log(`  smallest step between consecutive samples (quantisation): ${quantile(steps, 0).toFixed(4)} g`);

// ---- AIM3S unit weighings -------------------------------------------------------------------
const aim = JSON.parse(readFileSync(join(dataDir, "aim3s", "product_info.json"), "utf8")) as {
  products: { name: string; weights?: number[] }[];
};
const unitSds: number[] = [];
const relSds: number[] = [];
for (const p of aim.products) {
  const w = (p.weights ?? []).filter((x) => Number.isFinite(x) && x > 0);
  if (w.length < 2) continue;
  const s = sd(w);
  unitSds.push(s);
  relSds.push(s / (w.reduce((a, b) => a + b, 0) / w.length));
}
console.log(`AIM3S: ${unitSds.length} products weighed unit by unit at least twice`);
console.log(
  `  unit sd: median ${f2(quantile(unitSds, 0.5))} g, p90 ${f2(quantile(unitSds, 0.9))} g, ` +
    `max ${f2(Math.max(...unitSds))} g; relative: median ${(100 * quantile(relSds, 0.5)).toFixed(2)} %`,
);

// ---- intel rtsf: min/max weights ------------------------------------------------------------
try {
  const intel = JSON.parse(readFileSync(join(dataDir, "intel-rtsf", "all-products.json"), "utf8"));
  const list: { min_weight?: number; max_weight?: number }[] = Array.isArray(intel)
    ? intel
    : (intel.products ?? []);
  const spans = list
    .filter((p) => typeof p.min_weight === "number" && typeof p.max_weight === "number")
    .map((p) => ((p.max_weight! - p.min_weight!) * 1000) / 4);
  if (spans.length) {
    console.log(
      `intel-rtsf: ${spans.length} products; (max − min)/4 as an sd: median ${f2(quantile(spans, 0.5))} g`,
    );
  }
} catch {
  console.log("intel-rtsf: not readable, skipped");
}

// ---- the detector on the real shelf: sum each shelf's plates, look for changes --------------
const shelves = new Map<string, { t: number[]; g: number[] }>();
for (const [name, { t, g }] of plates) {
  const [, gon, , shelf] = name.split("_");
  const key = `gondola ${gon} shelf ${shelf}`;
  const s = shelves.get(key);
  if (!s) shelves.set(key, { t: t.slice(), g: g.slice() });
  else for (let i = 0; i < Math.min(s.g.length, g.length); i++) s.g[i] += g[i];
}
console.log("detector on summed shelves (shelf config: noise from the recording, not the cart default):");
for (const [key, { t, g }] of [...shelves].sort()) {
  const noisy = key.startsWith("gondola 1 ");
  const det = new ScaleChangeDetector({
    ...DEFAULT_FUSION_CONFIG,
    scaleNoiseSdG: noisy ? 7 : 1.5,
    stableSdMaxG: noisy ? 25 : 6,
    stableTrendMaxG: noisy ? 12 : 4,
    minChangeG: noisy ? 30 : 10,
  });
  for (let i = 0; i < g.length; i++) {
    const c = det.push(t[i] * 1000, g[i]);
    if (c) {
      console.log(
        `  ${key}: ${c.delta >= 0 ? "+" : ""}${f2(c.delta)} ± ${f2(c.sd)} g at ` +
          `${new Date(c.endT).toISOString()} (settled from ${new Date(c.startT).toISOString()})`,
      );
    }
  }
}
