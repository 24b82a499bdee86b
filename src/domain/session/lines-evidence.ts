/**
 * The evidence record of a case opened after fusion — a disputed line, lines the exit workflow
 * found still unsure, an abandoned basket (`ReviewRequested.evidence`, kind `lines`): the evidence
 * of each line it concerns, copied onto the case so that it shows, and is exported with the
 * reviewer's label, like a case fusion opened.
 *
 * Where a fusion case recorded the change that decided the line (a cart's or a walk-out store's
 * record, on a case still open or resolved), that change is copied — it holds the sensor event
 * ids, the candidates and the explanations fusion weighed — restricted to this case's lines and
 * naming the case it came from. Else the line's own evidence (what its creating event carried).
 * Copied, not referenced: the record reads alone, in the event store and in the label export.
 */
import type { Evidence } from "../basket/basket.events";
import type { BasketState } from "../basket/basket.state";
import type {
  LinesReviewCause,
  LinesReviewEvidenceV1,
  ReviewChangeEvidence,
} from "../events/review-evidence";

export function linesEvidence(
  state: BasketState,
  lineIds: readonly string[],
  cause: LinesReviewCause,
): LinesReviewEvidenceV1 {
  const wanted = new Set(lineIds);
  const recorded: { caseId: string; changes: readonly ReviewChangeEvidence[] }[] = [];
  for (const c of [...state.resolvedCases, ...state.cases.values()]) {
    if (c.evidence && c.evidence.kind !== "lines")
      recorded.push({ caseId: c.caseId, changes: c.evidence.changes });
  }
  const changes: LinesReviewEvidenceV1["changes"] = [];
  const copied = new Set<ReviewChangeEvidence>();
  for (const id of lineIds) {
    const found = recorded
      .flatMap((r) => r.changes.map((change) => ({ caseId: r.caseId, change })))
      .find((x) => x.change.lineIds.includes(id));
    if (found) {
      if (copied.has(found.change)) continue;
      copied.add(found.change);
      changes.push({
        ...found.change,
        lineIds: found.change.lineIds.filter((x) => wanted.has(x)),
        from: { caseId: found.caseId },
      });
      continue;
    }
    const line = state.lines.get(id);
    if (!line) continue;
    changes.push({ ...lineChange(line.evidence, [id]), from: "line" });
  }
  return { v: 1, kind: "lines", cause, changes };
}

/** a line's own evidence as a change record of a case (no sensor ids: lines never held them) */
export function lineChange(e: Evidence, lineIds: string[]): ReviewChangeEvidence {
  return {
    lineIds,
    ...(e.change ? { change: e.change } : {}),
    vision: e.vision,
    scans: e.scans,
    plu: e.plu,
    answers: e.answers,
    hypotheses: e.hypotheses,
    ...(e.shelf ? { shelf: e.shelf } : {}),
    ...(e.shoppers ? { shoppers: e.shoppers } : {}),
    summary: e.summary,
  };
}
