/**
 * Shelf change detector: turns the raw load of every weight plate of ONE shelf into
 * stable-to-stable changes ("the shelf settled 105 g lighter, mostly on plates 3–5").
 *
 * Why per shelf and not per plate: an item resting across two plates, or a shelf that flexes when
 * touched, spreads one pick-up over several neighbouring plates (on the AutoCheckout recording a
 * 538 g bottle shows as -561 g on its plate and -4…-9 g on three neighbours); summing the plates
 * that changed conserves the weight, while per-plate decisions would see several small events.
 *
 * How:
 * 1. Samples are averaged into 100 ms bins per plate; a shelf bin is processed once every plate
 *    is past it (the watermark is the start time of the newest plate batch: batches arrive in
 *    time order, so everything before it is in).
 * 2. Each plate's noise is measured continuously from the variance of samples inside a bin (a
 *    step lands in one bin only, so events barely disturb it; outlier bins are skipped), floored
 *    at `noiseFloor`. `sigmaWin` = that sd over √(samples in a window) × `inflate` (the real
 *    recording's window means wander a little more than white noise would) — so every
 *    threshold below scales with each plate's own noise: a gondola with 6–7 g sample noise gets
 *    thresholds ~10× those of a 0.5 g gondola, and produces no phantom events.
 * 3. Steady: a plate "moves" when the mean of its last `trigBins` bins departs from its
 *    baseline by more than `kTrigger` σ; otherwise the baseline follows slow drift.
 * 4. Active: wait until every plate of the shelf has `settleBins` consecutive bins within
 *    `kStable` σ of their mean; then Δp = after − before per plate.
 * 5. Plates whose |Δp| exceeds `kPlate` σΔ are significant; significant plates at most `gap`
 *    plates apart form one cluster (two shoppers at the two ends of a shelf give two clusters),
 *    widened by one plate on each side for the spread. A cluster is reported when its summed Δ
 *    exceeds max(`minGrams`, `kEvent` σ of the sum).
 * 6. A cluster whose significant plates stepped `splitMs` apart, or that is joined only through a
 *    still plate between two of them, also carries its `parts` (one change each): two shoppers
 *    taking from neighbouring plates a moment apart. The fusion decides whether to use them.
 * 7. A segment that settles where it began (nothing to report) but held another level for
 *    `trigBins` bins in between, as still as a settled shelf, is a round trip: an item put back
 *    and taken again before the shelf settled (one shopper's put-back, another's pick-up of the
 *    same product 0.5–0.8 s later), or taken and put back. It is reported as two changes, to the
 *    level and back (`roundTrip`); the fusion takes them only when the level is an item by weight
 *    (a hand leaning on a noisy shelf can hold a level as still as its noise). Decision 0133.
 * Pure: no clock, no I/O. Constants are documented in docs/walkout.md.
 */

export interface DetectorConfig {
  binMs: number;
  trigBins: number;
  settleBins: number;
  kTrigger: number;
  kStable: number;
  kPlate: number;
  kEvent: number;
  /** grams: no change smaller than this is ever reported */
  minGrams: number;
  /** grams: lowest per-sample noise sd assumed for a plate (quantised or frozen sensors) */
  noiseFloor: number;
  /** factor on √n-scaled noise of window means (measured wander) */
  inflate: number;
  /** plates between significant plates that still join them into one cluster */
  gap: number;
  /** a segment that never settles is closed after this long */
  maxActiveMs: number;
  /** drift tracking of the baseline while steady */
  driftAlpha: number;
  /**
   * share of a change that may have spread onto a neighbour plate hidden under an opposite
   * change there (sd added to the sum); units rest 80–100 % on their plate in the simulator, and
   * −6…−13 g of a 538 g bottle sat on each neighbour on the real recording
   */
  abutSpread: number;
  /**
   * ms: two significant plates of one same-sign cluster whose loads stepped (each crossing its
   * halfway level once) at least this far apart are offered as separate parts of the change
   * (`ShelfChange.parts`): two shoppers taking from neighbouring plates a moment apart
   */
  splitMs: number;
  /**
   * report a round trip (header, 7) as two changes. Off by default for now: on seeds 1–8 (hands
   * at shelves only) it turns one pair of silent visits into two reviews, 119 → 121 reviews of
   * 2,400, above the ceiling of that set (decision 0133)
   */
  roundTrips: boolean;
}

