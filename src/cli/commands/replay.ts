/**
 * `skiplane replay LOG --catalog FILE --out receipts.jsonl`: run a §1 log through fusion and
 * pricing and write one §4 receipt per session. Bad lines are reported with their line numbers
 * and skipped.
 */
import type { Command } from "commander";
import { formatIssue, readCatalogFile } from "../../adapters/files/catalog-file";
import { readStoreConfigFile } from "../../adapters/files/store-config-file";
import type { Catalog } from "../../domain/catalog/product";
import { DEFAULT_STORE_SETTINGS, type StoreSettings } from "../../domain/store/store-settings";
import { replayFile } from "../../eval/replay";
import { BufferedWriter } from "../../sim/sim-files";
import { numArg } from "./sim-eval-args";
import { walkoutHandlerFromLayout, walkoutSummary } from "./walkout-handler";

export function loadCatalogOrThrow(path: string): Catalog {
  const r = readCatalogFile(path);
  if (!r.ok) throw new Error(`invalid catalog ${path}:\n${r.issues.map(formatIssue).join("\n")}`);
  return r.catalog;
}

export function loadSettings(path: string | undefined, catalog: Catalog): StoreSettings {
  if (!path) return { ...DEFAULT_STORE_SETTINGS, currency: catalog.currency };
  const r = readStoreConfigFile(path, catalog);
  if (!r.ok)
    throw new Error(`invalid store config ${path}:\n${r.issues.map((i) => JSON.stringify(i)).join("\n")}`);
  return r.settings;
}

export function register(program: Command): void {
  program
    .command("replay")
    .description("Replay a §1 sensor log through fusion and pricing; write one §4 receipt per session")
    .argument("<log>", "sensor log (JSONL, exchange-v1 §1)")
    .requiredOption("--catalog <file>", "catalog.json (exchange-v1 §3)")
    .requiredOption("--out <file>", "receipts.jsonl to write")
    .option(
      "--store <config>",
      "store configuration JSON (currency, tax, promotions); default: the demo store",
    )
    .option("--threshold <x>", "fusion accept threshold", numArg("--threshold", 0, 1))
    .option("--layout <file>", "walk-out store layout.json: handle gate/track/plate events (walk-out fusion)")
    .action(
      async (
        log: string,
        opts: { catalog: string; out: string; store?: string; threshold?: number; layout?: string },
      ) => {
        const catalog = loadCatalogOrThrow(opts.catalog);
        const settings = loadSettings(opts.store, catalog);
        const walkout = opts.layout ? walkoutHandlerFromLayout(opts.layout, catalog, settings) : undefined;
        const out = new BufferedWriter(opts.out);
        const t0 = Date.now();
        let r: Awaited<ReturnType<typeof replayFile>>;
        try {
          r = await replayFile(log, {
            catalog,
            settings,
            fusionConfig: opts.threshold !== undefined ? { acceptThreshold: opts.threshold } : undefined,
            onReceipt: (x) => out.line(JSON.stringify(x)),
            storeHandler: walkout,
          });
        } finally {
          out.close();
        }
        const c = r.counters;
        const lines = [
          `replayed ${c.events} events in ${((Date.now() - t0) / 1000).toFixed(1)} s: ${c.accepted} accepted, ` +
            `${Object.values(c.rejected).reduce((a, b) => a + b, 0)} rejected ${JSON.stringify(c.rejected)}; ` +
            `${r.receipts.length} receipts → ${opts.out}`,
        ];
        if (walkout) lines.push(walkoutSummary(walkout));
        if (c.unfinished) lines.push(`${c.unfinished} session(s) never reached session.end: no receipt`);
        const ignored = Object.entries(c.ignoredStoreEvents);
        if (ignored.length)
          lines.push(`store (walk-out) events ignored, no handler: ${JSON.stringify(c.ignoredStoreEvents)}`);
        if (r.issues.total) {
          lines.push(`${r.issues.total} bad line(s) skipped ${JSON.stringify(r.issues.counts)}:`);
          for (const i of r.issues.examples.slice(0, 20))
            lines.push(`  line ${i.line}: ${i.reason}: ${i.detail}`);
          if (r.issues.total > 20) lines.push(`  … ${r.issues.total - 20} more`);
        }
        process.stdout.write(`${lines.join("\n")}\n`);
      },
    );
}
