/**
 * `sim-walkout --live` at --speed > 1 starts its visits in the past so that no event is sent
 * before its device time (walkout-start.ts). Sent at: the run's wall start + (sendable −
 * start) / speed, as walkout-live.ts paces it. Starting at "now", as it did, at ×20 the visits'
 * events were stamped up to minutes in the future.
 */
import { describe, expect, it } from "vitest";
import { defaultDataDir } from "../../adapters/demo/data-dir";
import { loadWalkoutStoreFiles } from "../../adapters/files/walkout-store-files";
import type { StoreEvent } from "../../domain/events/sensor-events";
import { simulateWalkout } from "../walkout/walkout-sim";
import { sendableAt, walkoutLiveStart, walkoutSpan } from "./walkout-start";

describe("sim-walkout --live start", () => {
  const { catalog, layout } = loadWalkoutStoreFiles({
    autocheckout: `${defaultDataDir()}/autocheckout-cps-test-01`,
  });
  const sim = { catalog, layout, visits: 3, seed: 5, store: "demo-walkout", minShoppers: 1, maxShoppers: 2 };
  const now = Date.UTC(2026, 11, 5, 12, 0, 0);
  const speed = 20;
  const latestAhead = (start: number) => {
    const events: StoreEvent[] = [];
    simulateWalkout(
      { ...sim, start },
      (e) => events.push(e),
      () => {},
    );
    // how far past the wall clock an event's device time is when it goes out (max over events)
    return Math.max(...events.map((e) => e.t - (now + (sendableAt(e) - start) / speed)));
  };

  it("starting now, as before, at ×20 stamps device times ahead of the wall clock", () => {
    expect(latestAhead(now)).toBeGreaterThan(60_000);
  });

  it("walkoutLiveStart starts in the past: no event is ahead of the wall clock, the last about now", () => {
    const start = walkoutLiveStart(sim, speed, now);
    const span = walkoutSpan(sim);
    expect(start).toBe(now - Math.ceil(span * (1 - 1 / speed)));
    expect(latestAhead(start)).toBeLessThanOrEqual(0);
    expect(latestAhead(start)).toBeGreaterThan(-5_000);
  });

  it("at real time or slower it starts now", () => {
    expect(walkoutLiveStart(sim, 1, now)).toBe(now);
    expect(walkoutLiveStart(sim, 0.5, now)).toBe(now);
  });
});
