import { describe, expect, it } from "vitest";
import { basketContents } from "../../domain/basket/basket.state";
import { indexCatalog, type Product } from "../../domain/catalog/product";
import type { CartEvent } from "../../domain/events/sensor-events";
import { sequentialIds } from "../../domain/shared/ids";
import { CartStreams, perCartIds } from "./cart-stream";

const unit = (sku: string, mean: number, price: number, lookalikes: string[] = []): Product => ({
  sku,
  name: sku,
  soldBy: "unit",
  price,
  weight: { mean, sd: 1 },
  taxClass: "grocery",
  ageRestricted: false,
  lookalikes,
});
const catalog = indexCatalog("USD", [unit("cola-330", 349, 129), unit("chips", 160, 249)]);

/** a cart's lines: start, a cola going in (seen by the camera), end */
function colaSession(cart: string, session: string, t0: number, idPrefix = cart): CartEvent[] {
  const base = { v: 1 as const, store: "s1", cart };
  const samples = (t: number, g: number, n = 20) => ({
    ...base,
    t,
    type: "weight" as const,
    grams: Array.from({ length: n }, (_, i) => g + (i % 2 ? 0.5 : -0.5)),
    hz: 20,
  });
  return [
    { ...base, t: t0, type: "session.start", session, id: `${idPrefix}-1` },
    { ...samples(t0 + 100, 0), id: `${idPrefix}-2` },
    {
      ...base,
      t: t0 + 1100,
      type: "vision",
      dir: "in",
      candidates: [{ sku: "cola-330", p: 0.95 }],
      id: `${idPrefix}-3`,
    },
    { ...samples(t0 + 1200, 349.5, 40), id: `${idPrefix}-4` },
    { ...base, t: t0 + 4000, type: "session.end", id: `${idPrefix}-5` },
  ];
}

describe("CartStreams", () => {
  it("opens a session, folds fusion's lines, and ends at checkout", () => {
    const cs = new CartStreams({ catalog, ids: sequentialIds(), store: "s1" });
    const lines = colaSession("c1", "sess-1", 1_000_000);
    const results = lines.map((l) => cs.ingest(l));
    expect(results.every((r) => r.outcome === "accepted")).toBe(true);
    expect(results[0].events[0]).toEqual({
      type: "SessionOpened",
      at: 1_000_000,
      session: "sess-1",
      store: "s1",
      cart: "c1",
    });
    expect(results.some((r) => r.settled)).toBe(true);
    const last = results[results.length - 1];
    expect(last.ended).toEqual({ session: "sess-1" });
    expect(last.events[last.events.length - 1]).toEqual({ type: "CheckoutStarted", at: 1_004_000 });
    const b = cs.basket("sess-1")!;
    expect(b.phase).toBe("exiting");
    expect(basketContents(b).items).toEqual([{ sku: "cola-330", qty: 1 }]);
    expect(cs.sessionOf("c1")).toBeUndefined();
    expect(cs.counters.sessionsOpened).toBe(1);
    expect(cs.counters.sessionsEnded).toBe(1);
  });

  it("rejects a repeated event id, a reused session id and a foreign store, and counts them", () => {
    const cs = new CartStreams({ catalog, ids: sequentialIds(), store: "s1" });
    const lines = colaSession("c1", "sess-1", 1_000_000);
    cs.ingest(lines[0]);
    expect(cs.sessionOf("c1")).toBe("sess-1");
    const dup = cs.ingest(lines[0]);
    expect(dup).toMatchObject({ outcome: "rejected", reason: "duplicate", session: "sess-1" });
    for (const l of lines.slice(1)) cs.ingest(l);
    const again = colaSession("c2", "sess-1", 2_000_000);
    expect(cs.ingest(again[0])).toMatchObject({ outcome: "rejected", reason: "session-id-reused" });
    expect(cs.ingest({ ...again[0], store: "other", session: "x" } as CartEvent)).toMatchObject({
      reason: "wrong-cart",
    });
    expect(cs.counters.rejected).toEqual({ duplicate: 1, "session-id-reused": 1, "wrong-cart": 1 });
  });

  it("remembers the last idMemory event ids of a cart: older ones are forgotten in arrival order", () => {
    const cs = new CartStreams({ catalog, ids: sequentialIds(), store: "s1", idMemory: 3 });
    const base = { v: 1 as const, store: "s1", cart: "c1" };
    const w = (n: number): CartEvent => ({ ...base, t: 1_000 + n, type: "weight", grams: 0, id: `w${n}` });
    cs.ingest({ ...base, t: 1_000, type: "session.start", session: "s", id: "w0" });
    for (const n of [1, 2]) expect(cs.ingest(w(n)).outcome).toBe("accepted");
    // w0, w1, w2 remembered: all three are duplicates
    for (const n of [1, 2]) expect(cs.ingest(w(n)).reason).toBe("duplicate");
    expect(cs.ingest(w(3)).outcome).toBe("accepted"); // forgets w0
    expect(cs.ingest(w(4)).outcome).toBe("accepted"); // forgets w1
    expect(cs.ingest(w(2)).reason).toBe("duplicate");
    expect(cs.ingest(w(3)).reason).toBe("duplicate");
    expect(cs.ingest(w(4)).reason).toBe("duplicate");
  });

  it("refuses an ended session's id for a day of event time after its basket is dropped, then forgets it", () => {
    const hour = 3_600_000;
    const cs = new CartStreams({ catalog, ids: sequentialIds(), store: "s1", retainEnded: 1 });
    const t0 = 1_000_000;
    // one session an hour on one cart for three days: every basket but the last is dropped
    for (let h = 0; h < 72; h++) {
      for (const l of colaSession("c1", `sess-${h}`, t0 + h * hour, `e${h}`)) {
        expect(cs.ingest(l).outcome).toBe("accepted");
      }
    }
    // held: the last day's sessions (those retired within 24 h of the latest event), not all 71
    expect(cs.retiredCount).toBeLessThanOrEqual(25);
    expect(cs.retiredCount).toBeGreaterThanOrEqual(23);
    // a session.start sent again within the window is refused, from a basket kept or retired
    const again = (h: number, cart: string) =>
      cs.ingest({ ...colaSession(cart, `sess-${h}`, t0 + 72 * hour, `again-${cart}-${h}`)[0] });
    expect(again(71, "c2")).toMatchObject({ outcome: "rejected", reason: "session-id-reused" });
    expect(again(50, "c3")).toMatchObject({ outcome: "rejected", reason: "session-id-reused" });
    // one older than a day of event time is no longer known
    expect(again(10, "c4")).toMatchObject({ outcome: "accepted", session: "sess-10" });
  });

  it("gives the same baskets and ids however carts interleave, with per-cart ids", () => {
    const a = colaSession("c1", "sa", 1_000_000);
    const b = colaSession("c2", "sb", 1_000_050);
    const run = (order: CartEvent[]) => {
      const cs = new CartStreams({
        catalog,
        ids: sequentialIds(),
        idsForCart: perCartIds(sequentialIds()),
        store: "s1",
      });
      for (const l of order) cs.ingest(l);
      return [
        basketContents(cs.basket("sa")!).lines.map((l) => l.lineId),
        basketContents(cs.basket("sb")!).lines.map((l) => l.lineId),
      ];
    };
    const sequential = run([...a, ...b]);
    const interleaved = run(a.flatMap((l, i) => [l, b[i]]));
    expect(interleaved).toEqual(sequential);
    expect(sequential[0].length).toBe(1);
  });
});
