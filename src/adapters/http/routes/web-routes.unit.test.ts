import { Histogram, Registry } from "prom-client";
import { describe, expect, it } from "vitest";
import { type BasketEvent, summaryOnly } from "../../../domain/basket/basket.events";
import { basketAround, dayFigures, latencyOf, weightSamples } from "./web-routes";

const ev = summaryOnly;

describe("dayFigures", () => {
  const day = Date.UTC(2026, 10, 21);
  const h = (hour: number, min = 0) => day + hour * 3_600_000 + min * 60_000;
  const sessions = [
    { openedAt: h(9, 5), open: false, receipt: { total: 1000, prompts: 1, review: false } },
    { openedAt: h(9, 40), open: false, receipt: { total: 3000, prompts: 0, review: true } },
    { openedAt: h(10, 1), open: true },
    { openedAt: day - 60_000, open: false, receipt: { total: 999, prompts: 9, review: true } }, // yesterday
  ];
  it("counts today's sessions by hour and averages the settled ones", () => {
    const d = dayFigures(sessions, h(11), 0, "USD");
    expect(d.sessions).toBe(3);
    expect(d.settled).toBe(2);
    expect(d.prompts).toBe(1);
    expect(d.reviews).toBe(1);
    expect(d.averageBasket).toBe(2000);
    expect(d.hourly).toEqual([
      { hour: 9, sessions: 2, settled: 2, prompts: 1, reviews: 1, averageBasket: 2000 },
      { hour: 10, sessions: 1, settled: 0, prompts: 0, reviews: 0, averageBasket: undefined },
    ]);
  });
  it("uses the viewer's time zone for the day and the hours", () => {
    // 60 minutes east of UTC: the session at 23:59 UTC yesterday is 00:59 today
    const d = dayFigures(sessions, h(11), 60, "USD");
    expect(d.sessions).toBe(4);
    expect(d.hourly[0]).toMatchObject({ hour: 0, sessions: 1 });
    expect(d.hourly.find((x) => x.hour === 10)).toMatchObject({ sessions: 2 });
  });
});

describe("weightSamples", () => {
  it("expands batched samples at their rate and keeps the window", () => {
    const events = [
      { type: "weight", t: 1000, grams: [1, 2, 3, 4], hz: 10 },
      { type: "weight", t: 1500, grams: 9 },
      { type: "vision", t: 1200 },
      { type: "weight", t: 5000, grams: 7 },
    ];
    expect(weightSamples(events, 1100, 1600)).toEqual([
      { t: 1100, grams: 2 },
      { t: 1200, grams: 3 },
      { t: 1300, grams: 4 },
      { t: 1500, grams: 9 },
    ]);
  });
  it("thins long traces to at most 600 points", () => {
    const grams = Array.from({ length: 5000 }, (_, i) => i);
    expect(weightSamples([{ type: "weight", t: 0, grams, hz: 100 }], 0, 1e9)).toHaveLength(600);
  });
});

describe("basketAround", () => {
  const events: BasketEvent[] = [
    { type: "SessionOpened", at: 1, session: "s1", store: "st", cart: "c1" },
    {
      type: "ItemAdded",
      at: 2,
      lineId: "l1",
      sku: "cola",
      qty: 1,
      confidence: 0.99,
      status: "ok",
      evidence: ev("cola"),
    },
    {
      type: "ItemAdded",
      at: 3,
      lineId: "l2",
      sku: "chips",
      qty: 1,
      confidence: 0.5,
      status: "unsure",
      evidence: ev("chips?"),
    },
    {
      type: "ItemAdded",
      at: 4,
      lineId: "l3",
      sku: "cola",
      qty: 1,
      confidence: 0.99,
      status: "ok",
      evidence: ev("cola 2"),
    },
  ];
  it("gives the basket just before and after the case's line, with its evidence", () => {
    const r = basketAround(events, new Set(["l2"]));
    expect(r.before).toEqual([{ sku: "cola", qty: 1 }]);
    expect(r.after).toEqual([
      { sku: "cola", qty: 1 },
      { sku: "chips", qty: 1 },
    ]);
    expect(r.evidence?.summary).toBe("chips?");
  });
});

describe("latencyOf", () => {
  it("interpolates quantiles inside the buckets", async () => {
    const h = new Histogram({
      name: "t_latency",
      help: "t",
      buckets: [0.001, 0.01, 0.1],
      registers: [new Registry()],
    });
    for (let i = 0; i < 90; i++) h.observe(0.0005);
    for (let i = 0; i < 10; i++) h.observe(0.05);
    const l = await latencyOf(h);
    expect(l.count).toBe(100);
    expect(l.p50).toBeCloseTo((50 / 90) * 1, 5);
    expect(l.p95).toBeGreaterThan(10);
    expect(l.p95).toBeLessThan(100);
    expect(l.buckets.map((b) => b.count)).toEqual([90, 0, 10, 0]);
  });
  it("reads one store's decisions when the histogram holds several stores", async () => {
    const h = new Histogram({
      name: "t_by_store",
      help: "t",
      labelNames: ["store"],
      buckets: [0.001, 0.01, 0.1],
      registers: [new Registry()],
    });
    for (let i = 0; i < 10; i++) h.observe({ store: "fast" }, 0.0005);
    for (let i = 0; i < 30; i++) h.observe({ store: "slow" }, 0.05);
    const fast = await latencyOf(h, "fast");
    const slow = await latencyOf(h, "slow");
    expect(fast.count).toBe(10);
    expect(slow.count).toBe(30);
    expect(fast.p50).toBeLessThan(1);
    expect(slow.p50).toBeGreaterThan(10);
    expect((await latencyOf(h, "none")).count).toBe(0);
  });
  it("has no quantiles before the first decision", async () => {
    const h = new Histogram({ name: "t_empty", help: "t", buckets: [0.001], registers: [new Registry()] });
    expect((await latencyOf(h)).p50).toBeUndefined();
  });
});
