import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { ReceiptTokens, screenReceiptLinks } from "./tokens";

const KEY = randomBytes(32);
const T0 = Date.UTC(2026, 11, 5, 12, 0, 0);

function at(t: { now: number }) {
  return new ReceiptTokens(KEY, { now: () => t.now });
}

/** the same bytes, one base64url character of the body changed (still valid base64url) */
function alterBody(token: string, i: number): string {
  const [body, mac] = token.split(".") as [string, string];
  const c = body[i] === "A" ? "B" : "A";
  return `${body.slice(0, i)}${c}${body.slice(i + 1)}.${mac}`;
}

describe("receipt tokens", () => {
  it("the app's and e-mail receipt token keeps its form and never expires", () => {
    const clock = { now: T0 };
    const tokens = at(clock);
    const t = tokens.issue("st-a", "s-1");
    expect(t).toBe(`${Buffer.from("st-a/s-1").toString("base64url")}.${t.split(".")[1]}`);
    expect(tokens.resolve(t)).toEqual({ store: "st-a", session: "s-1" });
    clock.now = T0 + 10 * 365 * 86_400_000;
    expect(tokens.check(t)).toEqual({ ok: true, store: "st-a", session: "s-1" });
  });

  it("a screen token is a distinct, versioned form that opens its receipt until it expires", () => {
    const clock = { now: T0 };
    const tokens = at(clock);
    const t = tokens.issueScreen("st-a", "s-1", T0 + 120_000);
    expect(t).toMatch(/^s1_[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/);
    expect(t).not.toBe(tokens.issue("st-a", "s-1"));
    expect(tokens.check(t)).toEqual({ ok: true, store: "st-a", session: "s-1", expiresAt: T0 + 120_000 });
    clock.now = T0 + 119_999;
    expect(tokens.resolve(t)).toEqual({ store: "st-a", session: "s-1" });
    clock.now = T0 + 120_000;
    expect(tokens.resolve(t)).toBeUndefined();
    expect(tokens.check(t)).toEqual({
      ok: false,
      reason: "expired",
      store: "st-a",
      session: "s-1",
      expiresAt: T0 + 120_000,
    });
  });

  it("a forged or altered expiry, or another key, opens nothing", () => {
    const clock = { now: T0 + 300_000 };
    const tokens = at(clock);
    const t = tokens.issueScreen("st-a", "s-1", T0 + 120_000);
    const mac = t.split(".")[1];
    // the same store/session with a later expiry, under the old signature
    const later = `s1_${Buffer.from(`${T0 + 3_600_000}/st-a/s-1`).toString("base64url")}.${mac}`;
    expect(tokens.check(later)).toEqual({ ok: false, reason: "invalid" });
    // any character of the body changed, the version prefix dropped, or the signature changed
    for (let i = 0; i < t.indexOf("."); i++)
      expect(tokens.check(alterBody(t, i)).ok, `char ${i}`).toBe(false);
    expect(tokens.check(t.slice(3))).toEqual({ ok: false, reason: "invalid" });
    expect(tokens.check(`${t.slice(0, -1)}${t.endsWith("A") ? "B" : "A"}`)).toEqual({
      ok: false,
      reason: "invalid",
    });
    // signed by another key
    const other = new ReceiptTokens(randomBytes(32), { now: () => T0 });
    expect(other.check(tokens.issueScreen("st-a", "s-1", T0 + 120_000))).toEqual({
      ok: false,
      reason: "invalid",
    });
  });

  it("neither form verifies as the other (a screen body under an app signature, and back)", () => {
    const tokens = at({ now: T0 });
    const screen = tokens.issueScreen("st-a", "s-1", T0 + 120_000);
    const app = tokens.issue("st-a", "s-1");
    expect(tokens.check(`${screen.split(".")[0]}.${app.split(".")[1]}`).ok).toBe(false);
    expect(tokens.check(`${app.split(".")[0]}.${screen.split(".")[1]}`).ok).toBe(false);
    // a screen token's body re-signed as an app body would need the key: an app token for the
    // screen's body text is not something the server issues, and it would not carry an expiry
    expect(tokens.check(`s1_${app}`).ok).toBe(false);
  });

  it("one session's screen token never opens another's", () => {
    const tokens = at({ now: T0 });
    const a = tokens.issueScreen("st-a", "s-1", T0 + 120_000);
    const b = tokens.issueScreen("st-a", "s-2", T0 + 120_000);
    expect(tokens.resolve(a)?.session).toBe("s-1");
    expect(tokens.resolve(b)?.session).toBe("s-2");
    expect(tokens.check(`${a.split(".")[0]}.${b.split(".")[1]}`).ok).toBe(false);
  });

  it("the screen's link: publicUrl prefix, expiry from the payment plus the lifetime", () => {
    const tokens = at({ now: T0 });
    const make = screenReceiptLinks(tokens, "https://shop.example/", 120);
    const r = make("st-a", "s-1", T0);
    expect(r.expiresAt).toBe(T0 + 120_000);
    expect(r.link).toMatch(/^https:\/\/shop\.example\/r\/s1_[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/);
    expect(tokens.check(r.link.split("/r/")[1] as string)).toMatchObject({ ok: true, session: "s-1" });
    expect(screenReceiptLinks(tokens, undefined, 60)("st-a", "s-1", T0).link).toMatch(/^\/r\/s1_/);
  });
});
