/**
 * The paid cart screen carries the shopper's receipt link (`/r/<token>`), so a shopper without
 * the store app can open the receipt from the cart. The whole server (`startServer`: SQLite,
 * embedded broker): two carts each shop a session to paid; each cart's retained screen names a
 * link, and that link's token opens that session's receipt and no other.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import mqtt, { type MqttClient } from "mqtt";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunningServer } from "../../src/main";
import { callStoreApi } from "../support/store-api";
import { cartScript } from "./support/cart-script";
import { addApiKey, startInProcessServer } from "./support/in-process-server";

const CATALOG = {
  currency: "USD",
  products: [{ sku: "water-500", name: "Water", price: 129, soldBy: "unit", weight: { mean: 538, sd: 13 } }],
};
const CARTS = ["cart-a1", "cart-a2"];

let dir: string;
let server: RunningServer;
const clients: MqttClient[] = [];
const paid = new Map<string, { session: string; receipt?: string }>();

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "skiplane-receipt-link-"));
  writeFileSync(join(dir, "catalog.json"), JSON.stringify(CATALOG));
  server = await startInProcessServer(dir, [
    { id: "st-a", catalog: join(dir, "catalog.json"), defaultPaymentMethod: "pm_sandbox_test" },
  ]);
  const admin = await addApiKey(server, "key_rl_admin", "st-a", "admin");
  for (const [i, cart] of CARTS.entries()) {
    const r = await callStoreApi(server.httpUrl, "st-a", admin, "POST", "/carts", { cart });
    expect(r.status).toBe(201);
    const c = await mqtt.connectAsync(`mqtt://127.0.0.1:${server.mqttPort}`, {
      username: cart,
      password: r.body.secret as string,
      reconnectPeriod: 0,
    });
    clients.push(c);
    const session = `${cart}-s1`;
    const done = new Promise<void>((resolve) => {
      c.on("message", (_topic, payload) => {
        const screen = JSON.parse(String(payload)) as { state: string; session?: string; receipt?: string };
        if (screen.session === session && screen.state === "paid") {
          paid.set(cart, { session, receipt: screen.receipt });
          resolve();
        }
      });
    });
    await c.subscribeAsync(`skiplane/v1/st-a/carts/${cart}/screen`, { qos: 1 });
    const messages = cartScript({
      store: "st-a",
      cart,
      session,
      items: [{ sku: "water-500", grams: 538 }].slice(0, i + 1),
      seed: 40 + i,
      t0: 1_763_700_000_000,
      end: true,
    });
    for (const m of messages)
      await c.publishAsync(`skiplane/v1/st-a/carts/${cart}/events`, JSON.stringify(m), { qos: 1 });
    await done;
  }
}, 60_000);

afterAll(async () => {
  for (const c of clients) c.end(true);
  await server?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const receiptBy = (token: string) => fetch(`${server.httpUrl}/api/v1/receipt/${encodeURIComponent(token)}`);
const tokenOf = (link: string | undefined) => /^\/r\/([^/?#]+)$/.exec(link ?? "")?.[1];

describe("the paid cart screen's receipt link", () => {
  it("is on each paid screen, one per session", () => {
    const links = CARTS.map((cart) => paid.get(cart)?.receipt);
    for (const link of links) expect(link).toMatch(/^\/r\/[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/);
    expect(new Set(links).size).toBe(CARTS.length);
  });

  it("opens that session's receipt and no other", async () => {
    for (const cart of CARTS) {
      const { session, receipt } = paid.get(cart) ?? { session: "" };
      const token = tokenOf(receipt);
      expect(token, cart).toBeDefined();
      const r = await receiptBy(token as string);
      expect(r.status).toBe(200);
      const body = (await r.json()) as { store: string; session: string; total: number };
      expect(body).toMatchObject({ store: "st-a", session });
    }
    // the other cart's token body with this cart's signature (or any tampering) opens nothing
    const [a, b] = CARTS.map((cart) => tokenOf(paid.get(cart)?.receipt) as string);
    const forged = `${b.split(".")[0]}.${a.split(".")[1]}`;
    expect((await receiptBy(forged)).status).toBe(404);
  });
});
