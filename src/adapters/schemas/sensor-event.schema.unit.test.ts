import { describe, expect, it } from "vitest";
import { screenStateSchema } from "./cart-protocol.schema";
import { parseCartEvent, parseSensorEvent, parseStoreEvent } from "./sensor-event.schema";

const base = { v: 1, t: 1700000000000.5, store: "demo", cart: "cart-01" };

describe("§1 event schemas", () => {
  it("accepts every cart event type of the format", () => {
    const ok = [
      { ...base, type: "session.start", session: "s-1", account: "acc" },
      { ...base, type: "weight", grams: 12.5 },
      { ...base, type: "weight", grams: [1, 2, 3], hz: 20 },
      { ...base, type: "vision", dir: "in", candidates: [{ sku: "cola-330", p: 0.9 }], track: "t1" },
      { ...base, type: "vision", dir: "unknown", candidates: [] },
      { ...base, type: "barcode", code: "05449000000996" },
      { ...base, type: "plu", plu: "4011" },
      { ...base, type: "answer", prompt: "p-1", sku: "banana" },
      { ...base, type: "session.end", id: "e-9" },
    ];
    for (const e of ok) expect(parseCartEvent(e), JSON.stringify(e)).toMatchObject({ ok: true });
  });

  it("drops unknown extra fields", () => {
    const r = parseCartEvent({ ...base, type: "plu", plu: "4011", extra: 1 });
    expect(r.ok && "extra" in r.event).toBe(false);
  });

  it("rejects malformed input with a typed reason, keeping the id when there is one", () => {
    expect(parseCartEvent({ ...base, type: "weight", grams: "12", id: "x1" })).toMatchObject({
      ok: false,
      reason: "bad-event",
      id: "x1",
    });
    expect(parseCartEvent({ ...base, type: "weight", grams: [1, 2] })).toMatchObject({ ok: false });
    expect(parseCartEvent({ ...base, v: 2, type: "plu", plu: "1" })).toMatchObject({ ok: false });
    expect(parseCartEvent({ ...base, type: "teleport" })).toMatchObject({
      ok: false,
      reason: "unknown-type",
    });
    expect(parseCartEvent({ ...base, type: "__proto__" })).toMatchObject({
      ok: false,
      reason: "unknown-type",
    });
    expect(parseCartEvent([base])).toMatchObject({ ok: false, reason: "bad-event" });
    expect(parseCartEvent(null)).toMatchObject({ ok: false });
    expect(parseCartEvent({ ...base, cart: "a/b", type: "session.end" })).toMatchObject({ ok: false });
    expect(
      parseCartEvent({ ...base, type: "vision", dir: "in", candidates: [{ sku: "a", p: 1.5 }] }),
    ).toMatchObject({ ok: false });
    expect(parseCartEvent({ ...base, t: Number.NaN, type: "session.end" })).toMatchObject({ ok: false });
  });

  it("knows store-level events apart from cart events", () => {
    const gate = { v: 1, t: 1, store: "s", type: "gate.in", session: "s1", shopper: "sh1" };
    expect(parseStoreEvent(gate)).toMatchObject({ ok: true });
    expect(parseCartEvent(gate)).toMatchObject({ ok: false, reason: "unknown-type" });
    expect(
      parseSensorEvent({ v: 1, t: 1, store: "s", type: "plate", gondola: 1, shelf: 2, plate: 3, grams: 5 }),
    ).toMatchObject({ ok: true });
  });

  it("keeps what the cameras recognise in a tracked hand (walk-out `held`, optional, decision 0106)", () => {
    const track = { v: 1, t: 1, store: "s", type: "track", shopper: "sh1", x: 1, y: 2, hand: [1, 2, 1] };
    const seen = parseStoreEvent({ ...track, held: [{ sku: "cola-330", p: 0.8 }] });
    expect(seen.ok && seen.event.type === "track" && seen.event.held).toEqual([{ sku: "cola-330", p: 0.8 }]);
    const empty = parseStoreEvent({ ...track, held: [] });
    expect(empty.ok && empty.event.type === "track" && empty.event.held).toEqual([]);
    const without = parseStoreEvent(track);
    expect(without.ok && "held" in without.event).toBe(false);
    expect(parseStoreEvent({ ...track, held: [{ sku: "a", p: 1.5 }] })).toMatchObject({ ok: false });
    expect(parseStoreEvent({ ...track, held: [{ p: 0.5 }] })).toMatchObject({ ok: false });
  });

  it("parses the §5 screen state example", () => {
    const example = {
      session: "s-0001",
      state: "shopping",
      currency: "USD",
      total: 387,
      lines: [{ sku: "cola-330", name: "Cola 330 ml can", qty: 3, amount: 387, status: "ok" }],
      prompt: {
        id: "p-17",
        kind: "choose",
        text: "Which one did you add?",
        options: [
          { sku: "chips-salt", name: "Sea Salt" },
          { sku: "chips-vinegar", name: "Salt & Vinegar" },
        ],
      },
      seq: 42,
    };
    expect(screenStateSchema.parse(example)).toEqual(example);
  });
});
