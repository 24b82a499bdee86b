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
  /** walk-out: where the change happened and who was within reach (as in a line's `Evidence`) */
  shelf?: { gondola: number; shelf: number; plates: number[] };
  shoppers?: { shopper: string; distance: number }[];
  /** one sentence in plain words */
  summary: string;
}

/** `ReviewRequested.evidence`, version 1: a cart fusion's record. */
export interface ReviewEvidenceV1 {
  v: 1;
  /** absent: a cart fusion's record (the first kind, which had no `kind`) */
  kind?: "cart";
  cause: ReviewCause;
  /** the changes the case is about, in the order they were decided */
  changes: ReviewChangeEvidence[];
}

/**
 * Why a walk-out store opened a visit's case (several may hold at once; the event's `reason` says
 * them in words):
 */
export type WalkoutReviewCause =
  /** a line whose product the shelf's weight (with the cameras) left unsure, or a change forced closed */
  | "uncertain-product"
  /** several shoppers' hands could have made the change: the nearest holds the line, unsure */
  | "uncertain-shopper"
  /** this shopper was a candidate for a change charged to another shopper */
  | "candidate-elsewhere"
  /** this shopper may have put back what was credited to another shopper's put-back */
  | "maybe-put-back"
  /** hands met away from the shelves and nothing settled whether an item passed */
  | "hand-over";

/**
 * One shelf change of a walk-out case, as the walk-out fusion decided it. A superset of a cart's
 * change record and of a line's `Evidence` (its `shelf` and `shoppers` read as there), so a
 * reader that knows only those still reads it.
 */
export interface WalkoutChangeEvidence extends ReviewChangeEvidence {
  /** the shelf lost weight (a pick-up) or gained it (a put-back) */
  action: "pick" | "putback";
  change: NonNullable<ReviewChangeEvidence["change"]> & {
    /** when the load stepped (ms) */
    stepT: number;
    /** the change hit the detector's longest window without settling */
    forced?: boolean;
  };
  /** where: gondola, shelf and the changed plates' numbers (as in a line's `Evidence`) */
  shelf: { gondola: number; shelf: number; plates: number[] };
  /** each changed plate's own settled load before and after, its delta and sd, grams */
  plates: { plate: number; before: number; after: number; delta: number; sd: number }[];
  /**
   * the shoppers who could have made it, most likely first: `distance` (m) as in a line's
   * `Evidence` (hand when seen, else body; -1 without track data), the body's floor distance and
   * the nearest hand's 3-D distance when known, and the posterior that it was them when hands or
   * cameras decided. The shopper the line was charged to is the first.
   */
  shoppers: { shopper: string; distance: number; body?: number; hand?: number; p?: number }[];
  /**
   * what the cameras recognised in those shoppers' hands at the plates around the step (from the
   * track events: `id` is the track event's id when it had one; `candidates` [] = the hand seen
   * empty): the readings fusion had when it decided
   */
  vision: {
    id?: string;
    t: number;
    dir: "in" | "out" | "unknown";
    candidates: { sku: string; p: number }[];
    shopper: string;
  }[];
  /** what was in doubt: the product (weight and cameras), the shopper (hands), or both */
  doubt: ("product" | "shopper")[];
  /** another visit's line the case concerns (this shopper a candidate for it, or told of a put-back) */
  charged?: { shopper: string; lineId: string };
}

/** A meeting of two shoppers' hands away from the shelves that nothing settled. */
export interface WalkoutMeetingEvidence {
  shoppers: [string, string];
  /** first and last moment the hands were seen together, ms */
  t: number;
  last: number;
  /** where the hands met (m) */
  at: { x: number; y: number; z: number };
  /** units per product each held then that may still have passed */
  held: { shopper: string; sku: string; qty: number }[];
  /** what the cameras said about it, when they were weighed */
  camera?: string;
}

/** `ReviewRequested.evidence` of a walk-out store's case, version 1. */
export interface WalkoutReviewEvidenceV1 {
  v: 1;
  kind: "walkout";
  causes: WalkoutReviewCause[];
  /** the shelf changes the case is about, in the order they were decided */
  changes: WalkoutChangeEvidence[];
  /** hand meetings left open that involve this shopper */
  meetings: WalkoutMeetingEvidence[];
}

/** Why a case not opened by fusion concerns its lines. */
export type LinesReviewCause =
  /** the shopper disputed a line of their receipt */
  | "dispute"
  /** lines still unsure when the session was checked out (the exit workflow held it) */
  | "unsure-at-exit"
  /** the session was abandoned with items in it: the whole basket goes to a person */
  | "abandoned";

/**
 * `ReviewRequested.evidence` of a case opened after fusion (a dispute, the exit workflow holding
 * lines still unsure, an abandoned basket), version 1: the evidence of each line it concerns,
 * copied from where it was recorded — the change of a fusion case's record that decided the line
 * (`from.caseId`), else the line's own evidence from the event that created it (`from: "line"`).
 */
export interface LinesReviewEvidenceV1 {
  v: 1;
  kind: "lines";
  cause: LinesReviewCause;
  changes: (ReviewChangeEvidence & { from: { caseId: string } | "line" })[];
}

export type ReviewEvidence = ReviewEvidenceV1 | WalkoutReviewEvidenceV1 | LinesReviewEvidenceV1;