export const DEFAULT_DETECTOR_CONFIG: DetectorConfig = {
  binMs: 100,
  trigBins: 3,
  settleBins: 6,
  kTrigger: 6,
  kStable: 5,
  kPlate: 6,
  kEvent: 8,
  minGrams: 8,
  noiseFloor: 0.5,
  inflate: 2,
  gap: 1,
  maxActiveMs: 20_000,
  driftAlpha: 0.02,
  abutSpread: 0.1,
  splitMs: 200,
  roundTrips: false,
};

export interface PlateDelta {
  plate: number;
  before: number;
  after: number;
  delta: number;
  /** sd of this plate's delta, grams */
  sd: number;
}

export interface ShelfChange {
  gondola: number;
  shelf: number;
  /** first bin that moved / first bin of the settled window, ms */
  startT: number;
  endT: number;
  before: number;
  after: number;
  delta: number;
  sd: number;
  /** the plates of the cluster (significant plates plus their spread), with their deltas */
  plates: PlateDelta[];
  /** the segment hit maxActiveMs without settling */
  forced: boolean;
  /**
   * an opposite change (a put-back next to a pick-up, by two shoppers at once) sat on the next
   * plate: the weight that spread across the border is hidden in the other one, so |Δ| is short
   * by up to the spread (found on the simulator: a 265 g put-back read 238 g)
   */
  abutsOpposite: boolean;
  /**
   * when the load stepped, ms: the start of the first bin after which the cluster's summed load
   * stayed nearer its new level than its old one (a hand pressing before a pick-up or a shelf
   * swinging afterwards moves `startT` and `endT`, not this); `startT` when not in the history
   */
  stepT: number;
  /**
   * the main plate's load crossed its halfway level once during the change: nothing else (a
   * hand pressing, another shopper) pushed it back and forth, so `stepT` is the moment of the step
   */
  stepClean: boolean;
  /**
   * the cluster's summed load per bin, `binMs` apart from `t0` (recent history, to the settled
   * window), and each plate's own (`perPlate[i]` for `plates[i]`)
   */
  trace: { t0: number; binMs: number; sums: number[]; perPlate: number[][] };
  /**
   * the change split where its plates stepped at different moments (`splitMs` apart, each step
   * clean): neighbouring plates of one sign that did not move together. Only a proposal: a single
   * item lifted unevenly off two plates looks the same, so the fusion takes the parts only when
   * each is an item by itself (walkout.fusion.ts, `partsOf`). Each part is a whole ShelfChange
   * (its own plates, sum, step), its border with the next part treated as `abutsOpposite`.
   */
  parts?: ShelfChange[];
  /**
   * one half of a round trip (a segment that settled where it began, see the header, 7): "there"
   * to the level held between, "back" from it. The two are one item out and in again, or none
   */
  roundTrip?: "there" | "back";
}

/**
 * When a load passed `level` for the last time: the start of the first bin of `trace` after
 * which every bin lies on the far side of `level` from `from` (the old level). Undefined when the
 * trace never was on the near side (the crossing is older than the trace).
 */
/** how many times `sums` crossed `level` in the bins starting at or after `from` ms */
export function crossings(
  trace: { t0: number; binMs: number },
  sums: readonly number[],
  level: number,
  from: number,
): number {
  let n = 0;
  let side = 0;
  for (let j = 0; j < sums.length; j++) {
    if (trace.t0 + j * trace.binMs < from) {
      side = Math.sign(sums[j] - level) || side;
      continue;
    }
    const s = Math.sign(sums[j] - level);
    if (s !== 0 && side !== 0 && s !== side) n++;
    if (s !== 0) side = s;
  }
  return n;
}

