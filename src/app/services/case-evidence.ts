/**
 * The evidence of a review case, as the review console shows it beside the case.
 *
 * Since 2026-12-05 fusion records it on the case's own event (`ReviewRequested.evidence`,
 * domain/events/review-evidence.ts): each weight change the case is about, the sightings, scans
 * and codes it associated with it (with their sensor event ids), the explanations it weighed and
 * why the case was opened. A walk-out store's fusion records its shelf changes (plates, the
 * shoppers within reach, the hand readings by track event id) and open hand meetings; a case
 * opened after fusion (a dispute, lines the exit workflow held, an abandoned basket) carries its
 * lines' evidence, copied from the fusion case that recorded it or from the line.
 * `caseEvidence` reads that record; for a case stored before it rebuilds what it can from the
 * session's events, as before: a line's evidence from the event that created it, and for a case
 * without a line the reading below.
 *
 * Rebuilt, the evidence of a review case that has no line: the weight left unexplained beside identified
 * items ("Something else (about 1413 g) went in with Cola"), or a load still changing at exit.
 * Fusion records such a case (`ReviewRequested` with no lineIds) without evidence of its own, so
 * the review console said "No weight change was recorded" although the reason cites the grams.
 *
 * Read back from the session's events, which hold the link in their order: fusion closes each
 * open prompt at exit and opens its case right after (`PromptClosed` expired, then
 * `ReviewRequested`); the prompt was raised at the decision on the weight change, together with
 * the lines of the items it identified, whose evidence holds that change (window, before/after,
 * camera, hypotheses). A case with no prompt before it (the load still changing at exit) has no
 * decided change: only its time, for the scale samples before the exit.
 */
import type { BasketEvent, Evidence } from "../../domain/basket/basket.events";
import type {
  LinesReviewCause,
  ReviewCause,
  ReviewChangeEvidence,
  ReviewEvidence,
  WalkoutMeetingEvidence,
  WalkoutReviewCause,
} from "../../domain/events/review-evidence";
import { lineChange } from "../../domain/session/lines-evidence";

export interface CaseEvidence {
  /**
   * `event`: fusion's record on the case's ReviewRequested; `rebuilt`: read back from the
   * session's events (a case recorded before the event carried it, or not opened by fusion)
   */
  source: "event" | "rebuilt";
  /**
   * whose record (recorded cases only): absent = a cart fusion's; `walkout` = a walk-out store's
   * (its changes are `WalkoutChangeEvidence`: plates, shoppers, hand readings); `lines` = a case
   * opened after fusion (a dispute, the exit workflow), its lines' evidence copied onto it
   */
  kind?: "walkout" | "lines";
  /** why the case was opened (recorded cart and `lines` cases) */
  cause?: ReviewCause | LinesReviewCause;
  /** why a walk-out store opened it (several may hold) */
  causes?: WalkoutReviewCause[];
  /** the weight changes the case is about, each read as the evidence of the lines it decided */
  changes: ReviewChangeEvidence[];
  /** walk-out: hand meetings away from the shelves that nothing settled */
  meetings?: WalkoutMeetingEvidence[];
  /** when to look at the scale: the first change's window, or the seconds before the exit */
  window: { from: number; to: number };
}

/**
 * The evidence of case `caseId` from its session's events: the event's own record when `read`
 * accepts it (the edge's validation of what storage returned: another version or a malformed
 * record reads as none), else rebuilt. Undefined when the session holds no such case.
 */
export function caseEvidence(
  events: readonly BasketEvent[],
  caseId: string,
  read: (recorded: unknown) => ReviewEvidence | undefined,
): CaseEvidence | undefined {
  const opened = events.find((e) => e.type === "ReviewRequested" && e.caseId === caseId);
  if (opened?.type !== "ReviewRequested") return undefined;
  const recorded = opened.evidence === undefined ? undefined : read(opened.evidence);
  if (recorded) {
    const decided = recorded.changes.find((c) => c.change)?.change;
    const pending = recorded.changes.find((c) => c.pending)?.pending;
    const exit = pending?.at ?? opened.at;
    const whose =
      recorded.kind === "walkout"
        ? { kind: recorded.kind, causes: recorded.causes, meetings: recorded.meetings }
        : recorded.kind === "lines"
          ? { kind: recorded.kind, cause: recorded.cause }
          : { cause: recorded.cause };
    return {
      source: "event",
      ...whose,
      changes: recorded.changes,
      window: decided
        ? { from: decided.startT, to: decided.endT }
        : { from: exit - EXIT_LOOKBACK_MS, to: exit },
    };
  }
  if (opened.lineIds.length === 0) {
    const lineLess = lineLessCaseEvidence(events, caseId)!;
    return {
      source: "rebuilt",
      changes: lineLess.evidence ? [lineChange(lineLess.evidence, [])] : [],
      window: lineLess.window,
    };
  }
  // each line's evidence from the event that created it; lines decided together, once
  const changes: ReviewChangeEvidence[] = [];
  const seen = new Map<string, ReviewChangeEvidence>();
  const wanted = new Set(opened.lineIds);
  for (const e of events) {
    if ((e.type !== "ItemAdded" && e.type !== "ItemRemoved") || !wanted.has(e.lineId)) continue;
    const key = JSON.stringify(e.evidence);
    const same = seen.get(key);
    if (same) same.lineIds.push(e.lineId);
    else {
      const c = lineChange(e.evidence, [e.lineId]);
      seen.set(key, c);
      changes.push(c);
    }
  }
  const first = changes.find((c) => c.change)?.change;
  return {
    source: "rebuilt",
    changes,
    window: first
      ? { from: first.startT, to: first.endT }
      : { from: opened.at - EXIT_LOOKBACK_MS, to: opened.at },
  };
}

export interface LineLessCaseEvidence {
  /** the weight change the case is about, as the lines decided with it recorded it */
  evidence?: Evidence;
  /** when to look at the scale: the change's window, or the seconds before the exit */
  window: { from: number; to: number };
}

/** Seconds of scale before the exit shown for a load still changing then. */
const EXIT_LOOKBACK_MS = 5_000;

export function lineLessCaseEvidence(
  events: readonly BasketEvent[],
  caseId: string,
): LineLessCaseEvidence | undefined {
  const i = events.findIndex((e) => e.type === "ReviewRequested" && e.caseId === caseId);
  const opened = events[i];
  if (opened?.type !== "ReviewRequested" || opened.lineIds.length > 0) return undefined;
  const before = events[i - 1];
  if (before?.type === "PromptClosed" && before.outcome === "expired") {
    const raised = events.find((e) => e.type === "PromptRaised" && e.prompt.id === before.promptId);
    if (raised) {
      const decided = events.find(
        (e) =>
          (e.type === "ItemAdded" || e.type === "ItemRemoved") && e.at === raised.at && e.evidence.change,
      );
      if (decided && (decided.type === "ItemAdded" || decided.type === "ItemRemoved")) {
        const change = decided.evidence.change!;
        // the case's own words: its reason names what is left unexplained
        const summary = opened.reason.replace(/^unanswered \S+ prompt: /, "");
        return {
          evidence: { ...decided.evidence, summary },
          window: { from: change.startT, to: change.endT },
        };
      }
      return { window: { from: raised.at - EXIT_LOOKBACK_MS, to: raised.at } };
    }
  }
  return { window: { from: opened.at - EXIT_LOOKBACK_MS, to: opened.at } };
}
