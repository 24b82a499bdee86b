/**
 * `skiplane eval DIR`: replay DIR/log.jsonl, score it against DIR/truth.jsonl and print the
 * figures; with --answering also re-run the simulated shoppers (DIR/sim.json) answering prompts.
 * Writes DIR/eval.json and DIR/tradeoff.html (reviews vs silent errors as the threshold moves).
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Command } from "commander";
import { DEFAULT_FUSION_CONFIG } from "../../domain/fusion/fusion.config";
import { evaluateDir, formatReport, loadDirCatalog } from "../../eval/evaluate";
import { tradeoffHtml } from "../../eval/tradeoff-chart";
import { requireFile, requireFolder } from "./cli-files";
import { loadSettings } from "./replay";
import { numArg } from "./sim-eval-args";

const DEFAULT_SWEEP = [0.5, 0.7, 0.8, 0.9, 0.95, 0.98, 0.995];

function parseSweep(v: string): number[] {
  const xs = v.split(",").map((s) => Number(s.trim()));
  if (xs.length === 0 || xs.some((x) => !Number.isFinite(x) || x < 0 || x > 1)) {
    throw new Error(`--sweep takes thresholds between 0 and 1 separated by commas, got ${JSON.stringify(v)}`);
  }
  return xs;
}

export function register(program: Command): void {
  program
    .command("eval")
    .description(
      "Score a simulated or recorded store: replay DIR/log.jsonl against DIR/truth.jsonl (nobody answers), " +
        "and with --answering also simulated shoppers answering prompts; writes DIR/eval.json and DIR/tradeoff.html",
    )
    .argument("<dir>", "folder with log.jsonl, truth.jsonl, catalog.json (and sim.json for --answering)")
    .option(
      "--threshold <x>",
      "fusion accept threshold",
      numArg("--threshold", 0, 1),
      DEFAULT_FUSION_CONFIG.acceptThreshold,
    )
    .option(
      "--answering",
      "also re-simulate the shoppers (from sim.json) answering prompts, fusion in the loop",
      false,
    )
    .option("--no-replay", "skip the replay of the log (with --answering: answering shoppers only)")
    .option(
      "--sweep <list>",
      `accept thresholds for the trade-off chart (default ${DEFAULT_SWEEP.join(",")})`,
      parseSweep,
    )
    .option("--no-sweep", "no threshold sweep (faster)")
    .option(
      "--store <config>",
      "store configuration JSON (currency, tax, promotions); default: the demo store",
    )
    .action(
      async (
        dir: string,
        opts: {
          threshold: number;
          answering: boolean;
          replay: boolean;
          sweep: number[] | boolean;
          store?: string;
        },
      ) => {
        requireFolder(dir, "evaluation folder");
        for (const f of ["catalog.json", "truth.jsonl", ...(opts.replay ? ["log.jsonl"] : [])])
          requireFile(
            join(dir, f),
            f === "truth.jsonl" ? "ground truth" : f === "log.jsonl" ? "sensor log" : "catalog",
          );
        const catalog = loadDirCatalog(dir);
        const settings = loadSettings(opts.store, catalog);
        const sweep = opts.sweep === false ? [] : Array.isArray(opts.sweep) ? opts.sweep : DEFAULT_SWEEP;
        const report = await evaluateDir({
          dir,
          settings,
          threshold: opts.threshold,
          answering: opts.answering,
          replay: opts.replay,
          sweep,
          progress: process.stderr.isTTY ? (m) => process.stderr.write(`${m}\n`) : undefined,
        });
        for (const w of report.warnings ?? []) process.stderr.write(`warning: ${w}\n`);
        writeFileSync(join(dir, "eval.json"), `${JSON.stringify(report, null, 2)}\n`);
        const series = Object.entries(report.sweep).map(([mode, points]) => ({
          label: mode === "replay" ? "replayed log (nobody answers)" : "answering shoppers",
          points,
        }));
        const hard = report.mix === "hard";
        if (series.length) {
          writeFileSync(
            join(dir, "tradeoff.html"),
            tradeoffHtml(
              `Reviews vs silent errors as the accept threshold moves (${report.mix ?? "?"} mix, ${report.sessions} sessions)`,
              series,
              {
                reviewsPer1000: hard ? 50 : 10,
                silentPer1000: hard ? 5 : 1,
              },
            ),
          );
        }
        const out: string[] = [formatReport(report)];
        for (const m of report.modes) {
          const reasons = Object.entries(m.counters.reviewReasons).sort((a, b) => b[1] - a[1]);
          if (reasons.length)
            out.push(`review reasons (${m.mode}): ${reasons.map(([k, v]) => `${v}× ${k}`).join("; ")}`);
          if (m.silentExamples.length) {
            out.push(`silent errors (${m.mode}), first ${Math.min(5, m.silentExamples.length)}:`);
            for (const e of m.silentExamples.slice(0, 5))
              out.push(
                `  ${e.session}: ${e.diff.join(", ")}${e.decidable === false ? " (undecidable)" : ""}`,
              );
          }
        }
        const li = report.issues.log;
        const ti = report.issues.truth;
        for (const [what, iss] of [
          ["log", li],
          ["truth", ti],
        ] as const) {
          const n = Object.values(iss.counts).reduce((a, b) => a + b, 0);
          if (!n) continue;
          const file = join(dir, what === "log" ? "log.jsonl" : "truth.jsonl");
          out.push(`${n} bad ${what} line(s) skipped ${JSON.stringify(iss.counts)}:`);
          for (const i of iss.examples.slice(0, 10))
            out.push(`  ${file}:${i.line}: ${i.reason}: ${i.detail}`);
        }
        if (report.unmatched.truthWithoutLog.length)
          out.push(
            `${report.unmatched.truthWithoutLog.length} truth session(s) not in the log: ${report.unmatched.truthWithoutLog.slice(0, 10).join(", ")}`,
          );
        if (report.unmatched.logWithoutTruth.length)
          out.push(
            `${report.unmatched.logWithoutTruth.length} log session(s) without truth (not scored): ${report.unmatched.logWithoutTruth.slice(0, 10).join(", ")}`,
          );
        out.push(
          `wrote ${join(dir, "eval.json")}${series.length ? ` and ${join(dir, "tradeoff.html")}` : ""}`,
        );
        process.stdout.write(`${out.join("\n")}\n`);
      },
    );
}
