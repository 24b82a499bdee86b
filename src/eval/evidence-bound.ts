/**
 * The evidence bound: the best figures a fusion could reach on a simulated log if it never
 * charged what the evidence does not decide. The simulator counts, per session, the stops its
 * evidence does not decide (`undecidableStops` in truth.jsonl, k below). The policy bounded here
 * accepts every decided stop, right, and asks exactly one prompt per undecided stop, so it makes
 * no silent error and no needless review. Its figures:
 *
 * - prompts / session: mean k (a count: the truth fixes it);
 * - replayed (nobody answers): every session with k ≥ 1 goes to review; right with no human is
 *   the decidable share (counts);
 * - answering shoppers, who answer each prompt right / wrong / not at all with probabilities
 *   r / w / u (the mix's, drawn per prompt): a session is reviewed unless all k prompts are
 *   answered, 1 − (1 − u)^k; right with no human when all k are answered right, r^k; charged
 *   wrongly but asked (a wrong answer, no review) (1 − u)^k − r^k. These are expectations over
 *   the answers; `…Sd` is the standard deviation of one draw of answers over these sessions.
 *
 * Assumptions: a right answer settles its stop right; a wrong answer makes the receipt wrong but
 * asked (never silent); an unanswered prompt sends the session to review; one prompt per
 * undecided stop is enough and none is shown for a decided one. It bounds a fusion that does not
 * guess: one that accepts undecided stops unasked can show fewer prompts and reviews, paying in
 * silent errors.
 */
import type { EvalTruth } from "./truth-file";

/** the two evaluation modes (as `EvalMode` in evaluate.ts) */
type EvalMode = "replay" | "answering";

export interface AnswerRates {
  right: number;
  wrong: number;
  none: number;
}

export interface EvidenceBound {
  available: true;
  mode: EvalMode;
  sessions: number;
  /** Σ k over the sessions */
  undecidableStops: number;
  /** sessions with k ≥ 1 */
  undecidableSessions: number;
  /** sessions by k (index k) */
  sessionsByStops: number[];
  /** the answer rates used (answering only) */
  answerRates?: AnswerRates;
  /** exact given the truth: mean k */
  promptsPerSession: number;
  /** replayed: a count; answering: an expectation */
  pctRightNoHuman: number;
  pctRightNoHumanSd: number;
  reviewsPer1000: number;
  reviewsPer1000Sd: number;
  /** answering: expected sessions charged wrongly after a wrong answer and not reviewed (asked, not silent) */
  wrongAskedPer1000: number;
  /** k ≥ 1 and not reviewed: replayed 0, answering expected */
  undecidableNotReviewedPer1000: number;
  silentPer1000: 0;
  needlessReviewsPer1000: 0;
}

export interface EvidenceBoundUnavailable {
  available: false;
  mode: EvalMode;
  reason: string;
}

export type EvidenceBoundResult = EvidenceBound | EvidenceBoundUnavailable;

/** a mix's answer rates, as the simulator draws them per prompt (src/sim/cart-sim.ts, pickAnswerStyle) */
export function answerRatesOf(shoppers: { answerRightP: number; answerWrongP: number }): AnswerRates {
  return {
    right: shoppers.answerRightP,
    wrong: shoppers.answerWrongP,
    none: Math.max(0, 1 - shoppers.answerRightP - shoppers.answerWrongP),
  };
}

/**
 * The bound for one mode over the truth that mode was scored on. Unavailable (not zero) when a
 * truth line lacks `undecidableStops` (a file from an older simulator, or not from the simulator)
 * or, answering, when the answer rates are unknown.
 */
export function evidenceBound(
  truths: readonly EvalTruth[],
  mode: EvalMode,
  rates?: AnswerRates,
): EvidenceBoundResult {
  if (truths.length === 0) return { available: false, mode, reason: "no truth sessions" };
  const missing = truths.filter((t) => t.undecidableStops === undefined).length;
  if (missing > 0)
    return {
      available: false,
      mode,
      reason: `${missing} of ${truths.length} truth lines have no undecidableStops (a truth file from an older simulator: re-run skiplane sim)`,
    };
  if (mode === "answering" && !rates)
    return { available: false, mode, reason: "the mix's answer rates are unknown (no sim.json mix)" };
  const n = truths.length;
  const byStops: number[] = [];
  let stops = 0;
  let undecidable = 0;
  let right = 0;
  let rightVar = 0;
  let reviews = 0;
  let reviewsVar = 0;
  let wrongAsked = 0;
  let notReviewed = 0;
  for (const t of truths) {
    const k = t.undecidableStops as number;
    byStops[k] = (byStops[k] ?? 0) + 1;
    stops += k;
    if (k > 0) undecidable++;
    // per session: p(right, no human), p(reviewed)
    let pRight: number;
    let pReview: number;
    if (mode === "replay") {
      pRight = k === 0 ? 1 : 0;
      pReview = k === 0 ? 0 : 1;
    } else {
      const r = rates as AnswerRates;
      pRight = r.right ** k;
      pReview = 1 - (1 - r.none) ** k;
    }
    right += pRight;
    rightVar += pRight * (1 - pRight);
    reviews += pReview;
    reviewsVar += pReview * (1 - pReview);
    wrongAsked += 1 - pReview - pRight;
    if (k > 0) notReviewed += 1 - pReview;
  }
  for (let k = 0; k < byStops.length; k++) byStops[k] ??= 0;
  return {
    available: true,
    mode,
    sessions: n,
    undecidableStops: stops,
    undecidableSessions: undecidable,
    sessionsByStops: byStops,
    ...(mode === "answering" ? { answerRates: rates } : {}),
    promptsPerSession: stops / n,
    pctRightNoHuman: (100 * right) / n,
    pctRightNoHumanSd: (100 * Math.sqrt(rightVar)) / n,
    reviewsPer1000: (1000 * reviews) / n,
    reviewsPer1000Sd: (1000 * Math.sqrt(reviewsVar)) / n,
    wrongAskedPer1000: (1000 * Math.max(0, wrongAsked)) / n,
    undecidableNotReviewedPer1000: (1000 * notReviewed) / n,
    silentPer1000: 0,
    needlessReviewsPer1000: 0,
  };
}
