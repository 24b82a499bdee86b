/** The demo catalog from the real data files (../shared/data). */

import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parseCatalog } from "../files/catalog-file";
import { parseStoreConfig } from "../files/store-config-file";
import { demoCatalogJson, loadDemoCatalog } from "./demo-catalog";

describe("demo catalog from the real data", () => {
  const catalog = loadDemoCatalog();

  it("holds the measured AIM3S and Intel products, produce and age-restricted items", () => {
    const unit = catalog.products.filter((p) => p.soldBy === "unit");
    expect(unit.length).toBeGreaterThanOrEqual(79 + 23);
    expect(catalog.products.filter((p) => p.soldBy === "weight").map((p) => p.plu)).toContain("4011");
    expect(catalog.products.filter((p) => p.ageRestricted).length).toBeGreaterThanOrEqual(3);
    expect(catalog.products.filter((p) => p.lookalikes.length > 0).length).toBeGreaterThan(30);
  });

  it("writes a catalog.json that the catalog loader accepts unchanged", () => {
    const json = JSON.parse(JSON.stringify(demoCatalogJson(catalog)));
    const again = parseCatalog(json);
    expect(again.ok).toBe(true);
    if (again.ok) expect(again.catalog.products).toEqual(catalog.products);
  });

  it("is the same on every run", () => {
    expect(JSON.stringify(demoCatalogJson(loadDemoCatalog()))).toBe(JSON.stringify(demoCatalogJson(catalog)));
  });

  it("fits the example store configuration demo/store.json (currency, tax classes, promotion skus and categories)", () => {
    const r = parseStoreConfig(JSON.parse(readFileSync("demo/store.json", "utf8")), catalog);
    expect(r.ok ? [] : r.issues).toEqual([]);
  });
});
