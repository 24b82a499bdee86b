/** `skiplane db …` and `skiplane labels export` as a process, on a SQLite file. */
import { existsSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { run } from "./support/run-cli";

describe("skiplane db / labels", () => {
  const dir = mkdtempSync(join(tmpdir(), "skiplane-db-"));

  it("a mistyped database path is an error, not a new empty database with no labels", () => {
    const missing = join(dir, "typo.sqlite");
    const r = run("labels", "export", "--store", "demo", "--db", missing);
    expect(r.code).toBe(1);
    expect(r.err).toContain(`no database at ${missing}`);
    expect(existsSync(missing)).toBe(false);
    const ret = run("db", "retention", "--days", "30", "--db", missing);
    expect(ret.code).toBe(1);
    expect(existsSync(missing)).toBe(false);
  }, 60_000);

  it("db migrate creates the database; then the exports and retention run on it", () => {
    const file = join(dir, "made.sqlite");
    expect(run("db", "migrate", "--db", file).code).toBe(0);
    expect(existsSync(file)).toBe(true);
    const r = run("labels", "export", "--store", "demo", "--db", file);
    expect(r.code, r.err).toBe(0);
    expect(r.err).toContain("0 labelled decisions");
    expect(run("db", "retention", "--days", "30", "--db", file).out).toMatch(/^deleted 0 raw events/);
  }, 60_000);

  it("refuses a number that is not a whole number (--days 1.5 was read as 1)", () => {
    const r = run("db", "retention", "--days", "1.5", "--db", join(dir, "made.sqlite"));
    expect(r.code).toBe(1);
    expect(r.err).toContain('--days must be an integer from 1 to 36500, got "1.5"');
  }, 60_000);
});
