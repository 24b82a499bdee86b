/**
 * The four payment calls of the sandbox provider, written once for its three ledgers (memory,
 * SQLite, PostgreSQL). A call reads the one record its request names (the hold a capture or
 * release names, the capture a refund names), asks sandbox-rules.ts, and hands back what to
 * write; each ledger only implements `call` — its transaction, its idempotency keys, its
 * reads and writes — so the ledgers cannot drift apart in what a call does.
 *
 * `call` runs `decide` inside the ledger's transaction. The SQLite ledger runs it synchronously
 * (better-sqlite3 transactions cannot await), so `decide` is synchronous and reads nothing
 * itself: the record comes in, the writes go out.
 */
import type {
  AuthorizeRequest,
  CaptureRequest,
  PaymentGateway,
  PaymentResult,
  RefundRequest,
  ReleaseRequest,
} from "../../app/ports/payment-gateway";
import {
  decideAuthorize,
  decideCapture,
  decideRefund,
  decideRelease,
  deliverCapture,
  type SandboxBehaviour,
  type SandboxCapture,
  type SandboxHold,
  type SandboxOperation,
  type SandboxRefund,
  tokenBehaviour,
} from "./sandbox-rules";

/** What one call writes, in order, in the transaction it read in. */
export type SandboxWrite =
  | { kind: "hold"; hold: SandboxHold }
  | { kind: "hold-status"; authorizationId: string; status: "captured" | "released" }
  | { kind: "capture"; capture: SandboxCapture }
  /** the refund, and its capture's `refunded` grows by its amount */
  | { kind: "refund"; refund: SandboxRefund };

/** The record a call decides on, by id: at most one of the two. */
export interface SandboxReads {
  hold?: string;
  capture?: string;
}

/** What the ledger found for a call's `SandboxReads` (undefined: no such record). */
export interface SandboxFound {
  hold?: SandboxHold;
  capture?: SandboxCapture;
}

export type SandboxDecide<T> = (found: SandboxFound) => {
  result: PaymentResult<T>;
  writes: SandboxWrite[];
};

export interface SandboxAnswer<T> {
  result: PaymentResult<T>;
  /** this call made the answer (not a replay of a kept one) */
  fresh: boolean;
}

export abstract class SandboxLedgerGateway implements PaymentGateway {
  protected constructor(
    /** token → behaviour, over the token suffixes; read on every call (tests set and clear it) */
    private readonly behaviours: Record<string, SandboxBehaviour> | undefined,
    /** the provider's clock (hold expiry) */
    protected readonly now: () => number,
  ) {}

  /**
   * One call in one transaction: the kept answer to the request's idempotency key (or an
   * idempotency-mismatch), else read `reads`, run `decide`, apply its writes and keep its result.
   * A ledger that fails answers timeout with nothing written.
   */
  protected abstract call<T>(
    op: SandboxOperation,
    req: { idempotencyKey: string },
    reads: SandboxReads,
    decide: SandboxDecide<T>,
  ): Promise<SandboxAnswer<T>>;

  /** The provider's id for what a call creates (`auth`, `cap`, `ref`). */
  protected abstract newId(prefix: string, idempotencyKey: string): string;

  /** What a payment method can still hold, where the ledger knows a balance. */
  protected available(_paymentMethod: string): number | undefined {
    return undefined;
  }

  protected behaviour(token: string): SandboxBehaviour {
    return this.behaviours?.[token] ?? tokenBehaviour(token);
  }

  async authorize(
    req: AuthorizeRequest,
  ): Promise<PaymentResult<{ authorizationId: string; amount: number }>> {
    const { result } = await this.call("authorize", req, {}, () => {
      const { result, hold } = decideAuthorize(
        req,
        this.behaviour(req.paymentMethod),
        () => this.newId("auth", req.idempotencyKey),
        this.now(),
        this.available(req.paymentMethod),
      );
      return { result, writes: hold ? [{ kind: "hold", hold }] : [] };
    });
    return result;
  }

  async capture(req: CaptureRequest): Promise<PaymentResult<{ captureId: string; amount: number }>> {
    let b: SandboxBehaviour = "approve";
    const { result, fresh } = await this.call("capture", req, { hold: req.authorizationId }, ({ hold }) => {
      if (hold) b = this.behaviour(hold.paymentMethod);
      const { result, capture } = decideCapture(
        req,
        hold,
        b,
        () => this.newId("cap", req.idempotencyKey),
        this.now(),
      );
      const writes: SandboxWrite[] = capture
        ? [
            { kind: "hold-status", authorizationId: capture.authorizationId, status: "captured" },
            { kind: "capture", capture },
          ]
        : [];
      return { result, writes };
    });
    return deliverCapture(result, b, fresh);
  }

  async release(req: ReleaseRequest): Promise<PaymentResult<{ authorizationId: string }>> {
    const { result } = await this.call("release", req, { hold: req.authorizationId }, ({ hold }) => {
      const { result, released } = decideRelease(
        req,
        hold,
        hold ? this.behaviour(hold.paymentMethod) : "approve",
      );
      const writes: SandboxWrite[] = released
        ? [{ kind: "hold-status", authorizationId: req.authorizationId, status: "released" }]
        : [];
      return { result, writes };
    });
    return result;
  }

  async refund(req: RefundRequest): Promise<PaymentResult<{ refundId: string; amount: number }>> {
    const { result } = await this.call("refund", req, { capture: req.captureId }, ({ capture }) => {
      const { result, refund } = decideRefund(req, capture, () => this.newId("ref", req.idempotencyKey));
      return { result, writes: refund ? [{ kind: "refund", refund }] : [] };
    });
    return result;
  }
}

/**
 * A hold or capture row of the SQL ledgers (the same columns in SQLite and PostgreSQL; the
 * PostgreSQL driver reads BIGINT as a string).
 */
export interface SandboxHoldRow {
  authorization_id: string;
  payment_method: string;
  currency: string;
  amount: number | string;
  status: SandboxHold["status"];
  reference: string;
  expires_at: number | string | null;
}
export interface SandboxCaptureRow {
  capture_id: string;
  authorization_id: string;
  payment_method: string;
  amount: number | string;
  refunded: number | string;
}

export const holdFromRow = (r: SandboxHoldRow): SandboxHold => ({
  authorizationId: r.authorization_id,
  paymentMethod: r.payment_method,
  currency: r.currency,
  amount: Number(r.amount),
  status: r.status,
  reference: r.reference,
  ...(r.expires_at !== null ? { expiresAt: Number(r.expires_at) } : {}),
});

export const captureFromRow = (r: SandboxCaptureRow): SandboxCapture => ({
  captureId: r.capture_id,
  authorizationId: r.authorization_id,
  paymentMethod: r.payment_method,
  amount: Number(r.amount),
  refunded: Number(r.refunded),
});

/** A hold's values in the column order of the SQL ledgers' INSERT INTO sandbox_holds. */
export const holdRowValues = (h: SandboxHold) => [
  h.authorizationId,
  h.paymentMethod,
  h.currency,
  h.amount,
  h.status,
  h.reference,
  h.expiresAt ?? null,
];

/** A capture's values in the column order of INSERT INTO sandbox_captures (refunded starts at 0). */
export const captureRowValues = (c: SandboxCapture) => [
  c.captureId,
  c.authorizationId,
  c.paymentMethod,
  c.amount,
];

/** A refund's values in the column order of INSERT INTO sandbox_refunds. */
export const refundRowValues = (r: SandboxRefund) => [r.refundId, r.captureId, r.amount, r.reason];
