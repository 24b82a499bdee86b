#!/usr/bin/env node
// `npm start`: the store server on embedded defaults (SQLite file, in-process MQTT broker).
// Installs dependencies and builds the web app on first run, then runs src/main.ts and passes it
// exactly one stop signal, so it shuts down gracefully (the server takes a second signal as
// "exit at once").
//
// Why the care: npm runs this under `sh -c`, and on SIGTERM npm signals that shell, which dies
// without passing the signal on — this process and the server were left running, orphaned. So:
// - the server runs in its own process group (detached), so a terminal's Ctrl-C, which signals
//   the whole foreground group, reaches it only through here, once;
// - a signal that arrives twice within a second (Ctrl-C from the terminal and npm forwarding it)
//   is passed on once; a later one (a second Ctrl-C) is passed on too: exit at once;
// - when the parent dies (npm's shell, killed) this process is re-parented: it stops the server
//   as if it had been sent SIGTERM, and exits when the server has.
// Guarded by test/cli/npm-start-signals.e2e.test.ts.
import { spawn } from "node:child_process";
import { join } from "node:path";
import { ensureDeps, ensureWebBuild, root } from "./bootstrap.mjs";

ensureDeps();
ensureWebBuild();
const child = spawn(
  process.execPath,
  ["--import", "tsx", join(root, "src", "main.ts"), ...process.argv.slice(2)],
  { cwd: root, stdio: "inherit", detached: true },
);

let lastForward = 0;
function forward(sig) {
  const now = Date.now();
  if (now - lastForward < 1000) return; // the same stop, arriving by two routes
  lastForward = now;
  if (child.exitCode === null && child.signalCode === null) child.kill(sig);
}
process.on("SIGINT", () => forward("SIGINT"));
process.on("SIGTERM", () => forward("SIGTERM"));
// the terminal closed: the server, in its own session, would not hear it; it stops on SIGTERM
process.on("SIGHUP", () => forward("SIGTERM"));

const parent = process.ppid;
const orphanCheck = setInterval(() => {
  if (process.ppid !== parent) {
    clearInterval(orphanCheck);
    forward("SIGTERM");
  }
}, 250);

child.on("exit", (code, signal) => {
  clearInterval(orphanCheck);
  process.exit(code ?? (signal ? 1 : 0));
});
