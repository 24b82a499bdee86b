/**
 * The sandbox provider's rules, shared by its three ledgers — one process's memory
 * (SandboxPaymentGateway), the server's SQLite file (SqliteSandboxGateway) and PostgreSQL
 * (PostgresSandboxGateway): how a payment method token behaves, what an authorize, capture,
 * release or refund decides on the records it read, and how the first answer to an idempotency
 * key is replayed. The calls (sandbox-ledger.ts, one for the three) read the record a call needs,
 * ask these functions, and each ledger writes what they return in one transaction of its own;
 * none of them decides anything itself, so the three cannot drift apart.
 *
 * Behaviour by token suffix (like card-network test numbers):
 *   `…-decline`          authorize → declined
 *   `…-nsf`              authorize → insufficient_funds
 *   `…-timeout`          every call → timeout, nothing happens
 *   `…-error`            authorize → error
 *   `…-decline-capture`  authorize approved, capture → declined
 *   `…-timeout-once`     the first capture happens but answers timeout (the response was lost);
 *                        a retry with the same idempotency key gets the original approval
 *   `…-slow-capture`     a capture happens at once and its first answer arrives SLOW_ANSWER_MS
 *                        later (a slow provider: a crash meanwhile leaves money moved and
 *                        unrecorded; the retry's replayed answer comes at once)
 *   `…-timeout-release`  authorize and capture approved, every release → timeout, nothing
 *                        happens (a provider whose release endpoint is down; decision 0112).
 *                        A ledger's `behaviours` table (token → behaviour, read on every call)
 *                        can set and clear it for a token, so tests end the outage
 *   `…-decline-capture-timeout-release`  capture → declined and every release → timeout (a
 *                        failed exit whose own hold's release fails; decision 0120)
 * Everything else is approved.
 *
 * A hold expires HOLD_LIFETIME_MS after it was placed, as a card authorization does: a capture
 * of an expired hold is refused (`authorization-expired`), a release of it is approved (nothing
 * is held any more), and it no longer counts against a balance. Holds recorded before expiry
 * existed (no `expiresAt`) never expire.
 */
import { createHash } from "node:crypto";
import type {
  AuthorizeRequest,
  CaptureRequest,
  PaymentFailure,
  PaymentResult,
  RefundRequest,
  ReleaseRequest,
} from "../../app/ports/payment-gateway";

export type SandboxBehaviour =
  | "approve"
  | PaymentFailure
  | "decline-capture"
  | "timeout-once"
  | "slow-capture"
  | "timeout-release"
  | "decline-capture-timeout-release";

export type SandboxOperation = "authorize" | "capture" | "release" | "refund";

export interface SandboxHold {
  authorizationId: string;
  paymentMethod: string;
  currency: string;
  amount: number;
  /** `expired`: a `held` hold past `expiresAt` (derived when read, never stored) */
  status: "held" | "captured" | "released" | "expired";
  /** what the hold is for (`{store}/session/{id}`) */
  reference: string;
  /** when the provider lets the hold go (ms since the epoch) */
  expiresAt?: number;
}
export interface SandboxCapture {
  captureId: string;
  authorizationId: string;
  paymentMethod: string;
  amount: number;
  refunded: number;
}
export interface SandboxRefund {
  refundId: string;
  captureId: string;
  amount: number;
  reason: string;
}

/** Everything a sandbox ledger holds, for tests and the demo. */
export interface SandboxLedger {
  holds: SandboxHold[];
  captures: SandboxCapture[];
  refunds: SandboxRefund[];
}

/** The first answer given to an idempotency key, with the request it answered. */
export interface KeptAnswer {
  fingerprint: string;
  result: PaymentResult<object>;
}

/**
 * How long an uncaptured hold lives (ms): 7 days, as Stripe cancels an uncaptured card
 * PaymentIntent after 7 days and the card networks let most merchants keep an authorization
 * about that long.
 */
