import { describe, expect, it } from "vitest";
import { formatReport, targetsFor } from "./evaluate";

describe("eval targets", () => {
  it("scores each kind of log against its own issue's targets", () => {
    expect(targetsFor("standard", "replay").silentPer1000).toEqual({ op: "≤", v: 1 });
    expect(targetsFor("hard", "replay").silentPer1000).toEqual({ op: "≤", v: 5 });
    expect(targetsFor("standard", "answering").promptsPerSession).toEqual({ op: "≤", v: 0.2 });
    // walk-out visits (issue #7): ≤ 5 silent errors and ≤ 50 reviews per 1,000, no prompt targets
    const w = targetsFor("walkout", "replay");
    expect(w).toEqual({ silentPer1000: { op: "≤", v: 5 }, reviewsPer1000: { op: "≤", v: 50 } });
  });

  it("names a walk-out store in the table header", () => {
    const text = formatReport({
      dir: "/tmp/x",
      mix: "walkout",
      sessions: 0,
      threshold: 0.95,
      modes: [],
      sweep: {},
      issues: { log: { counts: {}, examples: [] }, truth: { counts: {}, examples: [] } },
      unmatched: { truthWithoutLog: [], logWithoutTruth: [] },
    });
    expect(text.split("\n")[0]).toBe("evaluation of /tmp/x (walk-out store, threshold 0.95)");
  });
});
