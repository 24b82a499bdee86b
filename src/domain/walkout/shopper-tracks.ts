/**
 * Recent positions of the anonymous shopper tracks (body x, y on the floor and, when the cameras
 * see it, the nearest hand in 3-D), kept for `keepMs` so a shelf change can ask "who was within
 * reach between its start and its end". A hand within `handReach` of the changed plates, or a
 * body within `bodyReach` of them (arm's length from where one stands), counts as within reach.
 */
import type { PlatePosition } from "./plate-belief";

export interface ReachConfig {
  /** metres from the standing point (floor distance) to the plate centre */
  bodyReach: number;
  /** metres from the hand to the plate centre (3-D) */
  handReach: number;
  /** how long a track point stays relevant before and after a change, ms */
  slackMs: number;
  /** the same for hands: only hands seen this close in time to the change count */
  handSlackMs: number;
  keepMs: number;
}

export const DEFAULT_REACH: ReachConfig = {
  bodyReach: 0.95,
  handReach: 0.35,
  slackMs: 1500,
  handSlackMs: 600,
  keepMs: 60_000,
};

interface Point {
  t: number;
  x: number;
  y: number;
  hand?: [number, number, number];
  /** what the cameras recognised in that hand (`[]` empty; absent: not seen) */
  held?: readonly { sku: string; p: number }[];
  /** the track event's id, kept with a reading so a case can name the sighting it rests on */
  id?: string;
}

export interface NearShopper {
  shopper: string;
  /** floor distance from the body, m */
  body: number;
  /** 3-D distance from the nearest hand, m (Infinity when no hand was seen) */
  hand: number;
  /** the distance used for ranking: hand when seen, else body */
  distance: number;
  /** posterior that this shopper made the change, when hands near it decide (hand-attribution.ts) */
  p?: number;
}

export interface HandsNear {
  /** track samples of the shopper in the window */
  samples: number;
  /** of those, samples with a hand seen near the place */
  k: number;
  /** mean position of those hands */
  mean?: [number, number, number];
}

export class ShopperTracks {
  private readonly points = new Map<string, Point[]>();
  constructor(private readonly cfg: ReachConfig = DEFAULT_REACH) {}

  add(
    shopper: string,
    t: number,
    x: number,
    y: number,
    hand?: [number, number, number],
    held?: readonly { sku: string; p: number }[],
    id?: string,
  ): void {
    const list = this.points.get(shopper) ?? [];
    list.push(
      held && hand ? { t, x, y, hand, held, ...(id !== undefined ? { id } : {}) } : { t, x, y, hand },
    );
    const cutoff = t - this.cfg.keepMs;
    let drop = 0;
    while (drop < list.length && list[drop].t < cutoff) drop++;
    if (drop) list.splice(0, drop);
    this.points.set(shopper, list);
  }

  /** the latest point of a shopper with a hand seen, if any (with the body's position then) */
  lastHand(shopper: string): { t: number; x: number; y: number; hand: [number, number, number] } | undefined {
    const pts = this.points.get(shopper) ?? [];
    for (let i = pts.length - 1; i >= 0 && i >= pts.length - 5; i--) {
      const h = pts[i].hand;
      if (h) return { t: pts[i].t, x: pts[i].x, y: pts[i].y, hand: h };
    }
    return undefined;
  }

  shoppers(): string[] {
    return [...this.points.keys()];
  }

  remove(shopper: string): void {
    this.points.delete(shopper);
  }

  get anyTracks(): boolean {
    return this.points.size > 0;
  }

  hasTrack(shopper: string): boolean {
    return (this.points.get(shopper)?.length ?? 0) > 0;
  }

  /** every tracked shopper with their closest approach to `at` during [t0 - slack, t1 + slack] */
  near(at: PlatePosition, t0: number, t1: number): NearShopper[] {
    const out: NearShopper[] = [];
    for (const [shopper, pts] of this.points) {
      let body = Infinity;
      let hand = Infinity;
      let lastBefore: Point | undefined;
      for (const p of pts) {
        if (p.t < t0 - this.cfg.slackMs) {
          lastBefore = p;
          continue;
        }
        if (p.t > t1 + this.cfg.slackMs) break;
        body = Math.min(body, Math.hypot(p.x - at.x, p.y - at.y));
        // the hand that mattered was there while the load changed, not a second before
        if (p.hand && p.t >= t0 - this.cfg.handSlackMs && p.t <= t1 + this.cfg.handSlackMs) {
          hand = Math.min(hand, Math.hypot(p.hand[0] - at.x, p.hand[1] - at.y, p.hand[2] - at.z));
        }
      }
      // no point inside the window: the shopper stood still since the last one
      if (!Number.isFinite(body) && lastBefore) {
        body = Math.hypot(lastBefore.x - at.x, lastBefore.y - at.y);
      }
      if (!Number.isFinite(body)) continue;
      out.push({ shopper, body, hand, distance: Number.isFinite(hand) ? hand : body });
    }
    return out.sort((a, b) => a.distance - b.distance);
  }

  /**
   * Hands seen within `maxDist` (3-D) of `at` during [t0, t1], per shopper in `who`: how many
   * track samples the shopper has in the window (`samples`), how many of them show a hand that
   * close (`k`), and the mean of those hand positions. A mean over several samples is steadier
   * than the closest single sample (which favours whoever's noise happened to point inwards).
   */
  handsNear(
    at: PlatePosition,
    t0: number,
    t1: number,
    maxDist: number,
    who: readonly string[],
  ): Map<string, HandsNear> {
    const out = new Map<string, HandsNear>();
    for (const shopper of who) {
      const pts = this.points.get(shopper) ?? [];
      let samples = 0;
      let k = 0;
      const sum: [number, number, number] = [0, 0, 0];
      for (const p of pts) {
        if (p.t < t0) continue;
        if (p.t > t1) break;
        samples++;
        const h = p.hand;
        if (!h || Math.hypot(h[0] - at.x, h[1] - at.y, h[2] - at.z) > maxDist) continue;
        k++;
        sum[0] += h[0];
        sum[1] += h[1];
        sum[2] += h[2];
      }
      out.set(shopper, {
        samples,
        k,
        mean: k > 0 ? [sum[0] / k, sum[1] / k, sum[2] / k] : undefined,
      });
    }
    return out;
  }

  /**
   * What the cameras recognised in a shopper's hand during [t0, t1] (samples with a hand seen and
   * a reading), optionally only while the hand was within `maxDist` of `at`.
   */
  readings(
    shopper: string,
    t0: number,
    t1: number,
    where?: { at: PlatePosition; maxDist: number },
  ): {
    t: number;
    held: readonly { sku: string; p: number }[];
    hand: [number, number, number];
    id?: string;
  }[] {
    const out: {
      t: number;
      held: readonly { sku: string; p: number }[];
      hand: [number, number, number];
      id?: string;
    }[] = [];
    for (const p of this.points.get(shopper) ?? []) {
      if (p.t < t0) continue;
      if (p.t > t1) break;
      if (!p.held || !p.hand) continue;
      const h = p.hand;
      if (where && Math.hypot(h[0] - where.at.x, h[1] - where.at.y, h[2] - where.at.z) > where.maxDist)
        continue;
      out.push(
        p.id !== undefined ? { t: p.t, held: p.held, hand: h, id: p.id } : { t: p.t, held: p.held, hand: h },
      );
    }
    return out;
  }

  inReach(n: NearShopper): boolean {
    return n.hand <= this.cfg.handReach || n.body <= this.cfg.bodyReach;
  }
}
