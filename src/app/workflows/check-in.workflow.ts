/**
 * Check-in: a shopper unlocked the cart with an account (app code or card token; never
 * biometrics). Resolve it to a payment method and place a hold, so a card that will not pay is
 * known before the shopping starts (the cart screen shows `problem`).
 *
 * Step: authorize the hold — compensation: release it (on cancel, or when the exit captures
 * from another hold). The hold is not written to the session stream here (the session table
 * records an authorization at exit); its idempotency key makes it recoverable: asking again
 * with the same key returns the same hold and places no second one.
 */
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
  const method = await deps.paymentMethod(store, account);
  if (!method) return { status: "no-account" };
  const r = await deps.payments.authorize(
    checkInHoldRequest(deps, store, sessionStreamId(store, session), method),
  );
  if (r.status === "approved")
    return { status: "held", authorizationId: r.authorizationId, amount: r.amount };
  return { status: r.status, message: r.message };
}
