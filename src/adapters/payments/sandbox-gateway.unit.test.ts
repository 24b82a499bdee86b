import { describe, expect, it } from "vitest";
import { runPaymentGatewayContract } from "../../app/ports/contracts/payment-gateway.contract";
import { sequentialIds } from "../../domain/shared/ids";
import { runSandboxExpiryCases } from "./sandbox-expiry.cases";
import { SandboxPaymentGateway } from "./sandbox-gateway";

runPaymentGatewayContract({
  newGateway: () => new SandboxPaymentGateway({ ids: sequentialIds() }),
  tokens: {
    approve: "tok_visa",
    decline: "tok_visa-decline",
    nsf: "tok_visa-nsf",
    timeout: "tok_visa-timeout",
  },
});

describe("sandbox gateway specifics", () => {
  runSandboxExpiryCases(async (now) => {
    const g = new SandboxPaymentGateway({ ids: sequentialIds(), now });
    return { gateway: g, holds: async () => g.ledger().holds };
  });

  it("an expired hold no longer counts against a card's balance", async () => {
    const clock = { now: 0 };
    const g = new SandboxPaymentGateway({
      ids: sequentialIds(),
      balances: { tok_low: 1000 },
      now: () => clock.now,
    });
    const req = (key: string) => ({
      idempotencyKey: key,
      paymentMethod: "tok_low",
      amount: 800,
      currency: "USD",
      reference: "r",
    });
    expect((await g.authorize(req("h1"))).status).toBe("approved");
    expect((await g.authorize(req("h2"))).status).toBe("insufficient_funds");
    clock.now += 7 * 86_400_000;
    expect((await g.authorize(req("h3"))).status).toBe("approved");
  });

  it("declines at capture for …-decline-capture tokens after approving the hold", async () => {
    const g = new SandboxPaymentGateway({ ids: sequentialIds() });
    const a = await g.authorize({
      idempotencyKey: "a",
      paymentMethod: "tok-decline-capture",
      amount: 500,
      currency: "USD",
      reference: "r",
    });
    expect(a).toEqual({ status: "approved", authorizationId: "auth_0001", amount: 500 });
    const c = await g.capture({ idempotencyKey: "c", authorizationId: "auth_0001", amount: 200 });
    expect(c.status).toBe("declined");
    expect(g.netCharged("tok-decline-capture")).toBe(0);
  });

  it("a lost capture answer (timeout-once) is recovered by retrying the same key: charged once", async () => {
    const g = new SandboxPaymentGateway({ ids: sequentialIds() });
    await g.authorize({
      idempotencyKey: "a",
      paymentMethod: "tok-timeout-once",
      amount: 900,
      currency: "USD",
      reference: "r",
    });
    const first = await g.capture({ idempotencyKey: "cap-s1", authorizationId: "auth_0001", amount: 800 });
    expect(first.status).toBe("timeout");
    const retry = await g.capture({ idempotencyKey: "cap-s1", authorizationId: "auth_0001", amount: 800 });
    expect(retry).toEqual({ status: "approved", captureId: "cap_0001", amount: 800 });
    expect(g.netCharged("tok-timeout-once")).toBe(800);
    expect(g.ledger().captures).toHaveLength(1);
  });

  it("uses the behaviour table and balances", async () => {
    const g = new SandboxPaymentGateway({
      ids: sequentialIds(),
      behaviours: { "acct-7": "declined" },
      balances: { "acct-8": 1000 },
    });
    const req = { currency: "USD", reference: "r" };
    expect(
      (await g.authorize({ ...req, idempotencyKey: "1", paymentMethod: "acct-7", amount: 1 })).status,
    ).toBe("declined");
    expect(
      (await g.authorize({ ...req, idempotencyKey: "2", paymentMethod: "acct-8", amount: 600 })).status,
    ).toBe("approved");
    expect(
      (await g.authorize({ ...req, idempotencyKey: "3", paymentMethod: "acct-8", amount: 600 })).status,
    ).toBe("insufficient_funds");
  });
});
