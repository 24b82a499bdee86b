/**
 * The evidence of a review case that has no line: the weight left unexplained beside identified
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
