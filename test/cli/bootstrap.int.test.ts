/**
 * scripts/bootstrap.mjs (what `npm start` and `npm test` run first) rebuilds the web app when
 * its sources changed after the last build — after a `git pull`, `npm start` used to serve the
 * old app because it built only when web/dist was missing. Run on a throw-away project copy
 * whose `vite` is a stand-in that records being called.
 */
import { spawnSync } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

function project(): string {
  const dir = mkdtempSync(join(tmpdir(), "skiplane-bootstrap-"));
  mkdirSync(join(dir, "scripts"));
  for (const f of ["bootstrap.mjs", "ensure-web-build.mjs"])
    copyFileSync(join(process.cwd(), "scripts", f), join(dir, "scripts", f));
  mkdirSync(join(dir, "web", "src"), { recursive: true });
  mkdirSync(join(dir, "web", "dist"));
  mkdirSync(join(dir, "node_modules", "vite", "bin"), { recursive: true });
  writeFileSync(join(dir, "node_modules", ".package-lock.json"), "{}");
  writeFileSync(
    join(dir, "node_modules", "vite", "bin", "vite.js"),
    `require("node:fs").writeFileSync(${JSON.stringify(join(dir, "built"))}, "yes");\n`,
  );
  writeFileSync(join(dir, "web", "index.html"), "<!doctype html>");
  writeFileSync(join(dir, "web", "src", "main.tsx"), "export {};");
  writeFileSync(join(dir, "web", "dist", "index.html"), "<!doctype html>");
  return dir;
}

function bootstrap(dir: string) {
  return spawnSync(
    process.execPath,
    ["--input-type=module", "-e", "(await import('./scripts/bootstrap.mjs')).ensureWebBuild()"],
    {
      cwd: dir,
      encoding: "utf8",
    },
  );
}

describe("bootstrap ensureWebBuild", () => {
  it("rebuilds when a web source is newer than the build", () => {
    const dir = project();
    const old = new Date(Date.now() - 60_000);
    utimesSync(join(dir, "web", "dist", "index.html"), old, old);
    const r = bootstrap(dir);
    expect(r.status, r.stderr).toBe(0);
    expect(existsSync(join(dir, "built"))).toBe(true);
  });

  it("leaves a build newer than every source alone", () => {
    const dir = project();
    const old = new Date(Date.now() - 60_000);
    for (const f of ["web/index.html", "web/src/main.tsx", "web/src", "web"])
      utimesSync(join(dir, f), old, old);
    const r = bootstrap(dir);
    expect(r.status, r.stderr).toBe(0);
    expect(existsSync(join(dir, "built"))).toBe(false);
  });
});
