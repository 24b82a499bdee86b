/**
 * The review console in a real browser (Debian's Chromium) shows a walk-out case's evidence
 * record as it shows a cart case's: two shoppers reached for one bottle at once
 * (support/contested-pick.ts) in a walk-out store in the whole server (support/contested-store.ts),
 * both visits went to review. The charged visit's case lists the shelf's plates with their grams,
 * both candidates with hand and body distance and posterior, each camera reading of their hands
 * with its track event id, and says the walk-out fusion recorded it and why; the other visit's
 * case shows the same change, charged to the first. No request fails, no script error.
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ensureWebBuild } from "../../scripts/ensure-web-build.mjs";
import { closeBrowserSuite, launchBrowser, type TestBrowser } from "../web/browser";
import { watchedPage } from "../web/support/watched-page";
import { contestedPick } from "./support/contested-pick";
import {
  CONTESTED_PLATES,
  type ContestedStore,
  CONTESTED_STORE as STORE,
  startContestedStore,
} from "./support/contested-store";

let dir: string;
let store: ContestedStore;
let browser: TestBrowser;

beforeAll(async () => {
  ensureWebBuild();
  dir = mkdtempSync(join(tmpdir(), "skiplane-walkout-console-"));
  store = await startContestedStore(dir);
  await store.publish(
    contestedPick({
      store: STORE,
      t0: 1_763_700_000_000,
      plates: CONTESTED_PLATES,
      plate: CONTESTED_PLATES[0],
      grams: 538,
      sku: "water-500",
      shoppers: ["track-1", "track-2"],
    }),
  );
  browser = await launchBrowser();
}, 120_000);

afterAll(() => closeBrowserSuite(browser, store, dir));

describe("review console: a walk-out case's evidence record", () => {
  it("shows the plates' grams, both candidates, their hands' readings by event id, and the other's charge", async () => {
    const { page, failed, errors } = await watchedPage(browser);
    await page.goto(`${store.server.httpUrl}/review/${STORE}`);
    await page.getByLabel("API key").fill(store.reviewer);
    await page.getByRole("button", { name: "Sign in" }).click();
    const caseView = page.getByTestId("case");

    await page
      .getByTestId("queue")
      .getByRole("button", { name: /^uncertain v-track-1 / })
      .click();
    await caseView.getByText("session v-track-1", { exact: false }).waitFor({ timeout: 15_000 });
    await caseView.getByText("plates: 1 -538 g (2000 g → 1462 g)", { exact: false }).waitFor();
    await caseView
      .getByText(
        "candidates: track-1 (hand 0.02 m, body 0.62 m, 50 %); track-2 (hand 0.02 m, body 0.62 m, 50 %)",
      )
      .waitFor();
    await caseView
      .getByText("camera [track-1-t15], track-1's hand: Water 500 ml 50%", { exact: false })
      .waitFor();
    await caseView
      .getByText("camera [track-2-t15], track-2's hand: Water 500 ml 50%", { exact: false })
      .waitFor();
    expect(await caseView.getByTestId("evidence-source").textContent()).toBe(
      "Recorded by the walk-out fusion with the case: several shoppers' hands were at the shelf; 1 shelf change",
    );

    await page
      .getByTestId("queue")
      .getByRole("button", { name: /^uncertain v-track-2 / })
      .click();
    await caseView.getByText("session v-track-2", { exact: false }).waitFor();
    // the evidence list's item (the reason above says it in its own words)
    await caseView.locator("li", { hasText: /^charged to shopper track-1 \(line line_/ }).waitFor();
    expect(await caseView.getByTestId("evidence-source").textContent()).toBe(
      "Recorded by the walk-out fusion with the case: this shopper may have taken an item charged to another; 1 shelf change",
    );
    expect(failed).toEqual([]);
    expect(errors).toEqual([]);
  });
});
