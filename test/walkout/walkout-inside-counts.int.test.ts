/**
 * A busy walk-out store's view (`GET …/walkout`) and figures (`GET …/stats`) against the whole
 * server, on a SQLite file and on a PostgreSQL schema: how many shoppers are inside (`inside`) and
 * what is in their baskets (`insideTotal`, `/stats`' `activeTotal`) count every open visit. The
 * view lists the open visits among the 200 most recently updated sessions, and `inside` was the
 * count of those rows: above 200 shoppers it said 200, and the dashboard's "In their baskets"
 * summed the listed ones only.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { dropTestSchema, TEST_PG_URL, uniqueSchemaName } from "../../src/adapters/postgres/test-schema";
import type { RunningServer } from "../../src/main";
import { sessionView } from "../server/support/api-fixture";
import { addApiKey, startInProcessServer } from "../server/support/in-process-server";
import { callStoreApi } from "../support/store-api";
import { ONE_PLATE_CATALOG, ONE_PLATE_LAYOUT, ONE_PLATE_STORE } from "./support/one-plate-store";

const STORE = ONE_PLATE_STORE;
const CATALOG = ONE_PLATE_CATALOG;
const LAYOUT = ONE_PLATE_LAYOUT;
/** shoppers inside: more than the 200 sessions the view reads */
const INSIDE = 230;
/** visits that left, updated before every shopper inside */
const LEFT = 25;
/** shopper i's running basket; one over 2^31 minor units, so the sum must not be 32-bit */
const basket = (i: number) => (i === 7 ? 2_500_000_000 : 129 * (i % 5) + (i % 3) * 7);
const BASKETS = Array.from({ length: INSIDE }, (_, i) => basket(i)).reduce((a, b) => a + b, 0);

type JsonSchema = { required?: string[]; properties: Record<string, { type?: string }> };

describe.each(["sqlite", "postgres"] as const)("a walk-out store with %s", (kind) => {
  let dir: string;
  let server: RunningServer;
  let operator: string;
  const schema = uniqueSchemaName("wo_inside");

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "skiplane-walkout-inside-"));
    writeFileSync(join(dir, "catalog.json"), JSON.stringify(CATALOG));
    writeFileSync(join(dir, "layout.json"), JSON.stringify(LAYOUT));
    server = await startInProcessServer(
      dir,
      [
        {
          id: STORE,
          kind: "walkout",
          catalog: join(dir, "catalog.json"),
          layout: join(dir, "layout.json"),
          defaultPaymentMethod: "pm_sandbox_test",
        },
      ],
      kind === "postgres"
        ? { env: { SKIPLANE_DATABASE_URL: TEST_PG_URL, SKIPLANE_DATABASE_SCHEMA: schema } }
        : {},
    );
    operator = await addApiKey(server, "key_walkout_inside_op", STORE, "operator");
    const now = Date.now();
    for (let i = 0; i < LEFT; i++) {
      const id = `v-left-${String(i).padStart(3, "0")}`;
      // a settled visit's total is not in anyone's basket
      await server.storage.sessions.put(
        sessionView(STORE, id, {
          cart: undefined,
          openedAt: now - 900_000 + i,
          updatedAt: now - 800_000 + i,
        }),
      );
    }
    for (let i = 0; i < INSIDE; i++) {
      const id = `v-${String(i).padStart(4, "0")}`;
      const base = sessionView(STORE, id);
      await server.storage.sessions.put({
        ...base,
        cart: undefined,
        state: "shopping",
        open: true,
        total: basket(i),
        openedAt: now - 60_000 + i,
        updatedAt: now - 1000 + i,
        screen: { ...base.screen, state: "shopping", total: basket(i) },
        receipt: undefined,
      });
    }
  }, 120_000);

  afterAll(async () => {
    await server?.close();
    if (kind === "postgres") await dropTestSchema(schema);
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("counts every shopper inside and what is in their baskets, not the rows it lists", async () => {
    const r = await callStoreApi(server.httpUrl, STORE, operator, "GET", "/walkout?recent=20");
    expect(r.status).toBe(200);
    const shoppers = r.body.shoppers as { inside: boolean; total: number }[];
    // the list stops at the 200 most recently updated sessions: all of them inside
    expect(shoppers.filter((s) => s.inside)).toHaveLength(200);
    expect(shoppers.filter((s) => !s.inside)).toHaveLength(0);
    expect(r.body.inside).toBe(INSIDE);
    expect(r.body.insideTotal).toBe(BASKETS);
    // the listed rows add up to less: the figure is not theirs
    expect(shoppers.reduce((n, s) => n + s.total, 0)).toBeLessThan(BASKETS);

    const stats = await callStoreApi(server.httpUrl, STORE, operator, "GET", "/stats");
    expect(stats.body.activeSessions).toBe(INSIDE);
    expect(stats.body.activeTotal).toBe(BASKETS);
  });

  it("documents both figures in the OpenAPI document", async () => {
    const doc = (await (await fetch(`${server.httpUrl}/openapi.json`)).json()) as {
      paths: Record<
        string,
        { get: { responses: Record<string, { content: Record<string, { schema: JsonSchema }> }> } }
      >;
    };
    const view =
      doc.paths["/api/v1/stores/{store}/walkout"].get.responses["200"].content["application/json"].schema;
    expect(view.required).toEqual(expect.arrayContaining(["inside", "insideTotal", "shoppers", "devices"]));
    expect(view.properties.insideTotal.type).toBe("integer");
    const stats =
      doc.paths["/api/v1/stores/{store}/stats"].get.responses["200"].content["application/json"].schema;
    expect(stats.required).toContain("activeTotal");
  });
});