export function lastCrossing(
  trace: { t0: number; binMs: number },
  sums: readonly number[],
  from: number,
  level: number,
): number | undefined {
  const dir = Math.sign(level - from);
  for (let j = sums.length - 1; j >= 0; j--) {
    if ((sums[j] - level) * dir < 0) return trace.t0 + (j + 1) * trace.binMs;
  }
  return undefined;
}

interface Bin {
  n: number;
  sum: number;
  sumSq: number;
}

interface PlateState {
  plate: number;
  /** bin index → accumulating bin */
  open: Map<number, Bin>;
  /** latest sample time seen, ms */
  lastT: number;
  /** closed bin means by index (recent only) */
  last: number | undefined;
  lastBin: number;
  history: number[];
  /** samples per bin, running estimate */
  perBin: number;
  noiseVar: number | undefined;
  baseline: number | undefined;
  before: number;
}

export class ShelfDetector {
  readonly gondola: number;
  readonly shelf: number;
  private readonly cfg: DetectorConfig;
  private readonly plates = new Map<number, PlateState>();
  private nextBin: number | undefined;
  private state: "warm" | "steady" | "active" = "warm";
  private activeStart = 0;
  private warmBins = 0;
  private lastActivity = -Infinity;
  private maxSeenBin = -Infinity;
  /** the bin being processed: the newest in every plate's history */
  private newest = 0;

  constructor(gondola: number, shelf: number, plates: number[], config: Partial<DetectorConfig> = {}) {
    this.gondola = gondola;
    this.shelf = shelf;
    this.cfg = { ...DEFAULT_DETECTOR_CONFIG, ...config };
    for (const p of plates) this.ensure(p);
  }

  get busy(): boolean {
    return this.state === "active";
  }

  /** last time (ms) any plate of this shelf moved */
  get lastMovedT(): number {
    return this.lastActivity;
  }

  private ensure(plate: number): PlateState {
    let s = this.plates.get(plate);
    if (!s) {
      s = {
        plate,
        open: new Map(),
        lastT: -Infinity,
        last: undefined,
        lastBin: Number.NEGATIVE_INFINITY,
        history: [],
        perBin: 1,
        noiseVar: undefined,
        baseline: undefined,
        before: 0,
      };
      this.plates.set(plate, s);
    }
    return s;
  }

  /** Latest sample time of a plate (for out-of-order checks by the caller). */
  lastSampleT(plate: number): number {
    return this.plates.get(plate)?.lastT ?? -Infinity;
  }

  /** Add samples of one plate: `grams[i]` at `t + i·1000/hz`. */
  addSamples(plate: number, t: number, grams: readonly number[], hz: number): void {
    const s = this.ensure(plate);
    const step = 1000 / hz;
    for (let i = 0; i < grams.length; i++) {
      const ti = t + i * step;
      const k = Math.floor(ti / this.cfg.binMs);
      if (this.nextBin !== undefined && k < this.nextBin) continue; // too late for its bin
      let b = s.open.get(k);
      if (!b) {
        b = { n: 0, sum: 0, sumSq: 0 };
        s.open.set(k, b);
      }
      const g = grams[i];
      b.n++;
      b.sum += g;
      b.sumSq += g * g;
      if (ti > s.lastT) s.lastT = ti;
      if (k > this.maxSeenBin) this.maxSeenBin = k;
    }
  }

  /** Process every bin that ends at or before `watermark` (ms); returns settled changes. */
  advance(watermark: number): ShelfChange[] {
    const out: ShelfChange[] = [];
    let minOpen = Infinity;
    for (const s of this.plates.values()) for (const k of s.open.keys()) if (k < minOpen) minOpen = k;
    // never run past the newest sample: bins after it hold nothing yet
    const lastBin = Math.min(Math.floor(watermark / this.cfg.binMs) - 1, this.maxSeenBin);
    if (this.nextBin === undefined) {
      if (!Number.isFinite(minOpen)) return out;
      this.nextBin = minOpen;
    }
    // a gap with no data at all: carry the last values for a few seconds, then jump
    if (Number.isFinite(minOpen) && minOpen - this.nextBin > GAP_BINS) this.nextBin = minOpen - GAP_BINS;
    while (this.nextBin <= lastBin) {
      const change = this.processBin(this.nextBin);
      if (change) out.push(...change);
      this.nextBin++;
    }
    return out;
  }

