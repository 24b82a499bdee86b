/** `skiplane import autocheckout` and `skiplane sim-walkout --from` name a missing input in words. */
import { mkdirSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { run } from "./support/run-cli";

describe("walk-out inputs", () => {
  const dir = mkdtempSync(join(tmpdir(), "skiplane-walkout-cli-"));

  it("import autocheckout: a missing folder or products.csv (was: ENOENT … open products.csv)", () => {
    const gone = run("import", "autocheckout", join(dir, "nope"), "--out", join(dir, "out"));
    expect(gone.code).toBe(1);
    expect(gone.err).toContain(`cannot read AutoCheckout folder ${join(dir, "nope")}: no such folder`);
    mkdirSync(join(dir, "empty"));
    const empty = run("import", "autocheckout", join(dir, "empty"), "--out", join(dir, "out"));
    expect(empty.code).toBe(1);
    expect(empty.err).toContain(`cannot read AutoCheckout products ${join(dir, "empty", "products.csv")}`);
  }, 60_000);

  it("sim-walkout --from a folder that does not exist", () => {
    const r = run("sim-walkout", "--visits", "2", "--from", join(dir, "nope"), "--out", join(dir, "sim"));
    expect(r.code).toBe(1);
    expect(r.err).toContain(`cannot read --from folder ${join(dir, "nope")}: no such folder`);
  }, 60_000);
});
