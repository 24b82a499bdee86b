import { describe, expect, it } from "vitest";
import { DEFAULT_HAND_MEETING, heldOutToEachOther, reachTowards } from "./hand-meeting";

describe("hand meetings with hands reported all the time", () => {
  it("two people standing close, hands hanging at their sides: no hand-over, however close the hands", () => {
    // bodies 0.35 m apart, each hand 0.18 m to the side towards the other, at wrist height
    const a = { x: 0, y: 0, hand: [0.18, 0, 0.82] as const };
    const b = { x: 0.35, y: 0, hand: [0.17, 0.02, 0.84] as const };
    expect(Math.hypot(a.hand[0] - b.hand[0], a.hand[1] - b.hand[1], a.hand[2] - b.hand[2])).toBeLessThan(
      0.05,
    );
    expect(heldOutToEachOther(a, b)).toBe(false);
  });

  it("hands held out towards each other, raised, meeting between the bodies: a possible hand-over", () => {
    const a = { x: 0, y: 0, hand: [0.3, 0.02, 1.05] as const };
    const b = { x: 0.6, y: 0.05, hand: [0.33, 0.02, 1.08] as const };
    expect(reachTowards(a, b)).toBeCloseTo(0.3, 1);
    expect(heldOutToEachOther(a, b)).toBe(true);
  });

  it("a raised hand carried at the side, or held out away from the other, is not held out to them", () => {
    const b = { x: 0.6, y: 0, hand: [0.32, 0, 1.05] as const };
    // carried at the side: raised but beside the body, not towards b
    expect(heldOutToEachOther({ x: 0, y: 0, hand: [0.02, 0.15, 1.0] }, b)).toBe(false);
    // held out the other way
    expect(reachTowards({ x: 0, y: 0, hand: [-0.3, 0, 1.05] }, b)).toBeLessThan(0);
    expect(heldOutToEachOther({ x: 0, y: 0, hand: [-0.3, 0, 1.05] }, b)).toBe(false);
    // held out towards b but hanging low (below a standing wrist)
    expect(heldOutToEachOther({ x: 0, y: 0, hand: [0.3, 0, 0.8] }, b)).toBe(false);
  });

  it("two bodies tracked at one point give no direction: not held out", () => {
    const a = { x: 0, y: 0, hand: [0.3, 0, 1.05] as const };
    expect(heldOutToEachOther(a, { x: 0, y: 0, hand: [0.3, 0, 1.05] })).toBe(false);
    expect(DEFAULT_HAND_MEETING.minReadings).toBeGreaterThan(1);
  });
});
