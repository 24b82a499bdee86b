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

/** Reads a basket file: one JSON object, or JSONL with one basket per line. Errors name the line. */
export function readBasketFile(path: string): BasketLine[] {
  const text = readFileSync(path, "utf8");
  const lines = text.split(/\r?\n/).filter((l) => l.trim() !== "");
  let docs: unknown[];
  try {
    docs = lines.length > 1 ? lines.map((l) => JSON.parse(l)) : [JSON.parse(text)];
  } catch (err) {
    throw new Error(`${path}: not valid JSON or JSONL: ${(err as Error).message}`);
  }
  return docs.map((d, i) => {
    const r = basketLine.safeParse(d);
    if (!r.success) {
      const where = docs.length > 1 ? `${path} line ${i + 1}` : path;
      throw new Error(
        `${where}: ${r.error.issues.map((x) => `${formatPath(x.path)}: ${x.message}`).join("; ")}`,
      );
    }
    return r.data;
  });
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
      let baskets = readBasketFile(opts.basket);
      if (opts.session) {
        baskets = baskets.filter((b) => b.session === opts.session);
        if (baskets.length === 0) throw new Error(`no session "${opts.session}" in ${opts.basket}`);
      }
      for (const b of baskets) {
        let receipt: ReturnType<typeof priceBasket>;
        try {
          receipt = priceBasket(b, cat.catalog, settings);
        } catch (err) {
          if (err instanceof DomainError) {
            throw new Error(`${b.session ? `session ${b.session}: ` : ""}${err.message} [${err.code}]`);
          }
          throw err;
        }
        if (opts.json) {
          process.stdout.write(
            `${JSON.stringify(b.session ? { session: b.session, ...receipt } : receipt)}\n`,
          );
        } else {
          process.stdout.write(formatReceiptText(receipt, { title: settings.name, session: b.session }));
          if (baskets.length > 1) process.stdout.write("\n");
        }
      }
    });
}
