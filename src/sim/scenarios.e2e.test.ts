/**
 * Every scripted scenario in src/sim/scenarios/ runs through the simulator, CartStreams (fusion)
 * and pricing; its receipt must be what the file expects. The expected items are also checked
 * against the simulator's own truth, so a scenario file cannot expect something it never did.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadDemoCatalog } from "../adapters/demo/demo-catalog";
import { priceBasket } from "../domain/pricing/price-basket";
import { DEFAULT_STORE_SETTINGS } from "../domain/store/store-settings";
import { compare } from "../eval/score";
import { parseScenario, ScenarioError } from "./scenario";
import { runScenario } from "./scenario-runner";

const dir = join(import.meta.dirname, "scenarios");
const files = readdirSync(dir)
  .filter((f) => f.endsWith(".scenario"))
  .sort();
const catalog = loadDemoCatalog();
const settings = DEFAULT_STORE_SETTINGS;

describe("scenario parser", () => {
  it("reports the line and the problem", () => {
    expect(() => parseScenario("drop 2 cola-330", catalog)).toThrow(
      new ScenarioError(1, "unknown product cola-330"),
    );
    expect(() => parseScenario("# hi\nweigh bananas heavy plu", catalog)).toThrow(
      /line 2: expected a weight like 450g/,
    );
    expect(() => parseScenario("juggle 3 rolo", catalog)).toThrow(/line 1: unknown instruction juggle/);
    const sc = parseScenario(
      "drop rolo + skor scan\nweigh bananas 612g plu 4011\nexpect total ~134",
      catalog,
    );
    expect(sc.steps[0]).toMatchObject({
      kind: "add",
      skus: [
        { sku: "rolo", qty: 1 },
        { sku: "skor", qty: 1 },
      ],
      scan: true,
    });
    expect(sc.steps[1]).toEqual({
      kind: "produce",
      sku: "bananas",
      grams: 612,
      entry: "plu-before",
      pluCode: "4011",
    });
    expect(sc.expect.total).toEqual({ value: 134, approx: true });
  });
});

describe("scripted scenarios", () => {
  expect(files.length).toBeGreaterThanOrEqual(8);
  for (const file of files) {
    it(file, () => {
      const sc = parseScenario(readFileSync(join(dir, file), "utf8"), catalog);
      const run = runScenario(sc, catalog, settings);
      const r = run.receipt;
      expect(r, "a receipt at session.end").toBeDefined();
      if (!r) return;
      const e = sc.expect;
      if (e.items || e.weighed) {
        const expected = { items: e.items ?? [], weighed: e.weighed ?? [] };
        expect(
          compare(run.outcome.truth, expected).diff,
          "the file's expectation matches what the shopper did",
        ).toEqual([]);
        expect(compare(expected, r).diff, `receipt of ${sc.title}`).toEqual([]);
        if (!e.weighed?.length) expect(r.total).toBe(priceBasket(expected, catalog, settings).total);
      }
      if (e.total) {
        if (e.total.approx)
          expect(Math.abs(r.total - e.total.value)).toBeLessThanOrEqual(0.02 * e.total.value);
        else expect(r.total).toBe(e.total.value);
      }
      if (e.review !== undefined) expect(r.review, "sent to review").toBe(e.review);
      if (e.prompts !== undefined) expect(r.prompts, "prompts shown").toBe(e.prompts);
    });
  }
});
