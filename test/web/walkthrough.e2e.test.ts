/**
 * What a newcomer meets after `npm start`, in a real browser against the server process.
 *
 * Every web address the server's banner prints opens a screen. Found in a walk-through: the
 * banner printed `/ops/`, `/review/` and `/cart/`, each "Page not found".
 *
 * The cart screen's MQTT connection stays up while nothing happens: it must send its own
 * keep-alive pings, or the broker closes an idle cart's connection (1.5 × keep-alive) and a
 * shopper's tap meets "the cart is offline". Found in a walk-through: with mqtt.js's default
 * Worker timer, blocked by the app's Content-Security-Policy, no PINGREQ was ever sent and the
 * embedded broker dropped an idle screen every 90 s.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ensureWebBuild } from "../../scripts/ensure-web-build.mjs";
import { launchBrowser, type TestBrowser } from "./browser";
import { type RunningServer, startServer } from "./support/server";

let server: RunningServer;
let browser: TestBrowser;

beforeAll(async () => {
  ensureWebBuild({ quiet: true });
  server = await startServer();
  browser = await launchBrowser();
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await server?.stop();
});

describe("cart screen connection", () => {
  it("pings the broker on its own and breaks no Content-Security-Policy rule", async () => {
    const creds = JSON.parse(readFileSync(join(server.dir, "demo-credentials.json"), "utf8")) as {
      carts: { cart: string; secret: string }[];
    };
    const cart = creds.carts[0] as { cart: string; secret: string };
    const page = await browser.newPage({ width: 1024, height: 600 });
    const violations: string[] = [];
    page.on("console", (m) => {
      if (/Content Security Policy/i.test(m.text())) violations.push(m.text());
    });
    const pinged = new Promise<number>((resolve) => {
      page.on("websocket", (ws) => {
        if (!ws.url().endsWith("/mqtt")) return;
        ws.on("framesent", (f) => {
          const b = typeof f.payload === "string" ? Buffer.from(f.payload) : f.payload;
          if (b[0] === 0xc0) resolve(Date.now()); // MQTT PINGREQ
        });
      });
    });
    const opened = Date.now();
    await page.goto(
      `${server.url}/cart/${server.store}/${cart.cart}#secret=${encodeURIComponent(cart.secret)}`,
    );
    await page.getByTestId("cart-live").locator(".live-dot.on").waitFor({ timeout: 15_000 });
    // nothing else is sent by an idle screen: the first ping comes within the keep-alive (20 s)
    const at = await Promise.race([pinged, new Promise<number>((r) => setTimeout(() => r(-1), 30_000))]);
    expect(at, "no MQTT PINGREQ from the cart screen within 30 s").toBeGreaterThan(0);
    expect(at - opened).toBeLessThan(30_000);
    expect(violations).toEqual([]);
  }, 60_000);
});

describe("the addresses the server prints", () => {
  it("each opens a screen, and a demo cart's link opens its live cart screen", async () => {
    const banner = server.stdout();
    const urls = [...banner.matchAll(/http:\/\/\S+/g)]
      .map((m) => m[0])
      .filter((u) => !/\/(api\/v1|openapi\.json|metrics)\b/.test(u));
    expect(urls.length, banner).toBeGreaterThanOrEqual(3);
    const page = await browser.newPage();
    for (const url of urls.filter((u) => !u.includes("<"))) {
      await page.goto(url);
      await page.locator("main").first().waitFor({ timeout: 10_000 });
      expect(await page.locator("body").textContent(), url).not.toContain("Page not found");
    }
    const cartLink = urls.find((u) => /\/cart\/[^/<]+\/[^/<#]+#secret=/.test(u));
    expect(cartLink, banner).toBeDefined();
    await page.goto(cartLink as string);
    await page.getByTestId("cart-live").locator(".live-dot.on").waitFor({ timeout: 15_000 });
    // a screen's address without its store asks for it, then opens the screen
    await page.goto(`${server.url}/ops/`);
    await page.getByLabel("Store id").fill(server.store);
    await page.getByRole("button", { name: "Open" }).click();
    await page.waitForURL(`${server.url}/ops/${server.store}`);
    await page.getByLabel("API key").waitFor();
  }, 90_000);
});
