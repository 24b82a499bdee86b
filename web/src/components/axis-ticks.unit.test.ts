import { describe, expect, it } from "vitest";
import { axisTicks } from "./Charts";

const oneDecimal = (y: number) => y.toFixed(1);
const whole = (y: number) => String(Math.round(y));

describe("axisTicks", () => {
  it("gives labels that are exact and distinct in the chart's own format", () => {
    // the dashboard's figures as seen in a walk-through: 4 sessions, 0.25 prompts, 0 reviews
    const cases: [number, number, (y: number) => string][] = [
      [4, 1, whole],
      [0, 1, whole],
      [0.25, 0.1, oneDecimal],
      [0.03, 0.1, oneDecimal],
      [1, 1, whole],
      [37, 1, whole],
      [4696, 100, whole],
      [0.5, 1, whole],
      [1234.5, 1, whole],
    ];
    for (const [max, unit, format] of cases) {
      const ticks = axisTicks(max, unit);
      const labels = ticks.map(format);
      expect(new Set(labels).size, `${max}: ${labels.join(", ")}`).toBe(3);
      for (const t of ticks)
        expect(Number(format(t)), `${max}: ${t} shown as ${format(t)}`).toBeCloseTo(t, 9);
      expect(ticks[2]).toBeGreaterThanOrEqual(max);
    }
  });

  it("keeps the axis tight: the top tick is less than 2.5 times the largest value above one unit", () => {
    for (const max of [3, 7, 12, 48, 99, 130, 999, 5000]) {
      const [, , top] = axisTicks(max, 1);
      expect(top / max, `${max} → ${top}`).toBeLessThan(2.5);
    }
  });

  it("an empty per-1,000 chart reads 0, 1, 2 (it read 0, 1, 1); 4 sessions 0, 2, 4 (it read 0, 3, 5)", () => {
    expect(axisTicks(0, 1)).toEqual([0, 1, 2]);
    expect(axisTicks(4, 1)).toEqual([0, 2, 4]);
    expect(axisTicks(0.25, 0.1)).toEqual([0, 0.2, 0.4]);
  });
});