export const HOLD_LIFETIME_MS = 7 * 86_400_000;

/** The hold as seen at `now`: a `held` hold past its expiry reads `expired`. */
export function holdAt(hold: SandboxHold, now: number): SandboxHold {
  return hold.status === "held" && hold.expiresAt !== undefined && now >= hold.expiresAt
    ? { ...hold, status: "expired" }
    : hold;
}

/** How long a `…-slow-capture` answer takes (ms): long enough to kill a process meanwhile. */
export const SLOW_ANSWER_MS = 400;

const SUFFIXES: [string, SandboxBehaviour][] = [
  ["-decline-capture-timeout-release", "decline-capture-timeout-release"],
  ["-timeout-release", "timeout-release"],
  ["-decline-capture", "decline-capture"],
  ["-timeout-once", "timeout-once"],
  ["-slow-capture", "slow-capture"],
  ["-decline", "declined"],
  ["-nsf", "insufficient_funds"],
  ["-timeout", "timeout"],
  ["-error", "error"],
];

export function tokenBehaviour(token: string): SandboxBehaviour {
  for (const [suffix, b] of SUFFIXES) if (token.endsWith(suffix)) return b;
  return "approve";
}

export function fail(
  status: PaymentFailure,
  code: string | undefined,
  message: string,
): PaymentResult<never> {
  return code ? { status, code, message } : { status, message };
}

export const providerTimeout = (): PaymentResult<never> =>
  fail("timeout", undefined, "the provider did not answer");

/** Provider ids derived from the idempotency key: the same on every retry, from any process. */
export function keyedId(prefix: string, key: string): string {
  return `${prefix}_${createHash("sha256").update(key).digest("hex").slice(0, 24)}`;
}

export function fingerprint(op: SandboxOperation, req: object): string {
  return JSON.stringify([op, req]);
}

/**
 * The answer to a key already answered: the first result for the same request, an
 * `idempotency-mismatch` error for another one; undefined when the key is new.
 */
export function replay<T>(known: KeptAnswer | undefined, print: string): PaymentResult<T> | undefined {
  if (!known) return undefined;
  if (known.fingerprint !== print) {
    return fail("error", "idempotency-mismatch", "idempotency key reused with a different request");
  }
  return known.result as PaymentResult<T>;
}

/** A plain timeout moved no money: it is not kept, so a retry really retries. */
export function keeps(result: PaymentResult<object>): boolean {
  return result.status !== "timeout";
}

const validAmount = (n: number) => Number.isSafeInteger(n) && n >= 0;

/**
 * Authorize: a new hold, or why not. `available` is what the payment method can still hold
 * (a configured balance minus its open holds), when the ledger knows one.
 */
export function decideAuthorize(
  req: AuthorizeRequest,
  behaviour: SandboxBehaviour,
  authorizationId: () => string,
  now: number,
  available?: number,
): { result: PaymentResult<{ authorizationId: string; amount: number }>; hold?: SandboxHold } {
  if (!validAmount(req.amount) || req.amount === 0)
    return { result: fail("error", "bad-amount", "amount must be > 0") };
  if (behaviour === "timeout") return { result: providerTimeout() };
  if (behaviour === "declined") return { result: fail("declined", "card-declined", "the card was declined") };
  if (behaviour === "insufficient_funds")
    return { result: fail("insufficient_funds", "nsf", "insufficient funds") };
  if (behaviour === "error") return { result: fail("error", "provider-error", "the provider failed") };
  if (available !== undefined && req.amount > available)
    return { result: fail("insufficient_funds", "nsf", "insufficient funds") };
  const hold: SandboxHold = {
    authorizationId: authorizationId(),
    paymentMethod: req.paymentMethod,
    currency: req.currency,
    amount: req.amount,
    status: "held",
    reference: req.reference,
    expiresAt: now + HOLD_LIFETIME_MS,
  };
  return { result: { status: "approved", authorizationId: hold.authorizationId, amount: hold.amount }, hold };
}

