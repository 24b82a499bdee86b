/**
 * The change detector on the real shelf recording of AutoCheckout cps-test-01 (read from the
 * shared data dir, never copied). Truth: Taco Bell Fire (105.5 g) taken from gondola 2 shelf 5
 * at 22:24:15 UTC, FIJI Water 0.5 L (538 g) from gondola 1 shelf 5 at 22:24:21 UTC.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { DEFAULT_FUSION_CONFIG } from "./fusion.config";
import { type ScaleChange, ScaleChangeDetector } from "./scale-signal";

const repo = resolve(dirname(fileURLToPath(import.meta.url)), "../../..");
const dataDir = process.env.SKIPLANE_DATA_DIR ?? resolve(repo, "../shared/data");
const platesDir = join(dataDir, "autocheckout-cps-test-01", "plates");

function shelf(gondola: number, shelfNo: number): { t: number[]; g: number[] } {
  const prefix = `gondola_${gondola}_shelf_${shelfNo}_plate_`;
  let t: number[] = [];
  let g: number[] = [];
  for (const f of readdirSync(platesDir).filter((x) => x.startsWith(prefix))) {
    const rows = readFileSync(join(platesDir, f), "utf8")
      .trim()
      .split("\n")
      .map((l) => l.split(",").map(Number));
    if (t.length === 0) {
      t = rows.map((r) => r[0] * 1000);
      g = rows.map((r) => r[1]);
    } else for (let i = 0; i < Math.min(g.length, rows.length); i++) g[i] += rows[i][1];
  }
  return { t, g };
}

function detect(s: { t: number[]; g: number[] }, noisy: boolean): ScaleChange[] {
  const det = new ScaleChangeDetector({
    ...DEFAULT_FUSION_CONFIG,
    scaleNoiseSdG: noisy ? 7 : 1.5,
    stableSdMaxG: noisy ? 25 : 6,
    stableTrendMaxG: noisy ? 12 : 4,
    minChangeG: noisy ? 30 : 10,
  });
  const out: ScaleChange[] = [];
  for (let i = 0; i < s.g.length; i++) {
    const c = det.push(s.t[i], s.g[i]);
    if (c) out.push(c);
  }
  return out;
}

describe.skipIf(!existsSync(platesDir))("scale change detector on a real shelf recording", () => {
  it("finds the Taco Bell pick-up on gondola 2 shelf 5 and nothing else", () => {
    const found = detect(shelf(2, 5), false);
    expect(found).toHaveLength(1);
    expect(found[0].delta).toBeLessThan(-90);
    expect(found[0].delta).toBeGreaterThan(-115);
    expect(new Date(found[0].startT).toISOString()).toMatch(/^2020-01-28T22:24:1[4-6]/);
  });

  it("finds the FIJI Water pick-up on the noisy gondola 1 shelf 5 and nothing else", () => {
    const found = detect(shelf(1, 5), true);
    expect(found).toHaveLength(1);
    expect(found[0].delta).toBeLessThan(-500);
    expect(found[0].delta).toBeGreaterThan(-620);
    expect(new Date(found[0].startT).toISOString()).toMatch(/^2020-01-28T22:24:2[0-2]/);
  });

  it("reports no change on any other shelf of the recording (29 shelves, 33 s each)", () => {
    const shelves = new Set(readdirSync(platesDir).map((f) => f.replace(/_plate_.*$/, "")));
    expect(shelves.size).toBeGreaterThan(20);
    const phantom: string[] = [];
    for (const name of shelves) {
      const [, gon, , sh] = name.split("_").map(Number);
      if (sh === 5 && (gon === 1 || gon === 2)) continue;
      for (const c of detect(shelf(gon, sh), gon === 1)) phantom.push(`${name} ${c.delta.toFixed(1)} g`);
    }
    expect(phantom).toEqual([]);
  });
});
