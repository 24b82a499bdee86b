import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { BasketEvent } from "../basket/basket.events";
import type { CartEvent } from "../events/sensor-events";
import { basketOf, CART, newFusion, run, STORE, TEST_PRODUCTS, Timeline } from "./synthetic.test-support";

const skus = TEST_PRODUCTS.map((p) => p.sku);
const unitSkus = TEST_PRODUCTS.filter((p) => p.soldBy === "unit");

/** a plausible shopping trip: holds, drops, removals, bumps, moves, sightings, scans, answers */
const op = fc.oneof(
  fc.record({ k: fc.constant("hold" as const), ms: fc.integer({ min: 20, max: 1500 }) }),
  fc.record({
    k: fc.constant("add" as const),
    i: fc.nat(unitSkus.length - 1),
    n: fc.integer({ min: 1, max: 3 }),
    p: fc.double({ min: 0, max: 1, noNaN: true }),
    seen: fc.boolean(),
  }),
  fc.record({ k: fc.constant("remove" as const), i: fc.nat(unitSkus.length - 1), seen: fc.boolean() }),
  fc.record({
    k: fc.constant("bump" as const),
    amp: fc.integer({ min: -40, max: 3000 }),
    ms: fc.integer({ min: 40, max: 900 }),
  }),
  fc.record({ k: fc.constant("move" as const), ms: fc.integer({ min: 100, max: 2000 }) }),
  fc.record({ k: fc.constant("bag" as const), g: fc.integer({ min: 6, max: 900 }) }),
  fc.record({
    k: fc.constant("answer" as const),
    n: fc.integer({ min: 1, max: 6 }),
    i: fc.nat(skus.length - 1),
    no: fc.boolean(),
  }),
  fc.record({ k: fc.constant("plu" as const) }),
);

type Op = typeof op extends fc.Arbitrary<infer T> ? T : never;

function trip(seed: number, ops: Op[], noise = 1): CartEvent[] {
  const tl = new Timeline(seed, { noise }).hold(800).start().hold(500);
  const held = new Map<string, number>();
  for (const o of ops) {
    switch (o.k) {
      case "hold":
        tl.hold(o.ms);
        break;
      case "add": {
        const p = unitSkus[o.i];
        if (o.seen) tl.see("in", [p.sku, o.p]);
        tl.step(o.n * p.weight!.mean).hold(500);
        held.set(p.sku, (held.get(p.sku) ?? 0) + o.n);
        break;
      }
      case "remove": {
        const p = unitSkus[o.i];
        if ((held.get(p.sku) ?? 0) <= 0) break;
        if (o.seen) tl.see("out", [p.sku, 0.8]);
        tl.step(-p.weight!.mean).hold(500);
        held.set(p.sku, held.get(p.sku)! - 1);
        break;
      }
      case "bump":
        tl.transient(o.amp, o.ms).hold(300);
        break;
      case "move":
        tl.move(o.ms);
        break;
      case "bag":
        tl.step(o.g).hold(500);
        break;
      case "answer":
        tl.answer(`prompt_${String(o.n).padStart(4, "0")}`, o.no ? { choice: "no" } : { sku: skus[o.i] });
        break;
      case "plu":
        tl.plu("4011");
        break;
    }
  }
  return tl.hold(600).end().events;
}

function sane(events: BasketEvent[]): void {
  for (const e of events) {
    if (e.type === "ItemAdded" || e.type === "ItemRemoved" || e.type === "LineRevised") {
      if (e.qty !== undefined) {
        expect(Number.isInteger(e.qty)).toBe(true);
        expect(e.qty).toBeGreaterThanOrEqual(1);
      } else {
        expect(Number.isFinite(e.grams)).toBe(true);
        expect(e.grams!).toBeGreaterThan(0);
      }
      expect(e.confidence).toBeGreaterThanOrEqual(0);
      expect(e.confidence).toBeLessThanOrEqual(1);
    }
    if (e.type === "ItemAdded" || e.type === "ItemRemoved") {
      expect(Number.isFinite(e.evidence.change!.delta)).toBe(true);
      expect(Number.isFinite(e.evidence.change!.sd)).toBe(true);
      expect(e.evidence.summary.length).toBeGreaterThan(0);
      for (const h of e.evidence.hypotheses) expect(Number.isFinite(h.posterior)).toBe(true);
    }
  }
  for (const v of Object.values(basketOf(events).net)) {
    expect(Number.isFinite(v)).toBe(true);
    expect(v).toBeGreaterThanOrEqual(0);
  }
}

