#!/usr/bin/env node
// `npm start`: the store server on embedded defaults (SQLite file, in-process MQTT broker).
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { ensureDeps, ensureWebBuild, root } from "./bootstrap.mjs";

ensureDeps();
ensureWebBuild();
const r = spawnSync(
  process.execPath,
  ["--import", "tsx", join(root, "src", "main.ts"), ...process.argv.slice(2)],
  {
    cwd: root,
    stdio: "inherit",
  },
);
process.exit(r.status ?? 1);
