/**
 * The built-in sandbox payment gateway in one process's memory: real bookkeeping (holds,
 * partial captures, refunds, idempotency keys) without a provider, so the whole checkout runs
 * and fails realistically in tests and demos. The rules — token behaviours, what each call
 * decides, idempotency — are sandbox-rules.ts, shared with the SQLite and PostgreSQL ledgers.
 *
 * Besides the token suffixes, the `behaviours` table (token → outcome) and `balances` (token →
 * available minor units; a hold above what is left is insufficient_funds) choose outcomes.
 *
 * State lives in this process only and is gone when it dies: a server uses a ledger that
 * outlives it (SqliteSandboxGateway, PostgresSandboxGateway), as a real provider keeps its
 * state server-side — which is what makes a retry after a crash safe.
 */

import type { IdGenerator } from "../../app/ports/id-generator";
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
  fingerprint,
  holdAt,
  type KeptAnswer,
  keeps,
  replay,
  type SandboxBehaviour,
  type SandboxCapture,
  type SandboxHold,
  type SandboxLedger,
  type SandboxOperation,
  tokenBehaviour,
} from "./sandbox-rules";

export type { SandboxBehaviour, SandboxLedger } from "./sandbox-rules";

export interface SandboxOptions {
  ids: IdGenerator;
  behaviours?: Record<string, SandboxBehaviour>;
  balances?: Record<string, number>;
  /** the provider's clock (hold expiry); default Date.now */
  now?: () => number;
}

export class SandboxPaymentGateway implements PaymentGateway {
  private readonly holds = new Map<string, SandboxHold>();
  private readonly captures = new Map<string, SandboxCapture>();
  private readonly refunds: SandboxLedger["refunds"] = [];
  private readonly answers = new Map<string, KeptAnswer>();
  /** calls made, by operation: figures for tests and the dashboard */
  readonly calls = { authorize: 0, capture: 0, release: 0, refund: 0 };

  constructor(private readonly options: SandboxOptions) {}

  private now(): number {
    return (this.options.now ?? Date.now)();
  }

  behaviour(token: string): SandboxBehaviour {
    return this.options.behaviours?.[token] ?? tokenBehaviour(token);
  }

  async authorize(
    req: AuthorizeRequest,
  ): Promise<PaymentResult<{ authorizationId: string; amount: number }>> {
    this.calls.authorize++;
    return this.once("authorize", req.idempotencyKey, req, () => {
      const { result, hold } = decideAuthorize(
        req,
        this.behaviour(req.paymentMethod),
        () => this.options.ids("auth"),
        this.now(),
        this.available(req.paymentMethod),
      );
      if (hold) this.holds.set(hold.authorizationId, hold);
      return result;
    }).result;
  }

  async capture(req: CaptureRequest): Promise<PaymentResult<{ captureId: string; amount: number }>> {
    this.calls.capture++;
    const hold = this.holds.get(req.authorizationId);
    const b = hold ? this.behaviour(hold.paymentMethod) : "approve";
    const { result, fresh } = this.once("capture", req.idempotencyKey, req, () => {
      const { result, capture } = decideCapture(req, hold, b, () => this.options.ids("cap"), this.now());
      if (hold && capture) {
        hold.status = "captured";
        this.captures.set(capture.captureId, capture);
      }
      return result;
    });
    return deliverCapture(result, b, fresh);
  }

  async release(req: ReleaseRequest): Promise<PaymentResult<{ authorizationId: string }>> {
    this.calls.release++;
    return this.once("release", req.idempotencyKey, req, () => {
      const hold = this.holds.get(req.authorizationId);
      const { result, released } = decideRelease(
        req,
        hold,
        hold ? this.behaviour(hold.paymentMethod) : "approve",
      );
      if (hold && released) hold.status = "released";
      return result;
    }).result;
  }

  async refund(req: RefundRequest): Promise<PaymentResult<{ refundId: string; amount: number }>> {
    this.calls.refund++;
    return this.once("refund", req.idempotencyKey, req, () => {
      const capture = this.captures.get(req.captureId);
      const { result, refund } = decideRefund(req, capture, () => this.options.ids("ref"));
      if (capture && refund) {
        capture.refunded += refund.amount;
        this.refunds.push(refund);
      }
      return result;
    }).result;
  }

  /** A copy of everything the sandbox holds, for tests and the demo. */
  ledger(): SandboxLedger {
    return {
      holds: [...this.holds.values()].map((h) => ({ ...holdAt(h, this.now()) })),
      captures: [...this.captures.values()].map((c) => ({ ...c })),
      refunds: this.refunds.map((r) => ({ ...r })),
    };
  }

  /** Net money taken from a payment method: captures minus refunds. */
  netCharged(paymentMethod: string): number {
    let net = 0;
    for (const c of this.captures.values())
      if (c.paymentMethod === paymentMethod) net += c.amount - c.refunded;
    return net;
  }

  /** What a payment method with a configured balance can still hold. */
  private available(paymentMethod: string): number | undefined {
    const balance = this.options.balances?.[paymentMethod];
    if (balance === undefined) return undefined;
    let held = 0;
    const now = this.now();
    for (const h of this.holds.values())
      if (h.paymentMethod === paymentMethod && holdAt(h, now).status === "held") held += h.amount;
    return balance - held;
  }

  private once<T>(
    op: SandboxOperation,
    key: string,
    req: object,
    run: () => PaymentResult<T>,
  ): { result: PaymentResult<T>; fresh: boolean } {
    const print = fingerprint(op, req);
    const known = replay<T>(this.answers.get(key), print);
    if (known) return { result: known, fresh: false };
    const result = run();
    if (keeps(result)) this.answers.set(key, { fingerprint: print, result });
    return { result, fresh: true };
  }
}
