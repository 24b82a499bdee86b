/**
 * Exit: the cart entered the exit lane (session.end → CheckoutStarted). Settle and charge.
 *
 *   1. anything unresolved?  → SessionHeldForReview (state `review`); nothing is charged until a
 *      person decides (review.workflow resumes here)
 *   2. price the basket (priceBasket)
 *   3. authorization: the check-in hold (recorded in the stream at check-in) if it covers the
 *      total, else a hold for the exact total — compensation: release the hold (the check-in
 *      hold is released when another one is used)
 *   4. capture the exact total, key `capture:{authorizationId}`, retried on timeout with the
 *      same key — compensation: refund; a captured payment is never undone. A hold the
 *      provider let expire (a review decided after its lifetime) is replaced once by an exact
 *      hold (decision 0107)
 *   → PaymentCaptured (`paid`) or PaymentFailed (`problem`).
 *   On `problem` the session's holds are released at the provider first and the release is
 *   recorded with the failure (PaymentFailed, HoldReleased; decision 0107): a failed exit does
 *   not keep the shopper's money held. The one exception is a capture that timed out: only the
 *   same capture key on the same hold can tell whether money moved, so that hold stays for the
 *   retry. A retry from `problem` takes a fresh hold. A session held for `review` keeps its hold
 *   while the case is open: the reviewer's decision runs this workflow again (capture, or
 *   problem and release).
 *
 * Every decision is re-checked against the stream state when it is written, so a second run
 * (a retry, a restart, another process) continues where the first stopped and charges once:
 * every provider call's key is derived from the stream, and the provider (a ledger that
 * outlives the process, like a real one) answers a repeated key with its first answer — a
 * capture made just before a crash is found again, not attempted on a hold nobody knows.
 */
import type { BasketEvent } from "../../domain/basket/basket.events";
import { linesEvidence } from "../../domain/session/lines-evidence";
import type { FailedRelease } from "../../domain/session/session.commands";
import { decideSession, isLiveHold } from "../../domain/session/session.decider";
import type { PaymentFailure, PaymentResult } from "../ports/payment-gateway";
import type { SessionSnapshot } from "../services/session-streams";
import { priceState } from "../services/views";
import { checkInHoldRequest, keys, type PaymentWorkflowDeps } from "./payment-context";

export type SettleOutcome =
  | { status: "paid"; amount: number; captureId: string }
  | { status: "review"; caseIds: string[] }
  | { status: "problem"; reason: string }
  | { status: "skipped"; phase: string };

const SETTLING = new Set(["exiting", "charging", "review", "problem"]);
const CAPTURE_TRIES = 3;

