/**
 * The demo walk-out store's catalog from the AutoCheckout data (../shared/data): its products.csv
 * has placeholder prices (1 for most, 0 to 10,000 for a few), so every product is marked
 * "(placeholder price)" where the price shows (its name) instead of being sold at an unexplained
 * $1.00.
 */
import { describe, expect, it } from "vitest";
import { loadWalkoutStoreFiles } from "../files/walkout-store-files";
import {
  demoWalkoutDir,
  demoWalkoutStoreFiles,
  markPlaceholderPrices,
  PLACEHOLDER_PRICE_MARK,
} from "./demo-walkout";

describe("demo walk-out catalog", () => {
  const dir = demoWalkoutDir();
  if (!dir) throw new Error("no autocheckout-cps-test-01 in the shared data");

  it("marks every product's price as a placeholder, and changes nothing else", () => {
    const raw = loadWalkoutStoreFiles({ autocheckout: dir }).catalog;
    const { catalog, layout } = demoWalkoutStoreFiles(dir);
    expect(catalog.products.length).toBe(raw.products.length);
    expect(layout.plates.length).toBe(348);
    // the data's prices: $1.00 for all but a few (no source prices these products)
    expect(catalog.products.filter((p) => p.price === 100).length).toBe(347);
    for (const [i, p] of catalog.products.entries()) {
      const before = raw.products[i];
      expect(p.name).toBe(`${before.name} ${PLACEHOLDER_PRICE_MARK}`);
      expect({ ...p, name: before.name }).toEqual(before);
      expect(catalog.bySku.get(p.sku)).toBe(p);
    }
  });

  it("marks a name once", () => {
    const raw = loadWalkoutStoreFiles({ autocheckout: dir }).catalog;
    const marked = markPlaceholderPrices(raw);
    expect(markPlaceholderPrices(marked).products.map((p) => p.name)).toEqual(
      marked.products.map((p) => p.name),
    );
  });
});
