/**
 * `skiplane sim-walkout --live` as a newcomer runs it, twice in a row against one running server
 * (in-process: SQLite file, embedded broker, the demo walk-out store): both runs' visits reach the
 * store. Before, every run numbered its visits s-000001, s-000002, …, so the second run's were
 * taken for the first run's settled sessions and nothing new showed up (fails on the old command:
 * 2 sessions, not 4). That no device time is ahead of the clock at --speed > 1 is
 * src/sim/live/walkout-start.unit.test.ts (the session rows do not show it: the server's own
 * times).
 */

import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunningServer } from "../../src/main";
import { startDemoServer } from "../server/support/in-process-server";
import { callStoreApi } from "../support/store-api";
import { CLI, TSX } from "./support/run-cli";

let dir: string;
let server: RunningServer;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "skiplane-cli-walkout-live-"));
  server = await startDemoServer(dir);
}, 60_000);

afterAll(async () => {
  await server?.close();
  rmSync(dir, { recursive: true, force: true });
});

/** The command as a process, without blocking this process's event loop (the server runs in it). */
function runCli(...args: string[]): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    const p = spawn(TSX, [CLI, ...args], { stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    p.stdout.on("data", (b) => (out += b));
    p.stderr.on("data", (b) => (out += b));
    p.on("close", (code) => resolve({ code, out }));
  });
}

describe("skiplane sim-walkout --live, twice", () => {
  it("both runs' visits reach the store", async () => {
    const credentials = join(dir, "demo-credentials-walkout.json");
    const args = ["sim-walkout", "--live", "--url", `mqtt://127.0.0.1:${server.mqttPort}`];
    const sessions = async () => {
      const key = JSON.parse(readFileSync(credentials, "utf8")).apiKeys.operator;
      const r = await callStoreApi(server.httpUrl, "demo-walkout", key, "GET", "/sessions?limit=100");
      expect(r.status).toBe(200);
      return r.body as unknown as { session: string; openedAt: number; updatedAt: number }[];
    };
    for (const seed of ["3", "4"]) {
      const r = await runCli(
        ...args,
        "--credentials",
        credentials,
        "--visits",
        "2",
        "--speed",
        "50",
        "--seed",
        seed,
      );
      expect(r.code, r.out).toBe(0);
      expect(r.out).toContain("done: 2 visits");
    }
    const all = await sessions();
    expect(all.length).toBe(4);
    expect(new Set(all.map((s) => s.session)).size).toBe(4);
  }, 180_000);
});
