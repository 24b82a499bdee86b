import { describe, expect, it } from "vitest";
import type { BasketEvent, Evidence } from "../../domain/basket/basket.events";
import type { ReviewEvidence } from "../../domain/events/review-evidence";
import { caseEvidence, lineLessCaseEvidence } from "./case-evidence";

describe("lineLessCaseEvidence without a decided change", () => {
  it("a load still changing at exit: the seconds of scale before the exit, no change", () => {
    const events: BasketEvent[] = [
      { type: "SessionOpened", at: 1000, session: "s-1", store: "st" },
      {
        type: "ReviewRequested",
        at: 60_000,
        caseId: "case_1",
        kind: "uncertain",
        lineIds: [],
        reason: "the load was still changing at exit (+420 g unexplained)",
      },
    ];
    expect(lineLessCaseEvidence(events, "case_1")).toEqual({ window: { from: 55_000, to: 60_000 } });
  });

  it("an expired prompt with no line decided with it: the seconds before it was raised", () => {
    const events: BasketEvent[] = [
      { type: "PromptRaised", at: 20_000, prompt: { id: "p1", kind: "scan", text: "Scan it", lineIds: [] } },
      { type: "PromptClosed", at: 60_000, promptId: "p1", outcome: "expired" },
      { type: "ReviewRequested", at: 60_000, caseId: "case_2", kind: "uncertain", lineIds: [], reason: "r" },
    ];
    expect(lineLessCaseEvidence(events, "case_2")).toEqual({ window: { from: 15_000, to: 20_000 } });
  });
});

describe("caseEvidence: the case's own record, else rebuilt", () => {
  const lineEvidence: Evidence = {
    change: { startT: 10_000, endT: 11_000, before: 0, after: 320, delta: 320, sd: 1 },
    vision: [{ t: 10_200, dir: "in", candidates: [{ sku: "chips", p: 0.6 }] }],
    scans: [],
    plu: [],
    answers: [],
    hypotheses: [
      { label: "2 × Chips", posterior: 0.6 },
      { label: "2 × Crisps", posterior: 0.4 },
    ],
    summary: "Weight +320 g matched 2 × Chips",
  };
  const recorded: ReviewEvidence = {
    v: 1,
    cause: "prompt-expired",
    changes: [
      {
        lineIds: ["l1", "l2"],
        change: lineEvidence.change,
        vision: [{ id: "cam-9", ...lineEvidence.vision[0] }],
        scans: [],
        plu: [],
        answers: [],
        hypotheses: lineEvidence.hypotheses,
        summary: lineEvidence.summary,
      },
    ],
  };
  const session = (evidence?: unknown): BasketEvent[] => [
    { type: "SessionOpened", at: 1000, session: "s-1", store: "st" },
    ...(["l1", "l2"] as const).map(
      (lineId): BasketEvent => ({
        type: "ItemAdded",
        at: 11_000,
        lineId,
        sku: "chips",
        qty: 1,
        confidence: 0.6,
        status: "unsure",
        evidence: lineEvidence,
      }),
    ),
    {
      type: "ReviewRequested",
      at: 60_000,
      caseId: "case_1",
      kind: "uncertain",
      lineIds: ["l1", "l2"],
      reason: "unanswered choose prompt",
      ...(evidence === undefined ? {} : { evidence: evidence as ReviewEvidence }),
    },
  ];
  const accept = (x: unknown) => x as ReviewEvidence;
  const refuse = () => undefined;

  it("reads the record on the event", () => {
    expect(caseEvidence(session(recorded), "case_1", accept)).toEqual({
      source: "event",
      cause: "prompt-expired",
      changes: recorded.changes,
      window: { from: 10_000, to: 11_000 },
    });
  });

  it("an event without one, or one the edge refuses: the lines' evidence, lines decided together once", () => {
    const rebuilt = {
      source: "rebuilt",
      changes: [{ lineIds: ["l1", "l2"], ...lineEvidence }],
      window: { from: 10_000, to: 11_000 },
    };
    expect(caseEvidence(session(), "case_1", accept)).toEqual(rebuilt);
    expect(caseEvidence(session({ v: 2 }), "case_1", refuse)).toEqual(rebuilt);
    expect(caseEvidence(session(), "case_nope", accept)).toBeUndefined();
  });

  it("a walk-out store's record: its causes and open hand meetings beside the shelf changes", () => {
    const walkout: ReviewEvidence = {
      v: 1,
      kind: "walkout",
      causes: ["uncertain-product", "hand-over"],
      changes: [
        {
          ...recorded.changes[0],
          action: "putback",
          change: { ...lineEvidence.change!, stepT: 10_400 },
          shelf: { gondola: 1, shelf: 2, plates: [3] },
          plates: [{ plate: 3, before: 0, after: 320, delta: 320, sd: 1 }],
          shoppers: [{ shopper: "A", distance: 0.1, body: 0.5, hand: 0.1 }],
          vision: [{ id: "trk-7", t: 10_100, dir: "unknown", candidates: [], shopper: "A" }],
          doubt: ["product"],
        },
      ],
      meetings: [{ shoppers: ["A", "B"], t: 20_000, last: 21_000, at: { x: 1, y: 2, z: 1 }, held: [] }],
    };
    expect(caseEvidence(session(walkout), "case_1", accept)).toEqual({
      source: "event",
      kind: "walkout",
      causes: ["uncertain-product", "hand-over"],
      meetings: walkout.meetings,
      changes: walkout.changes,
      window: { from: 10_000, to: 11_000 },
    });
  });

  it("a dispute's copy of its lines' evidence: read as recorded, with its cause", () => {
    const lines: ReviewEvidence = {
      v: 1,
      kind: "lines",
      cause: "dispute",
      changes: [{ ...recorded.changes[0], from: { caseId: "case_0" } }],
    };
    expect(caseEvidence(session(lines), "case_1", accept)).toEqual({
      source: "event",
      kind: "lines",
      cause: "dispute",
      changes: lines.changes,
      window: { from: 10_000, to: 11_000 },
    });
  });

  it("rebuilt from a walk-out line: its shelf and the shoppers within reach come along", () => {
    const shelf = { gondola: 1, shelf: 2, plates: [3] };
    const shoppers = [{ shopper: "A", distance: 0.1 }];
    const events = session().map((e) =>
      e.type === "ItemAdded" ? { ...e, evidence: { ...e.evidence, shelf, shoppers } } : e,
    );
    expect(caseEvidence(events, "case_1", accept)?.changes).toEqual([
      { lineIds: ["l1", "l2"], ...lineEvidence, shelf, shoppers },
    ]);
  });

  it("a load still changing at exit: the seconds of scale before fusion saw the exit", () => {
    const pending: ReviewEvidence = {
      v: 1,
      cause: "load-at-exit",
      changes: [
        {
          lineIds: [],
          pending: { delta: 420, at: 59_000 },
          vision: [],
          scans: [],
          plu: [],
          answers: [],
          hypotheses: [],
          summary: "the load was still changing at exit (+420 g unexplained)",
        },
      ],
    };
    expect(caseEvidence(session(pending), "case_1", accept)?.window).toEqual({ from: 54_000, to: 59_000 });
  });
});