export async function settleSession(
  deps: PaymentWorkflowDeps,
  store: string,
  session: string,
): Promise<SettleOutcome> {
  const meta = { source: "workflow" as const, causation: "exit" };
  let snap = await deps.streams.load(store, session, true);
  const phase = snap.state.phase;
  if (!SETTLING.has(phase)) return { status: "skipped", phase };
  const ctx = deps.pricing(store);

  // 1. Review first: nothing is charged while a case is open.
  if ([...snap.state.cases.values()].some((c) => c.kind === "uncertain") || uncovered(snap).length > 0) {
    const r = await deps.streams.update(
      store,
      session,
      (s) => {
        const events: BasketEvent[] = [];
        const loose = uncovered(s);
        const at = deps.clock.now();
        if (loose.length > 0 && s.state.phase !== "review") {
          events.push({
            type: "ReviewRequested",
            at,
            caseId: deps.ids("case"),
            kind: "uncertain",
            lineIds: loose,
            reason: `${loose.length} line(s) still unsure at exit`,
            evidence: linesEvidence(s.state, loose, "unsure-at-exit"),
          });
        }
        if (s.state.phase === "exiting" || s.state.phase === "charging") {
          const caseIds = [
            ...[...s.state.cases.values()].filter((c) => c.kind === "uncertain").map((c) => c.caseId),
            ...events.map((e) => (e as { caseId: string }).caseId),
          ];
          events.push({ type: "SessionHeldForReview", at, caseIds });
        }
        return events;
      },
      meta,
    );
    return { status: "review", caseIds: [...r.snap.state.cases.keys()] };
  }

  // 2. Price.
  const priced = priceState(snap.state, ctx);
  if (!priced.receipt)
    return fail(deps, store, session, `pricing: ${priced.error.code} ${priced.error.message}`);
  const total = priced.receipt.total;
  const currency = priced.receipt.currency;

  // 3. Authorization.
  // Reuse the recorded authorization, except after a refused capture on it. After a capture
  // timeout it must be reused: the capture may have happened, and only its key can tell.
  // A recorded hold the provider let expire (a review decided after the hold's lifetime) is
  // replaced by an exact hold, once.
  let expired: string | undefined;
  let cap: PaymentResult<{ captureId: string; amount: number }> = { status: "timeout", message: "not tried" };
  for (;;) {
    const pay = snap.state.payment;
    const refused = phase === "problem" && !pay.lastFailure?.startsWith("capture timeout");
    if (expired || !(pay.authorizationId && pay.authorized >= total && !refused)) {
      const method = await deps.paymentMethod(store, snap.state.account);
      if (!method) return fail(deps, store, session, "no payment method for this account");
      const { hold, released, releaseFailed, checkIn } = expired
        ? {
            hold: await exactHold(deps, snap, method, total, currency),
            released: expired,
            releaseFailed: undefined,
            checkIn: undefined,
          }
        : await obtainHold(deps, store, snap, method, total, currency);
      if (hold.status !== "approved") {
        // the check-in hold (recorded or not) will not be captured either: released with the failure
        const spare = checkIn?.status === "approved" ? [checkIn] : [];
        return fail(deps, store, session, `authorization ${hold.status}: ${hold.message}`, spare);
      }
      const r = await deps.streams.update(
        store,
        session,
        (s) =>
          s.state.payment.authorizationId === hold.authorizationId || s.state.phase === "paid"
            ? []
            : decideSession(
                {
                  type: "RecordAuthorization",
                  at: deps.clock.now(),
                  amount: hold.amount,
                  currency,
                  authorizationId: hold.authorizationId,
                  released,
                  ...(releaseFailed ? { releaseFailed } : {}),
                },
                s.state,
                deps,
              ),
        meta,
      );
      snap = r.snap;
    }
    const authorizationId = snap.state.payment.authorizationId!;
    if (snap.state.phase === "paid") {
      return { status: "paid", amount: snap.state.payment.captured, captureId: snap.captureId ?? "" };
    }

    // 4. Capture the exact total.
    for (let i = 0; i < CAPTURE_TRIES; i++) {
      cap = await deps.payments.capture({
        idempotencyKey: keys.capture(authorizationId),
        authorizationId,
        amount: total,
      });
      if (cap.status !== "timeout") break;
    }
    if (cap.status !== "approved" && cap.code === "authorization-expired" && !expired) {
      // the provider let the hold go: recorded as released with the exact hold that replaces it
      expired = authorizationId;
      continue;
    }
    break;
  }
  if (cap.status !== "approved") return fail(deps, store, session, `capture ${cap.status}: ${cap.message}`);
  const captured = cap;
  await deps.streams.update(
    store,
    session,
    (s) =>
      s.state.phase === "paid" || s.captureId === captured.captureId
        ? []
        : decideSession(
            {
              type: "RecordCapture",
              at: deps.clock.now(),
              amount: captured.amount,
              currency,
              captureId: captured.captureId,
            },
            s.state,
            deps,
          ),
    meta,
  );
  return { status: "paid", amount: captured.amount, captureId: captured.captureId };
}

/** Counting lines still unsure and not part of any open case. */
function uncovered(snap: SessionSnapshot): string[] {
  const inCase = new Set([...snap.state.cases.values()].flatMap((c) => c.lineIds));
  const out: string[] = [];
  for (const id of snap.state.lineOrder) {
    const l = snap.state.lines.get(id)!;
    if (!l.voided && l.status === "unsure" && !inCase.has(id)) out.push(id);
  }
  return out;
}

async function obtainHold(
  deps: PaymentWorkflowDeps,
  store: string,
  snap: SessionSnapshot,
  method: string,
  total: number,
  currency: string,
): Promise<{
  hold: PaymentResult<{ authorizationId: string; amount: number }>;
  released?: string;
  /** the check-in hold, replaced, whose release the provider did not confirm (0112) */
  releaseFailed?: FailedRelease;
  checkIn: PaymentResult<{ authorizationId: string; amount: number }>;
}> {
  const checkIn = await deps.payments.authorize(checkInHoldRequest(deps, store, snap.streamId, method));
  if (checkIn.status === "approved" && checkIn.amount >= total && snap.state.phase !== "problem")
    return { hold: checkIn, checkIn };
  const exact = await exactHold(deps, snap, method, total, currency);
  if (exact.status === "approved" && checkIn.status === "approved") {
    // Compensation of the check-in hold: it will not be captured (recorded with the new hold).
    const rel = await deps.payments.release({
      idempotencyKey: keys.release(checkIn.authorizationId),
      authorizationId: checkIn.authorizationId,
    });
    if (rel.status === "approved") return { hold: exact, released: checkIn.authorizationId, checkIn };
    // Recorded with the new hold as owed a release, retried until the provider confirms (0112):
    // otherwise nothing would know of it once the new hold replaces it in the stream.
    const releaseFailed = {
      authorizationId: checkIn.authorizationId,
      amount: checkIn.amount,
      reason: `release ${rel.status}: ${rel.message}`,
    };
    return { hold: exact, releaseFailed, checkIn };
  }
  return { hold: exact, checkIn };
}

