import { describe, expect, it } from "vitest";
import {
  canTransition,
  nextPhase,
  SESSION_PHASES,
  SESSION_TRANSITIONS,
  type SessionPhase,
  screenState,
} from "./session.transitions";

describe("session transition table", () => {
  it("every source and target is a known phase", () => {
    for (const t of SESSION_TRANSITIONS) {
      expect(SESSION_PHASES).toContain(t.from);
      expect(SESSION_PHASES).toContain(t.to);
    }
  });

  it("every phase is reachable from idle", () => {
    const seen = new Set<SessionPhase>(["idle"]);
    const queue: SessionPhase[] = ["idle"];
    while (queue.length > 0) {
      const p = queue.shift()!;
      for (const t of SESSION_TRANSITIONS) {
        if (t.from === p && !seen.has(t.to)) {
          seen.add(t.to);
          queue.push(t.to);
        }
      }
    }
    expect([...seen].sort()).toEqual([...SESSION_PHASES].sort());
  });

  it("only closed and cancelled are final", () => {
    const finals = SESSION_PHASES.filter((p) => !SESSION_TRANSITIONS.some((t) => t.from === p));
    expect(finals.sort()).toEqual(["cancelled", "closed"]);
  });

  it("one event leads to one target per phase, or the targets are told apart by guards", () => {
    const seen = new Map<string, number>();
    for (const t of SESSION_TRANSITIONS) {
      const k = `${t.from}/${t.on}/${t.when ?? ""}`;
      seen.set(k, (seen.get(k) ?? 0) + 1);
    }
    expect([...seen.values()].every((n) => n === 1)).toBe(true);
  });

  it("an illegal transition is a typed error", () => {
    expect(canTransition("paid", "CheckoutStarted")).toBe(false);
    expect(() => nextPhase("paid", "CheckoutStarted")).toThrow(
      expect.objectContaining({ code: "ILLEGAL_TRANSITION" }),
    );
    expect(nextPhase("paid", "PaymentRefunded", { "partial-refund": true })).toBe("partially-refunded");
    expect(nextPhase("paid", "PaymentRefunded", { "full-refund": true })).toBe("refunded");
  });

  it("maps every phase to a cart-screen state", () => {
    expect(SESSION_PHASES.map(screenState)).toEqual([
      "idle",
      "shopping",
      "charging",
      "charging",
      "review",
      "problem",
      "paid",
      "paid",
      "paid",
      "paid",
      "idle",
    ]);
  });
});
