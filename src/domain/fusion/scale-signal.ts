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
 * The settled level (since 2026-12-05). The load approaches its new level exponentially (a load
 * cell and a basket on springs: creep with a time constant τ), and the stability tests pass while
 * a few grams are still to come, so the window's mean stops short: every change used to come out
 * about 1 g (standard simulator) to 2 g (hard) light, with a tail of 3–6 g. So the committed level
 * is the asymptote of `level + C·e^(−(t − T)/τ)` fitted by least squares over the stable run (the
 * samples of the first stable window and every one since, ~650 ms), and its sd is that fit's.
 * Which τ: the cart learns it from its own scale. After each commit the detector watches where the
 * load comes to rest (the last stable window, ≥ `settleRestMs` after the commit, before anything
 * else moves it, within 2 × minChangeG of the commit) and scores the asymptote each τ of a fixed
 * grid (0 = the window's mean, as before) had predicted; once `settleLearnN` changes have come to
 * rest, the τ with the least squared error is used. Least squared error weighs bias against noise
 * (a longer τ extrapolates further and amplifies the noise), so a noisy scale learns a shorter τ
 * than its physics. Until then, and with settleLearnN 0 (the default is 20 since decision 0132,
 * taken with extraProductPrior 0.6; docs/fusion-model.md §1, §8), the level is the window's mean.
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
  | "settleLearnN"
  | "settleRestMs"
>;

/**
 * The time constants the settled-level fit may use, ms (0: the window's mean, no fit). From a
 * fast load cell to a basket swinging on soft springs; the simulator's τ is 175–325 ms (standard)
 * and 315–585 ms (hard), the shelf recording's pick-ups ring down in ~0.5 s.
 */
const TAU_GRID_MS = [0, 50, 100, 150, 200, 250, 300, 375, 450, 550, 700, 900];

export class ScaleChangeDetector {
  private readonly ts = new Float64Array(RING);
  private readonly gs = new Float64Array(RING);
  /** the raw samples again, for the settled-level fit (gs is rebased by rebuild()) */
  private readonly raw = new Float64Array(RING);
  /** scratch for the settled-level fit: e^((T − t)/τ) of each sample of the stable run */
  private readonly xs = new Float64Array(RING);
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
  /** ring counter of the oldest sample of the current stable run's first window */
  private stableFrom = 0;

  // learning τ: the last commit's asymptote under each τ of the grid, and where the load rested
  private readonly tauSse = new Float64Array(TAU_GRID_MS.length);
  private readonly tauEst = new Float64Array(TAU_GRID_MS.length);
  private tauN = 0;
  private tauIdx = 0;
  private obsT = Number.NaN;
  private obsLevel = 0;
  private obsRest = Number.NaN;

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

  /** the settle time constant in use, ms (0: none learned yet, the window's mean is used) */
  get settleTauMs(): number {
    return TAU_GRID_MS[this.tauIdx];
  }

  /** changes that have come to rest and taught the settle time constant */
  get settleObservations(): number {
    return this.tauN;
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
    this.restObserved();
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
      this.restObserved();
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
    this.raw[hi] = g;
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
    if (!Number.isNaN(this.obsT) && this.ts[this.tail & MASK] - this.obsT >= cfg.settleRestMs) {
      // where the last change came to rest, unless something else has moved the load since
      if (Math.abs(level - this.obsLevel) <= 2 * cfg.minChangeG) this.obsRest = level;
      else this.restObserved();
    }
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
    if (Number.isNaN(this.stableSince)) {
      this.stableSince = t;
      this.stableFrom = this.tail;
    }
    if (t - this.stableSince < cfg.settleMs) return undefined;

    const { after, afterSd } = this.settledLevel(t, level, levelSd, Math.max(variance, this.noiseVar));
    const sd = Math.sqrt(
      this.baselineSd * this.baselineSd + afterSd * afterSd + cfg.deltaSdFloorG * cfg.deltaSdFloorG,
    );
    const change: ScaleChange = {
      startT: this.quietT,
      endT: t,
      before: this.baseline,
      after,
      delta: after - this.baseline,
      sd,
    };
    this.setBaseline(after, afterSd, t);
    return change;
  }

  /**
   * The level a change is committed at: the asymptote of an exponential approach fitted over the
   * stable run, with the learned τ (see the header), and its sd; the window's mean while no τ is
   * learned. When learning, the asymptote under every τ of the grid is kept, to be scored once the
   * load has come to rest.
   */
  private settledLevel(
    T: number,
    level: number,
    levelSd: number,
    v: number,
  ): { after: number; afterSd: number } {
    this.restObserved();
    const learn = this.cfg.settleLearnN > 0;
    let after = level;
    let afterSd = levelSd;
    const from = Math.max(this.stableFrom, this.head - RING);
    const n = this.head - from;
    if (learn) {
      this.obsT = T;
      this.obsLevel = level;
      this.obsRest = Number.NaN;
      this.tauEst[0] = level;
    }
    // the samples' mean, the same under every τ
    let my = 0;
    if (n >= 3) {
      for (let i = from; i < this.head; i++) my += this.raw[i & MASK];
      my /= n;
    }
    for (let j = 1; j < TAU_GRID_MS.length; j++) {
      if (!learn && j !== this.tauIdx) continue;
      const fit = n >= 3 ? this.fitAsymptote(T, TAU_GRID_MS[j], from, v, my) : undefined;
      if (learn) this.tauEst[j] = fit ? fit.level : level;
      if (fit && j === this.tauIdx) {
        after = fit.level;
        afterSd = fit.sd;
      }
    }
    return { after, afterSd };
  }

  /**
   * least squares of y = L + C·x, x = e^((T − t)/τ), over the ring from `from` (`my` the
   * samples' mean): L and its sd. Each x is computed once (into `xs`, by sample index from
   * `from`), not once per pass: with 11 τ at every change, the two Math.exp lines were the two
   * hottest of bench:fusion's throughput phase (--cpu-prof, 2026-12-06).
   */
  private fitAsymptote(
    T: number,
    tau: number,
    from: number,
    v: number,
    my: number,
  ): { level: number; sd: number } | undefined {
    const n = this.head - from;
    const xs = this.xs;
    let mx = 0;
    for (let i = 0; i < n; i++) {
      const x = Math.exp((T - this.ts[(from + i) & MASK]) / tau);
      xs[i] = x;
      mx += x;
    }
    mx /= n;
    let sxx = 0;
    let sxy = 0;
    for (let i = 0; i < n; i++) {
      const dx = xs[i] - mx;
      sxx += dx * dx;
      sxy += dx * (this.raw[(from + i) & MASK] - my);
    }
    if (!(sxx > 1e-9)) return undefined;
    return { level: my - (sxy / sxx) * mx, sd: Math.sqrt(v * (1 / n + (mx * mx) / sxx) + this.quantVar) };
  }

  /** the last change has come to rest (or will not): score each τ's asymptote against the rest */
  private restObserved(): void {
    if (Number.isNaN(this.obsT)) return;
    const rest = this.obsRest;
    this.obsT = Number.NaN;
    if (Number.isNaN(rest)) return;
    let best = 0;
    for (let j = 0; j < TAU_GRID_MS.length; j++) {
      const e = this.tauEst[j] - rest;
      this.tauSse[j] += e * e;
      if (this.tauSse[j] < this.tauSse[best]) best = j;
    }
    this.tauN++;
    if (this.tauN >= this.cfg.settleLearnN) this.tauIdx = best;
  }

  private unstable(g: number): undefined {
    if (!Number.isNaN(this.obsRest)) this.restObserved();
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
