/**
 * Stable-to-stable change detection on a noisy cart scale.
 *
 * What it computes: from a stream of (t, grams) samples, the moments the load moved from one
 * settled level to another, with the size of the move and the sd of that estimate.
 *
 * Why this way: a cart scale swings while the cart moves, is bumped and leaned on, drifts slowly,
 * and an item can still be rocking when the next one lands. So a change is only committed when
 * the load has been *stable* for `settleMs`: a moving time window (`stableWindowMs`) whose sd is
 * small (`stableSdMaxG`) and whose older and newer halves agree (`stableTrendMaxG`, which catches a
 * load that is still creeping). A stable level within `minChangeG` of the baseline is drift or a
 * transient that returned (a lean, a bump): it becomes the new baseline and nothing is reported,
 * so drift never accumulates into phantom items.
 *
 * Hot path: O(1) amortised per sample. The window is a power-of-two ring of typed arrays with
 * running sums for its two halves (values stored relative to a reference level, and the sums
 * rebuilt every ring length, so float cancellation cannot build up over millions of samples).
 */
import type { FusionConfig } from "./fusion.config";

export interface ScaleChange {
  /** last moment the load was settled at the old level */
  startT: number;
  /** the sample that settled the new level */
  endT: number;
  before: number;
  after: number;
  delta: number;
  /** sd of `delta`, grams */
  sd: number;
}

const RING = 4096;
const MASK = RING - 1;

type SignalConfig = Pick<
  FusionConfig,
  | "scaleNoiseSdG"
  | "scaleQuantumG"
  | "stableWindowMs"
  | "minStableSamples"
  | "stableSdMaxG"
  | "stableTrendMaxG"
  | "settleMs"
  | "minChangeG"
  | "gapMs"
  | "deltaSdFloorG"
  | "baselineDriftGPerSqrtS"
>;

export class ScaleChangeDetector {
  private readonly ts = new Float64Array(RING);
  private readonly gs = new Float64Array(RING);
  // monotonic counters; index = counter & MASK. Window = [tail, head), halves [tail, mid), [mid, head)
  private head = 0;
  private mid = 0;
  private tail = 0;
  private sumOld = 0;
  private sqOld = 0;
  private sumNew = 0;
  private sqNew = 0;
  private ref = 0;
  private sinceRebuild = 0;
  private lastT = Number.NEGATIVE_INFINITY;

  private hasBaseline = false;
  /** settled load, grams */
  baseline = 0;
  private baselineSd = 0;
  /** last time the load was settled at the baseline */
  private quietT = 0;
  private stableSince = Number.NaN;
  /** the newest raw sample, for "is anything still moving" questions */
  lastGrams = 0;
  gaps = 0;
  transients = 0;
  private disturbed = false;

  private readonly halfMs: number;
  private readonly minSpanMs: number;
  private readonly quantVar: number;
  private readonly noiseVar: number;
  /** drift variance per second of the baseline's random walk */
  private readonly driftVar: number;
  /** the baseline filter's variance and the time of its last step */
  private baselineVarK = 0;
  private followT = 0;

  constructor(private readonly cfg: SignalConfig) {
    this.halfMs = cfg.stableWindowMs / 2;
    this.minSpanMs = cfg.stableWindowMs * 0.75;
    this.quantVar = (cfg.scaleQuantumG * cfg.scaleQuantumG) / 12;
    this.noiseVar = cfg.scaleNoiseSdG * cfg.scaleNoiseSdG;
    this.driftVar = cfg.baselineDriftGPerSqrtS * cfg.baselineDriftGPerSqrtS;
  }

  /** true once the scale has settled at least once */
  get settled(): boolean {
    return this.hasBaseline;
  }

  /**
   * Forget the baseline: the next stable level becomes it, silently. For a session that starts
   * while the load is still away from the last settled level (the previous shopper's goods were
   * unloaded while the cart rolled, so the scale never settled at the empty level).
   */
  rebase(): void {
    // the samples before it belong to the old zero
    this.resetWindow();
    this.hasBaseline = false;
    this.disturbed = false;
    this.stableSince = Number.NaN;
  }

  /**
   * The load change still pending (not yet settled): the current window's mean against the
   * baseline, when the window holds at least minStableSamples and the difference is larger than
   * both 2 × minChangeG and 5 standard errors of that mean (so a cart rolling to the exit, noisy
   * but level, pends nothing). 0 when nothing is pending.
   */
  pendingDelta(): number {
    const n = this.head - this.tail;
    if (!this.hasBaseline || n < this.cfg.minStableSamples) return 0;
    const mean = (this.sumOld + this.sumNew) / n;
    const variance = Math.max(this.noiseVar, (this.sqOld + this.sqNew) / n - mean * mean);
    const delta = mean + this.ref - this.baseline;
    const bar = Math.max(2 * this.cfg.minChangeG, 5 * Math.sqrt(variance / n));
    return Math.abs(delta) >= bar ? delta : 0;
  }

  /**
   * The current window's mean when it holds at least minStableSamples and lies within minChangeG
   * of the baseline (the load at rest, creep included, before the baseline's slow follow has
   * caught up with it); NaN otherwise.
   */
  restingLevel(): number {
    const n = this.head - this.tail;
    if (!this.hasBaseline || n < this.cfg.minStableSamples) return Number.NaN;
    const level = (this.sumOld + this.sumNew) / n + this.ref;
    return Math.abs(level - this.baseline) < this.cfg.minChangeG ? level : Number.NaN;
  }

