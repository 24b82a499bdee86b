import { describe, expect, it } from "vitest";
import { catalogToJson, formatIssue, parseCatalog, parseCatalogJson } from "./catalog-file";

const good = {
  currency: "USD",
  products: [
    {
      sku: "cola-330",
      name: "Cola 330 ml can",
      gtin: "5449000000996",
      price: 129,
      soldBy: "unit",
      weight: { mean: 349.2, sd: 1.6 },
      taxClass: "grocery",
      ageRestricted: false,
      lookalikes: ["cola-zero-330"],
    },
    {
      sku: "cola-zero-330",
      name: "Cola Zero 330 ml can",
      price: 129,
      soldBy: "unit",
      weight: { mean: 345, sd: 1.5 },
      lookalikes: ["cola-330"],
    },
    { sku: "banana", name: "Bananas", plu: "4011", pricePerKg: 219, soldBy: "weight", taxClass: "grocery" },
  ],
};

function issues(data: unknown): string[] {
  const r = parseCatalog(data);
  return r.ok ? [] : r.issues.map(formatIssue);
}

describe("catalog file", () => {
  it("parses the exchange-v1 example, normalising GTINs to 14 digits and filling defaults", () => {
    const r = parseCatalog(good);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.catalog.byGtin.get("05449000000996")?.sku).toBe("cola-330");
    expect(r.catalog.byPlu.get("4011")?.sku).toBe("banana");
    expect(r.catalog.bySku.get("cola-zero-330")?.taxClass).toBe("general");
    expect(r.catalog.bySku.get("cola-zero-330")?.ageRestricted).toBe(false);
  });

  it("round-trips through catalogToJson", () => {
    const r = parseCatalog(good);
    if (!r.ok) throw new Error("bad");
    const again = parseCatalog(JSON.parse(JSON.stringify(catalogToJson(r.catalog))));
    expect(again.ok && catalogToJson(again.catalog)).toEqual(catalogToJson(r.catalog));
  });

  it("names the path and the expectation of shape errors", () => {
    const bad = structuredClone(good) as { products: Record<string, unknown>[] };
    (bad.products[0].weight as { sd: number }).sd = -1;
    bad.products[1].price = 1.5;
    bad.products[2].soldBy = "kilo";
    expect(issues(bad)).toEqual([
      "products[0].weight.sd: expected a number ≥ 0",
      "products[1].price: expected an integer amount in minor units",
      'products[2].soldBy: expected "unit" or "weight"',
    ]);
  });

  it("rejects a bad check digit, duplicates, missing prices and unknown look-alikes", () => {
    const bad = structuredClone(good) as { products: Record<string, unknown>[] };
    bad.products[0].gtin = "5449000000997";
    bad.products[1].lookalikes = ["nope"];
    delete bad.products[1].weight;
    delete bad.products[2].pricePerKg;
    bad.products.push({
      sku: "banana",
      name: "Again",
      plu: "4011",
      soldBy: "unit",
      weight: { mean: 1, sd: 0 },
    });
    expect(issues(bad)).toEqual([
      'products[0].gtin: expected a GTIN-8/12/13/14 with a valid check digit, got "5449000000997"',
      "products[1].weight: a product sold by unit needs a weight model {mean, sd} (the cart's scale checks it)",
      'products[1].lookalikes[0]: unknown sku "nope"',
      "products[2].pricePerKg: a product sold by weight needs pricePerKg",
      'products[3].sku: duplicate sku "banana" (also products[2])',
      'products[3].plu: duplicate plu "4011" (also products[2])',
      "products[3].price: a product sold by unit needs a price",
    ]);
  });

  it("reports shape errors and rule errors of the other products together", () => {
    const bad = structuredClone(good) as { products: Record<string, unknown>[] };
    (bad.products[0].weight as { sd: number }).sd = -1;
    bad.products[2].gtin = "123";
    expect(issues(bad)).toEqual([
      "products[0].weight.sd: expected a number ≥ 0",
      'products[2].gtin: expected a GTIN-8/12/13/14 with a valid check digit, got "123"',
    ]);
  });

  it("reports a duplicate GTIN written in two lengths", () => {
    const bad = structuredClone(good) as { products: Record<string, unknown>[] };
    bad.products[1].gtin = "05449000000996";
    expect(issues(bad)).toEqual(['products[1].gtin: duplicate gtin "05449000000996" (also products[0])']);
  });

  it("turns broken JSON and wrong roots into issues, not exceptions", () => {
    const r = parseCatalogJson("{nope");
    expect(r.ok).toBe(false);
    // where the syntax breaks, so a person can go to it (before: no line, no column)
    const broken = parseCatalogJson(
      '{\n  "currency": "USD",\n  "products": [\n    { "sku": "a", }\n  ]\n}\n',
    );
    expect(broken.ok ? [] : broken.issues.map(formatIssue)).toEqual([
      expect.stringMatching(/^\(file\): not valid JSON: line 4, column 19: /),
    ]);
    expect(issues([])).toEqual(["(root): expected a JSON object {currency, products}"]);
    expect(issues({ currency: "usd", products: {} })).toEqual([
      "currency: expected an ISO 4217 code like USD",
      "products: expected an array of products",
    ]);
  });
});
