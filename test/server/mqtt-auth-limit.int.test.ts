/**
 * The embedded broker limits failed CONNECTs per client address (in-process and on the broker
 * thread; the whole server, SQLite, loopback; `http.authFailuresPerMinute` 3 here). A wrong cart
 * secret costs an scrypt check; before 2026-12-06 one address could try secrets as fast as it
 * could connect. Three wrong secrets are "bad username or password"; the fourth CONNECT is
 * refused unchecked ("not authorized"), the right secret too, for the rest of the minute.
 *
 * The same over MQTT over WebSocket (`/mqtt` on the HTTP port): before 2026-12-06 (session 12) a
 * CONNECT there had no address (aedes saw a bare WebSocket stream), so it was never counted nor
 * refused — unlimited guessing through the HTTP port. Behind a proxy listed in
 * `http.trustedProxies` the address is the client's from X-Forwarded-For, as for HTTP and `/ws`.
 */
import mqtt from "mqtt";
import { afterEach, describe, expect, it } from "vitest";
import type { RunningServer } from "../../src/main";
import { callStoreApi } from "../support/store-api";
import { addApiKey } from "./support/in-process-server";
import { TwoWaterStores } from "./support/two-water-stores";

const stores = new TwoWaterStores("skiplane-mqtt-limit-");
afterEach(() => stores.stop());

/** The server (limit 3, `env` more) and cart-01's secret. */
async function withCart(env: Record<string, string>): Promise<{ s: RunningServer; secret: string }> {
  const s = await stores.start({ env: { SKIPLANE_AUTH_FAILURES_PER_MINUTE: "3", ...env } });
  const admin = await addApiKey(s, "key_admin", "st-a", "admin");
  const r = await callStoreApi(s.httpUrl, "st-a", admin, "POST", "/carts", { cart: "cart-01" });
  expect(r.status).toBe(201);
  return { s, secret: r.body.secret as unknown as string };
}

/** cart-01's CONNECT to `url`: "ok", or the CONNACK return code that refused it. */
const connectTo = (url: string, password: string, headers?: Record<string, string>) =>
  mqtt
    .connectAsync(url, {
      username: "cart-01",
      password,
      reconnectPeriod: 0,
      ...(headers ? { wsOptions: { headers } } : {}),
    })
    .then(
      async (c) => {
        await c.endAsync(true);
        return "ok" as const;
      },
      (err: Error & { code?: number }) => err.code ?? -1,
    );

describe.each(["false", "true"])("embedded broker (thread %s): failed CONNECTs per address", (thread) => {
  it("over /mqtt (WebSocket): the same limit; behind a trusted proxy, per forwarded client", async () => {
    const { s, secret } = await withCart({ SKIPLANE_MQTT_THREAD: thread });
    const ws = `${s.httpUrl.replace("http", "ws")}/mqtt`;
    expect(await connectTo(ws, secret)).toBe("ok");
    const codes = [];
    for (let i = 0; i < 4; i++) codes.push(await connectTo(ws, `wrong-${i}`));
    expect(codes).toEqual([4, 4, 4, 5]);
    expect(await connectTo(ws, secret)).toBe(5);
    // TCP and WebSocket share the address's count
    expect(await connectTo(`mqtt://127.0.0.1:${s.mqttPort}`, secret)).toBe(5);
    await stores.stop();

    const t = await withCart({ SKIPLANE_MQTT_THREAD: thread, SKIPLANE_TRUSTED_PROXIES: "127.0.0.1" });
    const tws = `${t.s.httpUrl.replace("http", "ws")}/mqtt`;
    const from = (client: string) => ({ "x-forwarded-for": client });
    const forwarded = [];
    for (let i = 0; i < 4; i++) forwarded.push(await connectTo(tws, `wrong-${i}`, from("203.0.113.7")));
    expect(forwarded).toEqual([4, 4, 4, 5]);
    expect(await connectTo(tws, t.secret, from("203.0.113.7"))).toBe(5);
    expect(await connectTo(tws, t.secret, from("203.0.113.8"))).toBe("ok");
  }, 30_000);

  it("past three wrong secrets a minute, CONNECT refused unchecked, the right secret too", async () => {
    const { s, secret } = await withCart({ SKIPLANE_MQTT_THREAD: thread });
    /** "ok", or the CONNACK return code that refused it */
    const connect = (password: string) =>
      mqtt
        .connectAsync(`mqtt://127.0.0.1:${s.mqttPort}`, { username: "cart-01", password, reconnectPeriod: 0 })
        .then(
          async (c) => {
            await c.endAsync(true);
            return "ok";
          },
          (err: Error & { code?: number }) => err.code ?? -1,
        );
    expect(await connect(secret)).toBe("ok");
    const codes = [];
    for (let i = 0; i < 4; i++) codes.push(await connect(`wrong-${i}`));
    // MQTT 3.1.1: 4 bad username or password, 5 not authorized
    expect(codes).toEqual([4, 4, 4, 5]);
    expect(await connect(secret)).toBe(5);
  }, 30_000);
});
