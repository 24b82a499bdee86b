/**
 * A mistyped option is named before a required one it leaves missing: `--catlog` for `--catalog`
 * says "unknown option '--catlog'" with the suggestion, not "required option '--catalog' not
 * specified" (commander's own order; src/cli/skiplane-command.ts).
 */
import { describe, expect, it } from "vitest";
import { run } from "./support/run-cli";

describe("skiplane: a mistyped option comes before a missing required one", () => {
  it("replay log.jsonl --catlog x names the unknown option and suggests --catalog", () => {
    const r = run("replay", "log.jsonl", "--catlog", "x");
    expect(r.code).toBe(1);
    const first = r.err.split("\n")[0];
    expect(first).toBe("error: unknown option '--catlog'");
    expect(r.err).toContain("(Did you mean --catalog?)");
    expect(r.err).not.toContain("required option");
  });

  it("price (two required options) with one misspelt names the misspelt one", () => {
    const r = run("price", "--basket", "b.json", "--catalgo", "c.json");
    expect(r.code).toBe(1);
    expect(r.err.split("\n")[0]).toBe("error: unknown option '--catalgo'");
    expect(r.err).toContain("(Did you mean --catalog?)");
  });

  it("a missing required option alone is still reported as missing", () => {
    const r = run("replay", "log.jsonl");
    expect(r.code).toBe(1);
    expect(r.err.split("\n")[0]).toBe("error: required option '--catalog <file>' not specified");
  });
});
