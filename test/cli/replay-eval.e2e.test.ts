/**
 * `skiplane replay` and `skiplane eval` as a process, on damaged and missing inputs: every bad
 * line named with its number and reason, the rest still replayed, a clear message for a missing
 * file, and nothing lost — an earlier receipts file survives a replay that cannot run.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { CLI, run, TSX } from "./support/run-cli";

describe("skiplane replay / eval on bad input", () => {
  const dir = mkdtempSync(join(tmpdir(), "skiplane-replay-"));
  const sim = join(dir, "sim");
  const catalog = join(sim, "catalog.json");

  beforeAll(() => {
    const r = run("sim", "--sessions", "6", "--carts", "2", "--seed", "5", "--out", sim);
    expect(r.code, r.err).toBe(0);
  }, 60_000);

  it("reports each damaged line with its number and reason and replays the rest", () => {
    const lines = readFileSync(join(sim, "log.jsonl"), "utf8").trimEnd().split("\n");
    const damaged = [...lines];
    damaged[4] = (damaged[4] as string).slice(0, 30); // truncated
    const wrongType = JSON.parse(damaged[9] as string);
    wrongType.t = "yesterday";
    damaged[9] = JSON.stringify(wrongType);
    const newer = JSON.parse(damaged[14] as string);
    newer.v = 2;
    damaged[14] = JSON.stringify(newer);
    const log = join(dir, "damaged.jsonl");
    writeFileSync(log, `${damaged.join("\n")}\n`);
    const out = join(dir, "receipts.jsonl");
    const r = run("replay", log, "--catalog", catalog, "--out", out);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toContain("3 bad line(s) skipped");
    expect(r.out).toMatch(/line 5: bad-json: not JSON \(truncated line\?\)/);
    expect(r.out).toMatch(/line 10: bad-event: t: Expected number, received string/);
    expect(r.out).toMatch(/line 15: unknown-version: format version v=2/);
    expect(readFileSync(out, "utf8").trim().split("\n").length).toBeGreaterThan(0);
    // quiet when stderr is not a terminal: no progress bar in a pipe
    expect(r.err).toBe("");
  }, 60_000);

  it("shows a progress bar when stderr is a terminal", () => {
    // `script` runs the command on a pseudo-terminal (util-linux, in every Debian image)
    const cmd = [
      TSX,
      CLI,
      "replay",
      join(sim, "log.jsonl"),
      "--catalog",
      catalog,
      "--out",
      join(dir, "tty.jsonl"),
    ]
      .map((a) => `'${a}'`)
      .join(" ");
    const r = spawnSync("script", ["-qec", cmd, "/dev/null"], { encoding: "utf8" });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/ replay .* 0% · 0\/\d+ lines/);
    expect(r.stdout).toContain("6 receipts");
  }, 60_000);

  it("a missing log is named in words and an earlier receipts file is left as it was", () => {
    const out = join(dir, "kept.jsonl");
    writeFileSync(out, '{"session":"earlier"}\n');
    const r = run("replay", join(dir, "no-such-log.jsonl"), "--catalog", catalog, "--out", out);
    expect(r.code).toBe(1);
    expect(r.err).toContain(`cannot read sensor log ${join(dir, "no-such-log.jsonl")}: no such file`);
    expect(readFileSync(out, "utf8")).toBe('{"session":"earlier"}\n');
    expect(existsSync(`${out}.partial-${process.pid}`)).toBe(false);
  }, 60_000);

  it("a missing catalog is named in words", () => {
    const r = run(
      "replay",
      join(sim, "log.jsonl"),
      "--catalog",
      join(dir, "nope.json"),
      "--out",
      join(dir, "x.jsonl"),
    );
    expect(r.code).toBe(1);
    expect(r.err).toContain(`cannot read catalog ${join(dir, "nope.json")}: no such file`);
    expect(existsSync(join(dir, "x.jsonl"))).toBe(false);
  }, 60_000);

  it("writes receipts into a folder that does not exist yet", () => {
    const out = join(dir, "new", "folder", "receipts.jsonl");
    const r = run("replay", join(sim, "log.jsonl"), "--catalog", catalog, "--out", out);
    expect(r.code, r.err).toBe(0);
    expect(readFileSync(out, "utf8").trim().split("\n")).toHaveLength(6);
  }, 60_000);

  it("eval names a missing folder or file instead of a system error", () => {
    const gone = run("eval", join(dir, "no-such-dir"), "--no-sweep");
    expect(gone.code).toBe(1);
    expect(gone.err).toContain(`cannot read evaluation folder ${join(dir, "no-such-dir")}: no such folder`);
    const noTruth = join(dir, "no-truth");
    run("sim", "--sessions", "1", "--out", noTruth);
    writeFileSync(join(noTruth, "truth.jsonl"), "");
    const empty = run("eval", noTruth, "--no-sweep");
    expect(empty.code, empty.err).toBe(0);
    rmSync(join(noTruth, "truth.jsonl"));
    const r = run("eval", noTruth, "--no-sweep");
    expect(r.code).toBe(1);
    expect(r.err).toContain(`cannot read ground truth ${join(noTruth, "truth.jsonl")}: no such file`);
  }, 60_000);

  it("eval names a truth line it cannot price and a broken sim.json, and scores the rest", () => {
    const bad = join(dir, "bad-inputs");
    expect(run("sim", "--sessions", "6", "--carts", "2", "--seed", "5", "--out", bad).code).toBe(0);
    const truth = join(bad, "truth.jsonl");
    writeFileSync(
      truth,
      `${readFileSync(truth, "utf8")}{"session":"o","items":[{"sku":"x","qty":1}],"weighed":[]}\n`,
    );
    writeFileSync(join(bad, "sim.json"), "{bad\n");
    const r = run("eval", bad, "--no-sweep");
    // before: `skiplane: unknown sku "x"` (no line, exit 1), then a bare JSON error naming no file
    expect(r.code, r.err).toBe(0);
    expect(r.out).toContain(`${truth}:7: bad-event: truth: session o cannot be priced`);
    expect(r.out).toContain('unknown sku "x"');
    expect(r.err).toContain(`warning: ${join(bad, "sim.json")} is not valid JSON: line 1, column 2:`);
    const report = JSON.parse(readFileSync(join(bad, "eval.json"), "utf8"));
    expect(report.sessions).toBe(6);
    expect(report.issues.truth.counts).toEqual({ "bad-event": 1 });
    const answering = run("eval", bad, "--no-sweep", "--answering");
    expect(answering.code).toBe(1);
    expect(answering.err).toContain(`${join(bad, "sim.json")} is not valid JSON: line 1, column 2:`);
  }, 60_000);

  it("sim shows a progress bar when stderr is a terminal, and nothing in a pipe", () => {
    const out = join(dir, "sim-tty");
    const cmd = [TSX, CLI, "sim", "--sessions", "40", "--seed", "2", "--out", out]
      .map((a) => `'${a}'`)
      .join(" ");
    const r = spawnSync("script", ["-qec", cmd, "/dev/null"], { encoding: "utf8" });
    expect(r.status, r.stderr).toBe(0);
    // before: nothing until the summary line
    expect(r.stdout).toMatch(/ simulating .* · \d+\/40 sessions/);
    expect(r.stdout).toContain("simulated 40 sessions");
    const piped = run("sim", "--sessions", "5", "--out", join(dir, "sim-pipe"));
    expect(piped.code).toBe(0);
    expect(piped.err).toBe("");
  }, 60_000);
});
