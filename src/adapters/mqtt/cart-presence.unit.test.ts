import { describe, expect, it } from "vitest";
import { CartPresence } from "./cart-presence";

const msg = (s: string) => Buffer.from(s);

describe("cart presence", () => {
  it("a cart without a status is online while its events keep arriving within the window", () => {
    const clock = { now: 0 };
    const p = new CartPresence({ windowMs: 10_000, now: () => clock.now });
    p.seen("c1");
    expect(p.online()).toEqual(new Set(["c1"]));
    clock.now = 10_000;
    expect(p.online()).toEqual(new Set(["c1"]));
    clock.now = 10_001;
    expect(p.online()).toEqual(new Set());
  });

  it("a cart's status decides, idle or not; events after an offline status count again", () => {
    const clock = { now: 0 };
    const p = new CartPresence({ windowMs: 10_000, now: () => clock.now });
    expect(p.status("c1", msg('{"online":true}'))).toBe(true);
    clock.now = 3_600_000;
    expect(p.online().has("c1")).toBe(true);
    p.seen("c1");
    clock.now += 1;
    p.status("c1", msg('{"online":false,"reason":"will"}'));
    expect(p.online().has("c1")).toBe(false);
    clock.now += 1;
    p.seen("c1"); // back, before its new status arrived
    expect(p.online().has("c1")).toBe(true);
  });

  it("ignores a malformed status and forgets a cleared one", () => {
    const clock = { now: 0 };
    const p = new CartPresence({ windowMs: 10_000, now: () => clock.now });
    expect(p.status("c1", msg("online"))).toBe(false);
    expect(p.status("c1", msg('{"online":"yes"}'))).toBe(false);
    expect(p.online()).toEqual(new Set());
    p.status("c1", msg('{"online":true}'));
    expect(p.status("c1", msg(""))).toBe(true);
    expect(p.online()).toEqual(new Set());
  });
});
