import { describe, expect, it } from "vitest";
import type { ReviewEvidence } from "../../domain/events/review-evidence";
import { readReviewEvidence } from "./review-evidence.schema";

const recorded: ReviewEvidence = {
  v: 1,
  cause: "unsure-after-answer",
  changes: [
    {
      lineIds: ["line_1"],
      change: { startT: 1000, endT: 1800, before: 12.5, after: 173, delta: 160.5, sd: 0.9 },
      vision: [{ id: "cam-1", t: 900, dir: "in", candidates: [{ sku: "chips-salt", p: 0.7 }] }],
      scans: [{ id: "scan-1", t: 950, code: "05449000000996", sku: "cola-330" }],
      plu: [{ t: 960, plu: "4011", sku: "banana" }],
      answers: [{ t: 5000, prompt: "prompt_1", sku: "cola-330" }],
      hypotheses: [
        { label: "1 × Sea Salt Chips", posterior: 0.64 },
        { label: "1 × Salt & Vinegar Chips", posterior: 0.3 },
      ],
      summary: "Weight +160 g matched 1 × Sea Salt Chips",
    },
    {
      lineIds: [],
      pending: { delta: 412.3, at: 9000 },
      vision: [],
      scans: [],
      plu: [],
      answers: [],
      hypotheses: [],
      summary: "the load was still changing at exit (+412 g unexplained)",
    },
  ],
};

describe("ReviewRequested.evidence read back from storage", () => {
  it("a version 1 record, as it was written (through JSON, as a store keeps it)", () => {
    const back = readReviewEvidence(JSON.parse(JSON.stringify(recorded)));
    expect(back).toEqual(recorded);
    expect(JSON.stringify(back)).toBe(JSON.stringify(recorded));
  });

  it("another version, a malformed record or none reads as none (the server rebuilds)", () => {
    expect(readReviewEvidence({ ...recorded, v: 2 })).toBeUndefined();
    expect(readReviewEvidence({ v: 1, cause: "prompt-expired" })).toBeUndefined();
    expect(readReviewEvidence({ ...recorded, cause: "because" })).toBeUndefined();
    expect(readReviewEvidence(undefined)).toBeUndefined();
    expect(readReviewEvidence(null)).toBeUndefined();
  });

  it("drops fields it does not know", () => {
    const back = readReviewEvidence({ ...recorded, extra: 1, changes: [{ ...recorded.changes[0], x: 2 }] });
    expect(back).toEqual({ ...recorded, changes: [recorded.changes[0]] });
  });
});
