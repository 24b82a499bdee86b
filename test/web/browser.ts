/**
 * Launches the system's Chromium (Debian's `chromium` package) through playwright-core for the
 * browser tests. Never downloads a browser: when /usr/bin/chromium (or SKIPLANE_CHROMIUM) is
 * missing the tests FAIL with the command that installs it — they do not skip.
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Browser, type BrowserContext, chromium, type Page } from "playwright-core";

export const CHROMIUM = process.env.SKIPLANE_CHROMIUM ?? "/usr/bin/chromium";

export const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

export interface TestBrowser {
  context: BrowserContext;
  newPage(viewport?: { width: number; height: number }): Promise<Page>;
  close(): Promise<void>;
}

export async function launchBrowser(): Promise<TestBrowser> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `Chromium not found at ${CHROMIUM}. The browser tests need it: apt-get install -y chromium ` +
        "(or set SKIPLANE_CHROMIUM to a Chromium binary). Do not use `npx playwright install`.",
    );
  }
  const userDataDir = mkdtempSync(join(tmpdir(), "skiplane-chromium-"));
  // a persistent context is the only way to give Chromium a fresh user-data-dir of our own
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM,
    headless: true,
    args: CHROMIUM_ARGS,
    viewport: { width: 1280, height: 800 },
  });
  return {
    context,
    async newPage(viewport) {
      const page = await context.newPage();
      if (viewport) await page.setViewportSize(viewport);
      return page;
    },
    async close() {
      await context.close();
      rmSync(userDataDir, { recursive: true, force: true });
    },
  };
}

/**
 * The end of a browser suite over a server of its own (afterAll): the browser closed, then the
 * server, then the suite's temp dir removed (each if the suite got that far).
 */
export async function closeBrowserSuite(
  browser: TestBrowser | undefined,
  server: { close(): Promise<unknown> } | undefined,
  dir: string | undefined,
): Promise<void> {
  await browser?.close();
  await server?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
}

export const SCREENSHOT_DIR = join(import.meta.dirname, "..", "..", "artifacts", "screenshots");

/** Saves a full-page PNG under artifacts/screenshots/ and returns its path. */
export async function screenshot(page: Page, name: string, fullPage = false): Promise<string> {
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  const path = join(SCREENSHOT_DIR, `${name}.png`);
  await page.screenshot({ path, fullPage });
  return path;
}

export type { Browser, Page };
