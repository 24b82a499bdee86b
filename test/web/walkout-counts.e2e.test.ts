/**
 * The walk-out dashboard of a busy walk-out store in Debian's Chromium, the whole server in this
 * process (SQLite file, embedded broker, the built web app): its figures are the server's counts
 * (the view's `inside` and `insideTotal`, `/stats`), not the rows its view lists — the view holds
 * the open visits among the 200 most recently updated sessions and the last 20 who left, so above
 * 200 shoppers "Shoppers inside" said at most 200, "In their baskets" summed those 200 only, and a
 * payment problem or an open case of a visit outside those rows was not counted at all.
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ensureWebBuild } from "../../scripts/ensure-web-build.mjs";
import type { RunningServer } from "../../src/main";
import { sessionView } from "../server/support/api-fixture";
import { addApiKey, startInProcessServer } from "../server/support/in-process-server";
import { ONE_PLATE_CATALOG, ONE_PLATE_LAYOUT, ONE_PLATE_STORE } from "../walkout/support/one-plate-store";
import { closeBrowserSuite, launchBrowser, type TestBrowser } from "./browser";
import { signedInPage } from "./support/watched-page";

const STORE = ONE_PLATE_STORE;
const CATALOG = ONE_PLATE_CATALOG;
const LAYOUT = ONE_PLATE_LAYOUT;
/** shoppers inside: more than the 200 sessions the view reads */
const INSIDE = 230;
/** visits whose payment failed at the gate, all updated before any shopper inside */
const PROBLEMS = 30;
/** open cases, on some of those visits */
const CASES = 4;
/** shopper i's running basket: 1.29, 2.58 or 3.87; all 230 together $592.11, the 200 listed $514.71 */
const basket = (i: number) => 129 * (1 + (i % 3));
const IN_BASKETS = "$592.11";

let dir: string;
let server: RunningServer;
let browser: TestBrowser;
let operator: string;

beforeAll(async () => {
  ensureWebBuild();
  dir = mkdtempSync(join(tmpdir(), "skiplane-walkout-counts-"));
  writeFileSync(join(dir, "catalog.json"), JSON.stringify(CATALOG));
  writeFileSync(join(dir, "layout.json"), JSON.stringify(LAYOUT));
  server = await startInProcessServer(dir, [
    {
      id: STORE,
      kind: "walkout",
      catalog: join(dir, "catalog.json"),
      layout: join(dir, "layout.json"),
      defaultPaymentMethod: "pm_sandbox_test",
    },
  ]);
  operator = await addApiKey(server, "key_walkout_counts_op", STORE, "operator");
  const now = Date.now();
  const put = (id: string, over: { state: string; open: boolean; at: number; total?: number }) => {
    const base = sessionView(STORE, id);
    return server.storage.sessions.put({
      ...base,
      cart: undefined,
      state: over.state,
      open: over.open,
      ...(over.total !== undefined ? { total: over.total } : {}),
      openedAt: over.at - 60_000,
      updatedAt: over.at,
      screen: { ...base.screen, state: over.state === "problem" ? "problem" : "shopping" },
      receipt: undefined,
    });
  };
  for (let i = 0; i < PROBLEMS; i++)
    await put(`v-problem-${String(i).padStart(3, "0")}`, {
      state: "problem",
      open: false,
      at: now - 900_000 + i,
    });
  for (let i = 0; i < INSIDE; i++)
    await put(`v-${String(i).padStart(4, "0")}`, {
      state: "shopping",
      open: true,
      at: now - 1000 + i,
      total: basket(i),
    });
  for (let i = 0; i < CASES; i++) {
    await server.storage.reviews.put({
      store: STORE,
      caseId: `case-${i}`,
      session: `v-problem-${String(i).padStart(3, "0")}`,
      kind: "uncertain",
      lineIds: [],
      reason: "two shoppers at the shelf",
      status: "open",
      openedAt: now - 800_000 + i,
      lines: [],
      version: 1,
    });
  }
  browser = await launchBrowser();
}, 180_000);

afterAll(() => closeBrowserSuite(browser, server, dir));

describe("a busy walk-out store's dashboard", () => {
  it("counts every shopper inside, what is in their baskets, every payment problem and every open case, not the rows it lists", async () => {
    const { page, failed, errors } = await signedInPage(browser, `${server.httpUrl}/ops/${STORE}`, operator);
    await page.getByTestId("shoppers-inside").waitFor({ timeout: 15_000 });
    await expect
      .poll(() => page.getByTestId("kpi-inside").textContent(), { timeout: 15_000 })
      .toBe(String(INSIDE));
    expect(await page.getByTestId("inside-more").textContent()).toContain(`of ${INSIDE} shoppers inside`);
    // what is in every shopper's basket, not the 200 listed ($514.71)
    expect(Array.from({ length: INSIDE }, (_, i) => basket(i)).reduce((a, b) => a + b, 0)).toBe(59_211);
    expect(await page.getByTestId("kpi-baskets").textContent()).toBe(IN_BASKETS);
    expect(await page.getByTestId("kpi-reviews").textContent()).toBe(String(CASES));
    // none of the problem visits is among the rows listed: each is counted
    expect(await page.getByTestId("problems-more").textContent()).toBe(
      `${PROBLEMS} more payment problems not listed`,
    );
    expect(await page.getByTestId("reviews-more").textContent()).toBe(`${CASES} more open cases`);
    expect(await page.getByTestId("alerts").getByText("Nothing needs attention.").count()).toBe(0);
    expect(failed).toEqual([]);
    expect(errors).toEqual([]);
    await page.close();
  }, 60_000);
});
