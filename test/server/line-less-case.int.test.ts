/**
 * The review console's context for a case without a line (the weight left unexplained beside an
 * identified item) carries the weight change and the scale samples around it, as a case with a
 * line does. The whole server (`startServer`), the cart's events ingested through its service.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cartLog } from "../../src/app/services/store-service.fixtures";
import type { RunningServer } from "../../src/main";
import { callStoreApi } from "../support/store-api";
import { addApiKey, startInProcessServer } from "./support/in-process-server";

const CATALOG = {
  currency: "USD",
  products: [
    { sku: "cola-330", name: "Cola 330 ml", price: 129, soldBy: "unit", weight: { mean: 349, sd: 1.5 } },
  ],
};
const T0 = Date.UTC(2026, 10, 21, 9);

let dir: string;
let server: RunningServer;
let reviewer: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "skiplane-line-less-"));
  writeFileSync(join(dir, "catalog.json"), JSON.stringify(CATALOG));
  server = await startInProcessServer(dir, [
    { id: "st-a", catalog: join(dir, "catalog.json"), defaultPaymentMethod: "pm_sandbox_test" },
  ]);
  reviewer = await addApiKey(server, "key_ll_rev", "st-a", "reviewer");
  const log = cartLog("st-a", "cart-1", "s-1", T0, [
    { grams: 349 + 1413, candidates: [{ sku: "cola-330", p: 0.97 }] },
  ]);
  const out = await server.service.ingest("st-a", "cart-1", log);
  expect(out.exit).toMatchObject({ status: "review" });
}, 60_000);

afterAll(async () => {
  await server?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe("a review case for the weight left unexplained", () => {
  it("comes with its weight change and the scale samples around it", async () => {
    const queue = (await callStoreApi(server.httpUrl, "st-a", reviewer, "GET", "/reviews"))
      .body as unknown as {
      caseId: string;
      lineIds: string[];
      reason: string;
    }[];
    const lineLess = queue.find((c) => c.lineIds.length === 0);
    expect(lineLess?.reason).toMatch(/1413 g left unexplained/);
    const r = await callStoreApi(
      server.httpUrl,
      "st-a",
      reviewer,
      "GET",
      `/reviews/${lineLess?.caseId}/context`,
    );
    expect(r.status).toBe(200);
    const ctx = r.body as unknown as {
      cart?: string;
      trace: { t: number; grams: number }[];
      evidence?: { change?: { startT: number; endT: number; delta: number }; summary: string };
    };
    expect(ctx.cart).toBe("cart-1");
    expect(ctx.evidence?.change?.delta).toBeCloseTo(1762, 0);
    expect(ctx.evidence?.summary).toMatch(/1413 g left unexplained/);
    // samples before and after the step: the empty cart and the 1762 g
    expect(ctx.trace.length).toBeGreaterThan(10);
    expect(Math.min(...ctx.trace.map((s) => s.grams))).toBeLessThan(5);
    expect(Math.max(...ctx.trace.map((s) => s.grams))).toBeGreaterThan(1750);
  });
});
