/**
 * The command line of the scripts run by hand (scripts/*.ts) and of the benchmarks (bench/*.ts):
 * commander, as the `skiplane` CLI parses its own. `--help` / `-h` prints the usage and exits 0;
 * a usage error (an unknown option, a missing argument, a number option given something else) and
 * a DIR that is not a directory or lacks a file the script reads are reported in one line,
 * `<script>: …`, with exit status 2. Node and commander only: importing this starts nothing, so a
 * benchmark that parses its command line first does no work on `--help` or a usage error.
 */
import { existsSync, statSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { Command, InvalidArgumentError } from "commander";

/** A command named `name` (the script's file name without .ts), described by `description`. */
export function scriptCommand(name: string, description: string): Command {
  return new Command(name)
    .description(description)
    .helpOption("-h, --help", "show this usage and exit")
    .configureOutput({ outputError: (s, write) => write(`${name}: ${s}`) })
    .exitOverride((err) => process.exit(err.exitCode === 0 ? 0 : 2));
}

/**
 * commander parsers for number options (`.option("--runs <n>", "…", count(1), 2000)`): what
 * `Number()` reads, within bounds; anything else is a usage error, not a NaN run. `count(min)`: a
 * whole number >= min; `counts(min)`: a comma-separated list of them; `amount(min, { above })`:
 * any number >= min (> min with `above`).
 */
export function count(min: number): (v: string) => number {
  return (v) => {
    const n = Number(v);
    if (v.trim() === "" || !Number.isSafeInteger(n) || n < min)
      throw new InvalidArgumentError(`Not a whole number >= ${min}.`);
    return n;
  };
}
export function counts(min: number): (v: string) => number[] {
  const one = count(min);
  return (v) => {
    try {
      return v.split(",").map(one);
    } catch {
      throw new InvalidArgumentError(`Not a comma-separated list of whole numbers >= ${min}.`);
    }
  };
}
export function amount(min: number, { above = false } = {}): (v: string) => number {
  return (v) => {
    const n = Number(v);
    if (v.trim() === "" || !Number.isFinite(n) || n < min || (above && n === min))
      throw new InvalidArgumentError(`Not a number ${above ? ">" : ">="} ${min}.`);
    return n;
  };
}

/**
 * For the scripts that read the shared data and take no argument: parses the command line of
 * `name` (`--help` only) and returns the data dir, SKIPLANE_DATA_DIR or ../shared/data beside the
 * repository.
 */
export function sharedDataScript(name: string, description: string): string {
  scriptCommand(name, `${description} (SKIPLANE_DATA_DIR overrides ../shared/data)`).parse();
  const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
  return process.env.SKIPLANE_DATA_DIR ?? resolve(root, "../shared/data");
}

/** The options of the scripts that run a store through `runFusion` (fusion-run.ts). */
export function fusionRunOptions(command: Command): Command {
  return command
    .option("--threshold <p>", "fusion's accept threshold (default: FusionConfig.acceptThreshold)")
    .option("--replayed", "replay the log as it is, nobody answering (default: re-simulate, answering)");
}

/**
 * `dir`, once it is a directory holding each of `files`; otherwise `<name>: …` on stderr and exit
 * status 2.
 */
export function storeDir(name: string, dir: string, files: string[]): string {
  const fail = (why: string): never => {
    process.stderr.write(`${name}: ${why}\n`);
    process.exit(2);
  };
  if (!existsSync(dir) || !statSync(dir).isDirectory()) fail(`${dir}: not a directory`);
  const missing = files.filter((f) => !existsSync(join(dir, f)));
  if (missing.length > 0) fail(`${dir}: no ${missing.join(", ")} (a store written by \`skiplane sim\`)`);
  return dir;
}

/** What a script re-simulating a store reads of it. */
export const SIM_FILES = ["catalog.json", "sim.json"];
/** What a script reading a store's log reads of it. */
export const LOG_FILES = ["catalog.json", "log.jsonl", "truth.jsonl"];
/** What `runFusion` reads: the log with `replayed`, the manifest in any case. */
export const fusionRunFiles = (replayed: boolean): string[] =>
  replayed ? [...LOG_FILES, "sim.json"] : SIM_FILES;
