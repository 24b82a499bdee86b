/**
 * Commands on a shopping session: lifecycle (from the cart, the exit lane, the payment
 * workflow) and human ones (a shopper or reviewer correcting a line, a dispute, a refund).
 * Every command carries its time `at`; ids are made by the injected IdGenerator.
 */
import type { Actor } from "../basket/basket.events";

interface At {
  at: number;
}

export interface OpenSession extends At {
  type: "OpenSession";
  /** given by the cart (exchange-v1 `session.start`), or generated ("sess_…") */
  session?: string;
  store: string;
  cart?: string;
  shopper?: string;
  account?: string;
}
export interface StartCheckout extends At {
  type: "StartCheckout";
}
export interface RecordAuthorization extends At {
  type: "RecordAuthorization";
  amount: number;
  currency: string;
  authorizationId: string;
  /** the hold this one replaces, already released at the provider (e.g. a check-in hold the total outgrew) */
  released?: string;
  /** the hold this one replaces, whose release the provider did not confirm: owed a release (0112) */
  releaseFailed?: FailedRelease;
}
/** A hold the session will not capture and whose release failed at the provider (decision 0112). */
export interface FailedRelease {
  authorizationId: string;
  amount: number;
  reason: string;
}
export interface RecordCapture extends At {
  type: "RecordCapture";
  amount: number;
  currency: string;
  captureId: string;
}
export interface RecordPaymentFailure extends At {
  type: "RecordPaymentFailure";
  reason: string;
  /** the recorded hold, already released at the provider because the failure ends it (0107) */
  released?: string;
  /** other holds the failure ends whose release the provider did not confirm (0112) */
  releaseFailed?: FailedRelease[];
}
/**
 * The recorded hold was released at the provider outside a failure or a cancel: a session left
 * in `problem` with its hold open (decision 0107).
 */
export interface ReleaseHold extends At {
  type: "ReleaseHold";
  authorizationId: string;
}
/**
 * Holds the session stopped using and failed to release at the provider, outside an exit
 * (a cancel whose release failed; decision 0112): owed a release, retried later.
 */
export interface RecordReleaseFailure extends At {
  type: "RecordReleaseFailure";
  holds: FailedRelease[];
}
/** A hold owed a release (HoldReleaseFailed) was released at the provider on a retry (0112). */
export interface ReleasePendingHold extends At {
  type: "ReleasePendingHold";
  authorizationId: string;
}
/**
 * The cart went silent while shopping: no basket activity for the store's `abandonAfterMinutes`
 * (a dead battery, a crashed cart, a shopper who walked off without `session.end`; decision
 * 0108). A basket with anything in it goes to review, its hold kept for the reviewer; an empty
 * one is cancelled. `reason` says how long and what was seen last.
 */
export interface AbandonSession extends At {
  type: "AbandonSession";
  reason: string;
  /** an empty basket's recorded hold, already released at the provider */
  released?: string;
}
export interface CorrectLine extends At {
  type: "CorrectLine";
  lineId: string;
  sku: string;
  qty?: number;
  grams?: number;
  by: "shopper" | "reviewer";
  note?: string;
}
export interface VoidLine extends At {
  type: "VoidLine";
  lineId: string;
  by: Actor;
  reason: string;
}
export interface DisputeLine extends At {
  type: "DisputeLine";
  lineId: string;
  reason: string;
}
export interface ResolveReview extends At {
  type: "ResolveReview";
  caseId: string;
  decision: "confirm" | "correct" | "void" | "uphold" | "reject";
  /** reviewer id */
  by: string;
  note?: string;
  /** for "correct" (required) and "uphold" (optional): what the line really was */
  correction?: { lineId?: string; sku: string; qty?: number; grams?: number };
}
export interface Refund extends At {
  type: "Refund";
  amount: number;
  currency: string;
  reason: string;
  lineId?: string;
}
export interface Close extends At {
  type: "Close";
}
export interface Cancel extends At {
  type: "Cancel";
  reason: string;
}

export type SessionCommand =
  | OpenSession
  | StartCheckout
  | RecordAuthorization
  | RecordCapture
  | RecordPaymentFailure
  | ReleaseHold
  | RecordReleaseFailure
  | ReleasePendingHold
  | AbandonSession
  | CorrectLine
  | VoidLine
  | DisputeLine
  | ResolveReview
  | Refund
  | Close
  | Cancel;
