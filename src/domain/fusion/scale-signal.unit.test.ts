import { describe, expect, it } from "vitest";
import { DEFAULT_FUSION_CONFIG } from "./fusion.config";
import { type ScaleChange, ScaleChangeDetector } from "./scale-signal";
import { gauss, rng, Timeline } from "./synthetic.test-support";

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

/**
 * A cart scale as the simulator makes it (src/sim/cart-sim.ts): each load approaches its level
 * exponentially with a damped swing, `Δ·(1 − e^(−t/τ)·((1−a) + a·cos 2πft))`, plus white noise,
 * quantised; a change every `everyMs`, alternating in and out.
 */
function settlingScale(
  seed: number,
  o: { tauMs: number; noise: number; changes: number; everyMs?: number; learnN?: number },
) {
  const u = rng(seed);
  const every = o.everyMs ?? 4000;
  const steps: { t: number; delta: number; tau: number; a: number; f: number }[] = [];
  let load = 2000;
  for (let k = 0; k < o.changes; k++) {
    const size = 40 + u() * 760;
    const delta = k % 2 === 0 || load - size < 500 ? size : -size;
    load += delta;
    steps.push({
      t: 2000 + k * every,
      delta,
      tau: o.tauMs * (0.7 + 0.6 * u()),
      a: 0.3 * u(),
      f: 2.5 * (0.8 + 0.4 * u()),
    });
  }
  const det = new ScaleChangeDetector({ ...DEFAULT_FUSION_CONFIG, settleLearnN: o.learnN ?? 20 });
  const found: { change: ScaleChange; truth: number }[] = [];
  for (let t = 0; t < 2000 + o.changes * every; t += 50) {
    let v = 2000;
    let last = 0;
    for (const s of steps) {
      if (t < s.t) continue;
      const x = (t - s.t) / 1000;
      v += s.delta * (1 - Math.exp((-x * 1000) / s.tau) * (1 - s.a + s.a * Math.cos(2 * Math.PI * s.f * x)));
      last = s.delta;
    }
    const c = det.push(t, Math.round((v + gauss(u) * o.noise) * 2) / 2);
    if (c) found.push({ change: c, truth: last });
  }
  return { found, det };
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

describe("the settled level", () => {
  it("commits a change where the load comes to rest once the cart has learned its settle, not a gram short", () => {
    const { found, det } = settlingScale(11, { tauMs: 250, noise: 0.68, changes: 80 });
    expect(found).toHaveLength(80);
    // the first settleLearnN changes are committed at the window's mean: short by about a gram
    const early = found.slice(0, 15).map((f) => (f.change.delta - f.truth) * Math.sign(f.truth));
    expect(median(early)).toBeLessThan(-0.6);
    const late = found.slice(30);
    const err = late.map((f) => (f.change.delta - f.truth) * Math.sign(f.truth));
    expect(Math.abs(median(err))).toBeLessThan(0.3);
    expect(det.settleTauMs).toBeGreaterThanOrEqual(200);
    expect(det.settleTauMs).toBeLessThanOrEqual(300);
    // and the sd it reports stays honest
    const within = late.filter((f) => Math.abs(f.change.delta - f.truth) <= 3 * f.change.sd).length;
    expect(within / late.length).toBeGreaterThan(0.95);
  });

  it("learns a slower settle on a slower, noisier scale", () => {
    const { found, det } = settlingScale(12, { tauMs: 450, noise: 2.8, changes: 120, everyMs: 6000 });
    const err = found.slice(40).map((f) => (f.change.delta - f.truth) * Math.sign(f.truth));
    const early = found.slice(0, 15).map((f) => (f.change.delta - f.truth) * Math.sign(f.truth));
    console.log(found.length, det.settleTauMs, det.settleObservations, median(early), median(err));
    expect(det.settleTauMs).toBeGreaterThanOrEqual(300);
  });

  it("does not extrapolate on a scale that settles at once", () => {
    const { det } = settlingScale(13, { tauMs: 5, noise: 0.68, changes: 60 });
    expect(det.settleObservations).toBeGreaterThan(50);
    expect(det.settleTauMs).toBeLessThanOrEqual(50);
  });

  it("commits at the window's mean with the learning off (the default)", () => {
    const { found, det } = settlingScale(11, { tauMs: 250, noise: 0.68, changes: 80, learnN: 0 });
    const err = found.slice(30).map((f) => (f.change.delta - f.truth) * Math.sign(f.truth));
    expect(median(err)).toBeLessThan(-0.6);
    expect(det.settleObservations).toBe(0);
    expect(det.settleTauMs).toBe(0);
  });

  it("learns nothing from a change that never came to rest before the next one", () => {
    // a change every 1.8 s: the next load lands before the last one's rest could be read
    const { found, det } = settlingScale(14, { tauMs: 250, noise: 0.68, changes: 30, everyMs: 1800 });
    expect(found.length).toBeGreaterThan(20);
    expect(det.settleObservations).toBe(0);
    expect(det.settleTauMs).toBe(0);
  });
});
