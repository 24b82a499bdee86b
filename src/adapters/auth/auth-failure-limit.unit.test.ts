import { describe, expect, it } from "vitest";
import { AuthFailureLimit, limitKey } from "./auth-failure-limit";

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

describe("limitKey", () => {
  it("an IPv4 address as it is, an IPv6 one by its /64", () => {
    expect(limitKey("203.0.113.7")).toBe("203.0.113.7");
    expect(limitKey("::ffff:203.0.113.7")).toBe("203.0.113.7");
    expect(limitKey("2001:db8:1:2:aaaa::1")).toBe("2001:db8:1:2::/64");
    expect(limitKey("2001:0db8:0001:0002:ffff:eeee:dddd:cccc")).toBe("2001:db8:1:2::/64");
    expect(limitKey("2001:db8::5")).toBe("2001:db8:0:0::/64");
    expect(limitKey("::1")).toBe("0:0:0:0::/64");
    expect(limitKey("fe80::1%eth0")).toBe("fe80:0:0:0::/64");
  });
});
