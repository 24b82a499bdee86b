/**
 * The decisions the review console offers for a case. A dispute: the charge stands, a refund, or
 * a correction. An uncertain case with lines: confirm, correct, void. An uncertain case without
 * a line (the weight left unexplained beside identified items, a load still changing at exit)
 * has nothing to void or correct — the server refuses a correction of a line the case does not
 * hold — so it offers one decision: nothing to charge for it ("not merchandise"). Adding a line
 * for a product to such a case is not something the server can do yet.
 */
import type { ReviewCase } from "../../api/types";

export interface CaseAction {
  action: "confirm" | "correct" | "void";
  /** the API decision it sends ("correct" opens the correction form first) */
  decision: "confirm" | "correct" | "void" | "uphold" | "reject";
  label: string;
  key: "c" | "x" | "v";
}

export function caseActions(c: Pick<ReviewCase, "kind" | "lines">): CaseAction[] {
  if (c.kind === "dispute")
    return [
      { action: "confirm", decision: "reject", label: "Charge stands", key: "c" },
      { action: "correct", decision: "correct", label: "Correct…", key: "x" },
      { action: "void", decision: "uphold", label: "Refund line", key: "v" },
    ];
  if (c.lines.length === 0)
    return [
      { action: "confirm", decision: "confirm", label: "Not merchandise — nothing to charge", key: "c" },
    ];
  return [
    { action: "confirm", decision: "confirm", label: "Confirm", key: "c" },
    { action: "correct", decision: "correct", label: "Correct…", key: "x" },
    { action: "void", decision: "void", label: c.lines.length === 1 ? "Void line" : "Void lines", key: "v" },
  ];
}
