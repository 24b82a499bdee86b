import { describe, expect, it } from "vitest";
import type { BasketEvent } from "../../domain/basket/basket.events";
import { lineLessCaseEvidence } from "./case-evidence";

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
