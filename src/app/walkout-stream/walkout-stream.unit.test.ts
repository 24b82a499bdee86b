/**
 * Walk-out streams, given / when / then over a tiny store: one shelf of four plates (cola on
 * plates 1–2, chips on plates 3–4), shoppers with tracks and hands, plates sampled at 60 Hz.
 */
import { describe, expect, it } from "vitest";
import type { BasketEvent } from "../../domain/basket/basket.events";
import { basketContents } from "../../domain/basket/basket.state";
import { indexCatalog } from "../../domain/catalog/product";
import type { StoreEvent, StoreLayout } from "../../domain/events/sensor-events";
import { sequentialIds } from "../../domain/shared/ids";
import { shelfProduct } from "../../domain/walkout/walkout.fixtures";
import { WalkoutStreams } from "./walkout-stream";

const catalog = indexCatalog("USD", [shelfProduct("cola", 350), shelfProduct("chips", 60)]);
const layout: StoreLayout = {
  plates: [1, 2, 3, 4].map((p) => ({
    gondola: 1,
    shelf: 1,
    plate: p,
    x: 0.1 + (p - 1) * 0.3,
    y: 0.25,
    z: 1.0,
    skus: p <= 2 ? ["cola"] : ["chips"],
  })),
};
const T0 = 1_700_000_000_000;
const plateX = (p: number) => 0.1 + (p - 1) * 0.3;

interface Who {
  shopper: string;
  /** where they stand and, when reaching, the plate their hand is at */
  at: (s: number) => { x: number; hand?: number };
}

/** step changes of plate load: [second, plate, grams] */
function scenario(seconds: number, steps: [number, number, number][], who: Who[], gates: StoreEvent[]) {
  const events: StoreEvent[] = [];
  let seed = 1;
  const noise = () => {
    seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0;
    return (seed / 2 ** 32 - 0.5) * 0.6;
  };
  for (let s = 0; s < seconds; s++) {
    const t = T0 + s * 1000;
    for (let p = 1; p <= 4; p++) {
      const grams = Array.from({ length: 60 }, (_, i) => {
        const ts = s + i / 60;
        let g = 1000;
        for (const [at, plate, d] of steps) if (plate === p && ts >= at) g += d;
        return g + noise();
      });
      events.push({ v: 1, t, type: "plate", store: "st", gondola: 1, shelf: 1, plate: p, grams, hz: 60 });
    }
    for (let k = 0; k < 5; k++) {
      const ts = s + k / 5;
      for (const w of who) {
        const a = w.at(ts);
        events.push({
          v: 1,
          t: T0 + ts * 1000,
          type: "track",
          store: "st",
          shopper: w.shopper,
          x: a.x,
          y: -0.45,
          ...(a.hand !== undefined ? { hand: [plateX(a.hand), 0.25, 1.0] as [number, number, number] } : {}),
        });
      }
    }
  }
  const all = [...gates, ...events];
  return all.sort((a, b) => a.t - b.t);
}

function run(events: StoreEvent[]) {
  const ws = new WalkoutStreams({ catalog, layout, ids: sequentialIds(), store: "st" });
  const bySession = new Map<string, BasketEvent[]>();
  const rejected: string[] = [];
  for (const e of events) {
    const r = ws.ingest(e);
    if (r.outcome === "rejected") rejected.push(r.reason ?? "?");
    for (const x of r.events) bySession.set(x.session, [...(bySession.get(x.session) ?? []), ...x.events]);
  }
  const items = (session: string) => basketContents(ws.basket(session)!).items;
  const reviews = (session: string) =>
    (bySession.get(session) ?? []).filter((e) => e.type === "ReviewRequested");
  return { ws, bySession, rejected, items, reviews };
}

const gateIn = (s: number, shopper: string, session: string): StoreEvent => ({
  v: 1,
  t: T0 + s * 1000 - 1,
  type: "gate.in",
  store: "st",
  session,
  shopper,
});
const gateOut = (s: number, shopper: string): StoreEvent => ({
  v: 1,
  t: T0 + s * 1000 + 1,
  type: "gate.out",
  store: "st",
  shopper,
});

