/**
 * Behind a reverse proxy the failed-authentication limit counts the client the proxy names in
 * X-Forwarded-For — only when the TCP peer is one of `http.trustedProxies` (the whole server in the
 * test's process, SQLite, loopback; `http.authFailuresPerMinute` 3). Before 2026-12-06 the header
 * was never read: every client behind a proxy had the proxy's address, so one client's failures
 * blocked everyone's.
 *
 * - trusted (`SKIPLANE_TRUSTED_PROXIES=127.0.0.1`, the test being the proxy): three unknown keys
 *   from 203.0.113.7 block 203.0.113.7 (429, `/ws` 4429), while 203.0.113.8's valid key and cart
 *   secret still get in — over HTTP and over `/ws` alike;
 * - untrusted (no proxies, or a list without the peer): a spoofed X-Forwarded-For changes nothing,
 *   the failures count against the peer whatever the header says.
 */
import { afterEach, describe, expect, it } from "vitest";
import type { RunningServer } from "../../src/main";
import { addApiKey } from "./support/in-process-server";
import { TwoWaterStores } from "./support/two-water-stores";
import { provisionCart as provision, wsAuth as wsAuthFrame } from "./support/ws-auth";

const stores = new TwoWaterStores("skiplane-trusted-proxy-");
afterEach(() => stores.stop());

const start = (trusted?: string): Promise<RunningServer> =>
  stores.start({
    env: {
      SKIPLANE_AUTH_FAILURES_PER_MINUTE: "3",
      ...(trusted !== undefined ? { SKIPLANE_TRUSTED_PROXIES: trusted } : {}),
    },
  });

/** `GET /stores/st-a/stats` with `key`, as if for client `from` (X-Forwarded-For): the status. */
async function stats(s: RunningServer, key: string, from: string): Promise<number> {
  const res = await fetch(`${s.httpUrl}/api/v1/stores/st-a/stats`, {
    headers: { authorization: `Bearer ${key}`, "x-forwarded-for": from },
  });
  await res.arrayBuffer();
  return res.status;
}

/** One `/ws` auth frame as if for client `from`: the close code, or "ready". */
const wsAuth = (s: RunningServer, auth: object, from: string): Promise<number | "ready"> =>
  wsAuthFrame(s, auth, { "x-forwarded-for": from });

const unknownKey = (i: number) => `skl_nobody${i}_${"x".repeat(32)}`;

describe("X-Forwarded-For counts only from a trusted proxy", () => {
  it("trusted: one client's failures block that client, not the others behind the proxy (HTTP and /ws)", async () => {
    const s = await start("127.0.0.1");
    const good = await addApiKey(s, "key_op_a", "st-a", "operator");
    const secret = await provision(s, "cart-01");
    const bad = [];
    for (let i = 0; i < 4; i++) bad.push(await stats(s, unknownKey(i), "203.0.113.7"));
    expect(bad).toEqual([401, 401, 401, 429]);
    expect(await stats(s, good, "203.0.113.7")).toBe(429);
    expect(await wsAuth(s, { cart: "cart-01", secret }, "203.0.113.7")).toBe(4429);
    // the next client behind the same proxy
    expect(await stats(s, good, "203.0.113.8")).toBe(200);
    expect(await wsAuth(s, { cart: "cart-01", secret }, "203.0.113.8")).toBe("ready");
    // /ws failures count for their own client too, and HTTP shares the count
    const codes = [];
    for (let i = 0; i < 4; i++)
      codes.push(await wsAuth(s, { cart: "cart-01", secret: `wrong-${i}` }, "203.0.113.9"));
    expect(codes).toEqual([4401, 4401, 4401, 4429]);
    expect(await stats(s, good, "203.0.113.9")).toBe(429);
    expect(await stats(s, good, "203.0.113.8")).toBe(200);
    // a client's own X-Forwarded-For, passed on by the proxy (appended to), is not believed:
    // the address the proxy saw is the last one
    expect(await stats(s, good, "203.0.113.8, 203.0.113.7")).toBe(429);
  });

  for (const [name, trusted] of [
    ["no trusted proxies", undefined],
    ["a list without the peer", "10.0.0.1, 192.168.0.0/16"],
  ] as const) {
    it(`untrusted peer (${name}): a spoofed X-Forwarded-For is ignored`, async () => {
      const s = await start(trusted);
      const good = await addApiKey(s, "key_op_b", "st-a", "operator");
      const secret = await provision(s, "cart-02");
      const bad = [];
      for (let i = 0; i < 3; i++) bad.push(await stats(s, unknownKey(i), `198.51.100.${i + 1}`));
      expect(bad).toEqual([401, 401, 401]);
      // every failure counted against the peer: a fresh spoofed address is blocked too
      expect(await stats(s, good, "198.51.100.200")).toBe(429);
      expect(await wsAuth(s, { cart: "cart-02", secret }, "198.51.100.201")).toBe(4429);
    });
  }
});

describe("metrics.allowLoopback behind a trusted proxy on the same host", () => {
  it("a scrape the proxy forwards from elsewhere is not loopback; a local one still is", async () => {
    const s = await stores.start({
      env: { SKIPLANE_TRUSTED_PROXIES: "loopback", SKIPLANE_METRICS_ALLOW_LOOPBACK: "true" },
    });
    const scrape = async (headers: Record<string, string>) => {
      const res = await fetch(`${s.httpUrl}/metrics`, { headers });
      await res.arrayBuffer();
      return res.status;
    };
    expect(await scrape({})).toBe(200);
    expect(await scrape({ "x-forwarded-for": "127.0.0.1" })).toBe(200);
    expect(await scrape({ "x-forwarded-for": "203.0.113.7" })).toBe(401);
    // a client's own claim to be loopback, appended to by the proxy, is not believed
    expect(await scrape({ "x-forwarded-for": "127.0.0.1, 203.0.113.7" })).toBe(401);
  });
});