  private sigmaBin(s: PlateState): number {
    const sd = Math.max(Math.sqrt(s.noiseVar ?? 0), this.cfg.noiseFloor);
    return sd / Math.sqrt(Math.max(1, s.perBin));
  }

  /** sd of a mean over `bins` bins, inflated for wander */
  private sigmaWin(s: PlateState, bins: number): number {
    return (this.sigmaBin(s) / Math.sqrt(bins)) * this.cfg.inflate;
  }

  private processBin(k: number): ShelfChange[] | undefined {
    const cfg = this.cfg;
    for (const s of this.plates.values()) {
      const b = s.open.get(k);
      if (b) {
        s.open.delete(k);
        const mean = b.sum / b.n;
        s.perBin = s.noiseVar === undefined ? b.n : 0.95 * s.perBin + 0.05 * b.n;
        // per-sample variance: within the bin when it holds several samples; from the change
        // between consecutive bins (white noise: Var(m_k − m_k−1) = 2σ²/n) when it holds one
        let v: number | undefined;
        if (b.n >= 2) v = Math.max(0, (b.sumSq - b.n * mean * mean) / (b.n - 1));
        else if (s.last !== undefined && s.lastBin === k - 1) v = ((mean - s.last) ** 2 / 2) * b.n;
        if (v !== undefined) {
          if (s.noiseVar === undefined) s.noiseVar = Math.max(v, cfg.noiseFloor ** 2);
          else if (v < 16 * Math.max(s.noiseVar, cfg.noiseFloor ** 2))
            s.noiseVar = 0.98 * s.noiseVar + 0.02 * v;
        }
        s.last = mean;
        s.lastBin = k;
      }
      if (s.last === undefined) continue;
      s.history.push(s.last);
      if (s.history.length > 64) s.history.splice(0, s.history.length - 64);
    }
    const tBin = k * cfg.binMs;
    this.newest = k;

    if (this.state === "warm") {
      this.warmBins++;
      if (this.warmBins >= cfg.settleBins) {
        for (const s of this.plates.values()) {
          if (s.history.length) s.baseline = mean(s.history.slice(-cfg.settleBins));
        }
        this.state = "steady";
      }
      return undefined;
    }

    if (this.state === "steady") {
      let moved = false;
      for (const s of this.plates.values()) {
        if (s.last === undefined) continue;
        if (s.baseline === undefined) {
          s.baseline = s.last;
          continue;
        }
        const w = s.history.slice(-cfg.trigBins);
        const dev = Math.abs(mean(w) - s.baseline);
        if (dev > cfg.kTrigger * this.sigmaWin(s, w.length)) moved = true;
      }
      if (!moved) {
        for (const s of this.plates.values()) {
          if (s.last !== undefined && s.baseline !== undefined) {
            s.baseline += cfg.driftAlpha * (s.last - s.baseline);
          }
        }
        return undefined;
      }
      // find the first bin that left the baseline (within the trigger window)
      let first = k;
      for (let back = cfg.trigBins - 1; back >= 0; back--) {
        let any = false;
        for (const s of this.plates.values()) {
          if (s.baseline === undefined || s.history.length <= back) continue;
          const v = s.history[s.history.length - 1 - back];
          if (Math.abs(v - s.baseline) > cfg.kTrigger * this.sigmaBin(s) * cfg.inflate) any = true;
        }
        if (any) {
          first = k - back;
          break;
        }
      }
      for (const s of this.plates.values()) s.before = s.baseline ?? s.last ?? 0;
      this.state = "active";
      this.activeStart = first * cfg.binMs;
      this.lastActivity = tBin;
      return undefined;
    }

    // active: wait for every plate to settle
    this.lastActivity = tBin;
    const sinceStart = tBin - this.activeStart;
    let settled = sinceStart >= cfg.settleBins * cfg.binMs;
    if (settled) {
      for (const s of this.plates.values()) {
        if (s.history.length < cfg.settleBins) continue;
        const w = s.history.slice(-cfg.settleBins);
        const m = mean(w);
        const lim = cfg.kStable * this.sigmaBin(s) * cfg.inflate;
        if (w.some((v) => Math.abs(v - m) > lim)) {
          settled = false;
          break;
        }
      }
    }
    const forced = !settled && sinceStart >= cfg.maxActiveMs;
    if (!settled && !forced) return undefined;

    const endT = (k - cfg.settleBins + 1) * cfg.binMs;
    const deltas: PlateDelta[] = [];
    for (const s of [...this.plates.values()].sort((a, b) => a.plate - b.plate)) {
      if (s.history.length === 0) continue;
      const after = mean(s.history.slice(-cfg.settleBins));
      const sd = Math.SQRT2 * this.sigmaWin(s, cfg.settleBins);
      deltas.push({ plate: s.plate, before: s.before, after, delta: after - s.before, sd });
      s.baseline = after;
    }
    this.state = "steady";
    const found = this.clusters(deltas, endT, forced, k);
    if (found.length > 0 || forced || !cfg.roundTrips) return found;
    return this.roundTrip(deltas, endT, k);
  }

