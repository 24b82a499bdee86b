/**
 * `skiplane price --catalog FILE --basket FILE [--store CONFIG] [--json]`: price a basket given
 * as ground-truth lines (exchange-v1 §2) and print the receipt: lines, promotions, taxes, total.
 */
import { readFileSync } from "node:fs";
import type { Command } from "commander";
import { z } from "zod";
import { formatIssue, formatPath, readCatalogFile } from "../../adapters/files/catalog-file";
import { readStoreConfigFile } from "../../adapters/files/store-config-file";
import { priceBasket } from "../../domain/pricing/price-basket";
import { formatReceiptText } from "../../domain/pricing/receipt.text";
import { DomainError } from "../../domain/shared/errors";
import { DEFAULT_STORE_SETTINGS, type StoreSettings } from "../../domain/store/store-settings";
import { checkStoreAgainstCatalog } from "../../domain/store/store-settings.validation";
import { requireFile } from "./cli-files";

const basketLine = z.object({
  session: z.string().max(200).optional(),
  items: z
    .array(
      z.object({
        sku: z.string({ required_error: "required", invalid_type_error: "expected a string" }),
        qty: z
          .number({ invalid_type_error: "expected a number" })
          .int("expected an integer")
          .min(0, "expected ≥ 0"),
      }),
    )
    .default([]),
  weighed: z
    .array(
      z.object({
        sku: z.string({ required_error: "required", invalid_type_error: "expected a string" }),
        grams: z.number({ invalid_type_error: "expected a number" }).nonnegative("expected ≥ 0"),
      }),
    )
    .default([]),
});
type BasketLine = z.infer<typeof basketLine>;

export interface BasketFile {
  /** the baskets that parsed, each with its line in a JSONL file */
  baskets: { line?: number; basket: BasketLine }[];
  /** every line that did not, as `FILE line N: what is wrong` */
  issues: string[];
}

/**
 * Reads a basket file: one JSON object (on one line or pretty-printed over several), or JSONL
 * with one basket per line. A bad JSONL line is reported with its number and skipped; the other
 * lines are still priced.
 */
export function readBasketFile(path: string): BasketFile {
  requireFile(path, "basket");
  const text = readFileSync(path, "utf8");
  const check = (doc: unknown, where: string, line?: number): BasketFile => {
    const r = basketLine.safeParse(doc);
    if (r.success) return { baskets: [{ line, basket: r.data }], issues: [] };
    const what = r.error.issues.map((x) => `${formatPath(x.path)}: ${x.message}`).join("; ");
    return { baskets: [], issues: [`${where}: ${what}`] };
  };
  try {
    const whole: unknown = JSON.parse(text);
    if (whole !== null && typeof whole === "object" && !Array.isArray(whole)) return check(whole, path);
  } catch {
    // not one JSON document: read it as JSONL below
  }
  const out: BasketFile = { baskets: [], issues: [] };
  const lines = text.split(/\r?\n/);
  lines.forEach((l, i) => {
    if (l.trim() === "") return;
    const where = `${path} line ${i + 1}`;
    let doc: unknown;
    try {
      doc = JSON.parse(l);
    } catch (err) {
      out.issues.push(`${where}: not JSON (truncated line?): ${(err as Error).message}`);
      return;
    }
    const r = check(doc, where, i + 1);
    out.baskets.push(...r.baskets);
    out.issues.push(...r.issues);
  });
  if (out.baskets.length === 0 && out.issues.length === 0)
    out.issues.push(`${path}: no basket in it (expected a JSON object {items, weighed} or JSONL)`);
  return out;
}

export function register(program: Command): void {
  program
    .command("price")
    .description(
      "Price a basket (a ground-truth line, exchange-v1 §2: items + weighed) against a catalog and a store " +
        "configuration, and print the receipt with promotions and taxes",
    )
    .requiredOption("--catalog <file>", "catalog.json")
    .requiredOption(
      "--basket <file>",
      "basket: one JSON object {items, weighed}, or truth.jsonl (every line priced)",
    )
    .option(
      "--store <file>",
      "store configuration (docs/store-config.md); default: USD, US sales tax, no promotions",
    )
    .option("--session <id>", "price only this session of a truth.jsonl")
    .option("--json", "print the priced receipt as JSON (one line per basket)")
    .action((opts: { catalog: string; basket: string; store?: string; session?: string; json?: boolean }) => {
      requireFile(opts.catalog, "catalog");
      if (opts.store) requireFile(opts.store, "store configuration");
      const cat = readCatalogFile(opts.catalog);
      if (!cat.ok)
        throw new Error(`invalid catalog ${opts.catalog}:\n${cat.issues.map(formatIssue).join("\n")}`);
      let settings: StoreSettings = DEFAULT_STORE_SETTINGS;
      if (opts.store) {
        const st = readStoreConfigFile(opts.store, cat.catalog);
        if (!st.ok)
          throw new Error(
            `invalid store configuration ${opts.store}:\n${st.issues.map(formatIssue).join("\n")}`,
          );
        settings = st.settings;
      } else {
        const issues = checkStoreAgainstCatalog(settings, cat.catalog);
        if (issues.length > 0) {
          throw new Error(
            `the default store settings do not fit this catalog (give --store):\n${issues.map(formatIssue).join("\n")}`,
          );
        }
      }
      const file = readBasketFile(opts.basket);
      const problems = [...file.issues];
      let baskets = file.baskets;
      if (opts.session) {
        baskets = baskets.filter((b) => b.basket.session === opts.session);
        if (baskets.length === 0) throw new Error(`no session "${opts.session}" in ${opts.basket}`);
      }
      const several = baskets.length > 1;
      for (const { line, basket: b } of baskets) {
        const where = `${opts.basket}${line !== undefined && (several || file.baskets.length > 1) ? ` line ${line}` : ""}${b.session ? ` (session ${b.session})` : ""}`;
        let receipt: ReturnType<typeof priceBasket>;
        try {
          receipt = priceBasket(b, cat.catalog, settings);
        } catch (err) {
          if (err instanceof DomainError) {
            problems.push(`${where}: ${err.message} [${err.code}]`);
            continue;
          }
          throw err;
        }
        if (opts.json) {
          process.stdout.write(
            `${JSON.stringify(b.session ? { session: b.session, ...receipt } : receipt)}\n`,
          );
        } else {
          process.stdout.write(formatReceiptText(receipt, { title: settings.name, session: b.session }));
          if (several) process.stdout.write("\n");
        }
      }
      if (problems.length > 0) {
        // the good baskets are priced above; a script still learns from the exit code that some were not
        process.stderr.write(
          `skiplane: ${problems.length} basket(s) not priced:\n${problems.map((p) => `  ${p}`).join("\n")}\n`,
        );
        process.exitCode = 1;
      }
    });
}
