/**
 * Abandoned session: a cart stopped showing basket activity for the store's
 * `abandonAfterMinutes` while its session was `shopping` (decision 0108). Nobody will send
 * `session.end`, so the store ends the session itself:
 *
 *   - something in the basket → `CheckoutStarted`, open prompts expired, one review case over
 *     every line with the silence as its reason, `SessionHeldForReview`. The hold stays: the
 *     reviewer's decision runs the exit workflow (capture; a `void` captures nothing and the
 *     provider lets the hold go) — the same path as a review at the exit lane (0107).
 *   - nothing in it → the holds are released at the provider first (compensation of the
 *     check-in), then `HoldReleased` + `SessionCancelled` are recorded. A crash between the two
 *     leaves the session `shopping` and silent: the next sweep releases again with the same key
 *     (`release:{authorizationId}`, answered with the first answer) and records it. A release the
 *     provider refuses leaves the session as it is for the next sweep.
 *
 * Every decision is re-checked against the stream when it is written, so a second run (the
 * next sweep, another process) changes nothing once the session has left `shopping`.
 */
import { decideSession, isEmptyBasket, isLiveHold } from "../../domain/session/session.decider";
import { keys, type PaymentWorkflowDeps } from "./payment-context";

export type AbandonOutcome =
  | { status: "review"; caseId: string }
  | { status: "cancelled"; released: string[] }
  | { status: "release-failed"; reason: string }
  | { status: "skipped"; phase: string };

export async function abandonSession(
  deps: PaymentWorkflowDeps,
  store: string,
  session: string,
  reason: string,
  /** a check-in hold the stream did not record (the session left `shopping` before it) */
  checkInHold?: string,
): Promise<AbandonOutcome> {
  const meta = { source: "workflow" as const, causation: "abandon" };
  const snap = await deps.streams.load(store, session, true);
  if (snap.state.phase !== "shopping") return { status: "skipped", phase: snap.state.phase };

  if (!isEmptyBasket(snap.state)) {
    const { snap: after, events } = await deps.streams.update(
      store,
      session,
      (s) =>
        s.state.phase === "shopping" && !isEmptyBasket(s.state)
          ? decideSession({ type: "AbandonSession", at: deps.clock.now(), reason }, s.state, deps)
          : [],
      meta,
    );
    const opened = events.find((e) => e.type === "ReviewRequested");
    if (opened?.type === "ReviewRequested") return { status: "review", caseId: opened.caseId };
    return { status: "skipped", phase: after.state.phase };
  }

  const recorded = snap.state.payment.authorizationId;
  const live = recorded && isLiveHold(snap.state, recorded) ? recorded : undefined;
  const released: string[] = [];
  for (const authorizationId of new Set([...(live ? [live] : []), ...(checkInHold ? [checkInHold] : [])])) {
    const r = await deps.payments.release({ idempotencyKey: keys.release(authorizationId), authorizationId });
    if (r.status !== "approved") return { status: "release-failed", reason: `${r.status}: ${r.message}` };
    released.push(authorizationId);
  }
  const { snap: after, events } = await deps.streams.update(
    store,
    session,
    (s) =>
      s.state.phase === "shopping"
        ? decideSession(
            { type: "AbandonSession", at: deps.clock.now(), reason, ...(live ? { released: live } : {}) },
            s.state,
            deps,
          )
        : [],
    meta,
  );
  if (events.some((e) => e.type === "SessionCancelled")) return { status: "cancelled", released };
  const opened = events.find((e) => e.type === "ReviewRequested");
  if (opened?.type === "ReviewRequested") return { status: "review", caseId: opened.caseId };
  return { status: "skipped", phase: after.state.phase };
}
