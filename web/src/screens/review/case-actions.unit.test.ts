import { describe, expect, it } from "vitest";
import type { ReviewCase } from "../../api/types";
import { caseActions } from "./case-actions";

const line = { lineId: "line_1", sku: "cola-330", qty: 1, status: "unsure", evidence: { summary: "x" } };
const labels = (c: Pick<ReviewCase, "kind" | "lines">) => caseActions(c).map((a) => `${a.key}:${a.decision}`);

describe("the decisions offered for a review case", () => {
  it("a case without a line (weight left unexplained): only 'not merchandise', no void, no correction", () => {
    const actions = caseActions({ kind: "uncertain", lines: [] });
    expect(actions.map((a) => a.decision)).toEqual(["confirm"]);
    expect(actions[0].label).toMatch(/not merchandise/i);
    expect(actions.some((a) => /void/i.test(a.label))).toBe(false);
  });

  it("a case with a line: confirm, correct, void line", () => {
    expect(labels({ kind: "uncertain", lines: [line] })).toEqual(["c:confirm", "x:correct", "v:void"]);
    expect(caseActions({ kind: "uncertain", lines: [line] })[2].label).toBe("Void line");
    expect(caseActions({ kind: "uncertain", lines: [line, { ...line, lineId: "line_2" }] })[2].label).toBe(
      "Void lines",
    );
  });

  it("a dispute: the charge stands, correct, refund", () => {
    expect(labels({ kind: "dispute", lines: [line] })).toEqual(["c:reject", "x:correct", "v:uphold"]);
  });
});