  /**
   * A segment that settled where it began (nothing to report) but held another level in between:
   * an item put back and taken again (often by another shopper: the put-back and the pick-up
   * cancel on the plate), or taken and put back. The load must have held that level for
   * `trigBins` bins (the window the detector itself takes to say a load moved) as stable as a
   * settled shelf (`kStable`), and the level must differ from the start by a reportable amount.
   * Reported as two changes: to the level (ending where the level began) and back from it. A hand
   * pressing varies from sample to sample, so it holds no such level. [] when there is none.
   */
  private roundTrip(deltas: PlateDelta[], endT: number, k: number): ShelfChange[] {
    const cfg = this.cfg;
    const n = cfg.trigBins;
    const firstBin = Math.round(this.activeStart / cfg.binMs);
    const lastBin = k - cfg.settleBins; // the bin before the settled window
    const states = deltas.map((d) => this.plates.get(d.plate)!);
    const at = (s: PlateState, b: number) => s.history[s.history.length - 1 - (k - b)];
    if (states.some((s) => s.history.length < k - firstBin + 1)) return [];
    // the longest run of stable bins, earliest first: scan every start
    let best: { from: number; to: number; level: number[] } | undefined;
    for (let b0 = firstBin + 1; b0 + n - 1 <= lastBin; b0++) {
      let b1 = b0 + n - 1;
      const stable = (to: number) =>
        states.every((s) => {
          const w: number[] = [];
          for (let b = b0; b <= to; b++) w.push(at(s, b));
          const m = mean(w);
          const lim = cfg.kStable * this.sigmaBin(s) * cfg.inflate;
          return w.every((v) => Math.abs(v - m) <= lim);
        });
      if (!stable(b1)) continue;
      while (b1 + 1 <= lastBin && stable(b1 + 1)) b1++;
      const level = states.map((s) => {
        const w: number[] = [];
        for (let b = b0; b <= b1; b++) w.push(at(s, b));
        return mean(w);
      });
      if (!best || b1 - b0 > best.to - best.from) best = { from: b0, to: b1, level };
    }
    if (!best) return [];
    const len = best.to - best.from + 1;
    const { from, to, level } = best;
    const there: PlateDelta[] = deltas.map((d, i) => ({
      plate: d.plate,
      before: d.before,
      after: level[i],
      delta: level[i] - d.before,
      sd: Math.SQRT2 * this.sigmaWin(states[i], len),
    }));
    const back: PlateDelta[] = deltas.map((d, i) => ({
      plate: d.plate,
      before: level[i],
      after: d.after,
      delta: d.after - level[i],
      sd: d.sd,
    }));
    const start = this.activeStart;
    const go = this.clusters(there, from * cfg.binMs, false, to, to);
    if (go.length !== 1) return [];
    this.activeStart = (to + 1) * cfg.binMs;
    const ret = this.clusters(back, endT, false, k, k);
    this.activeStart = start;
    if (ret.length !== 1 || Math.sign(ret[0].delta) === Math.sign(go[0].delta)) return [];
    return [
      { ...go[0], roundTrip: "there" },
      { ...ret[0], roundTrip: "back" },
    ];
  }