describe("cart fusion properties", () => {
  it("replaying the same log twice gives identical events and counters", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 1e6 }), fc.array(op, { maxLength: 12 }), (seed, ops) => {
        const log = trip(seed, ops);
        const a = run(log);
        const b = run(log);
        expect(b.events).toEqual(a.events);
        expect(b.results).toEqual(a.results);
        expect(b.fusion.counters).toEqual(a.fusion.counters);
        sane(a.events);
      }),
      { numRuns: 60 },
    );
  });

  it("ingesting the same log with every line sent twice changes nothing (idempotent on id)", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 1e6 }), fc.array(op, { maxLength: 8 }), (seed, ops) => {
        const log = trip(seed, ops).map((e, i) => ({ ...e, id: `e${i}` }));
        const once = run(log);
        const twice = run(log.flatMap((e) => [e, e]));
        expect(twice.events).toEqual(once.events);
        // every accepted line is remembered by id; a rejected one is rejected again for its own reason
        const accepted = once.results.filter((r) => r.outcome === "accepted").length;
        expect(twice.fusion.counters.rejected.duplicate ?? 0).toBe(accepted);
      }),
      { numRuns: 30 },
    );
  });

  it("arbitrary garbage never throws and never yields NaN or negative quantities", () => {
    const grams = fc.oneof(
      fc.double(),
      fc.double({ min: -100, max: 5000, noNaN: true }),
      fc.constantFrom(Number.NaN, Number.POSITIVE_INFINITY, -1e9, 1e9, 0),
    );
    const raw = fc.oneof(
      fc.record({ type: fc.constant("weight"), grams }),
      fc.record({
        type: fc.constant("weight"),
        grams: fc.array(grams, { maxLength: 60 }),
        hz: fc.oneof(fc.double(), fc.constantFrom(10, 50, 100)),
      }),
      fc.record({
        type: fc.constant("vision"),
        dir: fc.constantFrom("in", "out", "unknown", "sideways"),
        candidates: fc.array(
          fc.record({ sku: fc.oneof(fc.constantFrom(...skus), fc.string()), p: fc.double() }),
          { maxLength: 4 },
        ),
      }),
      fc.record({
        type: fc.constant("barcode"),
        code: fc.oneof(fc.string(), fc.constantFrom("05449000000996", "2345550002508")),
      }),
      fc.record({ type: fc.constant("plu"), plu: fc.oneof(fc.string(), fc.constantFrom("4011", "4555")) }),
      fc.record({
        type: fc.constant("answer"),
        prompt: fc.oneof(fc.string(), fc.constantFrom("prompt_0001", "prompt_0002")),
        sku: fc.option(fc.oneof(fc.string(), fc.constantFrom(...skus)), { nil: undefined }),
        choice: fc.option(fc.constantFrom("yes", "no", "chips-salt", "maybe"), { nil: undefined }),
      }),
      fc.record({ type: fc.constant("session.start"), session: fc.constantFrom("s-1", "", "s-2") }),
      fc.record({ type: fc.constant("session.end") }),
    );
    const line = fc.record({
      dt: fc.oneof(fc.double({ min: -50, max: 3000, noNaN: true }), fc.constantFrom(0, 20, Number.NaN)),
      cart: fc.constantFrom(CART, CART, CART, "other"),
      id: fc.option(fc.constantFrom("a", "b", "c", "d"), { nil: undefined }),
      body: raw,
    });
    fc.assert(
      fc.property(fc.array(line, { maxLength: 120 }), (lines) => {
        const f = newFusion();
        const events: BasketEvent[] = [];
        let t = 1_700_000_000_000;
        for (const l of lines) {
          t += Number.isNaN(l.dt) ? 0 : l.dt;
          const e = {
            v: 1,
            store: STORE,
            cart: l.cart,
            t: Number.isNaN(l.dt) ? Number.NaN : t,
            ...l.body,
          } as CartEvent;
          if (l.id !== undefined) e.id = l.id;
          const r = f.ingest(e);
          expect(["accepted", "rejected"]).toContain(r.outcome);
          if (r.outcome === "rejected") expect(r.reason).toBeDefined();
          events.push(...r.events);
        }
        sane(events);
      }),
      { numRuns: 300 },
    );
  });

  it("an arbitrary noisy signal with real items in it never yields NaN or negative quantities", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 1e6 }),
        fc.double({ min: 0.1, max: 8, noNaN: true }),
        fc.array(op, { maxLength: 10 }),
        (seed, noise, ops) => {
          const { events } = run(trip(seed, ops, noise));
          sane(events);
        },
      ),
      { numRuns: 40 },
    );
  });
});
