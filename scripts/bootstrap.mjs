// Makes the README's two commands work on a fresh clone: installs dependencies when
// node_modules is missing or older than the lockfile, and builds the web app when its build is
// missing. Uses only Node built-ins, so it runs before anything is installed.
import { spawnSync } from "node:child_process";
import { existsSync, statSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

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

export function ensureWebBuild() {
  const hasWeb = existsSync(join(root, "web", "index.html"));
  if (hasWeb && !existsSync(join(root, "web", "dist", "index.html"))) {
    console.error("bootstrap: building the web app (vite build)…");
    run("npm", ["run", "--silent", "build:web"]);
  }
}