  private clusters(deltas: PlateDelta[], endT: number, forced: boolean, k: number, upto = k): ShelfChange[] {
    const cfg = this.cfg;
    const sig = deltas.map((d) => Math.abs(d.delta) > cfg.kPlate * d.sd);
    // groups of significant plates of the same sign, at most `gap` plates apart: a pick-up and a
    // put-back by two shoppers at once on one shelf stay two changes
    const groups: [number, number, number][] = [];
    for (let i = 0; i < deltas.length; i++) {
      if (!sig[i]) continue;
      const sign = Math.sign(deltas[i].delta);
      const last = groups[groups.length - 1];
      if (last && last[2] === sign && deltas[i].plate - deltas[last[1]].plate <= cfg.gap + 1) last[1] = i;
      else groups.push([i, i, sign]);
    }
    // widen by one plate each side (the spread); merge same-sign groups that touch
    const spans: [number, number, number][] = [];
    for (const [a, b, sign] of groups) {
      const prev = spans[spans.length - 1];
      // an opposite change right next to this one: its widening stops short of our plates
      // (first, so that our own first plate is never left out of both)
      if (prev && prev[2] !== sign && prev[1] >= a) prev[1] = a - 1;
      const lo = Math.max(0, a - 1, prev && prev[2] !== sign ? prev[1] + 1 : 0);
      const hi = Math.min(deltas.length - 1, b + 1);
      if (prev && prev[2] === sign && lo <= prev[1]) prev[1] = hi;
      else spans.push([lo, hi, sign]);
    }
    const out: ShelfChange[] = [];
    const reported = spans.filter(([lo, hi]) => this.reportable(deltas.slice(lo, hi + 1)));
    for (const [i, [lo, hi, sign]] of reported.entries()) {
      // an opposite change on the very next plate hides whatever spread across the border
      const abutsOpposite = [reported[i - 1], reported[i + 1]].some(
        (o) => o !== undefined && o[2] !== sign && (o[1] + 1 === lo || o[0] - 1 === hi),
      );
      const change = this.changeOf(deltas.slice(lo, hi + 1), abutsOpposite, endT, forced, upto);
      const parts = upto === this.newest ? this.partsOf(deltas, lo, hi, sig, endT, forced, k) : undefined;
      out.push(parts ? { ...change, parts } : change);
    }
    return out;
  }

  private reportable(plates: PlateDelta[]): boolean {
    const delta = plates.reduce((a, d) => a + d.delta, 0);
    const sd = Math.sqrt(plates.reduce((a, d) => a + d.sd * d.sd, 0));
    return Math.abs(delta) >= Math.max(this.cfg.minGrams, this.cfg.kEvent * sd);
  }

  private changeOf(
    plates: PlateDelta[],
    abutsOpposite: boolean,
    endT: number,
    forced: boolean,
    k: number,
  ): ShelfChange {
    const delta = plates.reduce((a, d) => a + d.delta, 0);
    // …so the sum is uncertain by that spread: `abutSpread` of |Δ| (identification sees it)
    const sd = Math.sqrt(
      plates.reduce((a, d) => a + d.sd * d.sd, 0) + (abutsOpposite ? (this.cfg.abutSpread * delta) ** 2 : 0),
    );
    return {
      ...this.stepOf(plates, delta, k),
      gondola: this.gondola,
      shelf: this.shelf,
      startT: this.activeStart,
      endT,
      before: plates.reduce((a, d) => a + d.before, 0),
      after: plates.reduce((a, d) => a + d.after, 0),
      delta,
      sd,
      plates,
      forced,
      abutsOpposite,
    };
  }

