/**
 * One store `st-a` selling one cola (349 g), the whole server in the test's process; and the
 * session the review tests start from: a cola seen going in with 1413 g beside it that nothing
 * identified, so the session is held for review with two cases — the cola's line (its question
 * unanswered) and the weight left over (a case without a line).
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { expect } from "vitest";
import { cartLog } from "../../../src/app/services/store-service.fixtures";
import type { RunningServer } from "../../../src/main";
import { startInProcessServer } from "./in-process-server";

export const COLA_CATALOG = {
  currency: "USD",
  products: [
    { sku: "cola-330", name: "Cola 330 ml", price: 129, soldBy: "unit", weight: { mean: 349, sd: 1.5 } },
  ],
};

/** Writes the cola catalog to `dir/catalog.json` and starts the server with store `st-a` on it. */
export async function startColaStore(dir: string): Promise<RunningServer> {
  writeFileSync(join(dir, "catalog.json"), JSON.stringify(COLA_CATALOG));
  return startInProcessServer(dir, [
    { id: "st-a", catalog: join(dir, "catalog.json"), defaultPaymentMethod: "pm_sandbox_test" },
  ]);
}

/** Ingests `session` of `cart` from `t0`: a cola and 1413 g unexplained; the exit is a review. */
export async function ingestColaWithLeftover(
  server: RunningServer,
  cart: string,
  session: string,
  t0: number,
): Promise<void> {
  const log = cartLog("st-a", cart, session, t0, [
    { grams: 349 + 1413, candidates: [{ sku: "cola-330", p: 0.97 }] },
  ]);
  expect((await server.service.ingest("st-a", cart, log)).exit).toMatchObject({ status: "review" });
}
