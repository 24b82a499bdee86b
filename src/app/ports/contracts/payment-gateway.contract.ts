/**
 * The contract every PaymentGateway adapter passes (sandbox here; a real provider in its test
 * mode with its own test tokens).
 */
import { describe, expect, it } from "vitest";
import type { PaymentGateway } from "../payment-gateway";

export interface PaymentGatewayContractOptions {
  newGateway: () => PaymentGateway | Promise<PaymentGateway>;
  /** payment method tokens with known behaviour at authorization */
  tokens: { approve: string; decline: string; nsf: string; timeout: string };
}

export function runPaymentGatewayContract({ newGateway, tokens }: PaymentGatewayContractOptions): void {
  let n = 0;
  const key = (what: string) => `${what}-${++n}-${Math.random().toString(36).slice(2)}`;
  const hold = (g: PaymentGateway, amount = 5000, paymentMethod = tokens.approve) =>
    g.authorize({
      idempotencyKey: key("auth"),
      paymentMethod,
      amount,
      currency: "USD",
      reference: "st/session/s",
    });

  describe("payment gateway contract", () => {
    it("holds, captures part of the hold, refunds up to the capture and no further", async () => {
      const g = await newGateway();
      const a = await hold(g, 5000);
      expect(a.status).toBe("approved");
      if (a.status !== "approved") return;
      expect(a.amount).toBe(5000);
      const c = await g.capture({
        idempotencyKey: key("cap"),
        authorizationId: a.authorizationId,
        amount: 1234,
      });
      expect(c).toMatchObject({ status: "approved", amount: 1234 });
      if (c.status !== "approved") return;
      const r1 = await g.refund({
        idempotencyKey: key("ref"),
        captureId: c.captureId,
        amount: 1000,
        reason: "x",
      });
      expect(r1).toMatchObject({ status: "approved", amount: 1000 });
      const r2 = await g.refund({
        idempotencyKey: key("ref"),
        captureId: c.captureId,
        amount: 235,
        reason: "x",
      });
      expect(r2.status).not.toBe("approved");
      const r3 = await g.refund({
        idempotencyKey: key("ref"),
        captureId: c.captureId,
        amount: 234,
        reason: "x",
      });
      expect(r3).toMatchObject({ status: "approved", amount: 234 });
    });

    it("answers a repeated idempotency key with the first result and moves no money twice", async () => {
      const g = await newGateway();
      const k = key("auth");
      const req = {
        idempotencyKey: k,
        paymentMethod: tokens.approve,
        amount: 700,
        currency: "USD",
        reference: "r",
      };
      const a1 = await g.authorize(req);
      const a2 = await g.authorize({ ...req });
      expect(a2).toEqual(a1);
      if (a1.status !== "approved") throw new Error("expected approval");
      const ck = key("cap");
      const c1 = await g.capture({ idempotencyKey: ck, authorizationId: a1.authorizationId, amount: 700 });
      const c2 = await g.capture({ idempotencyKey: ck, authorizationId: a1.authorizationId, amount: 700 });
      expect(c2).toEqual(c1);
      if (c1.status !== "approved") throw new Error("expected capture");
      // Only one capture exists: refunding the full amount works once.
      const rk = key("ref");
      const r1 = await g.refund({ idempotencyKey: rk, captureId: c1.captureId, amount: 700, reason: "x" });
      const r2 = await g.refund({ idempotencyKey: rk, captureId: c1.captureId, amount: 700, reason: "x" });
      expect(r1.status).toBe("approved");
      expect(r2).toEqual(r1);
      const r3 = await g.refund({
        idempotencyKey: key("ref"),
        captureId: c1.captureId,
        amount: 1,
        reason: "x",
      });
      expect(r3.status).not.toBe("approved");
    });

    it("refuses a reused idempotency key with a different request", async () => {
      const g = await newGateway();
      const k = key("auth");
      await g.authorize({
        idempotencyKey: k,
        paymentMethod: tokens.approve,
        amount: 100,
        currency: "USD",
        reference: "r",
      });
      const again = await g.authorize({
        idempotencyKey: k,
        paymentMethod: tokens.approve,
        amount: 200,
        currency: "USD",
        reference: "r",
      });
      expect(again).toMatchObject({ status: "error", code: "idempotency-mismatch" });
    });

    it("reports declines, insufficient funds and timeouts as values", async () => {
      const g = await newGateway();
      expect((await hold(g, 100, tokens.decline)).status).toBe("declined");
      expect((await hold(g, 100, tokens.nsf)).status).toBe("insufficient_funds");
      expect((await hold(g, 100, tokens.timeout)).status).toBe("timeout");
    });

    it("never captures more than the hold, nor a released hold", async () => {
      const g = await newGateway();
      const a = await hold(g, 1000);
      if (a.status !== "approved") throw new Error("expected approval");
      const over = await g.capture({
        idempotencyKey: key("cap"),
        authorizationId: a.authorizationId,
        amount: 1001,
      });
      expect(over.status).not.toBe("approved");
      const rel = await g.release({ idempotencyKey: key("rel"), authorizationId: a.authorizationId });
      expect(rel.status).toBe("approved");
      const after = await g.capture({
        idempotencyKey: key("cap"),
        authorizationId: a.authorizationId,
        amount: 10,
      });
      expect(after.status).not.toBe("approved");
    });

    it("does not release a captured hold", async () => {
      const g = await newGateway();
      const a = await hold(g, 1000);
      if (a.status !== "approved") throw new Error("expected approval");
      await g.capture({ idempotencyKey: key("cap"), authorizationId: a.authorizationId, amount: 1000 });
      const rel = await g.release({ idempotencyKey: key("rel"), authorizationId: a.authorizationId });
      expect(rel.status).not.toBe("approved");
    });
  });
}
