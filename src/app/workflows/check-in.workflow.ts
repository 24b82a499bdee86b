/**
 * Check-in: a shopper unlocked the cart with an account (app code or card token; never
 * biometrics). Resolve it to a payment method and place a hold, so a card that will not pay is
 * known before the shopping starts (the cart screen shows `problem`).
 *
 * Step: authorize the hold, key `hold:{stream}` — compensation: release it (on cancel, or when
 * the exit captures from another hold). The hold is recorded in the session's stream at once
 * (PaymentAuthorized while shopping), so whoever runs the exit — this process, the same one
 * after a crash, another one — captures from it without asking the provider again, and a
 * cancel releases it. A crash between the provider's answer and the record is safe: the next
 * check-in (recovery replays it) asks again with the same key and gets the same hold.
 * A refused hold is not an event (the session goes on; the exit decides): the screen's
 * `problem` comes from the outcome, and a restart asks again and gets the same refusal.
 */
import { decideSession } from "../../domain/session/session.decider";
import { sessionStreamId } from "../ports/event-store";
import type { PaymentFailure } from "../ports/payment-gateway";
import { checkInHoldRequest, type PaymentWorkflowDeps } from "./payment-context";

export type CheckInOutcome =
  | { status: "held"; authorizationId: string; amount: number }
  | { status: "no-account" }
  | { status: PaymentFailure; message: string };

export async function checkIn(
  deps: PaymentWorkflowDeps,
  store: string,
  session: string,
  account: string | undefined,
): Promise<CheckInOutcome> {
  const recorded = (await deps.streams.load(store, session)).state.payment;
  if (recorded.authorizationId && recorded.authorized > 0)
    return { status: "held", authorizationId: recorded.authorizationId, amount: recorded.authorized };
  const method = await deps.paymentMethod(store, account);
  if (!method) return { status: "no-account" };
  const request = checkInHoldRequest(deps, store, sessionStreamId(store, session), method);
  const r = await deps.payments.authorize(request);
  if (r.status !== "approved") return { status: r.status, message: r.message };
  await deps.streams.update(
    store,
    session,
    (s) =>
      // only a shopping session takes it; an exit already under way finds the hold by its key
      s.state.phase !== "shopping" || s.state.payment.authorizationId
        ? []
        : decideSession(
            {
              type: "RecordAuthorization",
              at: deps.clock.now(),
              amount: r.amount,
              currency: request.currency,
              authorizationId: r.authorizationId,
            },
            s.state,
            deps,
          ),
    { source: "workflow", causation: "check-in" },
  );
  return { status: "held", authorizationId: r.authorizationId, amount: r.amount };
}
