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
 * holding something; a product reading ε + (1 − ε)·p for that product, ε for another (a look-alike
 * the fusion cannot list: product-blind, the cautious bound). Frames of one hand are correlated,
 * so each hand's log-likelihood is tempered to at most `effectiveFrames` frames' worth. Prior:
 * nothing passed 1/2, the other 1/2 spread over the units either could have passed. The 1/2 has
 * no source: how many meetings of hands held out towards each other are hand-overs has not been
 * measured on real tracks (the AutoCheckout recording has none), and the simulator's 5 % gestures
 * are an estimate, so fitting it there would be fitting the simulator. Even odds are the cautious
 * choice: a smaller hand-over prior would settle weakly seen real hand-overs as "nothing passed",
 * silently (decision 0133).
 *
 * A product reading of an EMPTY hand (a false sighting, rate f = `falseSighting`) names one product,
 * the one the recogniser took for an object in its view: P(names s | empty) = f·q(s), not f for
 * every s (which sums to f·N over a catalogue of N — no camera can do that, and it let "nothing
 * passed" explain a reading of exactly the giver's product at the full rate, while "X passed" pays
 * the prior's split over every unit the two hold). Away from the shelves (a meeting is only counted
 * there) the objects in view near a hand are (1) the object in the OTHER hand of the meeting, within
 * 0.3 m — the one confusion that looks exactly like a hand-over, so it keeps the whole rate f
 * (q = 1, the worst case: no data says how often it happens), and (2) the units the two shoppers
 * carry, each alike (q = n_s / units held). A product neither of them carries cannot be the unit
 * passing between them; it is scored f as before (it tells an empty hand from a full one no better
 * than before: ε for a hand holding another product is product-blind too). Decision 0130.
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

/**
 * log-likelihood of one frame of a hand holding `c` (undefined = empty) while the other hand of the
 * meeting holds `other`; `share(s)` = the part of a false sighting that names s (see the header)
 */
function frameLog(
  r: HeldReading,
  c: string | undefined,
  other: string | undefined,
  share: (sku: string) => number,
  cfg: SightingConfig,
): number {
  if (r.held.length === 0) return Math.log(c === undefined ? 1 - cfg.falseSighting : cfg.emptyMiss);
  if (c === undefined) {
    const named = r.held[0].sku;
    return Math.log(cfg.falseSighting * (named === other ? 1 : share(named)));
  }
  const p = r.held.find((x) => x.sku === c)?.p ?? 0;
  return Math.log(cfg.wrongRate + (1 - cfg.wrongRate) * p);
}

function logSumExp(xs: readonly number[]): number {
  const m = Math.max(...xs);
  if (m === Number.NEGATIVE_INFINITY) return m;
  return m + Math.log(xs.reduce((a, x) => a + Math.exp(x - m), 0));
}

/**
 * log-likelihood of both hands' frames in one phase, each hand's content one of its options for the
 * whole phase (marginalised jointly: what one hand holds is what a false sighting of the other may
 * name); each hand's frames count as at most `effectiveFrames` readings (tempered over the hand's
 * frames in the whole window: a recogniser's errors are correlated over a second, and tempering each
 * phase alone would favour "nothing passed", whose one phase shrinks more)
 */
function phaseLog(
  fa: readonly HeldReading[],
  fb: readonly HeldReading[],
  ca: Content,
  cb: Content,
  temper: { a: number; b: number },
  share: (sku: string) => number,
  cfg: SightingConfig,
): number {
  if (fa.length + fb.length === 0) return 0;
  const logs: number[] = [];
  for (const x of ca)
    for (const y of cb) {
      let la = 0;
      for (const f of fa) la += frameLog(f, x.c, y.c, share, cfg);
      let lb = 0;
      for (const f of fb) lb += frameLog(f, y.c, x.c, share, cfg);
      logs.push(Math.log(x.w) + Math.log(y.w) + temper.a * la + temper.b * lb);
    }
  return logSumExp(logs);
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
  const avg = (f: (tau: number) => number) => logSumExp(taus.map(f)) - Math.log(taus.length);
  // units per product the two carry: a false sighting of an empty hand names one of them, each alike
  const carried = new Map<string, number>();
  for (const h of [a.holds, b.holds]) for (const [sku, n] of h) carried.set(sku, (carried.get(sku) ?? 0) + n);
  const units = [...carried.values()].reduce((s, n) => s + n, 0);
  const share = (sku: string) => {
    const n = carried.get(sku);
    return n === undefined ? 1 : n / units;
  };
  const temper = {
    a: Math.min(1, cfg.effectiveFrames / Math.max(1, a.frames.length)),
    b: Math.min(1, cfg.effectiveFrames / Math.max(1, b.frames.length)),
  };
  const phase = (lo: number, hi: number, ca: Content, cb: Content) =>
    phaseLog(
      a.frames.filter((f) => f.t >= lo && f.t < hi),
      b.frames.filter((f) => f.t >= lo && f.t < hi),
      ca,
      cb,
      temper,
      share,
      cfg,
    );
  const all = { lo: Number.NEGATIVE_INFINITY, hi: Number.POSITIVE_INFINITY };
  const hyps: { h: Omit<HandoverHypothesis, "posterior">; log: number }[] = [];
  hyps.push({ h: {}, log: Math.log(0.5) + phase(all.lo, all.hi, own(a.holds), own(b.holds)) });
  for (const [giver, receiver, giverIsA] of [
    [a, b, true],
    [b, a, false],
  ] as const) {
    for (const [sku, n] of giver.holds) {
      const x: Content = [{ c: sku, w: 1 }];
      const log = avg((tau) => {
        const rest = own(minusOne(giver.holds, sku));
        const mine = own(receiver.holds);
        return giverIsA
          ? phase(all.lo, tau, x, mine) + phase(tau, all.hi, rest, x)
          : phase(all.lo, tau, mine, x) + phase(tau, all.hi, x, rest);
      });
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
