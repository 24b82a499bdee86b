/**
 * Is a meeting of two shoppers' hands a possible hand-over, or two hands that happen to be close?
 * Written for trackers that report every hand all the time (docs/walkout.md, "fifth pass"): there,
 * two people standing or passing close have hands close together most of the time, hanging at
 * their sides. To give or take something, each holds a hand out: away from their own body, towards
 * the other, and up from where a hanging hand is. Only what the track events carry is used: the
 * body's position on the floor and the hand's in 3-D, at the same sample.
 *
 * The numbers are body measures, not fitted to any simulated log:
 * - `minReach` 0.2 m: a hanging hand is at most about half the shoulder breadth from the body's
 *   centre (biacromial breadth of adults ≈ 0.33–0.43 m, 5th–95th percentiles); a hand further
 *   than that towards the other shopper is held out.
 * - `minHeight` 0.95 m: standing wrist height of adults ≈ 0.72–0.92 m (5th–95th percentiles,
 *   Pheasant & Haslegrave, Bodyspace); a hand held out to give something is raised towards elbow
 *   height (≈ 0.95–1.2 m).
 * - people standing closer than that can still hand something over, their hands meeting about
 *   midway: then each hand need only reach the middle between the two bodies, less `slack`
 *   0.25 m (a reach measured from a tracked body centre to a tracked hand towards another
 *   tracked centre is off by that much now and then: each is off by ~0.1 m), never back behind
 *   its own body; the height test is what tells such a hand-over from two hands hanging side by
 *   side.
 * - `minReadings` 2: held out at two track samples at least (a hand-over takes about a second;
 *   one sample alone is one noisy reading of a body centre and a hand).
 */
export interface HandMeetingConfig {
  /** m: each hand this far from its own body centre, measured towards the other body */
  minReach: number;
  /** m: bodies closer than 2 × (minReach + slack): each hand reaches the middle less this, at least 0 */
  slack: number;
  /** m: each hand at least this high */
  minHeight: number;
  /** track samples (distinct moments) with both hands held out before a meeting is one */
  minReadings: number;
}

export const DEFAULT_HAND_MEETING: HandMeetingConfig = {
  minReach: 0.2,
  slack: 0.25,
  minHeight: 0.95,
  minReadings: 2,
};

export interface HandAt {
  /** body centre on the floor */
  x: number;
  y: number;
  hand: readonly [number, number, number];
}

/** how far `a`'s hand is from `a`'s body centre towards `b`'s body (m, negative: away from it) */
export function reachTowards(a: HandAt, b: HandAt): number {
  const dx = b.x - a.x;
  const dy = b.y - a.y;
  const d = Math.hypot(dx, dy);
  if (!(d > 0)) return Number.NEGATIVE_INFINITY; // one place: no direction to hold a hand out in
  return ((a.hand[0] - a.x) * dx + (a.hand[1] - a.y) * dy) / d;
}

/** both hands held out towards each other (not hanging at the side of people standing close) */
export function heldOutToEachOther(
  a: HandAt,
  b: HandAt,
  cfg: HandMeetingConfig = DEFAULT_HAND_MEETING,
): boolean {
  const need = Math.max(0, Math.min(cfg.minReach, Math.hypot(b.x - a.x, b.y - a.y) / 2 - cfg.slack));
  return (
    a.hand[2] >= cfg.minHeight &&
    b.hand[2] >= cfg.minHeight &&
    reachTowards(a, b) >= need &&
    reachTowards(b, a) >= need
  );
}
