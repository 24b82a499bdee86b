/**
 * What the payment workflows share: ports, pricing per store, and the idempotency keys. Keys
 * are derived from the session's stream (and the stream version a decision was based on), so a
 * retry — after a timeout, a crash, or from another server process — sends the same key and the
 * provider moves the money at most once.
 */
import type { IdGenerator } from "../../domain/shared/ids";
import type { Clock } from "../ports/clock";
import type { PaymentGateway } from "../ports/payment-gateway";
import type { ReviewCaseRepository, ReviewLabelRepository } from "../ports/read-models";
import type { SessionStreams } from "../services/session-streams";
import type { PricingContext } from "../services/views";

export interface PaymentWorkflowDeps {
  streams: SessionStreams;
  payments: PaymentGateway;
  clock: Clock;
  ids: IdGenerator;
  pricing: (store: string) => PricingContext;
  /** the payment method an account (check-in code or card token) resolves to */
  paymentMethod: (store: string, account: string | undefined) => Promise<string | undefined>;
  /** the hold placed at check-in, minor units */
  holdAmount: (store: string) => number;
  reviews: ReviewCaseRepository;
  labels: ReviewLabelRepository;
}

export const keys = {
  /** the hold placed at check-in (one per session) */
  checkInHold: (streamId: string) => `hold:${streamId}`,
  /** an exact-amount hold at exit, decided on stream version `v` */
  exitHold: (streamId: string, v: number) => `auth:${streamId}:v${v}`,
  /** one capture per authorization */
  capture: (authorizationId: string) => `capture:${authorizationId}`,
  release: (authorizationId: string) => `release:${authorizationId}`,
  /** one refund per review case */
  refund: (streamId: string, caseId: string) => `refund:${streamId}:${caseId}`,
};

/** The check-in hold request: the same on every call, so it is idempotent. */
export function checkInHoldRequest(
  deps: Pick<PaymentWorkflowDeps, "holdAmount" | "pricing">,
  store: string,
  streamId: string,
  paymentMethod: string,
) {
  return {
    idempotencyKey: keys.checkInHold(streamId),
    paymentMethod,
    amount: deps.holdAmount(store),
    currency: deps.pricing(store).settings.currency,
    reference: streamId,
  };
}
