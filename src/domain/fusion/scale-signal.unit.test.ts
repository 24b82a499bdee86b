import { describe, expect, it } from "vitest";
import { DEFAULT_FUSION_CONFIG } from "./fusion.config";
import { type ScaleChange, ScaleChangeDetector } from "./scale-signal";
import { Timeline } from "./synthetic.test-support";

function changes(
  tl: Timeline,
  cfg = DEFAULT_FUSION_CONFIG,
): { found: ScaleChange[]; det: ScaleChangeDetector } {
  const det = new ScaleChangeDetector(cfg);
  const found: ScaleChange[] = [];
  for (const e of tl.events) {
    if (e.type !== "weight" || typeof e.grams !== "number") continue;
    const c = det.push(e.t, e.grams);
    if (c) found.push(c);
  }
  return { found, det };
}

describe("scale change detector", () => {
  it("reports a stable-to-stable change with an honest sd", () => {
    // over many seeds the error of the delta stays within 3 reported sd nearly always
    let within = 0;
    const n = 200;
    for (let seed = 1; seed <= n; seed++) {
      const { found } = changes(new Timeline(seed, { start: 500 }).hold(1000).step(349.2).hold(1000));
      expect(found).toHaveLength(1);
      const c = found[0];
      expect(c.before).toBeCloseTo(500, -1);
      if (Math.abs(c.delta - 349.2) <= 3 * c.sd) within++;
      expect(c.sd).toBeGreaterThan(0);
      expect(c.sd).toBeLessThan(2);
      expect(c.endT).toBeGreaterThan(c.startT);
    }
    expect(within / n).toBeGreaterThan(0.95);
  });

  it("waits for the load to settle: a long swing gives one change, not several", () => {
    const { found } = changes(new Timeline(3).hold(1000).step(800, 1500, 0.8).hold(1000));
    expect(found).toHaveLength(1);
    expect(found[0].delta).toBeCloseTo(800, -1);
  });

  it("follows slow drift without reporting it, and measures the next change from the drifted level", () => {
    const tl = new Timeline(4, { start: 1000 }).hold(1000).setDrift(0.3).hold(120_000).setDrift(0);
    const { found, det } = changes(tl.hold(500).step(163).hold(1000));
    expect(found).toHaveLength(1);
    expect(found[0].delta).toBeGreaterThan(159);
    expect(found[0].delta).toBeLessThan(167);
    expect(found[0].before).toBeGreaterThan(1030); // 36 g of drift folded into the baseline
    expect(Math.abs(det.baseline - found[0].after)).toBeLessThan(2);
  });

  it("ignores a lean that returns, and counts it as a transient", () => {
    const { found, det } = changes(new Timeline(5).hold(1000).transient(5000, 1200).hold(1000));
    expect(found).toEqual([]);
    expect(det.transients).toBeGreaterThanOrEqual(1);
  });

  it("never averages across a gap in the samples", () => {
    const tl = new Timeline(6).hold(1000);
    tl.t += 30_000;
    tl.level += 200; // the load changed while the scale was silent
    const { found, det } = changes(tl.hold(1000));
    expect(det.gaps).toBe(1);
    expect(found).toHaveLength(1);
    expect(found[0].delta).toBeCloseTo(200, -1);
  });

  it("works on a noisy scale once the noise figures are configured for it", () => {
    const cfg = {
      ...DEFAULT_FUSION_CONFIG,
      scaleNoiseSdG: 7,
      stableSdMaxG: 20,
      stableTrendMaxG: 10,
      minChangeG: 30,
    };
    const { found } = changes(new Timeline(7, { noise: 7 }).hold(1500).step(538, 600).hold(1500), cfg);
    expect(found).toHaveLength(1);
    expect(found[0].delta).toBeGreaterThan(520);
    expect(found[0].delta).toBeLessThan(556);
  });

  it("keeps exact running sums over millions of samples (no float creep)", () => {
    const det = new ScaleChangeDetector(DEFAULT_FUSION_CONFIG);
    let t = 0;
    let c: ScaleChange | undefined;
    for (let i = 0; i < 2_000_000; i++) {
      c = det.push(t, 25_000 + (i % 2 === 0 ? 0.5 : -0.5)) ?? c;
      t += 10;
    }
    expect(c).toBeUndefined();
    expect(det.baseline).toBeCloseTo(25_000, 1);
  });
});
