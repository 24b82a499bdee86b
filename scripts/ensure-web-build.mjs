#!/usr/bin/env node
// Builds the web app (vite build → web/dist) when its build is missing or older than its
// sources, so `npm start` and the browser tests never serve a stale or absent app. Node
// built-ins only. Usable as a script (`node scripts/ensure-web-build.mjs [--force]`) or imported:
// `import { ensureWebBuild } from "./scripts/ensure-web-build.mjs"`.
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, statSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const web = join(root, "web");
const built = join(web, "dist", "index.html");

function newest(path) {
  if (!existsSync(path)) return 0;
  const st = statSync(path);
  if (!st.isDirectory()) return st.mtimeMs;
  let m = st.mtimeMs;
  for (const name of readdirSync(path)) m = Math.max(m, newest(join(path, name)));
  return m;
}

/** True when web/dist is missing or any source of the app (web/src, index.html, vite config,
 * the shared domain types it imports) changed after the last build. */
export function webBuildIsStale() {
  if (!existsSync(join(web, "index.html"))) return false;
  if (!existsSync(built)) return true;
  const sources = Math.max(
    newest(join(web, "src")),
    newest(join(web, "index.html")),
    newest(join(web, "vite.config.ts")),
    newest(join(web, "public")),
  );
  return sources > statSync(built).mtimeMs;
}

/** Runs `vite build` when needed (or always with force); throws when the build fails. */
export function ensureWebBuild({ force = false, quiet = false } = {}) {
  if (!force && !webBuildIsStale()) return false;
  if (!quiet) console.error("ensure-web-build: building the web app (vite build)…");
  const r = spawnSync(
    process.execPath,
    [join(root, "node_modules", "vite", "bin", "vite.js"), "build", web],
    {
      cwd: root,
      stdio: quiet ? ["ignore", "ignore", "inherit"] : ["ignore", "inherit", "inherit"],
    },
  );
  if (r.status !== 0) throw new Error(`vite build failed (exit ${r.status})`);
  return true;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  try {
    ensureWebBuild({ force: process.argv.includes("--force") });
  } catch (e) {
    console.error(String(e instanceof Error ? e.message : e));
    process.exit(1);
  }
}
