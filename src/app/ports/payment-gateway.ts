/**
 * The payment gateway port: a hold at check-in, a capture of the exact amount at exit, a release
 * when the session is cancelled, refunds after review or dispute. Shaped after card providers
 * (Stripe's PaymentIntents: authorize with capture_method=manual, capture amount_to_capture,
 * cancel, refunds) so a real adapter is one small file.
 *
 * Every call carries an idempotency key: the same key with the same request returns the first
 * result and moves no money again; the same key with a different request is an `error` with
 * `code: "idempotency-mismatch"`. Outcomes are values, never exceptions.
 */

export type PaymentFailure = "declined" | "insufficient_funds" | "timeout" | "error";

export type PaymentResult<T> =
  | ({ status: "approved" } & T)
  | { status: PaymentFailure; code?: string; message: string };

export interface AuthorizeRequest {
  idempotencyKey: string;
  /** the payment method token the account resolves to (card token, wallet id) */
  paymentMethod: string;
  /** hold amount, minor units */
  amount: number;
  currency: string;
  /** what the hold is for, e.g. `st-01/session/s-0001` */
  reference: string;
}
export interface CaptureRequest {
  idempotencyKey: string;
  authorizationId: string;
  /** exact amount to capture, at most the held amount; the rest of the hold is released */
  amount: number;
}
export interface ReleaseRequest {
  idempotencyKey: string;
  authorizationId: string;
}
export interface RefundRequest {
  idempotencyKey: string;
  captureId: string;
  /** at most what was captured minus what was already refunded */
  amount: number;
  reason: string;
}

export interface PaymentGateway {
  /** Places a hold. */
  authorize(req: AuthorizeRequest): Promise<PaymentResult<{ authorizationId: string; amount: number }>>;
  /** Captures part or all of a hold; a capture of 0 releases it. */
  capture(req: CaptureRequest): Promise<PaymentResult<{ captureId: string; amount: number }>>;
  /** Releases a hold that will not be captured. */
  release(req: ReleaseRequest): Promise<PaymentResult<{ authorizationId: string }>>;
  /** Refunds (part of) a capture. */
  refund(req: RefundRequest): Promise<PaymentResult<{ refundId: string; amount: number }>>;
}