/** A capture that timed out may have happened: only its key on the same hold can tell. */
function captureUnknown(reason: string | undefined): boolean {
  return reason?.startsWith("capture timeout") ?? false;
}

/**
 * Records the failure (`problem`). Compensation first: the session's holds are released at the
 * provider — the recorded one (its HoldReleased is appended with the PaymentFailed) and `spare`
 * ones placed for this session but not to be captured — unless a capture timed out (0107).
 */
/** A hold for the exact total, keyed by the stream version the decision was based on. */
function exactHold(
  deps: PaymentWorkflowDeps,
  snap: SessionSnapshot,
  method: string,
  total: number,
  currency: string,
): Promise<PaymentResult<{ authorizationId: string; amount: number }>> {
  return deps.payments.authorize({
    idempotencyKey: keys.exitHold(snap.streamId, snap.version),
    paymentMethod: method,
    amount: Math.max(total, 1),
    currency,
    reference: snap.streamId,
  });
}

async function fail(
  deps: PaymentWorkflowDeps,
  store: string,
  session: string,
  reason: string,
  spare: { authorizationId: string; amount: number }[] = [],
): Promise<{ status: "problem"; reason: string }> {
  let released: string | undefined;
  const releaseFailed: FailedRelease[] = [];
  if (!captureUnknown(reason)) {
    const { state } = await deps.streams.load(store, session, true);
    const recorded = state.payment.authorizationId;
    const live = recorded && isLiveHold(state, recorded) ? recorded : undefined;
    const holds = new Map(spare.map((h) => [h.authorizationId, h.amount]));
    if (live) holds.set(live, state.payment.authorized);
    for (const [authorizationId, amount] of holds) {
      const rel = await deps.payments.release({
        idempotencyKey: keys.release(authorizationId),
        authorizationId,
      });
      if (rel.status === "approved" && authorizationId === live) released = live;
      // a hold whose release failed, the live one too, is owed one and retried by the sweep (0112, 0120)
      if (rel.status !== "approved")
        releaseFailed.push({ authorizationId, amount, reason: `release ${rel.status}: ${rel.message}` });
    }
  }
  await deps.streams.update(
    store,
    session,
    (s) => {
      const at = deps.clock.now();
      if (s.state.phase === "paid") return [];
      if (s.state.phase === "problem") {
        // a retry that failed again: the failure is on record, the release may not be
        return [
          ...(released
            ? decideSession({ type: "ReleaseHold", at, authorizationId: released }, s.state, deps)
            : []),
          ...(releaseFailed.length > 0
            ? decideSession({ type: "RecordReleaseFailure", at, holds: releaseFailed }, s.state, deps)
            : []),
        ];
      }
      return decideSession(
        { type: "RecordPaymentFailure", at, reason, released, releaseFailed },
        s.state,
        deps,
      );
    },
    { source: "workflow", causation: "exit" },
  );
  return { status: "problem", reason };
}

/**
 * The hold a session in `problem` still keeps live without owing its release on record — one
 * written before decision 0107 or 0120, or a process stopped between the provider's release and
 * its record — unless its capture timed out (then only a retry with the same key settles it).
 * Run at startup: it records the hold as owed (`HoldReleaseFailed`), and the owed-release sweep
 * (`releaseOwedHolds`, the one mechanism that releases) does the rest. Returns whether it did.
 */
export async function recordLeftoverProblemHold(
  deps: PaymentWorkflowDeps,
  store: string,
  session: string,
): Promise<boolean> {
  const left = (s: SessionSnapshot) => {
    const { state } = s;
    const id = state.payment.authorizationId;
    if (
      state.phase !== "problem" ||
      !id ||
      !isLiveHold(state, id) ||
      captureUnknown(state.payment.lastFailure)
    )
      return undefined;
    if ((state.payment.holdsToRelease ?? []).some((h) => h.authorizationId === id)) return undefined;
    return { authorizationId: id, amount: state.payment.authorized };
  };
  if (!left(await deps.streams.load(store, session, true))) return false;
  const { events } = await deps.streams.update(
    store,
    session,
    (s) => {
      const hold = left(s);
      if (!hold) return [];
      const reason = "release not on record: the hold was left live in problem";
      return decideSession(
        { type: "RecordReleaseFailure", at: deps.clock.now(), holds: [{ ...hold, reason }] },
        s.state,
        deps,
      );
    },
    { source: "workflow", causation: "release" },
  );
  return events.length > 0;
}

export type { PaymentFailure };