describe("WalkoutStreams", () => {
  it("gives a pick-up to the one shopper within reach and settles at the gate", () => {
    const ev = scenario(
      12,
      [[5, 1, -350]],
      [{ shopper: "A", at: (s) => ({ x: 0.1, hand: s > 4.6 && s < 5.6 ? 1 : undefined }) }],
      [gateIn(0, "A", "s1"), gateOut(12, "A")],
    );
    const r = run(ev);
    expect(r.rejected).toEqual([]);
    const added = r.bySession.get("s1")!.filter((e) => e.type === "ItemAdded");
    expect(added).toHaveLength(1);
    expect(added[0]).toMatchObject({ sku: "cola", qty: 1, status: "ok" });
    expect(r.items("s1")).toEqual([{ sku: "cola", qty: 1 }]);
    expect(r.bySession.get("s1")!.at(-1)!.type).toBe("CheckoutStarted");
    expect(r.reviews("s1")).toEqual([]);
  });

  it("takes an item put back out of the basket", () => {
    const ev = scenario(
      16,
      [
        [4, 3, -60],
        [10, 3, 60],
      ],
      [
        {
          shopper: "A",
          at: (s) => ({ x: 0.7, hand: (s > 3.6 && s < 4.6) || (s > 9.6 && s < 10.6) ? 3 : undefined }),
        },
      ],
      [gateIn(0, "A", "s1"), gateOut(16, "A")],
    );
    const r = run(ev);
    expect(r.bySession.get("s1")!.map((e) => e.type)).toContain("ItemRemoved");
    expect(r.items("s1")).toEqual([]);
    expect(r.reviews("s1")).toEqual([]);
  });

  it("remembers an item put back on the wrong plate, so the next pick-up there is named right", () => {
    const ev = scenario(
      24,
      [
        [4, 1, -350], // A takes a cola from plate 1
        [10, 4, 350], // … and leaves it on the chips plate 4
        [17, 4, -350], // B takes a 350 g item from plate 4: the cola, not chips
      ],
      [
        {
          shopper: "A",
          at: (s) => ({ x: 0.1, hand: s > 3.6 && s < 4.6 ? 1 : s > 9.6 && s < 10.6 ? 4 : undefined }),
        },
        { shopper: "B", at: (s) => ({ x: s < 14 ? 3 : 1.0, hand: s > 16.6 && s < 17.6 ? 4 : undefined }) },
      ],
      [gateIn(0, "A", "s1"), gateIn(0, "B", "s2"), gateOut(24, "A"), gateOut(24, "B")],
    );
    const r = run(ev);
    expect(r.items("s1")).toEqual([]);
    expect(r.items("s2")).toEqual([{ sku: "cola", qty: 1 }]);
  });

  it("sends both shoppers to review when both hands were at the plate, naming both", () => {
    const ev = scenario(
      12,
      [[5, 2, -350]],
      [
        { shopper: "A", at: (s) => ({ x: 0.3, hand: s > 4.6 && s < 5.6 ? 2 : undefined }) },
        { shopper: "B", at: (s) => ({ x: 0.5, hand: s > 4.6 && s < 5.6 ? 2 : undefined }) },
      ],
      [gateIn(0, "A", "s1"), gateIn(0, "B", "s2"), gateOut(12, "A"), gateOut(12, "B")],
    );
    const r = run(ev);
    const line = [...r.bySession.values()].flat().find((e) => e.type === "ItemAdded");
    expect(line).toMatchObject({ sku: "cola", status: "unsure" });
    expect(r.reviews("s1")).toHaveLength(1);
    expect(r.reviews("s2")).toHaveLength(1);
    const reasons = [...r.reviews("s1"), ...r.reviews("s2")].map((e) =>
      e.type === "ReviewRequested" ? e.reason : "",
    );
    expect(reasons.join(" ")).toMatch(/A/);
    expect(reasons.join(" ")).toMatch(/B/);
  });

  it("resolves such a case when one of them puts the item back later", () => {
    const ev = scenario(
      20,
      [
        [5, 2, -350],
        [12, 2, 350],
      ],
      [
        // both reach at second 5; B alone puts it back at second 12 (A has walked away)
        { shopper: "A", at: (s) => ({ x: s < 8 ? 0.3 : 3, hand: s > 4.6 && s < 5.6 ? 2 : undefined }) },
        {
          shopper: "B",
          at: (s) => ({ x: 0.5, hand: (s > 4.6 && s < 5.6) || (s > 11.6 && s < 12.6) ? 2 : undefined }),
        },
      ],
      [gateIn(0, "A", "s1"), gateIn(0, "B", "s2"), gateOut(20, "A"), gateOut(20, "B")],
    );
    const r = run(ev);
    expect(r.items("s1")).toEqual([]);
    expect(r.items("s2")).toEqual([]);
    expect(r.reviews("s1")).toEqual([]);
    expect(r.reviews("s2")).toEqual([]);
  });

  it("two taken at once by two shoppers, one put back: the weights add up", () => {
    const ev = scenario(
      20,
      [
        [5, 1, -350], // A and B each take a cola at the same moment, from plates 1 and 2
        [5, 2, -350],
        [12, 2, 350], // B puts one back
      ],
      [
        { shopper: "A", at: (s) => ({ x: s < 8 ? 0.1 : 3, hand: s > 4.6 && s < 5.6 ? 1 : undefined }) },
        {
          shopper: "B",
          at: (s) => ({ x: 0.4, hand: (s > 4.6 && s < 5.6) || (s > 11.6 && s < 12.6) ? 2 : undefined }),
        },
      ],
      [gateIn(0, "A", "s1"), gateIn(0, "B", "s2"), gateOut(20, "A"), gateOut(20, "B")],
    );
    const r = run(ev);
    expect(r.items("s1")).toEqual([{ sku: "cola", qty: 1 }]);
    expect(r.items("s2")).toEqual([]);
    expect(r.reviews("s1")).toEqual([]);
    expect(r.reviews("s2")).toEqual([]);
  });

  it("refuses bad input with a typed reason and goes on", () => {
    const ws = new WalkoutStreams({ catalog, layout, ids: sequentialIds(), store: "st" });
    expect(ws.ingest(gateOut(1, "nobody")).reason).toBe("no-open-session");
    expect(ws.ingest({ v: 1, t: T0, type: "track", store: "st", shopper: "ghost", x: 0, y: 0 }).reason).toBe(
      "no-open-session",
    );
    expect(ws.ingest({ ...gateIn(0, "A", "s1"), id: "e1" }).outcome).toBe("accepted");
    expect(ws.ingest({ ...gateIn(0, "A", "s1"), id: "e1" }).reason).toBe("duplicate");
    expect(ws.ingest(gateIn(0, "A", "s9")).reason).toBe("session-already-open");
    const bad = ws.ingest({
      v: 1,
      t: T0,
      type: "plate",
      store: "st",
      gondola: 1,
      shelf: 1,
      plate: 1,
      grams: [Number.NaN],
      hz: 60,
    });
    expect(bad.reason).toBe("bad-value");
    expect(ws.ingest({ ...gateIn(0, "C", "s3"), store: "other" }).reason).toBe("bad-value");
    expect(ws.counters.rejected).toMatchObject({ "no-open-session": 2, duplicate: 1, "bad-value": 2 });
  });
});
