/**
 * The dashboard's store figures (`GET /api/v1/stores/{store}/stats`) against the whole server
 * (`startServer`, SQLite file): exact however many sessions the store has — it read the newest
 * 10,000 rows and added them up, so a busy store's "taken today" and counts stopped there — and
 * "today" is the viewer's day, the one GET …/day counts (it was the server's UTC day).
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

/** settled today: more than the 10,000 rows the old handler read */
const SETTLED = 10_400;
const SHOPPING = 250;
const YESTERDAY = 30;

let dir: string;
let server: RunningServer;
let key: string;
const now = Date.now();
// a viewer's zone where it is about noon, so "the last ten minutes" is today and "the hour before
// midnight" yesterday whenever the test runs
const { tz, dayStart } = noonViewer(now);
const taken = (i: number) => 300 + (i % 7) * 11 - (i % 50 === 0 ? 100 : 0);

describe("GET /stats: exact for any number of sessions, for the viewer's day", () => {
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "skiplane-stats-"));
    writeFileSync(join(dir, "catalog.json"), JSON.stringify(CATALOG));
    server = await startInProcessServer(dir, [
      { id: "st-a", catalog: join(dir, "catalog.json"), defaultPaymentMethod: "pm_sandbox_test" },
    ]);
    key = await addApiKey(server, "key_stats_op_a", "st-a", "operator");
    const put = (i: number, openedAt: number, settled: boolean) =>
      putDaySession(
        server,
        "st-a",
        `s-${String(i).padStart(5, "0")}`,
        openedAt,
        settled
          ? { captured: 300 + (i % 7) * 11, refunded: i % 50 === 0 ? 100 : 0, issuedAt: openedAt + 500 }
          : undefined,
      );
    let i = 0;
    // today: the settled ones opened (and updated) before the carts still shopping
    for (; i < SETTLED; i++) await put(i, now - 600_000 + Math.floor(i / 100), true);
    for (; i < SETTLED + SHOPPING; i++) await put(i, now - 60_000 + i - SETTLED, false);
    // the viewer's yesterday: the hour before their midnight, settled then
    for (let k = 0; k < YESTERDAY; k++, i++) await put(i, dayStart - 3_600_000 + k, true);
  }, 180_000);

  afterAll(async () => {
    await server?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("counts every settled session of the viewer's day and what they took, and every open one", async () => {
    const r = await callStoreApi(server.httpUrl, "st-a", key, "GET", `/stats?tz=${tz}`);
    expect(r.status).toBe(200);
    expect(r.body.activeSessions).toBe(SHOPPING);
    expect(r.body.sessionsClosedToday).toBe(SETTLED);
    let sum = 0;
    for (let i = 0; i < SETTLED; i++) sum += taken(i);
    expect(r.body.revenueToday).toBe(sum);
    expect(r.body.dayStart).toBe(dayStart);
    // a final state counts the viewer's day only (yesterday's settled sessions are history)
    expect(r.body.sessionsByState).toEqual({ closed: SETTLED, shopping: SHOPPING });
    expect(r.body.currency).toBe("USD");
  });

  it("means the same day as GET /day: its settled sessions are /stats' sessions closed today", async () => {
    const [stats, day] = await Promise.all([
      callStoreApi(server.httpUrl, "st-a", key, "GET", `/stats?tz=${tz}`),
      callStoreApi(server.httpUrl, "st-a", key, "GET", `/day?tz=${tz}`),
    ]);
    expect(stats.body.dayStart).toBe(day.body.dayStart);
    expect(stats.body.sessionsClosedToday).toBe(day.body.settled);
  });

  it("without tz: the UTC day", async () => {
    const r = await callStoreApi(server.httpUrl, "st-a", key, "GET", "/stats");
    expect(r.status).toBe(200);
    expect(r.body.dayStart).toBe(Math.floor(now / 86_400_000) * 86_400_000);
  });
});
