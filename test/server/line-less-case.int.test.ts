/**
 * The review console's context for a case without a line (the weight left unexplained beside an
 * identified item) carries the weight change and the scale samples around it, as a case with a
 * line does. And the reviewer who watched that evidence can say what the weight was ("4 × cola"):
 * `correct` with a correction and no lineId adds it as a line, the session is charged with it,
 * the label records the answer (before 2026-12-05: refused, UNKNOWN_LINE, so such a case could
 * only be confirmed without the weight or voided). The whole server (`startServer`), the cart's
 * events ingested through its service.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ReceiptView } from "../../src/app/ports/read-models";
import type { RunningServer } from "../../src/main";
import { callStoreApi } from "../support/store-api";
import { ingestColaWithLeftover, startColaStore } from "./support/cola-store";
import { addApiKey } from "./support/in-process-server";

const T0 = Date.UTC(2026, 10, 21, 9);

let dir: string;
let server: RunningServer;
let reviewer: string;
let operator: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "skiplane-line-less-"));
  server = await startColaStore(dir);
  reviewer = await addApiKey(server, "key_ll_rev", "st-a", "reviewer");
  operator = await addApiKey(server, "key_ll_op", "st-a", "operator");
  await ingestColaWithLeftover(server, "cart-1", "s-1", T0);
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

  it("the reviewer names what the weight was: a line of its own, charged, labelled", async () => {
    const call = (k: string, method: string, path: string, body?: unknown) =>
      callStoreApi(server.httpUrl, "st-a", k, method, path, body);
    const queue = (await call(reviewer, "GET", "/reviews")).body as unknown as {
      caseId: string;
      session: string;
      lineIds: string[];
    }[];
    const c = queue.find((x) => x.lineIds.length === 0);
    expect(c).toBeDefined();
    const decide = (body: unknown) => call(reviewer, "POST", `/reviews/${c?.caseId}/decision`, body);
    // a product the store does not sell, or a line id the case does not have: refused, nothing recorded
    expect((await decide({ decision: "correct", correction: { sku: "nope", qty: 1 } })).status).toBe(422);
    expect(
      (await decide({ decision: "correct", correction: { lineId: "line_x", sku: "cola-330", qty: 4 } }))
        .status,
    ).toBe(404);
    expect((await call(reviewer, "GET", `/reviews/${c?.caseId}`)).body).toMatchObject({ status: "open" });

    // the cola's own case (its line unsure) is confirmed; the weight beside it is what is left
    const colaCase = queue.find((x) => x.lineIds.length > 0 && x.session === c?.session);
    const confirmed = await call(reviewer, "POST", `/reviews/${colaCase?.caseId}/decision`, {
      decision: "confirm",
    });
    expect(confirmed.status).toBe(200);
    const r = await decide({
      decision: "correct",
      note: "four more colas on the camera",
      correction: { sku: "cola-330", qty: 4 },
    });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ status: "resolved", decision: "correct" });
    const session = (await call(operator, "GET", `/sessions/${c?.session}`)).body as unknown as {
      state: string;
      receipt?: ReceiptView;
    };
    expect(session.state).toBe("paid");
    const lines = session.receipt?.lines ?? [];
    // the receipt puts one product's lines together: the cola seen and the four named
    expect(lines.map((l) => [l.sku, l.qty, l.status, l.lineIds?.length])).toEqual([["cola-330", 5, "ok", 2]]);
    expect(session.receipt?.subtotal).toBe(5 * 129);
    const labels = await server.storage.labels.export("st-a");
    expect(labels.find((l) => l.caseId === c?.caseId)).toMatchObject({
      decision: "correct",
      before: [],
      after: [{ sku: "cola-330", qty: 4 }],
      note: "four more colas on the camera",
    });
  });
});
