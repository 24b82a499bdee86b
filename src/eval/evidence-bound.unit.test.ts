import { describe, expect, it } from "vitest";
import { answerRatesOf, type EvidenceBound, evidenceBound } from "./evidence-bound";
import type { EvalTruth } from "./truth-file";

/** four sessions with 0, 1, 2 and 3 stops the evidence does not decide */
const truths: EvalTruth[] = [0, 1, 2, 3].map((k) => ({
  session: `s${k}`,
  items: [{ sku: "cola", qty: 1 }],
  weighed: [],
  decidable: k === 0,
  undecidableStops: k,
}));
const STANDARD = { right: 0.9, wrong: 0.05, none: 0.05 };

function available(b: ReturnType<typeof evidenceBound>): EvidenceBound {
  if (!b.available) throw new Error(`bound unavailable: ${b.reason}`);
  return b;
}

describe("evidence bound", () => {
  it("replayed: every session with an undecided stop is reviewed, one prompt per such stop", () => {
    const b = available(evidenceBound(truths, "replay"));
    expect(b.undecidableStops).toBe(6);
    expect(b.undecidableSessions).toBe(3);
    expect(b.sessionsByStops).toEqual([1, 1, 1, 1]);
    expect(b.promptsPerSession).toBe(1.5);
    expect(b.pctRightNoHuman).toBe(25);
    expect(b.reviewsPer1000).toBe(750);
    expect(b.reviewsPer1000Sd).toBe(0);
    expect(b.undecidableNotReviewedPer1000).toBe(0);
    expect(b.wrongAskedPer1000).toBe(0);
    expect(b.silentPer1000).toBe(0);
    expect(b.needlessReviewsPer1000).toBe(0);
    expect(b.answerRates).toBeUndefined();
  });

  it("answering at 90/5/5: right r^k, reviewed 1 − (1 − none)^k, wrong but asked the rest", () => {
    const b = available(evidenceBound(truths, "answering", STANDARD));
    // right: (1 + 0.9 + 0.81 + 0.729) / 4
    expect(b.pctRightNoHuman).toBeCloseTo(85.975, 9);
    // reviewed: (0 + 0.05 + 0.0975 + 0.142625) / 4 — not 0.05·k (that would give 75)
    expect(b.reviewsPer1000).toBeCloseTo(72.53125, 9);
    // wrong but asked: Σ (0.95^k − 0.9^k) / 4
    expect(b.wrongAskedPer1000).toBeCloseTo(67.71875, 9);
    // undecided and not reviewed: (0.95 + 0.9025 + 0.857375) / 4
    expect(b.undecidableNotReviewedPer1000).toBeCloseTo(677.46875, 9);
    // one draw's sd: √Σ p(1 − p)
    expect(b.reviewsPer1000Sd).toBeCloseTo(126.929325653836, 6);
    expect(b.pctRightNoHumanSd).toBeCloseTo(16.610595263265, 6);
    expect(b.promptsPerSession).toBe(1.5);
    expect(b.silentPer1000).toBe(0);
    expect(b.answerRates).toEqual(STANDARD);
  });

  it("answering at the hard mix's 80/10/10", () => {
    const rates = answerRatesOf({ answerRightP: 0.8, answerWrongP: 0.1 });
    expect(rates.none).toBeCloseTo(0.1, 12);
    const b = available(evidenceBound(truths, "answering", rates));
    expect(b.pctRightNoHuman).toBeCloseTo(73.8, 9);
    expect(b.reviewsPer1000).toBeCloseTo(140.25, 9);
    expect(b.wrongAskedPer1000).toBeCloseTo(121.75, 9);
  });

  it("is unavailable, not zero, for a truth file without undecidableStops", () => {
    const old = truths.map(({ undecidableStops: _, ...t }) => t);
    const b = evidenceBound([...truths.slice(0, 2), ...old.slice(2)], "replay");
    expect(b.available).toBe(false);
    if (!b.available) expect(b.reason).toMatch(/^2 of 4 truth lines have no undecidableStops/);
    expect(evidenceBound([], "replay").available).toBe(false);
    // answering needs the answer rates
    expect(evidenceBound(truths, "answering").available).toBe(false);
  });
});
