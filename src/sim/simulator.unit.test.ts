import { describe, expect, it } from "vitest";
import { loadDemoCatalog } from "../adapters/demo/demo-catalog";
import type { CartEvent } from "../domain/events/sensor-events";
import { HARD_MIX, STANDARD_MIX } from "./profile";
import { createRng } from "./rng";
import { simulate, type TruthWithDecidable } from "./simulator";

const catalog = loadDemoCatalog();

function run(seed: number, sessions = 40, carts = 5, mix = STANDARD_MIX) {
  const lines: string[] = [];
  const events: CartEvent[] = [];
  const truths: TruthWithDecidable[] = [];
  const summary = simulate(
    { catalog, mix, sessions, seed, carts },
    (e) => {
      events.push(e);
      lines.push(JSON.stringify(e));
    },
    (t) => truths.push(t),
  );
  return { lines, events, truths, summary };
}

describe("rng", () => {
  it("is a pure function of its seed", () => {
    const a = createRng(42);
    const b = createRng(42);
    const xs = Array.from({ length: 5 }, () => a.next());
    expect(Array.from({ length: 5 }, () => b.next())).toEqual(xs);
    expect(createRng(43).next()).not.toBe(xs[0]);
    for (const x of xs) expect(x >= 0 && x < 1).toBe(true);
  });
});

describe("simulate", () => {
  it("gives identical lines for the same seed and different ones for another seed", () => {
    const a = run(7);
    const b = run(7);
    expect(b.lines).toEqual(a.lines);
    expect(b.truths).toEqual(a.truths);
    const c = run(8);
    expect(c.lines.join("\n")).not.toEqual(a.lines.join("\n"));
  });

  it("merges carts in time order, keeps each cart's order, and writes one truth per session", () => {
    const { events, truths, summary } = run(3, 30, 4, HARD_MIX);
    expect(truths).toHaveLength(30);
    expect(new Set(truths.map((t) => t.session)).size).toBe(30);
    for (let i = 1; i < events.length; i++) expect(events[i].t).toBeGreaterThanOrEqual(events[i - 1].t);
    const carts = new Set(events.map((e) => e.cart));
    expect(carts.size).toBe(4);
    // carts interleave: some line of one cart lies between two lines of another
    const order = events.map((e) => e.cart);
    let switches = 0;
    for (let i = 1; i < order.length; i++) if (order[i] !== order[i - 1]) switches++;
    expect(switches).toBeGreaterThan(30);
    // sessions open and close alternately on each cart, with samples between them
    for (const cart of carts) {
      let open = false;
      let between = 0;
      for (const e of events.filter((x) => x.cart === cart)) {
        if (e.type === "session.start") {
          expect(open).toBe(false);
          open = true;
        } else if (e.type === "session.end") {
          expect(open).toBe(true);
          open = false;
        } else if (!open) {
          expect(e.type).toBe("weight");
          between++;
        }
      }
      expect(open).toBe(false);
      expect(between).toBeGreaterThan(0);
    }
    expect(summary.sessions).toBe(30);
    expect(summary.lines).toBe(events.length);
  });

  it("writes batches of samples with hz, and unique event ids", () => {
    const { events } = run(5, 10, 2);
    const w = events.filter((e) => e.type === "weight");
    expect(w.length).toBeGreaterThan(0);
    for (const e of w) {
      if (e.type !== "weight") continue;
      expect(Array.isArray(e.grams)).toBe(true);
      expect(e.hz).toBe(STANDARD_MIX.sensors.hz);
    }
    const ids = events.map((e) => e.id);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it("truth counts what is in the cart at exit: personal items are never merchandise", () => {
    const { truths } = run(11, 60, 6);
    for (const t of truths) {
      for (const i of t.items) {
        expect(catalog.bySku.get(i.sku)?.soldBy).toBe("unit");
        expect(i.qty).toBeGreaterThan(0);
      }
      for (const w of t.weighed) expect(catalog.bySku.get(w.sku)?.soldBy).toBe("weight");
    }
    expect(truths.some((t) => t.decidable)).toBe(true);
  });

  it("decidable produce with a look-alike rests on its code or a camera top at p ≥ 0.85, never a lower one", () => {
    // the weight never tells one produce from another, and a right top under 0.85 is the same
    // evidence as a look-alike confusion (organic for plain bananas)
    const { events, truths } = run(5, 300, 6, HARD_MIX);
    const bySession = new Map<string, CartEvent[]>();
    const open = new Map<string, string>();
    for (const e of events) {
      if (e.type === "session.start") open.set(e.cart, e.session);
      const s = open.get(e.cart);
      if (s !== undefined) bySession.set(s, [...(bySession.get(s) ?? []), e]);
      if (e.type === "session.end") open.delete(e.cart);
    }
    let checked = 0;
    for (const t of truths) {
      const evs = bySession.get(t.session) ?? [];
      for (const w of t.weighed) {
        const p = catalog.bySku.get(w.sku)!;
        if (!p.lookalikes?.length || !p.plu) continue;
        const coded = evs.some(
          (e) => (e.type === "plu" && e.plu === p.plu) || (e.type === "barcode" && e.code.includes(p.plu!)),
        );
        const clear = evs.some(
          (e) => e.type === "vision" && e.candidates[0]?.sku === w.sku && e.candidates[0].p >= 0.85,
        );
        const faint = evs.some(
          (e) => e.type === "vision" && e.candidates[0]?.sku === w.sku && e.candidates[0].p < 0.85,
        );
        if (faint && !coded && !clear) {
          checked++;
          expect(t.decidable).toBe(false);
        }
      }
    }
    expect(checked).toBeGreaterThan(0);
  });
});
