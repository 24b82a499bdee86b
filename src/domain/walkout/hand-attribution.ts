/**
 * Who of several shoppers within reach made a shelf change: a posterior over the candidates from
 * where their hands were when the load reached its new level.
 *
 * Why: the hand that takes or leaves an item is at the plate at the moment the load steps, and
 * leaves afterwards (carrying it, or empty). A shopper whose hand was at that shelf a second
 * earlier (their own, earlier change) or a few plates away is not the one. Ranking by the single
 * closest hand sample over a wide window (the first version) let a neighbour's noisy sample or
 * an earlier reach tie with the actor; here each candidate's hand samples near the change, in a
 * short window around its end, are averaged and compared with what an actor's hand looks like.
 *
 * Model (per candidate i, exactly one actor among the candidates, uniform prior):
 * - k ≥ 1 hand samples near the change: likelihood ratio actor : bystander =
 *   (1 − o)·N3(mean − centre − offset; s²)·V + o, where V is the volume of the reach ball (a
 *   bystander's hand near the shelf could be anywhere in it), offset and s² the mean and per-axis
 *   spread of an actor's mean hand position around the change's mass centre, and o = 5 % the
 *   share of an actor's hand readings that are off anyway (found on the simulator: one sample
 *   24 cm off gave a clear pick-up to a shopper whose hand was never seen);
 * - samples in the window but no hand seen near: (1 − v)^samples, v the rate at which an actor's
 *   hand is seen in a track sample (occlusion);
 * - no samples at all: no information (ratio 1).
 * offset, s² and v are LEARNED ONLINE from changes with exactly one shopper within reach (whose
 * hand is then the actor's for sure), starting from a weak prior: nothing here is set to a
 * simulator's or a camera's nominal noise. s has a floor (2 cm) so that exact synthetic hands
 * do not make the model overconfident.
 * Pure: no clock, no I/O.
 */
import type { PlatePosition } from "./plate-belief";
import type { HandsNear } from "./shopper-tracks";

export interface HandModelConfig {
  /** prior per-axis sd (m) of an actor's mean hand around the change centre, and its weight */
  priorSd: number;
  priorWeight: number;
  /** floor of that sd, m */
  minSd: number;
  /** prior rate at which an actor's hand is seen in one track sample, and its weight (samples) */
  priorSeen: number;
  priorSeenWeight: number;
  /** radius of the reach ball (m): a bystander's hand is uniform inside it */
  reach: number;
  /** share of an actor's hand positions that are anywhere in the ball (glitches) */
  outlier: number;
}

export const DEFAULT_HAND_MODEL: HandModelConfig = {
  priorSd: 0.06,
  priorWeight: 10,
  minSd: 0.02,
  priorSeen: 0.7,
  priorSeenWeight: 10,
  reach: 0.35,
  outlier: 0.05,
};

export class HandModel {
  private n = 0;
  private readonly sum = [0, 0, 0];
  private readonly sumSq = [0, 0, 0];
  private seen = 0;
  private total = 0;

  constructor(private readonly cfg: HandModelConfig = DEFAULT_HAND_MODEL) {}

  /** a change with one shopper within reach: their hands are an actor's */
  learn(h: HandsNear, centre: PlatePosition): void {
    if (h.samples === 0) return;
    this.seen += h.k;
    this.total += h.samples;
    if (!h.mean) return;
    const e = [h.mean[0] - centre.x, h.mean[1] - centre.y, h.mean[2] - centre.z];
    this.n++;
    for (let a = 0; a < 3; a++) {
      this.sum[a] += e[a];
      this.sumSq[a] += e[a] * e[a];
    }
  }

  /** mean offset of an actor's hand from the change centre, per axis (shrunk towards 0) */
  offset(): [number, number, number] {
    const w = this.n + this.cfg.priorWeight;
    return [this.sum[0] / w, this.sum[1] / w, this.sum[2] / w];
  }

  /** per-axis variance of an actor's mean hand around centre + offset */
  variance(): [number, number, number] {
    const off = this.offset();
    const out: [number, number, number] = [0, 0, 0];
    for (let a = 0; a < 3; a++) {
      // Σ (e − off)² = Σe² − 2·off·Σe + n·off², plus the prior's pseudo-observations (and the
      // shrinkage of the offset itself, counted as deviation of the prior's mean 0)
      const ss = this.sumSq[a] - 2 * off[a] * this.sum[a] + this.n * off[a] * off[a];
      const prior = this.cfg.priorWeight * (this.cfg.priorSd ** 2 + off[a] * off[a]);
      out[a] = Math.max(this.cfg.minSd ** 2, (ss + prior) / (this.n + this.cfg.priorWeight));
    }
    return out;
  }

  seenRate(): number {
    const w = this.cfg.priorSeenWeight;
    return (this.cfg.priorSeen * w + this.seen) / (w + this.total);
  }

  /** log of the likelihood ratio "this shopper did it" : "a bystander" */
  logRatio(h: HandsNear, centre: PlatePosition): number {
    if (h.samples === 0) return 0;
    if (!h.mean) return h.samples * Math.log(Math.max(1e-6, 1 - this.seenRate()));
    const off = this.offset();
    const v = this.variance();
    const e = [h.mean[0] - centre.x - off[0], h.mean[1] - centre.y - off[1], h.mean[2] - centre.z - off[2]];
    let ll = 0;
    for (let a = 0; a < 3; a++) ll += -0.5 * Math.log(2 * Math.PI * v[a]) - (e[a] * e[a]) / (2 * v[a]);
    // an actor's hand sample is sometimes far off (a tracking glitch, a hand reaching around):
    // with rate `outlier` it is anywhere in the ball, so one bad sample cannot acquit the actor
    const volume = (4 / 3) * Math.PI * this.cfg.reach ** 3;
    const o = this.cfg.outlier;
    return Math.log((1 - o) * Math.exp(ll) * volume + o);
  }

  /** posterior that each candidate made the change (they sum to 1) */
  posterior(hands: Map<string, HandsNear>, centre: PlatePosition): Map<string, number> {
    const logs = [...hands].map(([s, h]) => [s, this.logRatio(h, centre)] as const);
    const max = Math.max(...logs.map(([, l]) => l));
    let z = 0;
    for (const [, l] of logs) z += Math.exp(l - max);
    return new Map(logs.map(([s, l]) => [s, Math.exp(l - max) / z]));
  }
}
