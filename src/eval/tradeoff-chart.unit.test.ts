import { describe, expect, it } from "vitest";
import { niceTicks, type TradeoffPoint, tradeoffHtml } from "./tradeoff-chart";

describe("niceTicks", () => {
  it("steps by 1, 2 or 5 × 10^k from 0 to at least the maximum", () => {
    expect(niceTicks(750.6).ticks).toEqual([0, 200, 400, 600, 800]);
    expect(niceTicks(44).ticks).toEqual([0, 10, 20, 30, 40, 50]);
    expect(niceTicks(10.8).ticks).toEqual([0, 5, 10, 15]);
    expect(niceTicks(2.2).ticks).toEqual([0, 0.5, 1, 1.5, 2, 2.5]);
    expect(niceTicks(0.33).ticks).toEqual([0, 0.1, 0.2, 0.3, 0.4]);
    expect(niceTicks(100).ticks).toEqual([0, 20, 40, 60, 80, 100]);
    for (const max of [0.07, 1, 3.3, 9.99, 17.6, 155.5, 777, 12_345]) {
      const { step, ticks } = niceTicks(max);
      const mantissa = step / 10 ** Math.floor(Math.log10(step));
      expect([1, 2, 5]).toContain(Number(mantissa.toFixed(6)));
      expect(ticks[0]).toBe(0);
      expect(ticks[ticks.length - 1]).toBeGreaterThanOrEqual(max);
      expect(ticks[ticks.length - 2]).toBeLessThan(max);
      expect(ticks.length - 1).toBeGreaterThanOrEqual(3);
      expect(ticks.length - 1).toBeLessThanOrEqual(10);
    }
  });

  it("gives something drawable for no data", () => {
    expect(niceTicks(0).ticks).toEqual([0, 0.2, 0.4, 0.6, 0.8, 1]);
  });
});

// a 200-session sweep (sim --sessions 200 --seed 3, eval): its 0.995 point sits on 0 silent
// errors, right under the silent-error target's label
const sweep: TradeoffPoint[] = [
  [0.5, 280, 30],
  [0.7, 360, 20],
  [0.8, 405, 20],
  [0.9, 505, 10],
  [0.95, 555, 10],
  [0.98, 615, 5],
  [0.995, 695, 0],
].map(([threshold, reviewsPer1000, silentPer1000]) => ({
  threshold,
  reviewsPer1000,
  silentPer1000,
  promptsPerSession: 1,
  pctRightNoHuman: 50,
}));

/** the texts drawn inside the plot, with their boxes estimated as the chart estimates them */
function labels(html: string): { text: string; x0: number; x1: number; y0: number; y1: number }[] {
  const out = [];
  for (const m of html.matchAll(
    /<text x="([\d.-]+)" y="([\d.-]+)"(?: text-anchor="(start|end|middle)")? font-size="(10|11)"[^>]*>([^<]+)<\/text>/g,
  )) {
    const [x, y, size] = [Number(m[1]), Number(m[2]), Number(m[4])];
    const w = m[5].length * size * 0.6;
    const x0 = m[3] === "end" ? x - w : x;
    out.push({ text: m[5], x0, x1: x0 + w, y0: y - size, y1: y + size * 0.25 });
  }
  return out;
}

describe("tradeoffHtml", () => {
  const html = tradeoffHtml("t", [{ label: "replayed", points: sweep }], {
    reviewsPer1000: 10,
    silentPer1000: 1,
  });

  it("ticks its axes at round numbers", () => {
    const ticks = [...html.matchAll(/font-size="12">([\d.]+)<\/text>/g)].map((m) => Number(m[1]));
    expect(ticks).toEqual([0, 200, 400, 600, 800, 0, 10, 20, 30, 40]);
  });

  it("draws no label over another", () => {
    const ls = labels(html);
    expect(ls.map((l) => l.text)).toEqual(
      expect.arrayContaining(["review target", "silent-error target", "0.995", "0.5"]),
    );
    const clashes = ls.flatMap((a, i) =>
      ls
        .slice(i + 1)
        .filter((b) => a.x0 < b.x1 && b.x0 < a.x1 && a.y0 < b.y1 && b.y0 < a.y1)
        .map((b) => `${a.text} / ${b.text}`),
    );
    expect(clashes).toEqual([]);
  });
});
