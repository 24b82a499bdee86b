/**
 * What the cameras recognised in a shopper's hand (the optional `held` of walk-out `track`
 * events, decision 0106), turned into evidence the walk-out fusion can weigh against the shelf's
 * weight. Pure, no I/O.
 *
 * A recogniser is wrong about a whole episode at a time (one viewpoint, one look-alike), so the
 * frames of one hand in one window are summarised into ONE reading: each product's mean `p` over
 * the frames that had a reading. Its likelihood for "the hand held s" is ε + (1 − ε)·v(s), with
 * ε = `wrongRate` (7 %: about 93 % of items right in the published figures, RPC 93.11 % and
 * AIM3S 93.2 %): a consistent sighting is worth at most ≈ 1/ε ≈ 14 : 1 between two products —
 * enough to break a weight tie, never enough to overturn a weight difference of a few σ (a 3 σ
 * miss alone is 90 : 1). Empty-hand readings count in the denominator, so one stray sighting among
 * empty frames weighs little.
 *
 * Hand-overs (`handoverPosterior`): two hands met away from the shelves. Hypotheses: nothing
 * passed (each hand's content stays as it was: empty with prior 1/2, else one of the units its
 * shopper holds, each alike), or one unit of X passed from one to the other (the giver's hand
 * shows X and then not, the receiver's hand not and then X, at an unknown moment τ, averaged over
 * the frame gaps). Frame likelihoods: an empty reading 0.95 for an empty hand and 0.05 for a hand
 * holding something; a product reading ε + (1 − ε)·p for that product, ε for another, 0.05 for
 * an empty hand (a false sighting). Frames of one hand are correlated, so each hand's
 * log-likelihood is tempered to at most `effectiveFrames` frames' worth. Prior: nothing passed 1/2, the other 1/2
 * spread over the units either could have passed.
 *
 * When the moment the hands were together is known (`during`), a unit can only have passed then:
 * τ is taken inside it. Readings from before and after the meeting then tell "it passed" from "it
 * stayed" (the giver's hand still showing X after the hands parted, the receiver's empty). Without
 * it, τ may lie anywhere, even after every reading, where "X passed" looks like "nothing passed".
 */

export interface HeldReading {
  t: number;
  held: readonly { sku: string; p: number }[];
}

export interface SightingConfig {
  /** ε: how often a recogniser names the wrong product for a whole episode */
  wrongRate: number;
  /** an empty reading of a hand that holds something; a product reading of an empty hand */
  emptyMiss: number;
  falseSighting: number;
  /** each hand's frames count as at most this many independent readings */
  effectiveFrames: number;
}

export const DEFAULT_SIGHTING: SightingConfig = {
  wrongRate: 0.07,
  emptyMiss: 0.05,
  falseSighting: 0.05,
  effectiveFrames: 2,
};

/** One hand's readings in a window, summarised. */
export interface HandView {
  /** frames with a reading (`held` present) */
  frames: number;
  /** of those, read as an empty hand */
  empty: number;
  /** mean p per product over `frames` (empty frames count as 0) */
  score: Map<string, number>;
}

export function viewOf(readings: readonly HeldReading[]): HandView {
  const score = new Map<string, number>();
  let empty = 0;
  for (const r of readings) {
    if (r.held.length === 0) empty++;
    for (const c of r.held) score.set(c.sku, (score.get(c.sku) ?? 0) + c.p);
  }
  for (const [k, v] of score) score.set(k, v / readings.length);
  return { frames: readings.length, empty, score };
}

/** the product read best, if any product was read */
export function topOf(v: HandView): { sku: string; score: number } | undefined {
  let best: { sku: string; score: number } | undefined;
  for (const [sku, score] of v.score) if (!best || score > best.score) best = { sku, score };
  return best;
}

/** Likelihood that the hand held `sku`, given its summarised readings (see the header). */
export function heldLikelihood(v: HandView, sku: string, cfg: SightingConfig = DEFAULT_SIGHTING): number {
  return cfg.wrongRate + (1 - cfg.wrongRate) * (v.score.get(sku) ?? 0);
}

/** a hand's possible content in one phase, with prior weights summing to 1; undefined = empty */
type Content = { c: string | undefined; w: number }[];

function frameLog(r: HeldReading, c: string | undefined, cfg: SightingConfig): number {
  if (r.held.length === 0) return Math.log(c === undefined ? 1 - cfg.falseSighting : cfg.emptyMiss);
  if (c === undefined) return Math.log(cfg.falseSighting);
  const p = r.held.find((x) => x.sku === c)?.p ?? 0;
  return Math.log(cfg.wrongRate + (1 - cfg.wrongRate) * p);
}

