/**
 * The decisions the review console offers for a case. A dispute: the charge stands, a refund, or
 * a correction. An uncertain case with lines: confirm, correct, void. An uncertain case without
 * a line (the weight left unexplained beside identified items, a load still changing at exit)
 * has nothing to void: it offers "not merchandise" (nothing to charge for it) or "It was…" — the
 * reviewer, watching the weight and the camera, names the product and quantity, and the server
 * adds it as a line (a correction with no lineId, docs/server.md).
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
      { action: "correct", decision: "correct", label: "It was…", key: "x" },
    ];
  return [
    { action: "confirm", decision: "confirm", label: "Confirm", key: "c" },
    { action: "correct", decision: "correct", label: "Correct…", key: "x" },
    { action: "void", decision: "void", label: c.lines.length === 1 ? "Void line" : "Void lines", key: "v" },
  ];
}

/**
 * The correction the console sends: of the case's line, or — a case without a line — the line to
 * add (no lineId). `amount` is grams when `weighed`, else a count (rounded). Undefined when the
 * form is not filled in (no product, not a positive number).
 */
export function correctionFor(
  line: { lineId: string } | undefined,
  sku: string,
  amount: string,
  weighed: boolean,
): { lineId?: string; sku: string; qty?: number; grams?: number } | undefined {
  const n = Number(amount);
  if (!sku || !Number.isFinite(n) || n <= 0) return undefined;
  const target = line ? { lineId: line.lineId } : {};
  return weighed ? { ...target, sku, grams: n } : { ...target, sku, qty: Math.max(1, Math.round(n)) };
}
