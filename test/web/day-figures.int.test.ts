/**
 * The dashboard's day view (`GET /api/v1/stores/{store}/day`) against the whole server
 * (`startServer`: SQLite file, every route plugin main.ts registers): it counts every session
 * opened today however many there are — it read at most 1,000 rows, so a busy store's day stopped
 * at 1,000 sessions — and it tells the store's kind, so the dashboard picks its screen without
 * asking a cart store for its walk-out view (a 404 in the console on every load).
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunningServer } from "../../src/main";
import { addApiKey, startInProcessServer } from "../server/support/in-process-server";
import { callStoreApi } from "../support/store-api";
import { putDaySession } from "./support/day-sessions";
import { noonViewer } from "./support/viewer-day";

const CATALOG = {
  currency: "USD",
  products: [{ sku: "water-500", name: "Water", price: 129, soldBy: "unit", weight: { mean: 538, sd: 13 } }],
};
const LAYOUT = { plates: [{ gondola: 1, shelf: 1, plate: 1, x: 0.2, y: 0.25, z: 1.2, skus: ["water-500"] }] };

/** today's sessions: more than two pages of the handler's 1,000 */
const TODAY = 2345;
const SETTLED = 1500;
const YESTERDAY = 40;

let dir: string;
let server: RunningServer;
let key: string;
let walkoutKey: string;
const now = Date.now();
// a viewer's zone where it is about noon, so "the last ten minutes" is today and "the hour before
// midnight" yesterday whenever the test runs
const { tz, dayStart } = noonViewer(now);

describe("GET /day: every session of the day, and the store's kind", () => {
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "skiplane-day-"));
    writeFileSync(join(dir, "catalog.json"), JSON.stringify(CATALOG));
    writeFileSync(join(dir, "layout.json"), JSON.stringify(LAYOUT));
    const catalog = join(dir, "catalog.json");
    server = await startInProcessServer(dir, [
      { id: "st-a", catalog, defaultPaymentMethod: "pm_sandbox_test" },
      { id: "st-w", kind: "walkout", catalog, layout: join(dir, "layout.json") },
    ]);
    key = await addApiKey(server, "key_day_op_a", "st-a", "operator");
    walkoutKey = await addApiKey(server, "key_day_op_w", "st-w", "operator");
    for (let i = 0; i < TODAY + YESTERDAY; i++) {
      const today = i < TODAY;
      // today: within the last 10 minutes; yesterday: the hour before midnight
      const openedAt = today ? now - 1000 - (i % 600) * 1000 : dayStart - 3_600_000 + i;
      const settled = !today || i < SETTLED;
      await putDaySession(
        server,
        "st-a",
        `s-${String(i).padStart(5, "0")}`,
        openedAt,
        settled
          ? { total: 200 + (i % 3) * 100, prompts: i % 4 === 0 ? 1 : 0, review: i % 10 === 0 }
          : undefined,
      );
    }
  }, 120_000);

  afterAll(async () => {
    await server?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("counts all of today's sessions, settled and open, not the first 1,000 rows", async () => {
    const r = await callStoreApi(server.httpUrl, "st-a", key, "GET", `/day?tz=${tz}`);
    expect(r.status).toBe(200);
    const settledToday = Array.from({ length: SETTLED }, (_, i) => i);
    expect(r.body.dayStart).toBe(dayStart);
    expect(r.body.sessions).toBe(TODAY);
    expect(r.body.settled).toBe(SETTLED);
    expect(r.body.prompts).toBe(settledToday.filter((i) => i % 4 === 0).length);
    expect(r.body.reviews).toBe(settledToday.filter((i) => i % 10 === 0).length);
    const basket = settledToday.reduce((a, i) => a + 200 + (i % 3) * 100, 0);
    expect(r.body.averageBasket).toBe(Math.round(basket / SETTLED));
    const hourly = r.body.hourly as unknown as { sessions: number }[];
    expect(hourly.reduce((a, h) => a + h.sessions, 0)).toBe(TODAY);
  });

  it("says the store's kind: carts for a cart store, walkout for a walk-out store", async () => {
    const a = await callStoreApi(server.httpUrl, "st-a", key, "GET", `/day?tz=${tz}`);
    expect(a.body.kind).toBe("carts");
    const w = await callStoreApi(server.httpUrl, "st-w", walkoutKey, "GET", `/day?tz=${tz}`);
    expect(w.status).toBe(200);
    expect(w.body.kind).toBe("walkout");
  });
});
