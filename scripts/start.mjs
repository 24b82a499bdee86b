#!/usr/bin/env node
// `npm start`: the store server on embedded defaults (SQLite file, in-process MQTT broker).
// Installs dependencies and builds the web app on first run, then runs src/main.ts, forwarding
// SIGINT/SIGTERM so the server shuts down gracefully.
import { spawn } from "node:child_process";
import { join } from "node:path";
import { ensureDeps, ensureWebBuild, root } from "./bootstrap.mjs";

ensureDeps();
ensureWebBuild();
const child = spawn(
  process.execPath,
  ["--import", "tsx", join(root, "src", "main.ts"), ...process.argv.slice(2)],
  {
    cwd: root,
    stdio: "inherit",
  },
);
for (const sig of ["SIGINT", "SIGTERM"]) process.on(sig, () => child.kill(sig));
child.on("exit", (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
