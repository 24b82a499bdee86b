import { describe, expect, it } from "vitest";
import type { Product } from "../domain/catalog/product";
import { WeightAmbiguity } from "./decidable";
import { STANDARD_MIX } from "./profile";

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
