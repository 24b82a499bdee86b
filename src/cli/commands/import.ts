/**
 * `skiplane import autocheckout DIR --out DIR`: convert the AutoCheckout competition's
 * planogram and plate recordings into exchange-v1 files (catalog, layout, log, truth).
 */
import { join } from "node:path";
import type { Command } from "commander";
import { importAutocheckout } from "../../adapters/importers/autocheckout";
import { requireFile, requireFolder } from "./cli-files";

export function register(program: Command): void {
  const imp = program.command("import").description("Import recordings and layouts from other formats");
  imp
    .command("autocheckout")
    .description(
      "Import an AutoCheckout (CPS-IoT 2020) case: products.csv + plates/*.csv → catalog.json, " +
        "layout.json, log.jsonl (plate events); with --truth, also truth.jsonl and synthesised gate events",
    )
    .argument("<dir>", "folder holding products.csv and plates/")
    .requiredOption("--out <dir>", "output folder")
    .option("--store <id>", "store id written on every event", "autocheckout")
    .option("--truth <file>", "ground-truth JSON (ground-truth-v14.json)")
    .option("--case <name>", "case in the ground truth, e.g. cps-test-01")
    .option("--batch <n>", "samples per plate event", (v) => Number.parseInt(v, 10))
    .action(
      (dir: string, opts: { out: string; store: string; truth?: string; case?: string; batch?: number }) => {
        if (
          opts.batch !== undefined &&
          !(Number.isInteger(opts.batch) && opts.batch > 0 && opts.batch <= 10_000)
        ) {
          throw new Error("--batch must be an integer between 1 and 10000");
        }
        if (!/^[A-Za-z0-9._:@-]{1,128}$/.test(opts.store))
          throw new Error("--store: letters, digits and . _ : @ - only");
        requireFolder(dir, "AutoCheckout folder");
        requireFile(join(dir, "products.csv"), "AutoCheckout products");
        if (opts.truth) requireFile(opts.truth, "ground truth");
        const s = importAutocheckout({
          dir,
          outDir: opts.out,
          store: opts.store,
          truthFile: opts.truth,
          caseName: opts.case,
          batch: opts.batch,
        });
        process.stdout.write(
          `imported ${s.products} products (${s.skippedProducts} without a weight left out), ${s.plates} plates, ` +
            `${s.samples} samples in ${s.events} events, ${s.rejectedLines} bad lines skipped, ` +
            `${s.ignoredFiles} other files ignored; ${s.sessions} labelled shopper(s)` +
            (s.unknownLabelledProducts.length
              ? `; unknown labelled products: ${s.unknownLabelledProducts.join(", ")}`
              : "") +
            ` → ${opts.out}\n`,
        );
      },
    );
}
