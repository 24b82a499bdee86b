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

/** a walk-out store's record (as walkout.fusion.ts writes it: a contested pick-up) */
const walkoutChange = {
  lineIds: ["line_0001"],
  action: "pick" as const,
  change: { startT: 3000, endT: 3100, before: 4300, after: 3762, delta: -538, sd: 0.8, stepT: 3000 },
  shelf: { gondola: 1, shelf: 1, plates: [1, 2] },
  plates: [
    { plate: 1, before: 2000, after: 1462, delta: -538, sd: 0.6 },
    { plate: 2, before: 2300, after: 2300, delta: 0.05, sd: 0.6 },
  ],
  shoppers: [
    { shopper: "track-1", distance: 0.02, body: 0.618, hand: 0.02, p: 0.5 },
    { shopper: "track-2", distance: 0.02, body: 0.618, hand: 0.02, p: 0.5 },
    { shopper: "track-9", distance: 0.9, body: 0.9 },
  ],
  vision: [
    {
      id: "track-1-t15",
      t: 3000,
      dir: "unknown" as const,
      candidates: [{ sku: "water-500", p: 0.5 }],
      shopper: "track-1",
    },
    { t: 3010, dir: "unknown" as const, candidates: [], shopper: "track-2" },
  ],
  scans: [],
  plu: [],
  answers: [],
  hypotheses: [{ label: "1× water-500", posterior: 0.997 }],
  doubt: ["shopper" as const],
  summary: "1 × Water 500 ml taken by shopper track-1 or track-2",
};
const walkout: ReviewEvidence = {
  v: 1,
  kind: "walkout",
  causes: ["uncertain-shopper", "hand-over"],
  changes: [
    walkoutChange,
    { ...walkoutChange, lineIds: [], charged: { shopper: "track-2", lineId: "line_7" } },
  ],
  meetings: [
    {
      shoppers: ["track-1", "track-2"],
      t: 6000,
      last: 6800,
      at: { x: 0.5, y: -1.2, z: 1 },
      held: [{ shopper: "track-1", sku: "water-500", qty: 1 }],
      camera: "cameras not sure",
    },
  ],
};

describe("a walk-out store's record and a case's copy of its lines' evidence", () => {
  it("a walk-out record reads back as written", () => {
    expect(readReviewEvidence(JSON.parse(JSON.stringify(walkout)))).toEqual(walkout);
  });

  it("a dispute's copy keeps a walk-out change whole and a cart change as a cart's", () => {
    const lines: ReviewEvidence = {
      v: 1,
      kind: "lines",
      cause: "dispute",
      changes: [
        { ...walkoutChange, from: { caseId: "case_1" } },
        { ...recorded.changes[0], from: "line" },
      ],
    };
    expect(readReviewEvidence(JSON.parse(JSON.stringify(lines)))).toEqual(lines);
  });

  it("a malformed walk-out or lines record reads as none", () => {
    expect(readReviewEvidence({ ...walkout, causes: ["because"] })).toBeUndefined();
    const { plates: _, ...noPlates } = walkoutChange;
    expect(readReviewEvidence({ ...walkout, changes: [noPlates] })).toBeUndefined();
    expect(readReviewEvidence({ ...walkout, kind: "shelf" })).toBeUndefined();
    expect(
      readReviewEvidence({ v: 1, kind: "lines", cause: "dispute", changes: [recorded.changes[0]] }),
    ).toBeUndefined();
  });
});