  /**
   * Feed one sample (times strictly increasing; the caller filters bad input). Returns the
   * change this sample settled, if any.
   */
  push(t: number, g: number): ScaleChange | undefined {
    const cfg = this.cfg;
    if (t - this.lastT > cfg.gapMs && this.head > this.tail) {
      this.gaps++;
      this.resetWindow();
    }
    this.lastT = t;
    this.lastGrams = g;
    if (this.head === this.tail) this.ref = g;

    // append to the newer half
    const x = g - this.ref;
    if (this.head - this.tail >= RING) this.evictTail();
    const hi = this.head & MASK;
    this.ts[hi] = t;
    this.gs[hi] = x;
    this.head++;
    this.sumNew += x;
    this.sqNew += x * x;
    // move samples older than half a window from the newer to the older half
    while (this.mid < this.head - 1 && t - this.ts[this.mid & MASK] > this.halfMs) {
      const v = this.gs[this.mid & MASK];
      this.sumNew -= v;
      this.sqNew -= v * v;
      this.sumOld += v;
      this.sqOld += v * v;
      this.mid++;
    }
    // drop samples older than the window
    while (this.tail < this.mid && t - this.ts[this.tail & MASK] > this.cfg.stableWindowMs) this.evictTail();
    if (++this.sinceRebuild >= RING) this.rebuild();

    const nOld = this.mid - this.tail;
    const nNew = this.head - this.mid;
    const n = nOld + nNew;
    if (n < cfg.minStableSamples || nOld === 0 || t - this.ts[this.tail & MASK] < this.minSpanMs) {
      return this.unstable(g);
    }
    const sum = this.sumOld + this.sumNew;
    const mean = sum / n;
    const variance = Math.max(0, (this.sqOld + this.sqNew) / n - mean * mean);
    const trend = Math.abs(this.sumNew / nNew - this.sumOld / nOld);
    if (variance > cfg.stableSdMaxG * cfg.stableSdMaxG || trend > cfg.stableTrendMaxG) {
      return this.unstable(g);
    }

    const level = mean + this.ref;
    const levelSd = Math.sqrt(Math.max(variance, this.noiseVar) / n + this.quantVar);
    if (!this.hasBaseline) {
      this.hasBaseline = true;
      this.setBaseline(level, levelSd, t);
      return undefined;
    }
    const delta = level - this.baseline;
    if (Math.abs(delta) < cfg.minChangeG) {
      // At the baseline: follow slow drift, using the older half so the onset of the next change
      // cannot leak into the "before" level.
      if (this.disturbed) this.transients++;
      this.disturbed = false;
      this.stableSince = Number.NaN;
      // A Kalman step, not a jump: the baseline is a random walk (drift) observed through the
      // older half, whose samples each step sees again, so each step carries one sample's worth.
      // A cart rolling (noisy windows that pass as stable by chance) barely moves it.
      const dt = Math.max(0, t - this.followT) / 1000;
      const p = this.baselineVarK + this.driftVar * dt;
      const r = Math.max(variance, this.noiseVar) + this.quantVar * nOld;
      const k = p / (p + r);
      this.baseline += k * (this.sumOld / nOld + this.ref - this.baseline);
      this.baselineVarK = (1 - k) * p;
      this.followT = t;
      this.baselineSd = levelSd;
      this.quietT = t;
      return undefined;
    }
    this.disturbed = true;
    if (Number.isNaN(this.stableSince)) this.stableSince = t;
    if (t - this.stableSince < cfg.settleMs) return undefined;

    const sd = Math.sqrt(
      this.baselineSd * this.baselineSd + levelSd * levelSd + cfg.deltaSdFloorG * cfg.deltaSdFloorG,
    );
    const change: ScaleChange = {
      startT: this.quietT,
      endT: t,
      before: this.baseline,
      after: level,
      delta,
      sd,
    };
    this.setBaseline(level, levelSd, t);
    return change;
  }

  private unstable(g: number): undefined {
    this.stableSince = Number.NaN;
    if (this.hasBaseline && !this.disturbed && Math.abs(g - this.baseline) >= this.cfg.minChangeG) {
      this.disturbed = true;
    }
    return undefined;
  }

  private setBaseline(level: number, sd: number, t: number): void {
    this.baseline = level;
    this.baselineSd = sd;
    this.baselineVarK = sd * sd;
    this.followT = t;
    this.quietT = t;
    this.stableSince = Number.NaN;
    this.disturbed = false;
  }

  private evictTail(): void {
    if (this.tail === this.mid) {
      // the older half is empty: take from the newer one
      const v = this.gs[this.tail & MASK];
      this.sumNew -= v;
      this.sqNew -= v * v;
      this.mid++;
    } else {
      const v = this.gs[this.tail & MASK];
      this.sumOld -= v;
      this.sqOld -= v * v;
    }
    this.tail++;
  }

  private resetWindow(): void {
    this.head = this.mid = this.tail = 0;
    this.sumOld = this.sqOld = this.sumNew = this.sqNew = 0;
    this.stableSince = Number.NaN;
    this.sinceRebuild = 0;
  }

  /** Recompute the running sums exactly, around a fresh reference level. */
  private rebuild(): void {
    this.sinceRebuild = 0;
    const n = this.head - this.tail;
    if (n === 0) return;
    const newRef = this.gs[(this.head - 1) & MASK] + this.ref;
    const shift = this.ref - newRef;
    this.sumOld = this.sqOld = this.sumNew = this.sqNew = 0;
    for (let i = this.tail; i < this.head; i++) {
      const v = this.gs[i & MASK] + shift;
      this.gs[i & MASK] = v;
      if (i < this.mid) {
        this.sumOld += v;
        this.sqOld += v * v;
      } else {
        this.sumNew += v;
        this.sqNew += v * v;
      }
    }
    this.ref = newRef;
  }
}
