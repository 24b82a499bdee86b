/**
 * The built-in sandbox payment gateway: real bookkeeping (holds, partial captures, refunds,
 * idempotency keys) without a provider, so the whole checkout runs and fails realistically in
 * tests and demos.
 *
 * Behaviour is chosen by the payment method token (like card-network test numbers):
 *   `…-decline`          authorize → declined
 *   `…-nsf`              authorize → insufficient_funds
 *   `…-timeout`          every call → timeout, nothing happens
 *   `…-error`            authorize → error
 *   `…-decline-capture`  authorize approved, capture → declined
 *   `…-timeout-once`     the first capture happens but answers timeout (the response was lost);
 *                        a retry with the same idempotency key gets the original approval
 * or by the `behaviours` table (token → outcome), and `balances` (token → available minor
 * units; a hold above it is insufficient_funds). Everything else is approved.
 *
 * Idempotency: the first completed answer to a key is kept with a fingerprint of the request;
 * the same key and request returns it again (no second hold, capture or refund), the same key
 * with another request is `error` / `idempotency-mismatch`. A plain `timeout` is not kept (no
 * money moved), so a retry really retries. State lives in this process only: a real provider
 * keeps it server-side, which is what makes a retry from another process safe.
 */

import type { IdGenerator } from "../../app/ports/id-generator";
import type {
  AuthorizeRequest,
  CaptureRequest,
  PaymentFailure,
  PaymentGateway,
  PaymentResult,
  RefundRequest,
  ReleaseRequest,
} from "../../app/ports/payment-gateway";

export type SandboxBehaviour = "approve" | PaymentFailure | "decline-capture" | "timeout-once";

export interface SandboxOptions {
  ids: IdGenerator;
  behaviours?: Record<string, SandboxBehaviour>;
  balances?: Record<string, number>;
}

interface Hold {
  authorizationId: string;
  paymentMethod: string;
  currency: string;
  amount: number;
  status: "held" | "captured" | "released";
}
interface Capture {
  captureId: string;
  authorizationId: string;
  paymentMethod: string;
  amount: number;
  refunded: number;
}

export interface SandboxLedger {
  holds: Hold[];
  captures: Capture[];
  refunds: { refundId: string; captureId: string; amount: number; reason: string }[];
}

export class SandboxPaymentGateway implements PaymentGateway {
  private readonly holds = new Map<string, Hold>();
  private readonly captures = new Map<string, Capture>();
  private readonly refunds: SandboxLedger["refunds"] = [];
  private readonly answers = new Map<string, { fingerprint: string; result: unknown }>();
  private readonly timedOutOnce = new Set<string>();
  /** calls made, by operation: figures for tests and the dashboard */
  readonly calls = { authorize: 0, capture: 0, release: 0, refund: 0 };

  constructor(private readonly options: SandboxOptions) {}

  behaviour(token: string): SandboxBehaviour {
    const configured = this.options.behaviours?.[token];
    if (configured) return configured;
    const suffixes: [string, SandboxBehaviour][] = [
      ["-decline-capture", "decline-capture"],
      ["-timeout-once", "timeout-once"],
      ["-decline", "declined"],
      ["-nsf", "insufficient_funds"],
      ["-timeout", "timeout"],
      ["-error", "error"],
    ];
    for (const [suffix, b] of suffixes) if (token.endsWith(suffix)) return b;
    return "approve";
  }

  async authorize(
    req: AuthorizeRequest,
  ): Promise<PaymentResult<{ authorizationId: string; amount: number }>> {
    this.calls.authorize++;
    return this.once("authorize", req.idempotencyKey, req, () => {
      if (!validAmount(req.amount) || req.amount === 0)
        return fail("error", "bad-amount", "amount must be > 0");
      const b = this.behaviour(req.paymentMethod);
      if (b === "timeout") return fail("timeout", undefined, "the provider did not answer");
      if (b === "declined") return fail("declined", "card-declined", "the card was declined");
      if (b === "insufficient_funds") return fail("insufficient_funds", "nsf", "insufficient funds");
      if (b === "error") return fail("error", "provider-error", "the provider failed");
      const balance = this.options.balances?.[req.paymentMethod];
      if (balance !== undefined) {
        const held = [...this.holds.values()]
          .filter((h) => h.paymentMethod === req.paymentMethod && h.status === "held")
          .reduce((s, h) => s + h.amount, 0);
        if (held + req.amount > balance) return fail("insufficient_funds", "nsf", "insufficient funds");
      }
      const hold: Hold = {
        authorizationId: this.options.ids("auth"),
        paymentMethod: req.paymentMethod,
        currency: req.currency,
        amount: req.amount,
        status: "held",
      };
      this.holds.set(hold.authorizationId, hold);
      return { status: "approved", authorizationId: hold.authorizationId, amount: hold.amount };
    });
  }

