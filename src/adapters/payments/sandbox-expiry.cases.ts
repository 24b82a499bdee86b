/**
 * Hold expiry, the same on every sandbox ledger (in memory, SQLite, PostgreSQL): a hold lives
 * HOLD_LIFETIME_MS, then a capture is refused and a release approved. Test support only.
 */
import { expect, it } from "vitest";
import type { PaymentGateway } from "../../app/ports/payment-gateway";
import { HOLD_LIFETIME_MS, type SandboxHold } from "./sandbox-rules";

export function runSandboxExpiryCases(
  open: (now: () => number) => Promise<{ gateway: PaymentGateway; holds(): Promise<SandboxHold[]> }>,
): void {
  it("a hold expires after its lifetime: capture refused, release approved, shown expired", async () => {
    const clock = { now: Date.UTC(2026, 11, 1) };
    const { gateway, holds } = await open(() => clock.now);
    const key = `exp-${Math.random().toString(36).slice(2)}`;
    const hold = await gateway.authorize({
      idempotencyKey: key,
      paymentMethod: "tok_visa",
      amount: 900,
      currency: "USD",
      reference: `st/session/${key}`,
    });
    if (hold.status !== "approved") throw new Error("no hold");
    const mine = async () => (await holds()).filter((h) => h.reference === `st/session/${key}`);
    clock.now += HOLD_LIFETIME_MS - 1;
    expect((await mine()).map((h) => h.status)).toEqual(["held"]);
    clock.now += 1;
    expect((await mine()).map((h) => h.status)).toEqual(["expired"]);
    const cap = await gateway.capture({
      idempotencyKey: `cap-${key}`,
      authorizationId: hold.authorizationId,
      amount: 500,
    });
    expect(cap).toMatchObject({ status: "error", code: "authorization-expired" });
    expect(
      await gateway.release({ idempotencyKey: `rel-${key}`, authorizationId: hold.authorizationId }),
    ).toMatchObject({ status: "approved" });
  });
}
