/**
 * An MQTT client id belongs to the account that holds it (embedded broker, in-process and on its
 * thread; the whole server: SQLite file, HTTP and the broker on loopback). MQTT names a session by
 * its client id alone, and MQTT 5 §5.4.2 says a broker "should check that the Client is authorized
 * to use the Client Identifier". Before 2026-12-06 the embedded broker did not: any cart — of any
 * store — that knew another cart's client id could connect with it and cut that cart off
 * (session taken over; this test: connected, the victim closed), or wipe its kept session with
 * a clean CONNECT. (Mosquitto does not check either — eclipse-mosquitto/mosquitto#3553 — and
 * there the newcomer also inherits the session's subscriptions: docs/server.md "MQTT client
 * ids".) Now a CONNECT with a client id held by another account — connected, or its session
 * kept — is refused (CONNACK 2, identifier rejected), and the holder stays on.
 */
import mqtt, { type MqttClient } from "mqtt";
import { afterEach, describe, expect, it } from "vitest";
import { eventsTopic, screenTopic } from "../../src/adapters/mqtt/topics";
import { callStoreApi } from "../support/store-api";
import { addApiKey } from "./support/in-process-server";
import { TwoWaterStores } from "./support/two-water-stores";

const stores = new TwoWaterStores("skiplane-clientid-");
const clients: MqttClient[] = [];

afterEach(async () => {
  for (const c of clients.splice(0)) await c.endAsync(true).catch(() => undefined);
  await stores.stop();
});

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe.each(["false", "true"])("embedded broker (thread %s): a client id is its holder's", (thread) => {
  it("another cart connecting with a cart's client id is refused; the holder stays on and its screen stays its own", async () => {
    const s = await stores.start({ env: { SKIPLANE_MQTT_THREAD: thread } });
    const adminA = await addApiKey(s, "key_admin_a", "st-a", "admin");
    const adminB = await addApiKey(s, "key_admin_b", "st-b", "admin");
    const secret = async (store: string, k: string, cart: string) =>
      (await callStoreApi(s.httpUrl, store, k, "POST", "/carts", { cart })).body.secret as string;
    const victimSecret = await secret("st-a", adminA, "cart-v");
    const thiefSecret = await secret("st-b", adminB, "cart-t");
    const url = `mqtt://127.0.0.1:${s.mqttPort}`;

    // the victim keeps a session (clean off) and follows its screen
    const victim = await mqtt.connectAsync(url, {
      username: "cart-v",
      password: victimSecret,
      clientId: "cart-v-screen",
      clean: false,
      reconnectPeriod: 0,
    });
    clients.push(victim);
    let victimClosed = false;
    victim.on("close", () => {
      victimClosed = true;
    });
    await victim.subscribeAsync(screenTopic("st-a", "cart-v"), { qos: 1 });

    // another store's cart takes its client id, session kept
    const seen: string[] = [];
    const thief = await mqtt
      .connectAsync(url, {
        username: "cart-t",
        password: thiefSecret,
        clientId: "cart-v-screen",
        clean: false,
        reconnectPeriod: 0,
      })
      .then(
        (c) => {
          clients.push(c);
          c.on("message", (t) => seen.push(t));
          return "connected";
        },
        (err: Error & { code?: number }) => `refused ${err.code}`,
      );
    // the victim's cart starts a session (its sensors' own connection): its screen is published
    const sensors = await mqtt.connectAsync(url, {
      username: "cart-v",
      password: victimSecret,
      clientId: "cart-v-sensors",
      reconnectPeriod: 0,
    });
    clients.push(sensors);
    await sensors.publishAsync(
      eventsTopic("st-a", "cart-v"),
      JSON.stringify({
        v: 1,
        t: Date.now(),
        store: "st-a",
        cart: "cart-v",
        type: "session.start",
        session: "s-v1",
      }),
      { qos: 1 },
    );
    await pause(1500);

    // before: connected, the victim cut off, and the victim's screen delivered to the thief
    expect({ thief, seen, victimClosed }).toEqual({ thief: "refused 2", seen: [], victimClosed: false });

    // the holder itself comes back with its id (a reconnect, a second connection), clean or not
    await victim.endAsync(true);
    const again = await mqtt.connectAsync(url, {
      username: "cart-v",
      password: victimSecret,
      clientId: "cart-v-screen",
      clean: false,
      reconnectPeriod: 0,
    });
    clients.push(again);
    expect(again.connected).toBe(true);
    // and a client id nobody holds is anybody's
    const fresh = await mqtt.connectAsync(url, {
      username: "cart-t",
      password: thiefSecret,
      clientId: "cart-t-own",
      reconnectPeriod: 0,
    });
    clients.push(fresh);
    expect(fresh.connected).toBe(true);
  }, 30_000);
});
