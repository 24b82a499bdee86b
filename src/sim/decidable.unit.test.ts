import { describe, expect, it } from "vitest";
import type { Product } from "../domain/catalog/product";
import { WeightAmbiguity } from "./decidable";
import { HARD_MIX, STANDARD_MIX } from "./profile";

const unit = (sku: string, mean: number, sd: number): Product => ({
  sku,
  name: sku,
  soldBy: "unit",
  price: 100,
  weight: { mean, sd },
  taxClass: "grocery",
  ageRestricted: false,
  lookalikes: [],
});

describe("decidable: how many units went in at once", () => {
  const box = unit("cheez-it", 1550, 25);
  const bar = unit("whatchamacallit", 49, 1);
  const cola = unit("cola-330", 349.2, 1.6);
  const soap = unit("soap", 412, 4);
  const amb = new WeightAmbiguity([box, bar, cola, soap], STANDARD_MIX.sensors);

  it("a light bar dropped with a heavy box of wide unit spread: one bar or two is not decided", () => {
    // 1,599 g against 1,648 g: 2 sd of the box's spread apart
    expect(
      amb.countsDecided([
        { product: box, qty: 1 },
        { product: bar, qty: 1 },
      ]),
    ).toBe(false);
  });

  it("products of narrow spread: the weight decides the count", () => {
    expect(
      amb.countsDecided([
        { product: cola, qty: 1 },
        { product: soap, qty: 1 },
      ]),
    ).toBe(true);
    expect(amb.countsDecided([{ product: cola, qty: 4 }])).toBe(true);
    expect(amb.countsDecided([{ product: bar, qty: 3 }])).toBe(true);
  });
});

describe("decidable: the spread the mix draws unit weights with", () => {
  // the hard mix draws each unit at 1.5 × the catalog's sd (floor 1 g): its "3 sd" is of that
  const a = unit("tea-a", 200, 4);
  const b = unit("tea-b", 222, 4);

  it("two products 22 g apart (sd 4 g): told apart by the weight on the standard scale", () => {
    const amb = new WeightAmbiguity([a, b], STANDARD_MIX.sensors);
    expect(amb.uniqueFor("tea-a", 1)).toBe(true);
  });

  it("the same two on the hard mix, whose units spread 1.5 × wider: not told apart", () => {
    const amb = new WeightAmbiguity([a, b], HARD_MIX.sensors);
    expect(amb.uniqueFor("tea-a", 1)).toBe(false);
  });
});
