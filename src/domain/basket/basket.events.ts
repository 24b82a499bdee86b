/**
 * Basket events: the stream a shopping session is made of. Fusion emits the item and prompt
 * events; the session/checkout decider emits the lifecycle ones; reviewers and shoppers emit
 * corrections through commands. The basket state, the running total, the receipt and the review
 * cases are all folds over this stream. Shared contract: add optional fields, never rename.
 */
import type { ReviewEvidence } from "../events/review-evidence";

/** What the sensors said about one decision, kept with the line so a receipt explains itself. */
export interface Evidence {
  /** the stable-to-stable weight change this decision explains */
  change?: {
    startT: number;
    endT: number;
    /** settled load before and after, grams */
    before: number;
    after: number;
    /** after - before */
    delta: number;
    /** standard deviation of the delta estimate, grams */
    sd: number;
  };
  vision: { t: number; dir: "in" | "out" | "unknown"; candidates: { sku: string; p: number }[] }[];
  scans: { t: number; code: string; sku?: string; grams?: number; price?: number }[];
  plu: { t: number; plu: string; sku?: string }[];
  answers: { t: number; prompt: string; sku?: string; choice?: string }[];
  /** the best explanations considered, best first, with their posterior probability */
  hypotheses: { label: string; posterior: number }[];
  /** walk-out: where the change happened and who was within reach */
  shelf?: { gondola: number; shelf: number; plates: number[] };
  shoppers?: { shopper: string; distance: number }[];
  /** one sentence in plain words, for the receipt and the review console */
  summary: string;
}

/**
 * Evidence of a decision no sensor reading went into (yet): a line a reviewer named, a change
 * fusion has not decided — only the sentence that says why.
 */
export function summaryOnly(summary: string): Evidence {
  return { vision: [], scans: [], plu: [], answers: [], hypotheses: [], summary };
}

export type LineStatus = "ok" | "unsure";
export type Actor = "fusion" | "shopper" | "reviewer" | "system";

export interface Prompt {
  id: string;
  kind: "scan" | "choose" | "confirm-removal" | "plu";
  text: string;
  options?: { sku: string; name: string }[];
  /** the lines the prompt is about */
  lineIds: string[];
}

interface At {
  /** device or server time, ms since epoch (passed in, never read from a clock here) */
  at: number;
}

export interface SessionOpened extends At {
  type: "SessionOpened";
  session: string;
  store: string;
  cart?: string;
  shopper?: string;
  account?: string;
}
/** A line enters the basket. Quantity for unit goods, grams for weighed goods. */
export interface ItemAdded extends At {
  type: "ItemAdded";
  lineId: string;
  sku: string;
  qty?: number;
  grams?: number;
  confidence: number;
  status: LineStatus;
  evidence: Evidence;
}
/** Items leave the basket: recorded as its own line with the quantity taken out. */
export interface ItemRemoved extends At {
  type: "ItemRemoved";
  lineId: string;
  sku: string;
  qty?: number;
  grams?: number;
  confidence: number;
  status: LineStatus;
  evidence: Evidence;
}
/** A line's content replaced: a prompt answer, a reviewer's correction, later evidence. */
export interface LineRevised extends At {
  type: "LineRevised";
  lineId: string;
  sku: string;
  qty?: number;
  grams?: number;
  status: LineStatus;
  confidence: number;
  by: Actor;
  note?: string;
}
/** A line no longer counts (not merchandise after all, a reviewer voided it). */
export interface LineVoided extends At {
  type: "LineVoided";
  lineId: string;
  by: Actor;
  reason: string;
}
export interface PromptRaised extends At {
  type: "PromptRaised";
  prompt: Prompt;
}
export interface PromptClosed extends At {
  type: "PromptClosed";
  promptId: string;
  outcome: "answered" | "superseded" | "expired";
  sku?: string;
  choice?: string;
}
export interface ReviewRequested extends At {
  type: "ReviewRequested";
  caseId: string;
  kind: "uncertain" | "dispute";
  lineIds: string[];
  reason: string;
  /** what fusion decided the case on (versioned; absent on events stored before 2026-12-05) */
  evidence?: ReviewEvidence;
}
export interface ReviewResolved extends At {
  type: "ReviewResolved";
  caseId: string;
  decision: "confirm" | "correct" | "void" | "uphold" | "reject";
  by: string;
  note?: string;
}
export interface LineDisputed extends At {
  type: "LineDisputed";
  lineId: string;
  caseId: string;
  reason: string;
}
export interface CheckoutStarted extends At {
  type: "CheckoutStarted";
}
export interface PaymentAuthorized extends At {
  type: "PaymentAuthorized";
  amount: number;
  currency: string;
  authorizationId: string;
}
export interface PaymentCaptured extends At {
  type: "PaymentCaptured";
  amount: number;
  currency: string;
  captureId: string;
}
export interface PaymentFailed extends At {
  type: "PaymentFailed";
  reason: string;
}
export interface PaymentRefunded extends At {
  type: "PaymentRefunded";
  amount: number;
  currency: string;
  refundId: string;
  lineId?: string;
  reason: string;
}
export interface HoldReleased extends At {
  type: "HoldReleased";
  authorizationId: string;
}
/**
 * A hold this session placed and will not capture, whose release the provider did not confirm
 * (an error or a timeout): the session owes the shopper its release, retried with the same key
 * until the provider confirms it (`PendingHoldReleased`; decision 0112). Not the recorded hold
 * (that one stays live in `payment` until `HoldReleased`), so it moves no phase.
 */
export interface HoldReleaseFailed extends At {
  type: "HoldReleaseFailed";
  authorizationId: string;
  amount: number;
  reason: string;
}
/** A hold recorded by `HoldReleaseFailed` was released at the provider after all (0112). */
export interface PendingHoldReleased extends At {
  type: "PendingHoldReleased";
  authorizationId: string;
}
export interface SessionHeldForReview extends At {
  type: "SessionHeldForReview";
  caseIds: string[];
}
export interface SessionClosed extends At {
  type: "SessionClosed";
}
export interface SessionCancelled extends At {
  type: "SessionCancelled";
  reason: string;
}

export type BasketEvent =
  | SessionOpened
  | ItemAdded
  | ItemRemoved
  | LineRevised
  | LineVoided
  | PromptRaised
  | PromptClosed
  | ReviewRequested
  | ReviewResolved
  | LineDisputed
  | CheckoutStarted
  | PaymentAuthorized
  | PaymentCaptured
  | PaymentFailed
  | PaymentRefunded
  | HoldReleased
  | HoldReleaseFailed
  | PendingHoldReleased
  | SessionHeldForReview
  | SessionClosed
  | SessionCancelled;

export type BasketEventType = BasketEvent["type"];
