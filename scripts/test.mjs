#!/usr/bin/env node
// Runs every test tier with vitest and prints one plain "N passed, N failed" line at the end
// (CI reads only the exit code; people read the line). Extra arguments go to vitest,
// e.g. `npm test -- src/domain` or `npm test -- --project unit`.
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ensureDeps, ensureWebBuild } from "./bootstrap.mjs";

ensureDeps();
ensureWebBuild();

const dir = mkdtempSync(join(tmpdir(), "skiplane-test-"));
const report = join(dir, "report.json");
const args = [
  "vitest",
  "run",
  "--reporter=default",
  "--reporter=json",
  `--outputFile.json=${report}`,
  ...process.argv.slice(2),
];
const res = spawnSync("npx", args, { stdio: "inherit", env: process.env });
let passed = 0;
let failed = 0;
try {
  const r = JSON.parse(readFileSync(report, "utf8"));
  passed = r.numPassedTests;
  // failed tests, plus files that failed without a failing test (an import or setup error):
  // numFailedTestSuites would count a failing test's file and describe blocks again
  const brokenFiles = (r.testResults ?? []).filter(
    (f) => f.status === "failed" && !(f.assertionResults ?? []).some((a) => a.status === "failed"),
  ).length;
  failed = r.numFailedTests + brokenFiles;
} catch {
  failed = failed || 1;
}
console.log(`${passed} passed, ${failed} failed`);
process.exit(res.status === 0 && failed === 0 ? 0 : 1);
