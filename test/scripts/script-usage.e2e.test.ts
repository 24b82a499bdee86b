/**
 * The scripts run by hand (scripts/*.ts) behave like tools: `--help` and `-h` print a usage and
 * exit 0 (before, fusion-silent.ts read `--help` as its DIR); a DIR that does not exist, or none
 * given, is one line on stderr and exit status 2 (before: a stack trace, or an empty run).
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

/** Runs scripts/`name`.ts with `args` (node with tsx's loader, one process). */
function script(name: string, args: string[]): Promise<{ code: number; out: string; err: string }> {
  return new Promise((resolve) =>
    execFile(
      process.execPath,
      ["--import", "tsx", join(process.cwd(), "scripts", `${name}.ts`), ...args],
      (error, out, err) => resolve({ code: error ? Number(error.code ?? 1) : 0, out, err }),
    ),
  );
}

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
