/**
 * `skiplane catalog check FILE` and `skiplane catalog demo [--out FILE]`: validate a catalog.json
 * (exchange-v1 §3), and write the demo catalog built from the real product data.
 */

import { writeFileSync } from "node:fs";
import type { Command } from "commander";
import { demoCatalogJson, loadDemoCatalog } from "../../adapters/demo/demo-catalog";
import { formatIssue, readCatalogFile } from "../../adapters/files/catalog-file";
import type { Catalog } from "../../domain/catalog/product";

export function catalogSummary(c: Catalog): string {
  const ps = c.products;
  const n = (f: (p: Catalog["products"][number]) => boolean) => ps.filter(f).length;
  const categories = new Set(ps.map((p) => p.category).filter(Boolean)).size;
  return (
    `${ps.length} products (${n((p) => p.soldBy === "unit")} by unit, ${n((p) => p.soldBy === "weight")} by weight), ` +
    `${n((p) => !!p.gtin)} with a GTIN, ${n((p) => !!p.plu)} with a PLU, ${n((p) => p.ageRestricted)} age-restricted, ` +
    `${n((p) => p.lookalikes.length > 0)} with look-alikes, ${categories} categories, currency ${c.currency}`
  );
}

export function register(program: Command): void {
  const cat = program
    .command("catalog")
    .description("Check catalogs (catalog.json, exchange-v1 §3) and make the demo one");

  cat
    .command("check")
    .description(
      "Validate a catalog.json: prints OK and counts, or every problem with its path (exit code 1)",
    )
    .argument("<file>", "catalog.json")
    .action((file: string) => {
      const r = readCatalogFile(file);
      if (r.ok) {
        process.stdout.write(`OK ${file}: ${catalogSummary(r.catalog)}\n`);
        return;
      }
      for (const issue of r.issues) process.stdout.write(`${formatIssue(issue)}\n`);
      process.stdout.write(`${r.issues.length} problem${r.issues.length === 1 ? "" : "s"} in ${file}\n`);
      process.exitCode = 1;
    });

  cat
    .command("demo")
    .description(
      "Build the demo catalog from the real product data (AIM3S unit weighings, Intel RTSF ranges) with demo " +
        "prices, produce by PLU, look-alike families and age-restricted items; deterministic",
    )
    .option("--out <file>", "write catalog.json here (default: print it)")
    .option("--data <dir>", "data folder (default: $SKIPLANE_DATA_DIR or ../shared/data)")
    .action((opts: { out?: string; data?: string }) => {
      const catalog = loadDemoCatalog(opts.data);
      const json = `${JSON.stringify(demoCatalogJson(catalog), null, 2)}\n`;
      if (!opts.out) {
        process.stdout.write(json);
        return;
      }
      writeFileSync(opts.out, json);
      process.stdout.write(`wrote ${opts.out}: ${catalogSummary(catalog)} (prices are demo prices)\n`);
    });
}
