import { describe, expect, it } from "vitest";
import { AuthFailureLimit } from "./auth-failure-limit";

describe("AuthFailureLimit", () => {
  it("refuses an address past max failures until its window ends; others are not affected", () => {
    let t = 1000;
    const l = new AuthFailureLimit({ max: 3, windowMs: 60_000, now: () => t });
    for (let i = 0; i < 3; i++) {
      expect(l.retryAfterMs("a")).toBe(0);
      l.failed("a");
    }
    t += 10_000;
    expect(l.retryAfterMs("a")).toBe(50_000);
    expect(l.retryAfterMs("b")).toBe(0);
    t += 50_000;
    expect(l.retryAfterMs("a")).toBe(0);
    l.failed("a");
    expect(l.retryAfterMs("a")).toBe(0);
  });

  it("max 0 never refuses", () => {
    const l = new AuthFailureLimit({ max: 0 });
    for (let i = 0; i < 100; i++) l.failed("a");
    expect(l.retryAfterMs("a")).toBe(0);
  });

  it("tracks at most maxAddresses, dropping the oldest window first", () => {
    let t = 0;
    const l = new AuthFailureLimit({ max: 1, windowMs: 60_000, maxAddresses: 3, now: () => t });
    for (const a of ["a", "b", "c", "d"]) {
      l.failed(a);
      t += 1;
    }
    expect(["a", "b", "c", "d"].map((a) => l.retryAfterMs(a) > 0)).toEqual([false, true, true, true]);
  });
});