/** Capture: a new capture (the hold becomes `captured`), or why not. */
export function decideCapture(
  req: CaptureRequest,
  stored: SandboxHold | undefined,
  behaviour: SandboxBehaviour,
  captureId: () => string,
  now: number,
): { result: PaymentResult<{ captureId: string; amount: number }>; capture?: SandboxCapture } {
  if (behaviour === "timeout") return { result: providerTimeout() };
  if (!stored) return { result: fail("error", "unknown-authorization", "no such authorization") };
  const hold = holdAt(stored, now);
  if (hold.status === "expired")
    return { result: fail("error", "authorization-expired", "the authorization expired") };
  if (!validAmount(req.amount))
    return { result: fail("error", "bad-amount", "amount must be a whole number ≥ 0") };
  if (hold.status !== "held") return { result: fail("error", "not-held", `the hold is ${hold.status}`) };
  if (req.amount > hold.amount)
    return { result: fail("declined", "amount-exceeds-hold", "capture exceeds the hold") };
  if (behaviour === "decline-capture" || behaviour === "decline-capture-timeout-release")
    return { result: fail("declined", "card-declined", "the card was declined") };
  const capture: SandboxCapture = {
    captureId: captureId(),
    authorizationId: hold.authorizationId,
    paymentMethod: hold.paymentMethod,
    amount: req.amount,
    refunded: 0,
  };
  return { result: { status: "approved", captureId: capture.captureId, amount: capture.amount }, capture };
}

/** Release: the hold becomes `released` (an expired one too: nothing is held), or why not. */
export function decideRelease(
  req: ReleaseRequest,
  hold: SandboxHold | undefined,
  behaviour: SandboxBehaviour = "approve",
): { result: PaymentResult<{ authorizationId: string }>; released: boolean } {
  if (behaviour === "timeout-release" || behaviour === "decline-capture-timeout-release")
    return { result: providerTimeout(), released: false };
  if (!hold)
    return { result: fail("error", "unknown-authorization", "no such authorization"), released: false };
  if (hold.status === "captured")
    return { result: fail("error", "not-held", "the hold was captured"), released: false };
  return { result: { status: "approved", authorizationId: req.authorizationId }, released: true };
}

/** Refund: a new refund (added to the capture's `refunded`), or why not. */
export function decideRefund(
  req: RefundRequest,
  capture: SandboxCapture | undefined,
  refundId: () => string,
): { result: PaymentResult<{ refundId: string; amount: number }>; refund?: SandboxRefund } {
  if (!capture) return { result: fail("error", "unknown-capture", "no such capture") };
  if (!validAmount(req.amount) || req.amount === 0)
    return { result: fail("error", "bad-amount", "amount must be > 0") };
  if (capture.refunded + req.amount > capture.amount)
    return { result: fail("error", "refund-exceeds-capture", "refunds would exceed the captured amount") };
  const refund: SandboxRefund = {
    refundId: refundId(),
    captureId: capture.captureId,
    amount: req.amount,
    reason: req.reason,
  };
  return { result: { status: "approved", refundId: refund.refundId, amount: refund.amount }, refund };
}

/**
 * What the caller of a capture gets back. `fresh`: this call made the answer (not a replay).
 * A `…-timeout-once` capture that just happened answers timeout (its approval is kept for the
 * retry); a fresh `…-slow-capture` answer comes late.
 */
export async function deliverCapture<T>(
  result: PaymentResult<T>,
  behaviour: SandboxBehaviour,
  fresh: boolean,
): Promise<PaymentResult<T>> {
  if (behaviour === "slow-capture" && fresh) await new Promise((r) => setTimeout(r, SLOW_ANSWER_MS));
  if (behaviour === "timeout-once" && fresh && result.status === "approved") return providerTimeout();
  return result;
}