  /**
   * The cluster `lo..hi` cut between significant plates whose own loads stepped `splitMs` apart
   * (each crossing its halfway level once since the segment began), or that have a still plate
   * between them (joined only through the `gap`); each part keeps the plates up to the cut, must
   * be reportable by itself, and counts as abutting the next (the spread across the cut is hidden
   * in the other part). Undefined when nothing is cut.
   */
  private partsOf(
    deltas: PlateDelta[],
    lo: number,
    hi: number,
    sig: boolean[],
    endT: number,
    forced: boolean,
    k: number,
  ): ShelfChange[] | undefined {
    if (forced) return undefined;
    const steps: { i: number; t: number | undefined }[] = [];
    for (let i = lo; i <= hi; i++) {
      if (!sig[i]) continue;
      const d = deltas[i];
      const h = this.plates.get(d.plate)?.history ?? [];
      const trace = { t0: (k - h.length + 1) * this.cfg.binMs, binMs: this.cfg.binMs };
      const level = d.before + d.delta / 2;
      const t = lastCrossing(trace, h, d.before, level);
      const clean = t !== undefined && crossings(trace, h, level, this.activeStart) === 1;
      steps.push({ i, t: clean ? t : undefined });
    }
    const timed = steps.every((s) => s.t !== undefined);
    const cuts: number[] = [];
    for (let j = 1; j < steps.length; j++) {
      const [a, b] = [steps[j - 1], steps[j]];
      const apart = timed && Math.abs((b.t ?? 0) - (a.t ?? 0)) >= this.cfg.splitMs;
      if (apart || deltas[b.i].plate - deltas[a.i].plate > 1) cuts.push(b.i);
    }
    if (cuts.length === 0) return undefined;
    const bounds = [lo, ...cuts, hi + 1];
    const ranges: [number, number][] = [];
    for (let j = 0; j + 1 < bounds.length; j++) ranges.push([bounds[j], bounds[j + 1] - 1]);
    if (!ranges.every(([a, b]) => this.reportable(deltas.slice(a, b + 1)))) return undefined;
    return ranges.map(([a, b]) => this.changeOf(deltas.slice(a, b + 1), true, endT, forced, k));
  }

  /**
   * ShelfChange.stepT and .trace, from the histories up to bin `k` (the bin just processed, the
   * newest in every history, or an earlier one: the first half of a round trip)
   */
  private stepOf(
    plates: PlateDelta[],
    delta: number,
    k: number,
  ): Pick<ShelfChange, "stepT" | "stepClean" | "trace"> {
    const cut = this.newest - k;
    const hist = plates.map((d) => {
      const h = this.plates.get(d.plate)?.history ?? [];
      return cut > 0 ? h.slice(0, Math.max(0, h.length - cut)) : h;
    });
    const before = plates.reduce((a, d) => a + d.before, 0);
    const len = Math.min(...hist.map((h) => h.length));
    const perPlate = hist.map((h) => h.slice(h.length - len));
    const sums: number[] = [];
    for (let j = 0; j < len; j++) sums.push(perPlate.reduce((a, h) => a + h[j], 0));
    const trace = { t0: (k - len + 1) * this.cfg.binMs, binMs: this.cfg.binMs, sums, perPlate };
    // the step is timed on the plate that lost or gained most: a hand pressing on a neighbour
    // plate of the cluster (another shopper's touch) must not move it
    let main = 0;
    for (let i = 1; i < plates.length; i++)
      if (Math.abs(plates[i].delta) > Math.abs(plates[main].delta)) main = i;
    const own = perPlate[main] ?? sums;
    const from = plates[main]?.before ?? before;
    const level = from + (plates[main]?.delta ?? delta) / 2;
    const t = lastCrossing(trace, own, from, level);
    return {
      stepT: t === undefined ? this.activeStart : Math.max(t, this.activeStart),
      stepClean: t !== undefined && crossings(trace, own, level, this.activeStart) === 1,
      trace,
    };
  }
}

const GAP_BINS = 50;

function mean(xs: readonly number[]): number {
  let s = 0;
  for (const x of xs) s += x;
  return xs.length ? s / xs.length : 0;
}
