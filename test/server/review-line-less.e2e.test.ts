/**
 * The review console in a real browser (Debian's Chromium) names what a line-less case's weight
 * was: the whole server in this process (SQLite, embedded broker, the built web app), a session
 * whose cart put a cola in with 1413 g nothing identified beside it (two cases: the cola's line,
 * and the weight without a line). The cola's case is confirmed over the API; in the console the
 * reviewer opens the line-less case, presses x ("It was…"), keeps the camera's cola, types 4 and
 * Enter — and the session is charged for five colas. Before 2026-12-05 the console offered only
 * "Not merchandise" for such a case, and the server refused the correction (UNKNOWN_LINE).
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ensureWebBuild } from "../../scripts/ensure-web-build.mjs";
import type { RunningServer } from "../../src/main";
import { callStoreApi } from "../support/store-api";
import { closeBrowserSuite, launchBrowser, type TestBrowser } from "../web/browser";
import { ingestColaWithLeftover, startColaStore } from "./support/cola-store";
import { addApiKey } from "./support/in-process-server";

const T0 = Date.UTC(2026, 10, 21, 9);

let dir: string;
let server: RunningServer;
let browser: TestBrowser;
let reviewer: string;

beforeAll(async () => {
  ensureWebBuild();
  dir = mkdtempSync(join(tmpdir(), "skiplane-line-less-web-"));
  server = await startColaStore(dir);
  reviewer = await addApiKey(server, "key_llw_rev", "st-a", "reviewer");
  await ingestColaWithLeftover(server, "cart-1", "s-1", T0);
  browser = await launchBrowser();
}, 120_000);

afterAll(() => closeBrowserSuite(browser, server, dir));

describe("review console: a case without a line", () => {
  it("'It was…' 4 × cola adds the line and the session is charged for five", async () => {
    const call = (method: string, path: string, body?: unknown) =>
      callStoreApi(server.httpUrl, "st-a", reviewer, method, path, body);
    const queue = (await call("GET", "/reviews")).body as unknown as { caseId: string; lineIds: string[] }[];
    const withLine = queue.find((c) => c.lineIds.length > 0);
    const lineLess = queue.find((c) => c.lineIds.length === 0);
    expect(
      (await call("POST", `/reviews/${withLine?.caseId}/decision`, { decision: "confirm" })).status,
    ).toBe(200);

    const page = await browser.newPage({ width: 1280, height: 900 });
    const errors: string[] = [];
    page.on("pageerror", (e) => errors.push(e.message));
    await page.goto(`${server.httpUrl}/review/st-a`);
    await page.getByLabel("API key").fill(reviewer);
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.getByTestId("case").waitFor();
    await page.getByTestId("case").getByText(`Case ${lineLess?.caseId}`).waitFor();
    const itWas = page.getByRole("button", { name: /It was…/ });
    await itWas.waitFor();
    await page.locator("body").click({ position: { x: 5, y: 5 } });
    await page.keyboard.press("x");
    await expect.poll(() => page.getByLabel("Product", { exact: true }).inputValue()).toBe("cola-330");
    await page.getByLabel("Quantity").fill("4");
    await page.getByLabel("Quantity").press("Enter");
    await page.getByTestId("notice").waitFor();

    const session = async () =>
      (await call("GET", "/sessions/s-1")).body as unknown as {
        state: string;
        receipt?: { subtotal: number; lines: { sku: string; qty?: number }[] };
      };
    await expect.poll(async () => (await session()).state, { timeout: 10_000 }).toBe("paid");
    const s = await session();
    expect(s.receipt?.subtotal).toBe(5 * 129);
    expect(s.receipt?.lines.map((l) => [l.sku, l.qty])).toEqual([["cola-330", 5]]);
    expect(errors).toEqual([]);
    await page.close();
  }, 60_000);
});
