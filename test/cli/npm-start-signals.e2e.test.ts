/**
 * `npm start` stops the server cleanly whichever way it is told to: SIGTERM to npm's own pid (a
 * supervisor, `kill <npm pid>`), and Ctrl-C in a terminal (SIGINT to the whole foreground process
 * group). Either way the server shuts down once, gracefully ("server stopped": it closed its
 * HTTP, broker and storage, not the second-signal exit), and no process of the tree is left —
 * npm's `sh -c` does not pass a signal on, which left scripts/start.mjs and the server orphaned.
 * (The SIGTERM case fails on the start.mjs before the fix; the Ctrl-C case passed before too —
 * the two SIGINTs the server then got usually coalesce — and guards that the server, now in its
 * own process group, still hears Ctrl-C through start.mjs.)
 */
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { loopbackPortsEnv } from "../server/support/in-process-server";

const dirs: string[] = [];
const started: number[] = [];
afterAll(() => {
  // whatever a failed test left running (only the processes these tests started)
  for (const pid of started) if (alive(pid)) process.kill(pid, "SIGKILL");
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

async function waitFor(
  cond: () => boolean,
  o: { timeoutMs: number; what: string | (() => string) },
): Promise<void> {
  const t0 = Date.now();
  while (!cond()) {
    if (Date.now() - t0 > o.timeoutMs)
      throw new Error(
        `timed out after ${o.timeoutMs} ms waiting for ${typeof o.what === "string" ? o.what : o.what()}`,
      );
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** pid → parent pid of every process, from /proc. */
function parents(): Map<number, number> {
  const out = new Map<number, number>();
  for (const name of readdirSync("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, "utf8");
      // "pid (comm) state ppid …": comm may hold spaces and parentheses
      const rest = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      if (rest[0] !== "Z") out.set(Number(name), Number(rest[1]));
    } catch {
      // gone meanwhile
    }
  }
  return out;
}

function descendants(root: number): number[] {
  const pp = parents();
  const out: number[] = [];
  const walk = (p: number) => {
    for (const [pid, ppid] of pp) {
      if (ppid !== p) continue;
      out.push(pid);
      walk(pid);
    }
  };
  walk(root);
  return out;
}

const alive = (pid: number) => {
  if (!existsSync(`/proc/${pid}/stat`)) return false;
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  return stat.slice(stat.lastIndexOf(")") + 2)[0] !== "Z";
};

async function startNpm(): Promise<{ npm: ChildProcess; out: () => string; tree: number[] }> {
  const dir = mkdtempSync(join(tmpdir(), "skiplane-npm-start-"));
  dirs.push(dir);
  let text = "";
  // detached: npm leads its own process group, as a shell's foreground job does
  const npm = spawn("npm", ["start"], {
    cwd: process.cwd(),
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
    env: {
      ...process.env,
      ...loopbackPortsEnv(dir),
      // the demo store (its credentials in the temp dir), without the walk-out one: starts faster
      SKIPLANE_DEMO_KEYS_FILE: join(dir, "demo-credentials.json"),
      SKIPLANE_DEMO_WALKOUT: "false",
      SKIPLANE_LOG_LEVEL: "info",
    },
  });
  npm.stdout?.on("data", (b) => (text += b));
  npm.stderr?.on("data", (b) => (text += b));
  await waitFor(() => text.includes("HTTP API listening") || npm.exitCode !== null, {
    timeoutMs: 90_000,
    what: () => `the server to listen; output so far:\n${text}`,
  });
  expect(npm.exitCode, text).toBeNull();
  const tree = descendants(npm.pid!);
  started.push(npm.pid!, ...tree);
  // npm → sh → node scripts/start.mjs → node src/main.ts
  expect(tree.length, text).toBeGreaterThanOrEqual(2);
  return { npm, out: () => text, tree };
}

describe("npm start: signals", () => {
  it("SIGTERM to npm's pid: the server shuts down gracefully, nothing is left running", async () => {
    const { npm, out, tree } = await startNpm();
    process.kill(npm.pid!, "SIGTERM");
    await waitFor(() => [npm.pid!, ...tree].every((p) => !alive(p)), {
      timeoutMs: 20_000,
      what: `npm (${npm.pid}) and its tree (${tree.join(", ")}) to end`,
    });
    expect(out()).toContain("skiplane: SIGTERM, shutting down");
    expect(out()).toContain("server stopped");
  }, 120_000);

  it("Ctrl-C (SIGINT to npm's process group): one graceful shutdown, nothing left running", async () => {
    const { npm, out, tree } = await startNpm();
    process.kill(-npm.pid!, "SIGINT");
    await waitFor(() => [npm.pid!, ...tree].every((p) => !alive(p)), {
      timeoutMs: 20_000,
      what: `npm (${npm.pid}) and its tree (${tree.join(", ")}) to end`,
    });
    expect(out().match(/skiplane: SIGINT, shutting down/g)).toHaveLength(1);
    expect(out()).toContain("server stopped");
  }, 120_000);
});
