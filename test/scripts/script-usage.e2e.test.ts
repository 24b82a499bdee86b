/**
 * The scripts run by hand (scripts/*.ts) behave like tools: `--help` and `-h` print a usage and
 * exit 0 (before, fusion-silent.ts read `--help` as its DIR); a DIR that does not exist, or none
 * given, is one line on stderr and exit status 2 (before: a stack trace, or an empty run).
 *
 * So do the benchmarks (bench/*.bench.ts), and they do no work on `--help` or a usage error:
 * before, `scale.bench.ts --help` ran the whole benchmark (PostgreSQL, Mosquitto, the servers), and
 * a non-number made a NaN run. Each run here is killed after 30 s, so a bench that started its
 * work would fail rather than hold the suite; its output would show as well (every bench prints
 * its settings or a figure before or after its work, and nothing may follow the usage).
 */
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

/** Each script and whether it takes store directories. */
const SCRIPTS: [string, boolean][] = [
  ["fusion-breakdown", true],
  ["fusion-calibrate", true],
  ["fusion-constants", false],
  ["fusion-diagnose", true],
  ["fusion-fit-blank", true],
  ["fusion-silent", true],
  ["fusion-stops", true],
  ["label-audit", true],
  ["together-prior", false],
  ["walkout-silent", false],
  ["camera-requirement", false],
];

/** `-h` as well as `--help`: one script of each parser (commander, node:util parseArgs) and one without DIR. */
const SHORT = ["fusion-silent", "walkout-silent", "camera-requirement"];

/** Each benchmark (bench/`name`.bench.ts, `npm run bench:name`) and a number option of it given a word. */
const BENCHES: [string, string[]][] = [
  ["fusion", ["--samples", "many"]],
  ["pricing", ["--runs", "2k"]],
  ["scale", ["--stores", "x"]],
  ["server", ["--carts", "100,lots"]],
  ["store-service", ["--interval", "soon"]],
];

/** Runs `file` with `args` (node with tsx's loader, one process; killed after 30 s). */
function run(
  file: string,
  args: string[],
  env: NodeJS.ProcessEnv = process.env,
): Promise<{ code: number | string; out: string; err: string }> {
  return new Promise((resolve) =>
    execFile(
      process.execPath,
      ["--import", "tsx", join(process.cwd(), file), ...args],
      { env, timeout: 30_000 },
      (error, out, err) =>
        resolve({
          code: error ? (error.killed ? `killed (${error.signal})` : Number(error.code ?? 1)) : 0,
          out,
          err,
        }),
    ),
  );
}

/** Runs scripts/`name`.ts with `args`. */
const script = (name: string, args: string[]) => run(join("scripts", `${name}.ts`), args);
/** Runs bench/`name`.bench.ts with `args`. */
const bench = (name: string, args: string[], env?: NodeJS.ProcessEnv) =>
  run(join("bench", `${name}.bench.ts`), args, env);

describe("scripts run by hand: usage and a wrong DIR", () => {
  const usage = [...SCRIPTS.map(([name]) => [name, "--help"]), ...SHORT.map((name) => [name, "-h"])];
  it.concurrent.each(usage)(
    "%s %s prints its usage and exits 0",
    async (name, flag) => {
      const r = await script(name, [flag]);
      expect({ code: r.code, usage: /^usage: /i.test(r.out), err: r.err }).toEqual({
        code: 0,
        usage: true,
        err: "",
      });
    },
    30_000,
  );

  it.concurrent.each(SCRIPTS.filter(([, dirs]) => dirs).map(([name]) => name))(
    "%s: a DIR that does not exist is one line and exit 2",
    async (name) => {
      const missing = "/nonexistent/skiplane-store";
      const r = await script(name, name === "label-audit" ? [missing, "/nonexistent/out.jsonl"] : [missing]);
      expect(r).toEqual({ code: 2, err: `${name}: ${missing}: not a directory\n`, out: "" });
    },
    30_000,
  );

  it.concurrent("no DIR, or one that is not a store: one line and exit 2", async () => {
    const none = await script("fusion-silent", []);
    expect(none).toEqual({
      code: 2,
      err: "fusion-silent: error: missing required argument 'dir'\n",
      out: "",
    });
    const empty = mkdtempSync(join(tmpdir(), "skiplane-not-a-store-"));
    const notStore = await script("fusion-stops", [empty]);
    rmSync(empty, { recursive: true });
    expect(notStore).toEqual({
      code: 2,
      err: `fusion-stops: ${empty}: no catalog.json, sim.json (a store written by \`skiplane sim\`)\n`,
      out: "",
    });
  }, 30_000);
});

describe("benchmarks: usage, and no work on --help or a usage error", () => {
  const names = BENCHES.map(([name]) => name);
  it.concurrent.each([...names.map((name) => [name, "--help"]), ["pricing", "-h"]])(
    "%s.bench %s prints its usage, nothing else, and exits 0",
    async (name, flag) => {
      const r = await bench(name, [flag]);
      const usage = new RegExp(
        `^Usage: ${name}\\.bench \\[options\\]\n[^]*\nRun: npm run bench:${name} -- \\[options\\][^\n]*\n$`,
      );
      expect({ code: r.code, usage: usage.test(r.out), err: r.err }).toEqual({
        code: 0,
        usage: true,
        err: "",
      });
    },
    40_000,
  );

  it.concurrent.each(names)(
    "%s.bench: an unknown option is one line and exit 2",
    async (name) => {
      const r = await bench(name, ["--bogus"]);
      expect(r).toEqual({ code: 2, err: `${name}.bench: error: unknown option '--bogus'\n`, out: "" });
    },
    40_000,
  );

  it.concurrent.each(BENCHES)(
    "%s.bench %j: a non-number is one line and exit 2",
    async (name, [option, value]) => {
      const r = await bench(name, [option, value]);
      const line = `${name}.bench: error: option '${option} <[^>]+>' argument '${value}' is invalid. Not a [^\\n]+\\n`;
      expect({
        code: r.code,
        out: r.out,
        err: new RegExp(`^${line}$`).test(r.err) ? "one line" : r.err,
      }).toEqual({
        code: 2,
        out: "",
        err: "one line",
      });
    },
    40_000,
  );

  it.concurrent("scale.bench: a bad BENCH_* variable is a usage error too (exit 2), the variables kept", async () => {
    const r = await bench("scale", [], { ...process.env, BENCH_STORES: "sixteen" });
    expect(r).toEqual({
      code: 2,
      err: "scale.bench: error: option '--stores <n>' value 'sixteen' from env 'BENCH_STORES' is invalid. Not a whole number >= 1.\n",
      out: "",
    });
  }, 40_000);
});
