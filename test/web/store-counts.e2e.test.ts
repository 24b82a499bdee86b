/**
 * The cart dashboard and the review console of a busy cart store in Debian's Chromium, the
 * whole server in this process (SQLite file, embedded broker, the built web app):
 * - "Carts shopping" counts every open session — the dashboard counted the sessions it lists,
 *   the 200 most recently updated, so above 200 carts it showed 200;
 * - "At the exit" and the payment problems are counted by the server too, and every problem is
 *   listed (up to 100): the carts that waited longest at the exit are the ones the 200 most
 *   recently updated leave out;
 * - the review console learns the store's kind from GET …/day and asks a cart store for no
 *   shelf weight: no request of either screen fails (a 404 shows in the browser's console).
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ensureWebBuild } from "../../scripts/ensure-web-build.mjs";
import type { RunningServer } from "../../src/main";
import { sessionView } from "../server/support/api-fixture";
import { ingestColaWithLeftover, startColaStore } from "../server/support/cola-store";
import { addApiKey } from "../server/support/in-process-server";
import { closeBrowserSuite, launchBrowser, type TestBrowser } from "./browser";
import { signedInPage, watchedPage } from "./support/watched-page";

/** carts shopping: more than the 200 sessions the dashboard lists */
const SHOPPING = 230;
/** at the exit, all updated before any cart shopping: payment failed, and being charged */
const PROBLEMS = 110;
const CHARGING = 15;

let dir: string;
let server: RunningServer;
let browser: TestBrowser;
let operator: string;
let reviewer: string;

beforeAll(async () => {
  ensureWebBuild();
  dir = mkdtempSync(join(tmpdir(), "skiplane-store-counts-"));
  server = await startColaStore(dir);
  operator = await addApiKey(server, "key_counts_op", "st-a", "operator");
  reviewer = await addApiKey(server, "key_counts_rev", "st-a", "reviewer");
  // a session held for review (a cola and 1413 g nothing identified): the console's cases
  await ingestColaWithLeftover(server, "cart-rev", "s-rev", Date.now() - 60_000);
  const now = Date.now();
  for (let i = 0; i < SHOPPING; i++) {
    const base = sessionView("st-a", `s-${String(i).padStart(4, "0")}`);
    await server.storage.sessions.put({
      ...base,
      cart: `cart-${String(i).padStart(3, "0")}`,
      state: "shopping",
      open: true,
      openedAt: now - 300_000 + i,
      updatedAt: now - 1000 + i,
      screen: { ...base.screen, state: "shopping" },
      receipt: undefined,
    });
  }
  const atExit = (i: number, state: "problem" | "charging") => {
    const base = sessionView("st-a", `s-${state}-${String(i).padStart(4, "0")}`);
    return server.storage.sessions.put({
      ...base,
      cart: `cart-${state}-${i}`,
      state,
      open: false,
      openedAt: now - 3_600_000 + i,
      updatedAt: now - 1_800_000 + i,
      screen: { ...base.screen, state },
      receipt: undefined,
    });
  };
  for (let i = 0; i < PROBLEMS; i++) await atExit(i, "problem");
  for (let i = 0; i < CHARGING; i++) await atExit(i, "charging");
  browser = await launchBrowser();
}, 180_000);

afterAll(() => closeBrowserSuite(browser, server, dir));

describe("a busy cart store's screens", () => {
  it("the dashboard counts every cart shopping, not the 200 it lists", async () => {
    const { page, failed, errors } = await signedInPage(browser, `${server.httpUrl}/ops/st-a`, operator);
    await page.getByTestId("active-carts").waitFor();
    await expect
      .poll(() => page.getByTestId("kpi-active").textContent(), { timeout: 15_000 })
      .toBe(String(SHOPPING));
    expect(await page.getByTestId("active-more").textContent()).toContain(`of ${SHOPPING} carts shopping`);
    expect(failed).toEqual([]);
    expect(errors).toEqual([]);
    await page.close();
  }, 60_000);

  it("the dashboard counts every session at the exit and lists every payment problem (up to 100)", async () => {
    const { page, failed, errors } = await signedInPage(browser, `${server.httpUrl}/ops/st-a`, operator);
    await page.getByTestId("active-carts").waitFor();
    // the held session (s-rev), the payment problems and the carts being charged
    const exitKpi = page.locator(".kpi", { hasText: "At the exit" }).locator(".value");
    await expect.poll(() => exitKpi.textContent(), { timeout: 15_000 }).toBe(String(1 + PROBLEMS + CHARGING));
    const alerts = page.getByTestId("alerts");
    await expect.poll(() => alerts.getByText("payment failed").count(), { timeout: 15_000 }).toBe(100);
    expect(await page.getByTestId("problems-more").textContent()).toBe(
      `${PROBLEMS - 100} more payment problems not listed`,
    );
    expect(await alerts.getByText("(s-problem-0000)").count()).toBe(0); // the oldest is the one left out…
    expect(await alerts.getByText(`(s-problem-${String(PROBLEMS - 1).padStart(4, "0")})`).count()).toBe(1); // …not the newest
    // the held session (listed) and the 100 problems read by state; the carts being charged are counted
    expect(await page.getByTestId("exit-more").textContent()).toContain(
      `101 of ${1 + PROBLEMS + CHARGING} at the exit shown`,
    );
    expect(failed).toEqual([]);
    expect(errors).toEqual([]);
    await page.close();
  }, 60_000);

  it("the review console shows a cart case without a failed request (no shelf asked of a cart store)", async () => {
    const { page, failed, errors } = await watchedPage(browser);
    const detailRead = page.waitForResponse((r) =>
      /\/reviews\/[^/]+\/context$/.test(new URL(r.url()).pathname),
    );
    await page.goto(`${server.httpUrl}/review/st-a`);
    await page.getByLabel("API key").fill(reviewer);
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.getByTestId("case").waitFor();
    await detailRead;
    // the console's reads have all come back (the kind from /day, the case, its context)
    await page.waitForLoadState("networkidle");
    expect(failed).toEqual([]);
    expect(errors).toEqual([]);
    await page.close();
  }, 60_000);
});
