/**
 * What the review console reads for the selected case: the case, its context (the cart's scale
 * around the change, the basket before and after) and, for a walk-out store's case only, the
 * shelf's weight. The store's kind decides (GET …/day says it, read once by the console): a cart
 * store has no `…/shelf` route, and asking it got a 404 (a failed request in the console).
 */
import type { StaffApi } from "../../api/staff";
import type { Evidence, ReviewCase, ReviewContext } from "../../api/types";
import { shelfTrace } from "../../api/walkout";

/** A walk-out case: a line whose evidence names a shelf and a change (what `…/shelf` reads). */
export function needsShelfTrace(c: ReviewCase): boolean {
  return c.lines.some((l) => {
    const e = l.evidence as Partial<Evidence> | undefined;
    return Boolean(e?.shelf && e.change);
  });
}

export async function loadCaseDetail(
  api: Pick<StaffApi, "reviewCase" | "reviewContext">,
  store: string,
  key: string,
  caseId: string,
  kind: "walkout" | "carts",
): Promise<{ c: ReviewCase; ctx: ReviewContext | null }> {
  const [c, ctx] = await Promise.all([api.reviewCase(caseId), api.reviewContext(caseId).catch(() => null)]);
  const shelf =
    kind === "walkout" && needsShelfTrace(c) ? await shelfTrace(store, key, caseId).catch(() => null) : null;
  return { c, ctx: ctx && shelf ? { ...ctx, trace: shelf } : ctx };
}

/**
 * The evidence shown for a case: what fusion recorded on the case's event — the change that
 * decided the case's line, or its first — else the line's own evidence, else (a case without a
 * line, recorded before fusion kept its evidence) the change the server rebuilt for it.
 */
export function shownEvidence(c: ReviewCase, ctx: ReviewContext | null): unknown {
  const line = c.lines[0];
  const recorded = ctx?.caseEvidence?.source === "event" ? ctx.caseEvidence.changes : [];
  const mine = line ? recorded.find((x) => x.lineIds.includes(line.lineId)) : undefined;
  return mine ?? recorded[0] ?? line?.evidence ?? ctx?.evidence;
}
