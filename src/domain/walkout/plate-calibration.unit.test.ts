import { describe, expect, it } from "vitest";
import { PlateCalibration } from "./plate-calibration";
import type { ShelfChange } from "./shelf-detector";

const change = (delta: number, plates: [number, number][]): ShelfChange => ({
  gondola: 1,
  shelf: 5,
  startT: 0,
  endT: 500,
  stepT: 200,
  stepClean: true,
  before: 1000,
  after: 1000 + delta,
  delta,
  sd: 1,
  plates: plates.map(([plate, d]) => ({ plate, before: 500, after: 500 + d, delta: d, sd: 1 })),
  forced: false,
  abutsOpposite: false,
  trace: { t0: 0, binMs: 100, sums: [], perPlate: [] },
});

describe("PlateCalibration", () => {
  it("starts at gain 1 ± the prior (6 %)", () => {
    const c = new PlateCalibration(0.06);
    const g = c.gainOf(change(-538, [[9, -538]]));
    expect(g.factor).toBe(1);
    expect(g.relSd).toBeCloseTo(0.06, 6);
  });

  it("learns a plate that reads 8 % light from changes whose product was certain", () => {
    const c = new PlateCalibration(0.06);
    for (let i = 0; i < 6; i++) c.learn(change(-0.92 * 538, [[9, -0.92 * 538]]), 538, 538 * 0.025);
    const g = c.gainOf(change(-500, [[9, -500]]));
    expect(g.factor).toBeGreaterThan(0.9);
    expect(g.factor).toBeLessThan(0.94);
    expect(g.relSd).toBeLessThan(0.015);
    // a plate it never saw keeps the prior
    expect(c.gainOf(change(-500, [[3, -500]])).relSd).toBeCloseTo(0.06, 6);
  });

  it("a plate with a small share of a change learns little from it", () => {
    const c = new PlateCalibration(0.06);
    c.learn(
      change(-0.9 * 538, [
        [9, -0.8 * 538],
        [10, -0.1 * 538],
      ]),
      538,
      13,
    );
    const main = c.gainOf(change(-500, [[9, -500]]));
    const side = c.gainOf(change(-500, [[10, -500]]));
    expect(Math.abs(Math.log(side.factor))).toBeLessThan(Math.abs(Math.log(main.factor)));
    expect(side.relSd).toBeGreaterThan(main.relSd);
  });
});
