/**
 * The session lifecycle as data: which lifecycle event may move a session from which phase to
 * which. Item and prompt events do not move the phase and are not listed, nor are the owed
 * hold releases (HoldReleaseFailed, PendingHoldReleased; decision 0112). Anything not in the
 * table is an illegal transition (DomainError ILLEGAL_TRANSITION), never a silent no-op.
 *
 *   idle ─SessionOpened→ shopping ─CheckoutStarted→ exiting ─PaymentAuthorized→ charging
 *   shopping ─PaymentAuthorized→ shopping (the check-in hold, recorded when it is placed)
 *   charging ─PaymentCaptured→ paid ─PaymentRefunded→ partially-refunded | refunded
 *   charging ─PaymentAuthorized→ charging (a new hold when the total grew)
 *   exiting/charging ─SessionHeldForReview→ review (a person checks before the charge is final)
 *   exiting/charging/review ─PaymentFailed→ problem ─PaymentAuthorized→ charging (retry)
 *   problem ─HoldReleased→ problem (a failed exit ends its hold, decision 0107)
 *   shopping/exiting/review/problem/charging ─SessionCancelled→ cancelled (hold released first:
 *   shopping ─HoldReleased→ shopping, charging ─HoldReleased→ exiting; exiting ─HoldReleased→
 *   exiting when a check-in hold the total outgrew is replaced)
 *   paid/refunded/partially-refunded ─SessionClosed→ closed
 */
import type { BasketEventType } from "../basket/basket.events";
import { DomainError } from "../shared/errors";

export const SESSION_PHASES = [
  "idle",
  "shopping",
  "exiting",
  "charging",
  "review",
  "problem",
  "paid",
  "partially-refunded",
  "refunded",
  "closed",
  "cancelled",
] as const;

export type SessionPhase = (typeof SESSION_PHASES)[number];

/** A named condition on the event, for the one event whose target depends on its data. */
export type TransitionGuard = "full-refund" | "partial-refund";

export interface Transition {
  from: SessionPhase;
  on: BasketEventType;
  to: SessionPhase;
  when?: TransitionGuard;
}

export const SESSION_TRANSITIONS: readonly Transition[] = [
  { from: "idle", on: "SessionOpened", to: "shopping" },
  { from: "shopping", on: "CheckoutStarted", to: "exiting" },
  { from: "shopping", on: "PaymentAuthorized", to: "shopping" },
  { from: "shopping", on: "HoldReleased", to: "shopping" },
  { from: "exiting", on: "PaymentAuthorized", to: "charging" },
  { from: "exiting", on: "PaymentCaptured", to: "paid" },
  { from: "exiting", on: "SessionHeldForReview", to: "review" },
  { from: "exiting", on: "PaymentFailed", to: "problem" },
  { from: "charging", on: "PaymentAuthorized", to: "charging" },
  { from: "charging", on: "PaymentCaptured", to: "paid" },
  { from: "charging", on: "SessionHeldForReview", to: "review" },
  { from: "charging", on: "PaymentFailed", to: "problem" },
  { from: "charging", on: "HoldReleased", to: "exiting" },
  { from: "exiting", on: "HoldReleased", to: "exiting" },
  { from: "review", on: "PaymentAuthorized", to: "charging" },
  { from: "review", on: "PaymentCaptured", to: "paid" },
  { from: "review", on: "PaymentFailed", to: "problem" },
  { from: "review", on: "HoldReleased", to: "review" },
  { from: "problem", on: "PaymentAuthorized", to: "charging" },
  { from: "problem", on: "PaymentCaptured", to: "paid" },
  { from: "problem", on: "HoldReleased", to: "problem" },
  { from: "paid", on: "PaymentRefunded", to: "refunded", when: "full-refund" },
  { from: "paid", on: "PaymentRefunded", to: "partially-refunded", when: "partial-refund" },
  { from: "partially-refunded", on: "PaymentRefunded", to: "refunded", when: "full-refund" },
  { from: "partially-refunded", on: "PaymentRefunded", to: "partially-refunded", when: "partial-refund" },
  { from: "paid", on: "SessionClosed", to: "closed" },
  { from: "partially-refunded", on: "SessionClosed", to: "closed" },
  { from: "refunded", on: "SessionClosed", to: "closed" },
  { from: "shopping", on: "SessionCancelled", to: "cancelled" },
  { from: "exiting", on: "SessionCancelled", to: "cancelled" },
  { from: "charging", on: "SessionCancelled", to: "cancelled" },
  { from: "review", on: "SessionCancelled", to: "cancelled" },
  { from: "problem", on: "SessionCancelled", to: "cancelled" },
];

/** Event types that move the lifecycle (the others never change the phase). */
export const LIFECYCLE_EVENTS: ReadonlySet<BasketEventType> = new Set(SESSION_TRANSITIONS.map((t) => t.on));

/**
 * The phase after `on` in `from`. `guards` tells which named conditions hold (e.g. whether a
 * refund empties what was captured). Throws ILLEGAL_TRANSITION when the table has no entry.
 */
export function nextPhase(
  from: SessionPhase,
  on: BasketEventType,
  guards: Partial<Record<TransitionGuard, boolean>> = {},
): SessionPhase {
  const t = SESSION_TRANSITIONS.find((x) => x.from === from && x.on === on && (!x.when || guards[x.when]));
  if (!t) {
    throw new DomainError("ILLEGAL_TRANSITION", `${on} is not allowed while the session is ${from}`, {
      from,
      on,
    });
  }
  return t.to;
}

export function canTransition(from: SessionPhase, on: BasketEventType): boolean {
  return SESSION_TRANSITIONS.some((x) => x.from === from && x.on === on);
}

/** The six states a cart screen shows (exchange-v1 §5). */
export type ScreenState = "idle" | "shopping" | "charging" | "paid" | "review" | "problem";

export function screenState(phase: SessionPhase): ScreenState {
  switch (phase) {
    case "idle":
    case "cancelled":
      return "idle";
    case "shopping":
      return "shopping";
    case "exiting":
    case "charging":
      return "charging";
    case "review":
      return "review";
    case "problem":
      return "problem";
    case "paid":
    case "partially-refunded":
    case "refunded":
    case "closed":
      return "paid";
  }
}
