import { describe, expect, it } from "vitest";
import { IssueLog } from "./log-reader";
import { parseTruthJsonl } from "./truth-file";

const line = (x: Record<string, unknown>) => JSON.stringify({ items: [], weighed: [], ...x });

describe("truth.jsonl", () => {
  it("reads undecidableStops when present and leaves it out of older lines", () => {
    const issues = new IssueLog();
    const t = parseTruthJsonl(
      [
        line({ session: "a", decidable: true, undecidableStops: 0 }),
        line({ session: "b", decidable: false, undecidableStops: 3 }),
        line({ session: "c", decidable: false }),
        line({ session: "d" }),
      ].join("\n"),
      issues,
    );
    expect(issues.counts).toEqual({});
    expect(t.map((x) => [x.session, x.decidable, x.undecidableStops])).toEqual([
      ["a", true, 0],
      ["b", false, 3],
      ["c", false, undefined],
      ["d", undefined, undefined],
    ]);
    expect("undecidableStops" in t[2]).toBe(false);
  });

  it("refuses a count that is not a whole number ≥ 0, or that disagrees with decidable", () => {
    const issues = new IssueLog();
    const t = parseTruthJsonl(
      [
        line({ session: "a", undecidableStops: -1 }),
        line({ session: "b", undecidableStops: 1.5 }),
        line({ session: "c", decidable: true, undecidableStops: 2 }),
        line({ session: "d", decidable: false, undecidableStops: 0 }),
        line({ session: "e", undecidableStops: 2 }),
      ].join("\n"),
      issues,
    );
    expect(t.map((x) => x.session)).toEqual(["e"]);
    expect(issues.examples.map((i) => [i.line, i.reason])).toEqual([
      [1, "bad-event"],
      [2, "bad-event"],
      [3, "bad-event"],
      [4, "bad-event"],
    ]);
    expect(issues.examples[2].detail).toMatch(/decidable and undecidableStops disagree/);
  });
});
