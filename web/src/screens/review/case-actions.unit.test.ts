import { describe, expect, it } from "vitest";
import type { ReviewCase } from "../../api/types";
import { caseActions, correctionFor } from "./case-actions";

const line = { lineId: "line_1", sku: "cola-330", qty: 1, status: "unsure", evidence: { summary: "x" } };
const labels = (c: Pick<ReviewCase, "kind" | "lines">) => caseActions(c).map((a) => `${a.key}:${a.decision}`);

describe("the decisions offered for a review case", () => {
  it("a case without a line (weight left unexplained): 'not merchandise' or 'it was…' (adds a line), no void", () => {
    const actions = caseActions({ kind: "uncertain", lines: [] });
    expect(actions.map((a) => `${a.key}:${a.decision}`)).toEqual(["c:confirm", "x:correct"]);
    expect(actions[0].label).toMatch(/not merchandise/i);
    expect(actions[1].label).toMatch(/it was/i);
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

describe("the correction the console sends", () => {
  it("of the case's line, or the line to add to a case without one (no lineId)", () => {
    expect(correctionFor({ lineId: "line_1" }, "chips", "2", false)).toEqual({
      lineId: "line_1",
      sku: "chips",
      qty: 2,
    });
    expect(correctionFor(undefined, "cola-330", "4", false)).toEqual({ sku: "cola-330", qty: 4 });
    expect(correctionFor(undefined, "apples", "1413", true)).toEqual({ sku: "apples", grams: 1413 });
    expect(correctionFor(undefined, "", "1", false)).toBeUndefined();
    expect(correctionFor(undefined, "cola-330", "0", false)).toBeUndefined();
    expect(correctionFor(undefined, "cola-330", "x", false)).toBeUndefined();
  });
});
