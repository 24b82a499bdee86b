/**
 * `skiplane replay LOG --catalog FILE --out receipts.jsonl`: run a §1 log through fusion and
 * pricing and write one §4 receipt per session. Bad lines are reported with their line numbers
 * and skipped. The receipts file is replaced only when the replay completes (a missing log or a
 * failure leaves an earlier receipts file as it was); a bar shows progress on a terminal.
 */
import type { Command } from "commander";
import { formatIssue, readCatalogFile } from "../../adapters/files/catalog-file";
import { readStoreConfigFile } from "../../adapters/files/store-config-file";
import type { Catalog } from "../../domain/catalog/product";
import { DEFAULT_STORE_SETTINGS, type StoreSettings } from "../../domain/store/store-settings";
import { IssueLog, readSensorLog } from "../../eval/log-reader";
import { Replayer } from "../../eval/replay";
import { BufferedWriter } from "../../sim/sim-files";
import { requireFile, writeAtomically } from "./cli-files";
import { countLines, progressBar } from "./progress";
import { numArg } from "./sim-eval-args";
import { walkoutHandlerFromLayout, walkoutSummary } from "./walkout-handler";

export function loadCatalogOrThrow(path: string): Catalog {
  requireFile(path, "catalog");
  const r = readCatalogFile(path);
  if (!r.ok) throw new Error(`invalid catalog ${path}:\n${r.issues.map(formatIssue).join("\n")}`);
  return r.catalog;
}

export function loadSettings(path: string | undefined, catalog: Catalog): StoreSettings {
  if (!path) return { ...DEFAULT_STORE_SETTINGS, currency: catalog.currency };
  requireFile(path, "store configuration");
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
        requireFile(log, "sensor log");
        const catalog = loadCatalogOrThrow(opts.catalog);
        const settings = loadSettings(opts.store, catalog);
        const walkout = opts.layout ? walkoutHandlerFromLayout(opts.layout, catalog, settings) : undefined;
        const t0 = Date.now();
        const issues = new IssueLog();
        const rp = new Replayer({
          catalog,
          settings,
          fusionConfig: opts.threshold !== undefined ? { acceptThreshold: opts.threshold } : undefined,
          storeHandler: walkout,
        });
        const receipts = await writeAtomically(opts.out, async (tmp) => {
          const bar = progressBar("replay", process.stderr.isTTY ? await countLines(log) : 0, "lines");
          try {
            for await (const { line, event } of readSensorLog(log, issues)) {
              rp.ingest(event);
              if ((line & 1023) === 0) bar.update(line);
            }
          } finally {
            bar.stop();
          }
          const all = rp.finish();
          const out = new BufferedWriter(tmp);
          for (const x of all) out.line(JSON.stringify(x));
          out.close();
          return all;
        });
        const r = { receipts, issues, counters: rp.counters };
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
