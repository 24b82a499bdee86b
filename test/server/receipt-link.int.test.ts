/**
 * The paid cart screen carries the shopper's receipt link (`/r/<token>`), so a shopper without
 * the store app can open the receipt from the cart. The whole server (`startServer`: SQLite,
 * embedded broker): two carts each shop a session to paid; each cart's retained screen names a
 * link, and that link's token opens that session's receipt and no other. The paid screen stays
 * retained on the cart until its next session, so its link expires on the server (a versioned
 * screen token with its expiry under the HMAC, `http.screenReceiptSeconds` from the payment):
 * the server's clock is moved past it and the same link is refused (410), while the app's and
 * e-mail receipt link (the token without expiry) keeps opening the receipt.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import mqtt, { type MqttClient } from "mqtt";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Clock } from "../../src/app/ports/clock";
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
const paid = new Map<string, { session: string; receipt?: string; receiptExpiresAt?: number }>();
/** the server's clock: wall-clock time, moved ahead by `skew` to expire the screens' links */
let skew = 0;
const clock: Clock = { now: () => Date.now() + skew };
let admin: string;
let paidBy = 0;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "skiplane-receipt-link-"));
  writeFileSync(join(dir, "catalog.json"), JSON.stringify(CATALOG));
  server = await startInProcessServer(
    dir,
    [{ id: "st-a", catalog: join(dir, "catalog.json"), defaultPaymentMethod: "pm_sandbox_test" }],
    { clock },
  );
  expect(server.config.http.screenReceiptSeconds).toBe(120);
  admin = await addApiKey(server, "key_rl_admin", "st-a", "admin");
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
        const screen = JSON.parse(String(payload)) as {
          state: string;
          session?: string;
          receipt?: string;
          receiptExpiresAt?: number;
        };
        if (screen.session === session && screen.state === "paid") {
          paid.set(cart, { session, receipt: screen.receipt, receiptExpiresAt: screen.receiptExpiresAt });
          paidBy = clock.now();
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
/** a screen token's signed body: `s1_` + base64url(`<expiresAt ms>/<store>/<session>`) */
const screenBody = (expiresAt: number, store: string, session: string) =>
  `s1_${Buffer.from(`${expiresAt}/${store}/${session}`).toString("base64url")}`;

describe("the paid cart screen's receipt link", () => {
  it("is on each paid screen, one per session, a screen token expiring 2 minutes after the payment", () => {
    const links = CARTS.map((cart) => paid.get(cart)?.receipt);
    for (const link of links) expect(link).toMatch(/^\/r\/s1_[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/);
    expect(new Set(links).size).toBe(CARTS.length);
    for (const cart of CARTS) {
      const { session, receipt, receiptExpiresAt } = paid.get(cart) ?? { session: "" };
      expect(receiptExpiresAt, cart).toBeGreaterThan(paidBy - 60_000 + 120_000);
      expect(receiptExpiresAt, cart).toBeLessThanOrEqual(paidBy + 120_000);
      // the expiry the screen states is the one signed inside the token
      expect((tokenOf(receipt) as string).split(".")[0]).toBe(
        screenBody(receiptExpiresAt as number, "st-a", session),
      );
    }
  });

  it("opens that session's receipt now (a screen token, before its expiry) and no other", async () => {
    for (const cart of CARTS) {
      const { session, receipt, receiptExpiresAt } = paid.get(cart) ?? { session: "" };
      const token = tokenOf(receipt);
      expect(token, cart).toBeDefined();
      expect(token?.split(".")[0], cart).toBe(screenBody(receiptExpiresAt as number, "st-a", session));
      expect(clock.now()).toBeLessThan(receiptExpiresAt as number);
      const r = await receiptBy(token as string);
      expect(r.status).toBe(200);
      const body = (await r.json()) as { store: string; session: string; total: number };
      expect(body).toMatchObject({ store: "st-a", session });
    }
    // the other cart's token body with this cart's signature (or any tampering) opens nothing
    const [a, b] = CARTS.map((cart) => tokenOf(paid.get(cart)?.receipt) as string);
    const forged = `${b.split(".")[0]}.${a.split(".")[1]}`;
    expect((await receiptBy(forged)).status).toBe(404);
    // this token's signature over the other session's body (same expiry) opens nothing either
    const pa = paid.get(CARTS[0]) as { session: string; receiptExpiresAt: number };
    const pb = paid.get(CARTS[1]) as { session: string };
    const swapped = `${screenBody(pa.receiptExpiresAt, "st-a", pb.session)}.${a.split(".")[1]}`;
    expect((await receiptBy(swapped)).status).toBe(404);
  });

  it("refuses a forged or altered expiry", async () => {
    const { session, receipt, receiptExpiresAt } = paid.get(CARTS[0]) as {
      session: string;
      receipt: string;
      receiptExpiresAt: number;
    };
    const token = tokenOf(receipt) as string;
    const mac = token.split(".")[1];
    // the genuine token signs the expiry the screen states, and opens the receipt
    expect(token).toBe(`${screenBody(receiptExpiresAt, "st-a", session)}.${mac}`);
    expect((await receiptBy(token)).status).toBe(200);
    // the same signature over a later expiry (or any other) opens nothing
    for (const expiresAt of [receiptExpiresAt + 1, receiptExpiresAt + 86_400_000, 99_999_999_999_999]) {
      const r = await receiptBy(`${screenBody(expiresAt, "st-a", session)}.${mac}`);
      expect(r.status, String(expiresAt)).toBe(404);
      expect(r.headers.get("content-type")).toMatch(/^application\/problem\+json/);
    }
  });

  it("stops opening the receipt (and its dispute form) once expired; the app's link still opens it", async () => {
    const { session, receipt, receiptExpiresAt } = paid.get(CARTS[0]) as {
      session: string;
      receipt: string;
      receiptExpiresAt: number;
    };
    const token = tokenOf(receipt) as string;
    // the app's and e-mail receipt link (no expiry), from the store API
    const fromApi = await callStoreApi(server.httpUrl, "st-a", admin, "GET", `/receipts/${session}`);
    expect(fromApi.status, JSON.stringify(fromApi.body)).toBe(200);
    const appToken = /\/r\/([^/?#]+)$/.exec(String(fromApi.body.link))?.[1] as string;
    expect(appToken).not.toMatch(/^s1_/);

    skew = receiptExpiresAt - Date.now() - 1000; // a second before the expiry: still opens
    expect((await receiptBy(token)).status).toBe(200);
    skew = receiptExpiresAt - Date.now() + 1; // the next shopper takes the cart
    const r = await receiptBy(token);
    expect(r.status).toBe(410);
    expect(r.headers.get("content-type")).toMatch(/^application\/problem\+json/);
    expect(await r.json()).toMatchObject({ status: 410, code: "RECEIPT_LINK_EXPIRED", title: "Gone" });
    const html = await fetch(`${server.httpUrl}/api/v1/receipt/${encodeURIComponent(token)}?format=html`);
    expect(html.status).toBe(410);
    const dispute = await fetch(`${server.httpUrl}/api/v1/receipt/${encodeURIComponent(token)}/disputes`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ lineId: "l-1", reason: "not mine" }),
    });
    expect(dispute.status).toBe(410);
    const evidence = await fetch(`${server.httpUrl}/api/v1/receipt/${encodeURIComponent(token)}/evidence`);
    expect(evidence.status).toBe(410);
    // the other cart's screen link has expired too (same lifetime); the app's link still opens
    skew += 120_000;
    expect((await receiptBy(tokenOf(paid.get(CARTS[1])?.receipt) as string)).status).toBe(410);
    const app = await receiptBy(appToken);
    expect(app.status).toBe(200);
    expect(await app.json()).toMatchObject({ store: "st-a", session });
  });
});
