/**
 * What fusion decided a review case on, carried by the case's own event (`ReviewRequested.evidence`,
 * since 2026-12-05). Before, a case held only its line ids and a sentence, and the server rebuilt
 * its evidence from the order of the session's events (app/services/case-evidence.ts), which a
 * case without a line, or one about several changes, did not always allow.
 *
 * Additive and versioned: the field is optional (events stored before it have none, and the
 * server still rebuilds theirs), and `v` says which shape this is — a reader that does not know
 * the version falls back as for an old event. Plain JSON, so it round-trips through the event
 * stores as it is.
 */

/** Why fusion opened the case (the event's `reason` says it in words). */
export type ReviewCause =
  /** a question on the cart screen nobody answered before the exit */
  | "prompt-expired"
  /** lines the shopper's answer left unsure (the weight did not fit it) */
  | "unsure-after-answer"
  /** something no answer can settle: a removal nothing explains, an answer a later removal contradicts */
  | "unresolved"
  /** the load was still changing at exit: no change was decided */
  | "load-at-exit";

/** One weight change of the case, with what fusion associated with it and weighed it against. */
export interface ReviewChangeEvidence {
  /** the case's lines that this change decided (none for a remainder or a load nothing explains) */
  lineIds: string[];
  /**
   * the settled change: window (`endT` = when it settled), levels before and after, delta and its
   * sd, grams; absent for a load still changing at exit
   */
  change?: { startT: number; endT: number; before: number; after: number; delta: number; sd: number };
  /** a load still changing at exit: the grams not yet settled, and when fusion saw the exit */
  pending?: { delta: number; at: number };
  /**
   * camera sightings associated with the change: the sensor event's id (when it had one), its
   * candidates with p. (The fields are named as in a line's `Evidence`, of which this is a
   * superset: a change record reads as the evidence of the lines it decided.)
   */
  vision: {
    id?: string;
    t: number;
    dir: "in" | "out" | "unknown";
    candidates: { sku: string; p: number }[];
  }[];
  /** barcode reads associated with it (and a scan that answered its question) */
  scans: { id?: string; t: number; code: string; sku?: string; grams?: number; price?: number }[];
  /** PLU codes keyed */
  plu: { id?: string; t: number; plu: string; sku?: string }[];
  /** the shopper's answers to its question */
  answers: { t: number; prompt: string; sku?: string; choice?: string }[];
  /** the competing explanations, best first, with their posteriors (the top `keepHypotheses`) */
  hypotheses: { label: string; posterior: number }[];
  /** one sentence in plain words */
  summary: string;
}

/** `ReviewRequested.evidence`, version 1. */
export interface ReviewEvidenceV1 {
  v: 1;
  cause: ReviewCause;
  /** the changes the case is about, in the order they were decided */
  changes: ReviewChangeEvidence[];
}

export type ReviewEvidence = ReviewEvidenceV1;
