/**
 * The live cart's clock (live-cart.ts, "Time"): at --speed N > 1 it never stamps a device time
 * ahead of the wall clock — it starts in the past, plays N times fast until it reaches now, then
 * runs in real time. Before, `v = start + elapsed × N` ran ahead of the wall clock at once: the
 * server stamped sessions in the future and the next run's lines were refused as out of order.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { loadDemoCatalog } from "../../adapters/demo/demo-catalog";
import { simCatalog } from "../planner";
import { STANDARD_MIX } from "../profile";
import { LiveCart } from "./live-cart";
import { clockLead } from "./live-driver";

const sc = simCatalog(loadDemoCatalog());
const cart = (speed: number, lead?: number) =>
  new LiveCart({
    url: "mqtt://127.0.0.1:1",
    store: "demo",
    cart: "demo-cart-01",
    secret: "x",
    runTag: "t",
    speed,
    perMessage: 5,
    seed: 1,
    mix: STANDARD_MIX,
    sc,
    nextSession: () => undefined,
    sessionId: (k) => `s${k}`,
    onEvent: () => {},
    ...(lead !== undefined ? { lead } : {}),
  });

describe("live cart clock", () => {
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ["Date"] });
    vi.setSystemTime(Date.UTC(2026, 11, 5, 12, 0, 0));
  });
  afterEach(() => vi.useRealTimers());

  it("at ×10 for a 4-cart, 8-session run: fast while behind, never ahead of the wall clock", () => {
    const lead = clockLead(10, 4, 8);
    expect(lead).toBeGreaterThan(0);
    const c = cart(10, lead);
    const start = c.vnow();
    expect(start).toBe(Date.now() - lead);
    vi.advanceTimersByTime(1000);
    expect(c.vnow() - start).toBe(10_000); // ten times fast
    for (let s = 0; s < 3600; s += 7) {
      vi.advanceTimersByTime(7000);
      expect(c.vnow()).toBeLessThanOrEqual(Date.now());
    }
    // an hour on it has long reached the present: real time from then on
    const t = c.vnow();
    expect(t).toBe(Date.now());
    vi.advanceTimersByTime(5000);
    expect(c.vnow() - t).toBe(5000);
  });

  it("an endless run at ×10 plays fast for about 10 minutes; ×1 has no lead", () => {
    expect(clockLead(10, 4)).toBe(9 * 10 * 60_000);
    expect(clockLead(1, 4)).toBe(0);
    expect(clockLead(0.5, 4, 100)).toBe(0);
    expect(clockLead(1000, 4)).toBe(24 * 3_600_000); // at most a day back
  });

  it("with the driver's own defaults (no lead given) a fast cart still never runs ahead", () => {
    const c = cart(50);
    vi.advanceTimersByTime(60_000);
    expect(c.vnow()).toBeLessThanOrEqual(Date.now());
  });
});
