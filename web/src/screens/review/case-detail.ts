/**
 * What the review console reads for the selected case: the case, its context (the cart's scale
 * around the change, the basket before and after) and, for a walk-out store's case only, the
 * shelf's weight. The store's kind decides (GET …/day says it, read once by the console): a cart
 * store has no `…/shelf` route, and asking it got a 404 (a failed request in the console).
 */
import type { StaffApi } from "../../api/staff";
import type { Evidence, ReviewCase, ReviewContext, WalkoutChangeEvidence } from "../../api/types";
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

/** why a case was opened, in words (ReviewRequested.evidence: `cause`, or a walk-out's `causes`) */
const CAUSES: Record<string, string> = {
  "prompt-expired": "the shopper's question went unanswered",
  "unsure-after-answer": "still unsure after the shopper's answer",
  unresolved: "nothing the shopper can answer settles it",
  "load-at-exit": "the load was still changing at exit",
  "uncertain-product": "the product was not sure",
  "uncertain-shopper": "several shoppers' hands were at the shelf",
  "candidate-elsewhere": "this shopper may have taken an item charged to another",
  "maybe-put-back": "this shopper may have put back what was credited to another",
  "hand-over": "hands met away from the shelves",
  dispute: "the shopper disputed the line",
  "unsure-at-exit": "lines still unsure at exit",
  abandoned: "the basket was abandoned",
};

/** Where the shown evidence comes from, in one sentence (the console's `evidence-source`). */
export function evidenceSource(ce: NonNullable<ReviewContext["caseEvidence"]>): string {
  if (ce.source !== "event")
    return "Rebuilt from the session's events (no record on the case: a case from before cases kept one)";
  const n = ce.changes.length;
  if (ce.kind === "lines") {
    const fused = ce.changes.filter((c) => "from" in c && typeof c.from === "object").length;
    return (
      `Copied onto the case (${CAUSES[ce.cause ?? ""] ?? "review"}): ${n} line evidence record${n === 1 ? "" : "s"}` +
      (fused ? `, ${fused} as fusion recorded ${fused === 1 ? "it" : "them"} with an earlier case` : "")
    );
  }
  if (ce.kind === "walkout") {
    const why = (ce.causes ?? []).map((c) => CAUSES[c] ?? c).join("; ") || "review";
    const m = ce.meetings?.length ?? 0;
    return (
      `Recorded by the walk-out fusion with the case: ${why}; ${n} shelf change${n === 1 ? "" : "s"}` +
      (m ? `, ${m} hand meeting${m === 1 ? "" : "s"}` : "")
    );
  }
  return `Recorded by fusion with the case: ${CAUSES[ce.cause ?? ""] ?? "review"}, ${n} weight change${n === 1 ? "" : "s"}`;
}

/**
 * What a walk-out case's recorded change holds beyond a line's evidence, in words: each plate's
 * grams, the shoppers who could have made it (hand and body distance, the posterior when hands or
 * cameras gave one), the other shopper charged for it, and the case's open hand meetings.
 */
export function walkoutFacts(
  shown: unknown,
  ce: ReviewContext["caseEvidence"] | null | undefined,
  nameOf: (sku: string) => string,
): string[] {
  const out: string[] = [];
  const x = (shown && typeof shown === "object" ? shown : {}) as Partial<WalkoutChangeEvidence>;
  const g = (v: number) => `${Math.round(v)} g`;
  const m = (v: number) => `${v.toFixed(2)} m`;
  if (Array.isArray(x.plates) && x.plates.length)
    out.push(
      `plates: ${x.plates.map((p) => `${p.plate} ${p.delta > 0 ? "+" : ""}${g(p.delta)} (${g(p.before)} → ${g(p.after)})`).join(", ")}`,
    );
  if (Array.isArray(x.shoppers) && x.shoppers.some((s) => s.body !== undefined || s.p !== undefined))
    out.push(
      `candidates: ${x.shoppers
        .map((s) => {
          const parts = [
            s.hand !== undefined ? `hand ${m(s.hand)}` : "hand not seen",
            ...(s.body !== undefined ? [`body ${m(s.body)}`] : []),
            ...(s.p !== undefined ? [`${Math.round(s.p * 100)} %`] : []),
          ];
          return `${s.shopper} (${parts.join(", ")})`;
        })
        .join("; ")}`,
    );
  if (x.charged) out.push(`charged to shopper ${x.charged.shopper} (line ${x.charged.lineId})`);
  for (const mt of ce?.meetings ?? [])
    out.push(
      `hands of ${mt.shoppers.join(" and ")} met away from the shelves` +
        (mt.held.length
          ? `, holding ${mt.held.map((h) => `${h.qty} × ${nameOf(h.sku)} (${h.shopper})`).join(", ")}`
          : "") +
        (mt.camera ? `; ${mt.camera}` : ""),
    );
  return out;
}