  async capture(req: CaptureRequest): Promise<PaymentResult<{ captureId: string; amount: number }>> {
    this.calls.capture++;
    const hold = this.holds.get(req.authorizationId);
    const b = hold ? this.behaviour(hold.paymentMethod) : "approve";
    if (b === "timeout") return fail("timeout", undefined, "the provider did not answer");
    const result = await this.once("capture", req.idempotencyKey, req, () => {
      if (!hold) return fail("error", "unknown-authorization", "no such authorization");
      if (!validAmount(req.amount)) return fail("error", "bad-amount", "amount must be a whole number ≥ 0");
      if (hold.status !== "held") return fail("error", "not-held", `the hold is ${hold.status}`);
      if (req.amount > hold.amount)
        return fail("declined", "amount-exceeds-hold", "capture exceeds the hold");
      if (b === "decline-capture") return fail("declined", "card-declined", "the card was declined");
      hold.status = "captured";
      const capture: Capture = {
        captureId: this.options.ids("cap"),
        authorizationId: hold.authorizationId,
        paymentMethod: hold.paymentMethod,
        amount: req.amount,
        refunded: 0,
      };
      this.captures.set(capture.captureId, capture);
      return { status: "approved", captureId: capture.captureId, amount: capture.amount };
    });
    if (b === "timeout-once" && result.status === "approved" && !this.timedOutOnce.has(req.idempotencyKey)) {
      // The money moved but the answer was lost.
      this.timedOutOnce.add(req.idempotencyKey);
      return fail("timeout", undefined, "the provider did not answer");
    }
    return result;
  }

  async release(req: ReleaseRequest): Promise<PaymentResult<{ authorizationId: string }>> {
    this.calls.release++;
    return this.once("release", req.idempotencyKey, req, () => {
      const hold = this.holds.get(req.authorizationId);
      if (!hold) return fail("error", "unknown-authorization", "no such authorization");
      if (hold.status === "captured") return fail("error", "not-held", "the hold was captured");
      hold.status = "released";
      return { status: "approved", authorizationId: hold.authorizationId };
    });
  }

  async refund(req: RefundRequest): Promise<PaymentResult<{ refundId: string; amount: number }>> {
    this.calls.refund++;
    return this.once("refund", req.idempotencyKey, req, () => {
      const capture = this.captures.get(req.captureId);
      if (!capture) return fail("error", "unknown-capture", "no such capture");
      if (!validAmount(req.amount) || req.amount === 0)
        return fail("error", "bad-amount", "amount must be > 0");
      if (capture.refunded + req.amount > capture.amount) {
        return fail("error", "refund-exceeds-capture", "refunds would exceed the captured amount");
      }
      capture.refunded += req.amount;
      const refundId = this.options.ids("ref");
      this.refunds.push({ refundId, captureId: capture.captureId, amount: req.amount, reason: req.reason });
      return { status: "approved", refundId, amount: req.amount };
    });
  }

  /** A copy of everything the sandbox holds, for tests and the demo. */
  ledger(): SandboxLedger {
    return {
      holds: [...this.holds.values()].map((h) => ({ ...h })),
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

  private async once<T>(
    op: string,
    key: string,
    req: object,
    run: () => PaymentResult<T>,
  ): Promise<PaymentResult<T>> {
    const fingerprint = JSON.stringify([op, req]);
    const known = this.answers.get(key);
    if (known) {
      if (known.fingerprint !== fingerprint) {
        return fail("error", "idempotency-mismatch", "idempotency key reused with a different request");
      }
      return known.result as PaymentResult<T>;
    }
    const result = run();
    if (result.status !== "timeout") this.answers.set(key, { fingerprint, result });
    return result;
  }
}

function validAmount(n: number): boolean {
  return Number.isSafeInteger(n) && n >= 0;
}

function fail(status: PaymentFailure, code: string | undefined, message: string): PaymentResult<never> {
  return code ? { status, code, message } : { status, message };
}
