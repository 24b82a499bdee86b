/**
 * Failed authentications are limited per client address (the whole server in the test's process,
 * SQLite, loopback; `http.authFailuresPerMinute` 5 here). Before 2026-12-06 nothing limited them:
 * one address could try API keys, and over `/ws` cart secrets — an scrypt check each — as fast as
 * it could send them.
 *
 * - HTTP: five requests with unknown keys are 401; the sixth is 429 with Retry-After, unchecked,
 *   and so is a valid key from that address for the rest of the minute; a request without
 *   credentials is still a plain 401 (nothing to check, nothing counted).
 * - `/ws`: five auth frames with a wrong cart secret close 4401; the sixth closes 4429, the right
 *   secret too; a limit of 0 turns it off.
 */
import { afterEach, describe, expect, it } from "vitest";
import type { RunningServer } from "../../src/main";
import { callStoreApi } from "../support/store-api";
import { addApiKey } from "./support/in-process-server";
import { TwoWaterStores } from "./support/two-water-stores";
import { provisionCart as provision, wsAuth } from "./support/ws-auth";

const stores = new TwoWaterStores("skiplane-auth-limit-");
afterEach(() => stores.stop());

/** The server (st-a, st-b) with `http.authFailuresPerMinute` at `perMinute`. */
const start = (perMinute: number): Promise<RunningServer> =>
  stores.start({ env: { SKIPLANE_AUTH_FAILURES_PER_MINUTE: String(perMinute) } });

describe("failed authentications are limited per address", () => {
  it("HTTP: past five unknown keys a minute, 429 with Retry-After, a valid key too; no credentials still 401", async () => {
    const s = await start(5);
    const good = await addApiKey(s, "key_op_a", "st-a", "operator");
    const stats = (key: string) => callStoreApi(s.httpUrl, "st-a", key, "GET", "/stats");
    expect((await stats(good)).status).toBe(200);
    const bad = [];
    for (let i = 0; i < 5; i++) bad.push((await stats(`skl_nobody${i}_${"x".repeat(32)}`)).status);
    expect(bad).toEqual([401, 401, 401, 401, 401]);
    const res = await fetch(`${s.httpUrl}/api/v1/stores/st-a/stats`, {
      headers: { authorization: `Bearer skl_nobody_${"y".repeat(32)}` },
    });
    expect({ status: res.status, code: ((await res.json()) as { code: string }).code }).toEqual({
      status: 429,
      code: "RATE_LIMITED",
    });
    expect(Number(res.headers.get("retry-after"))).toBeGreaterThan(0);
    expect(Number(res.headers.get("retry-after"))).toBeLessThanOrEqual(60);
    expect((await stats(good)).status).toBe(429);
    expect((await fetch(`${s.httpUrl}/api/v1/stores/st-a/stats`)).status).toBe(401);
  });

  it("/ws: past five wrong cart secrets a minute, 4429 unchecked, the right secret too", async () => {
    const s = await start(5);
    const secret = await provision(s, "cart-01");
    expect(await wsAuth(s, { cart: "cart-01", secret })).toBe("ready");
    const codes = [];
    for (let i = 0; i < 6; i++) codes.push(await wsAuth(s, { cart: "cart-01", secret: `wrong-${i}` }));
    expect(codes).toEqual([4401, 4401, 4401, 4401, 4401, 4429]);
    expect(await wsAuth(s, { cart: "cart-01", secret })).toBe(4429);
    // HTTP shares the address's count: a key is refused unchecked too
    const good = await addApiKey(s, "key_op_b", "st-a", "operator");
    expect((await callStoreApi(s.httpUrl, "st-a", good, "GET", "/stats")).status).toBe(429);
  });

  it("a limit of 0 is no limit", async () => {
    const s = await start(0);
    const secret = await provision(s, "cart-02");
    const codes = [];
    for (let i = 0; i < 7; i++) codes.push(await wsAuth(s, { cart: "cart-02", secret: `wrong-${i}` }));
    expect(codes).toEqual(Array(7).fill(4401));
    expect(await wsAuth(s, { cart: "cart-02", secret })).toBe("ready");
  });
});
