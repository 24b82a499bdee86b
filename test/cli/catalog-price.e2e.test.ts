/** `skiplane catalog …` and `skiplane price …` as a process, on the demo catalog from real data. */
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { run } from "./support/run-cli";

describe("skiplane catalog / price", () => {
  const dir = mkdtempSync(join(tmpdir(), "skiplane-cli-"));
  const catalog = join(dir, "catalog.json");

  it("writes the demo catalog and checks it", () => {
    const demo = run("catalog", "demo", "--out", catalog);
    expect(demo.code).toBe(0);
    expect(demo.out).toMatch(/^wrote .*: \d+ products .*demo prices/);
    const check = run("catalog", "check", catalog);
    expect(check.code).toBe(0);
    expect(check.out).toMatch(/^OK .*: \d+ products \(\d+ by unit, 8 by weight\)/);
  });

  it("lists every problem with its path and exits 1", () => {
    const json = JSON.parse(readFileSync(catalog, "utf8"));
    json.products[3].weight.sd = -1;
    json.products[5].gtin = "123";
    const bad = join(dir, "bad.json");
    writeFileSync(bad, JSON.stringify(json));
    const check = run("catalog", "check", bad);
    expect(check.code).toBe(1);
    expect(check.out).toContain("products[3].weight.sd: expected a number ≥ 0");
    expect(check.out).toContain(
      'products[5].gtin: expected a GTIN-8/12/13/14 with a valid check digit, got "123"',
    );
    expect(check.out).toContain("2 problems");
  });

  it("prices a ground-truth line as text and as JSON with the same total", () => {
    const basket = join(dir, "basket.json");
    writeFileSync(
      basket,
      JSON.stringify({
        session: "s-0001",
        items: [
          { sku: "kit-kat-king-size", qty: 2 },
          { sku: "sprite", qty: 1 },
          { sku: "pringles", qty: 1 },
        ],
        weighed: [{ sku: "bananas", grams: 612 }],
      }),
    );
    const text = run("price", "--catalog", catalog, "--basket", basket, "--store", "demo/store.json");
    expect(text.code).toBe(0);
    expect(text.out).toContain("Kit Kat King Size 2 for $5");
    const json = run(
      "price",
      "--catalog",
      catalog,
      "--basket",
      basket,
      "--store",
      "demo/store.json",
      "--json",
    );
    const receipt = JSON.parse(json.out);
    expect(receipt.session).toBe("s-0001");
    const total = `$${(receipt.total / 100).toFixed(2)}`;
    expect(text.out).toMatch(new RegExp(`TOTAL\\s+\\${total}`));
  });

  it("names an unknown sku and exits 1", () => {
    const basket = join(dir, "unknown.json");
    writeFileSync(basket, JSON.stringify({ items: [{ sku: "nope", qty: 1 }], weighed: [] }));
    const r = run("price", "--catalog", catalog, "--basket", basket);
    expect(r.code).toBe(1);
    expect(r.err).toContain('unknown sku "nope" [UNKNOWN_SKU]');
  });

  it("reads a pretty-printed basket file (it was refused as 'not valid JSON or JSONL')", () => {
    const basket = join(dir, "pretty.json");
    writeFileSync(basket, JSON.stringify({ items: [{ sku: "sprite", qty: 2 }], weighed: [] }, null, 2));
    const r = run("price", "--catalog", catalog, "--basket", basket, "--json");
    expect(r.code, r.err).toBe(0);
    expect(JSON.parse(r.out).lines[0].qty).toBe(2);
  });

  it("prices the good lines of a truth.jsonl and names each bad one with its line number", () => {
    const truth = join(dir, "truth.jsonl");
    writeFileSync(
      truth,
      [
        JSON.stringify({ session: "a", items: [{ sku: "sprite", qty: 1 }], weighed: [] }),
        JSON.stringify({ session: "b", items: [{ sku: "nope", qty: 1 }], weighed: [] }),
        '{"session": "c", "items": [{"sku": "spr',
        JSON.stringify({ session: "d", items: [{ sku: "sprite", qty: "two" }], weighed: [] }),
        JSON.stringify({ session: "e", items: [{ sku: "sprite", qty: 3 }], weighed: [] }),
      ].join("\n"),
    );
    const r = run("price", "--catalog", catalog, "--basket", truth, "--json");
    expect(r.code).toBe(1);
    expect(
      r.out
        .trim()
        .split("\n")
        .map((l) => JSON.parse(l).session),
    ).toEqual(["a", "e"]);
    expect(r.err).toContain("3 basket(s) not priced");
    expect(r.err).toContain(`${truth} line 2 (session b): unknown sku "nope" [UNKNOWN_SKU]`);
    expect(r.err).toContain(`${truth} line 3: not JSON (truncated line?)`);
    expect(r.err).toContain(`${truth} line 4: items[0].qty: expected a number`);
  });

  it("prices the shipped UK example (demo/store-uk.json had no catalog it fits)", () => {
    expect(run("catalog", "check", "demo/catalog-uk.json").code).toBe(0);
    const r = run(
      "price",
      "--catalog",
      "demo/catalog-uk.json",
      "--basket",
      "demo/basket-uk.json",
      "--store",
      "demo/store-uk.json",
      "--json",
    );
    expect(r.code, r.err).toBe(0);
    const receipt = JSON.parse(r.out);
    expect(receipt.currency).toBe("GBP");
    // sandwich 325 + crisps 165 + water 120 as the £3.85 meal deal, the other crisps 165, bananas 612 g × 96/kg = 59
    expect(receipt.total).toBe(385 + 165 + 59);
    expect(receipt.taxes.every((t: { included: boolean }) => t.included)).toBe(true);
  });

  it("names a missing basket file in words", () => {
    const r = run("price", "--catalog", catalog, "--basket", join(dir, "none.json"));
    expect(r.code).toBe(1);
    expect(r.err).toContain(`cannot read basket ${join(dir, "none.json")}: no such file`);
  });

  it("has --help for every command", () => {
    for (const cmd of [["catalog", "check"], ["catalog", "demo"], ["price"]]) {
      const r = run(...cmd, "--help");
      expect(r.code).toBe(0);
      expect(r.out).toContain("Usage: skiplane");
    }
  });
});
