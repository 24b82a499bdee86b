// Makes the README's two commands work on a fresh clone: installs dependencies when
// node_modules is missing or older than the lockfile, and builds the web app when its build is
// missing or older than its sources. Uses only Node built-ins, so it runs before anything is installed.
import { spawnSync } from "node:child_process";
import { existsSync, statSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { ensureWebBuild as buildWhenStale } from "./ensure-web-build.mjs";

export const root = join(dirname(fileURLToPath(import.meta.url)), "..");

function run(cmd, args) {
  const r = spawnSync(cmd, args, { cwd: root, stdio: ["ignore", "inherit", "inherit"] });
  if (r.status !== 0) {
    console.error(`bootstrap: \`${cmd} ${args.join(" ")}\` failed (exit ${r.status})`);
    process.exit(r.status ?? 1);
  }
}

export function ensureDeps() {
  const marker = join(root, "node_modules", ".package-lock.json");
  const lock = join(root, "package-lock.json");
  if (!existsSync(marker) || (existsSync(lock) && statSync(lock).mtimeMs > statSync(marker).mtimeMs + 1000)) {
    console.error("bootstrap: installing dependencies (npm install)…");
    run("npm", ["install", "--no-audit", "--no-fund"]);
  }
}

/** Builds the web app when web/dist is missing or older than its sources (after a pull, a stale
 * app would be served: this used to build only when web/dist was missing). */
export function ensureWebBuild() {
  try {
    return buildWhenStale();
  } catch (e) {
    console.error(`bootstrap: ${e instanceof Error ? e.message : String(e)}`);
    process.exit(1);
  }
}
