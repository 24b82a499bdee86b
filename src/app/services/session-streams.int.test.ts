import { describe, expect, it } from "vitest";
import { openSqliteStorage } from "../../adapters/sqlite/sqlite-storage";
import type { BasketEvent } from "../../domain/basket/basket.events";
import { DomainError } from "../../domain/shared/errors";
import { sessionStreamId } from "../ports/event-store";
import { SessionStreams } from "./session-streams";

const clock = { now: () => 1000 };
const opened: BasketEvent = { type: "SessionOpened", at: 1, session: "s1", store: "st", cart: "c1" };

describe("SessionStreams", () => {
  it("workflow decisions read what another process appended, even when they would write nothing", async () => {
    const storage = openSqliteStorage({ file: ":memory:" });
    const a = new SessionStreams({ events: storage.events, clock });
    const b = new SessionStreams({ events: storage.events, clock });
    await a.update("st", "s1", () => [opened], { source: "cart" });
    await b.load("st", "s1"); // b caches version 1
    await a.update("st", "s1", () => [{ type: "CheckoutStarted", at: 2 }], { source: "cart" });
    const seen: number[] = [];
    const r = await b.update(
      "st",
      "s1",
      (s) => {
        seen.push(s.version);
        return s.state.phase === "exiting" ? [{ type: "PaymentFailed", at: 3, reason: "x" }] : [];
      },
      { source: "workflow" },
    );
    expect(seen).toEqual([2]);
    expect(r.snap.state.phase).toBe("problem");
    expect(r.snap.version).toBe(3);
    expect(r.snap.cartEvents).toBe(2);
    await storage.close();
  });

  it("cart appends on a stale cache conflict, re-read and retry", async () => {
    const storage = openSqliteStorage({ file: ":memory:" });
    const a = new SessionStreams({ events: storage.events, clock });
    const b = new SessionStreams({ events: storage.events, clock });
    await a.update("st", "s1", () => [opened], { source: "cart" });
    await b.load("st", "s1");
    await a.update("st", "s1", () => [{ type: "PromptClosed", at: 2, promptId: "p", outcome: "expired" }], {
      source: "workflow",
    });
    const seen: number[] = [];
    const r = await b.update(
      "st",
      "s1",
      (s) => {
        seen.push(s.version);
        return [{ type: "CheckoutStarted", at: 3 }];
      },
      { source: "cart" },
    );
    expect(seen).toEqual([1, 2]);
    expect(b.conflicts).toBe(1);
    expect(r.snap.version).toBe(3);
    expect(r.snap.cartEvents).toBe(2);
    await storage.close();
  });

  it("never writes an event the session table refuses", async () => {
    const storage = openSqliteStorage({ file: ":memory:" });
    const s = new SessionStreams({ events: storage.events, clock });
    await s.update("st", "s1", () => [opened], { source: "cart" });
    await expect(
      s.update(
        "st",
        "s1",
        () => [{ type: "PaymentCaptured", at: 2, amount: 1, currency: "USD", captureId: "c" }],
        {
          source: "workflow",
        },
      ),
    ).rejects.toBeInstanceOf(DomainError);
    expect(await storage.events.streamVersion(sessionStreamId("st", "s1"))).toBe(1);
    await storage.close();
  });

  it("serialises calls on one stream within a process", async () => {
    const storage = openSqliteStorage({ file: ":memory:" });
    const s = new SessionStreams({ events: storage.events, clock });
    await s.update("st", "s1", () => [opened], { source: "cart" });
    const revise = (i: number): BasketEvent => ({
      type: "PromptClosed",
      at: i,
      promptId: `p${i}`,
      outcome: "expired",
    });
    await Promise.all(
      Array.from({ length: 10 }, (_, i) => s.update("st", "s1", () => [revise(i)], { source: "cart" })),
    );
    expect(s.conflicts).toBe(0);
    expect(await storage.events.streamVersion(sessionStreamId("st", "s1"))).toBe(11);
    await storage.close();
  });
});
