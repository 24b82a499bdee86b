import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parseCartEvent } from "../schemas/sensor-event.schema";
import { fastWeightEvent } from "./weight-fast-path";

const good = {
  v: 1,
  t: 1_763_700_000_000,
  store: "s1",
  cart: "c-01",
  type: "weight",
  grams: [10.5, 11, 12.25],
  hz: 20,
  id: "c-01.s.17",
};

/** Values a field can take: valid ones, near misses and outright wrong types. */
const anyValue = fc.oneof(
  fc.constant(undefined),
  fc.constant(null),
  fc.boolean(),
  fc.integer({ min: -5, max: 200_000 }),
  fc.double(),
  fc.constantFrom(0, -0, 1, 20, 100_000, 100_001, Number.NaN, Number.POSITIVE_INFINITY, -1),
  fc.string({ maxLength: 5 }),
  fc.constantFrom("weight", "vision", "s1", "c-01", "", "a/b", "x".repeat(129), "x".repeat(201)),
  fc.array(fc.oneof(fc.double(), fc.integer(), fc.constant("3")), { maxLength: 4 }),
  fc.constant([]),
  fc.constant({}),
);

const fields = ["v", "t", "store", "cart", "type", "grams", "hz", "id", "extra"] as const;

/** A valid weight event with some fields removed, replaced or added. */
const mutated = fc
  .record({
    drop: fc.subarray([...fields]),
    set: fc.dictionary(fc.constantFrom(...fields), anyValue, { maxKeys: 3 }),
    order: fc.boolean(),
  })
  .map(({ drop, set, order }) => {
    const o: Record<string, unknown> = { ...good };
    for (const f of drop) delete o[f];
    Object.assign(o, set);
    if (!order) return o;
    // the same object with its keys in reverse order (output order must not depend on input's)
    return Object.fromEntries(Object.entries(o).reverse());
  });

describe("fastWeightEvent", () => {
  it("accepts only what zod accepts, and returns exactly what zod returns (same JSON text)", () => {
    let taken = 0;
    let zodAccepted = 0;
    fc.assert(
      fc.property(fc.oneof(mutated, anyValue), (input) => {
        const fast = fastWeightEvent(input);
        const z = parseCartEvent(input);
        if (z.ok) zodAccepted++;
        if (fast === undefined) return;
        taken++;
        expect(z.ok).toBe(true);
        if (z.ok) expect(JSON.stringify(fast)).toBe(JSON.stringify(z.event));
      }),
      { numRuns: 20_000 },
    );
    // the property is not vacuous: the generator reaches the fast path, and the fast path takes
    // most of what zod accepts (the rest: undefined-valued keys, which JSON never produces)
    expect(taken).toBeGreaterThan(200);
    expect(taken).toBeGreaterThan(zodAccepted * 0.5);
  });

  it("takes the common shapes (one sample; samples with hz; no id; unknown fields)", () => {
    const cases = [
      good,
      { ...good, grams: 412.5, hz: undefined },
      { v: 1, t: 0, store: "s", cart: "c", type: "weight", grams: 3 },
      { ...good, id: undefined },
      { ...good, camera: "front", extra: { a: 1 } },
    ].map((c) => JSON.parse(JSON.stringify(c)));
    for (const c of cases) {
      const z = parseCartEvent(c);
      expect(z.ok).toBe(true);
      const fast = fastWeightEvent(c);
      expect(fast).toBeDefined();
      if (z.ok) expect(JSON.stringify(fast)).toBe(JSON.stringify(z.event));
    }
  });

  it("leaves every malformed weight to zod (so the reason and detail are zod's)", () => {
    const bad = [
      { ...good, hz: undefined },
      { ...good, grams: [] },
      { ...good, grams: [1, "2"] },
      { ...good, grams: "12" },
      { ...good, t: -1 },
      { ...good, v: 2 },
      { ...good, store: "a/b" },
      { ...good, cart: "" },
      { ...good, id: "" },
      { ...good, hz: 0 },
      { ...good, hz: 100_001 },
    ].map((c) => JSON.parse(JSON.stringify(c)));
    for (const c of bad) {
      expect(fastWeightEvent(c)).toBeUndefined();
      expect(parseCartEvent(c).ok).toBe(false);
    }
  });
});