/**
 * log-likelihood of one hand's frames: content `before` until τ, `after` from then, each phase's
 * content one of its options (marginalised by their weights); the frames of one hand count as at
 * most `effectiveFrames` readings (tempered: a recogniser's errors are correlated over a second,
 * and tempering each phase alone would favour "nothing passed", whose one phase shrinks more)
 */
function handLog(
  frames: readonly HeldReading[],
  tau: number,
  before: Content,
  after: Content,
  cfg: SightingConfig,
): number {
  if (frames.length === 0) return 0;
  const temper = Math.min(1, cfg.effectiveFrames / frames.length);
  const phase = (fs: readonly HeldReading[], cs: Content) => {
    if (fs.length === 0) return 0;
    const logs = cs.map(({ c, w }) => {
      let s = 0;
      for (const f of fs) s += frameLog(f, c, cfg);
      return Math.log(w) + temper * s;
    });
    const m = Math.max(...logs);
    return m + Math.log(logs.reduce((a, l) => a + Math.exp(l - m), 0));
  };
  return (
    phase(
      frames.filter((f) => f.t < tau),
      before,
    ) +
    phase(
      frames.filter((f) => f.t >= tau),
      after,
    )
  );
}

function minusOne(h: ReadonlyMap<string, number>, sku: string): Map<string, number> {
  const m = new Map(h);
  const n = (m.get(sku) ?? 0) - 1;
  if (n > 0) m.set(sku, n);
  else m.delete(sku);
  return m;
}

export interface HandoverHypothesis {
  /** undefined: nothing passed */
  from?: string;
  to?: string;
  sku?: string;
  posterior: number;
}

/**
 * Posterior over "nothing passed" and "one unit of X passed from one to the other", from the
 * readings of both hands around a meeting. `holds` = what each shopper held then (units per sku).
 */
export function handoverPosterior(
  a: { shopper: string; frames: readonly HeldReading[]; holds: ReadonlyMap<string, number> },
  b: { shopper: string; frames: readonly HeldReading[]; holds: ReadonlyMap<string, number> },
  cfg: SightingConfig = DEFAULT_SIGHTING,
  during?: { from: number; to: number },
): HandoverHypothesis[] {
  const times = [...a.frames, ...b.frames].map((f) => f.t).sort((x, y) => x - y);
  const anyTime = [Number.NEGATIVE_INFINITY];
  for (let i = 1; i < times.length; i++)
    if (times[i] > times[i - 1]) anyTime.push((times[i] + times[i - 1]) / 2);
  anyTime.push(Number.POSITIVE_INFINITY);
  // a unit passes while the hands are together: the moments between readings inside the meeting
  // and its two ends
  const taus = during
    ? [during.from, ...anyTime.filter((x) => x > during.from && x < during.to), during.to]
    : anyTime;
  // what a hand may hold when nothing passed: empty (1/2) or one of its shopper's units
  const own = (h: ReadonlyMap<string, number>): Content => {
    const total = [...h.values()].reduce((s, n) => s + n, 0);
    if (total === 0) return [{ c: undefined, w: 1 }];
    return [{ c: undefined, w: 0.5 }, ...[...h].map(([c, n]) => ({ c, w: (0.5 * n) / total }))];
  };
  const avg = (f: (tau: number) => number, at: readonly number[] = taus) => {
    const ls = at.map(f);
    const m = Math.max(...ls);
    return m + Math.log(ls.reduce((s, l) => s + Math.exp(l - m), 0) / ls.length);
  };
  const units =
    [...a.holds.values()].reduce((s, n) => s + n, 0) + [...b.holds.values()].reduce((s, n) => s + n, 0);
  const hyps: { h: Omit<HandoverHypothesis, "posterior">; log: number }[] = [];
  const none = avg(
    () =>
      handLog(a.frames, 0, own(a.holds), own(a.holds), cfg) +
      handLog(b.frames, 0, own(b.holds), own(b.holds), cfg),
  );
  hyps.push({ h: {}, log: Math.log(0.5) + none });
  for (const [giver, receiver] of [
    [a, b],
    [b, a],
  ] as const) {
    for (const [sku, n] of giver.holds) {
      const log = avg(
        (tau) =>
          handLog(giver.frames, tau, [{ c: sku, w: 1 }], own(minusOne(giver.holds, sku)), cfg) +
          handLog(receiver.frames, tau, own(receiver.holds), [{ c: sku, w: 1 }], cfg),
      );
      hyps.push({
        h: { from: giver.shopper, to: receiver.shopper, sku },
        log: Math.log((0.5 * n) / units) + log,
      });
    }
  }
  const m = Math.max(...hyps.map((x) => x.log));
  const z = hyps.reduce((s, x) => s + Math.exp(x.log - m), 0);
  return hyps
    .map((x) => ({ ...x.h, posterior: Math.exp(x.log - m) / z }))
    .sort((x, y) => y.posterior - x.posterior);
}
