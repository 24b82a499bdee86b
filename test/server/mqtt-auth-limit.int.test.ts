/**
 * The embedded broker limits failed CONNECTs per client address (in-process and on the broker
 * thread; the whole server, SQLite, loopback; `http.authFailuresPerMinute` 3 here). A wrong cart
 * secret costs an scrypt check; before 2026-12-06 one address could try secrets as fast as it
 * could connect. Three wrong secrets are "bad username or password"; the fourth CONNECT is
 * refused unchecked ("not authorized"), the right secret too, for the rest of the minute.
 */
import mqtt from "mqtt";
import { afterEach, describe, expect, it } from "vitest";
import { callStoreApi } from "../support/store-api";
import { addApiKey } from "./support/in-process-server";
import { TwoWaterStores } from "./support/two-water-stores";

const stores = new TwoWaterStores("skiplane-mqtt-limit-");
afterEach(() => stores.stop());

describe.each(["false", "true"])("embedded broker (thread %s): failed CONNECTs per address", (thread) => {
  it("past three wrong secrets a minute, CONNECT refused unchecked, the right secret too", async () => {
    const s = await stores.start({
      env: { SKIPLANE_AUTH_FAILURES_PER_MINUTE: "3", SKIPLANE_MQTT_THREAD: thread },
    });
    const admin = await addApiKey(s, "key_admin", "st-a", "admin");
    const r = await callStoreApi(s.httpUrl, "st-a", admin, "POST", "/carts", { cart: "cart-01" });
    expect(r.status).toBe(201);
    const secret = r.body.secret as unknown as string;
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
