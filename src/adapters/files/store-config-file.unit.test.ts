import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { indexCatalog } from "../../domain/catalog/product";
import { unitProduct } from "../../domain/pricing/pricing.fixtures";
import { parseStoreConfig } from "./store-config-file";

const base = {
  currency: "USD",
  tax: { mode: "exclusive", name: "Sales tax", classes: { general: { rateBps: 825 } } },
  promotions: [{ code: "multi-buy", args: { skus: ["cola"], buy: 3, pay: 2 } }],
};
const issues = (data: unknown, catalog?: Parameters<typeof parseStoreConfig>[1]) => {
  const r = parseStoreConfig(data, catalog);
  return r.ok ? [] : r.issues.map((i) => `${i.path}: ${i.message}`);
};

describe("store configuration file", () => {
  it("reads a valid configuration", () => {
    const r = parseStoreConfig(base);
    expect(r.ok && r.settings.promotions).toEqual(base.promotions);
  });

  it("names the path of shape errors", () => {
    expect(
      issues({
        ...base,
        tax: { ...base.tax, mode: "added", classes: { general: { rateBps: 8.25 } } },
        extra: 1,
      }),
    ).toEqual([
      'tax.mode: expected "exclusive" (sales tax) or "inclusive" (VAT, GST)',
      "tax.classes.general.rateBps: expected an integer number of basis points",
      "(root): Unrecognized key(s) in object: 'extra'",
    ]);
  });

  it("checks promotion types and their arguments, and the fallback class", () => {
    expect(
      issues({
        ...base,
        tax: { ...base.tax, fallbackClass: "food" },
        promotions: [
          { code: "multi-buy", args: { skus: ["cola"], buy: 1, pay: 2 } },
          { code: "free-lunch", args: {} },
        ],
      }),
    ).toEqual([
      'tax.fallbackClass: "food" is not one of tax.classes',
      "promotions[0].args.buy: expected an integer ≥ 2",
      'promotions[1].code: unknown promotion type "free-lunch"',
    ]);
  });

  it("checks against a catalog: currency, tax classes, skus", () => {
    const catalog = indexCatalog("GBP", [unitProduct("tea", 100, "drinks", "zero")]);
    expect(issues(base, catalog)).toEqual([
      "currency: store charges USD but the catalog is priced in GBP",
      'tax.classes: no rate for tax class "zero" used by the catalog (and no fallbackClass)',
      'promotions[0].args: unknown sku "cola"',
    ]);
  });

  it("accepts the example configurations shipped in demo/", () => {
    for (const f of ["demo/store.json", "demo/store-uk.json"]) {
      const r = parseStoreConfig(JSON.parse(readFileSync(f, "utf8")));
      expect(r.ok ? [] : r.issues).toEqual([]);
    }
  });
});
