/** A browser page that records every failed response (status >= 400) and every script error. */
import type { TestBrowser } from "../browser";

export async function watchedPage(browser: TestBrowser) {
  const page = await browser.newPage({ width: 1280, height: 900 });
  const failed: string[] = [];
  const errors: string[] = [];
  page.on("response", (r) => {
    if (r.status() >= 400) failed.push(`${r.status()} ${new URL(r.url()).pathname}`);
  });
  page.on("pageerror", (e) => errors.push(e.message));
  return { page, failed, errors };
}

/** `watchedPage` opened at `url` and signed in with the API key `key`. */
export async function signedInPage(browser: TestBrowser, url: string, key: string) {
  const watched = await watchedPage(browser);
  await watched.page.goto(url);
  await watched.page.getByLabel("API key").fill(key);
  await watched.page.getByRole("button", { name: "Sign in" }).click();
  return watched;
}
