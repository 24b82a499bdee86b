/**
 * `skiplane serve` (what `npm start` runs) writes its log for whoever reads it: in a terminal —
 * a pseudo-terminal here, through util-linux `script` — pino-pretty lines around the banner; into
 * a pipe, JSON lines. `log.pretty` / `SKIPLANE_LOG_PRETTY` was read and never used, so a person
 * running `npm start` got raw JSON lines above and below the banner.
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
  for (const pid of started) if (alive(pid)) process.kill(pid, "SIGKILL");
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

const alive = (pid: number) => {
  if (!existsSync(`/proc/${pid}/stat`)) return false;
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  return stat.slice(stat.lastIndexOf(")") + 2)[0] !== "Z";
};

/** Every process below `root` (from /proc). */
function descendants(root: number): number[] {
  const pp = new Map<number, number>();
  for (const name of readdirSync("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, "utf8");
      pp.set(Number(name), Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]));
    } catch {
      // gone meanwhile
    }
  }
  const out: number[] = [];
  const walk = (p: number) => {
    for (const [pid, ppid] of pp)
      if (ppid === p) {
        out.push(pid);
        walk(pid);
      }
  };
  walk(root);
  return out;
}

async function waitFor(cond: () => boolean, timeoutMs: number, what: () => string): Promise<void> {
  const t0 = Date.now();
  while (!cond()) {
    if (Date.now() - t0 > timeoutMs) throw new Error(`timed out waiting for ${what()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/**
 * Starts `skiplane serve` on free ports in a temp dir (stdout a terminal when `tty`), waits for
 * the banner, stops it with SIGTERM and returns everything it wrote, colour codes removed.
 */
async function serveOutput(tty: boolean, env: Record<string, string> = {}): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), "skiplane-log-format-"));
  dirs.push(dir);
  // `script -c` runs the command with $SHELL, or /bin/sh (dash) when SHELL is unset, as under CI;
  // dash does not exec a lone command, so `exec` keeps a shell from standing between.
  const serve = "exec node bin/skiplane.js serve";
  const child: ChildProcess = tty
    ? spawn("script", ["-q", "-f", "-e", "-c", serve, "/dev/null"], {
        stdio: ["pipe", "pipe", "pipe"],
        env: envOf(dir, env),
      })
    : spawn("node", ["bin/skiplane.js", "serve"], {
        stdio: ["ignore", "pipe", "pipe"],
        env: envOf(dir, env),
      });
  started.push(child.pid!);
  let text = "";
  child.stdout?.on("data", (b) => (text += b));
  child.stderr?.on("data", (b) => (text += b));
  await waitFor(
    () => text.includes("Skiplane store server") || child.exitCode !== null,
    90_000,
    () => `the banner:\n${text}`,
  );
  expect(child.exitCode, text).toBeNull();
  // the server itself: under `script`, the node process below it — argv[0] node, not a shell
  // whose `-c` string names skiplane.js (a SIGTERM to that shell leaves node to die by SIGHUP
  // when the terminal closes, before it logs anything)
  const server = tty
    ? descendants(child.pid!).find((p) => {
        const argv = readFileSync(`/proc/${p}/cmdline`, "utf8").split("\0");
        return /(^|\/)node$/.test(argv[0] ?? "") && argv.includes("bin/skiplane.js");
      })
    : child.pid;
  expect(server, text).toBeDefined();
  started.push(server!);
  process.kill(server!, "SIGTERM");
  await waitFor(
    () => child.exitCode !== null || child.signalCode !== null,
    30_000,
    () => `the server to stop:\n${text}`,
  );
  // biome-ignore lint/suspicious/noControlCharactersInRegex: the terminal's colour codes
  return text.replace(/\u001b\[[0-9;]*m/g, "").replace(/\r\n/g, "\n");
}

function envOf(dir: string, extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const k of Object.keys(env)) if (k.startsWith("SKIPLANE_")) delete env[k];
  return {
    ...env,
    ...loopbackPortsEnv(dir),
    SKIPLANE_DEMO_KEYS_FILE: join(dir, "demo-credentials.json"),
    SKIPLANE_DEMO_WALKOUT: "false",
    SKIPLANE_LOG_LEVEL: "info",
    ...extra,
  };
}

const jsonLines = (text: string) => text.split("\n").filter((l) => l.startsWith("{"));

describe("skiplane serve: the log's format", () => {
  it("in a terminal: pretty lines around the banner, none of them JSON, to the last one", async () => {
    const out = await serveOutput(true);
    expect(jsonLines(out)).toEqual([]);
    expect(out).toMatch(/^\[\d\d:\d\d:\d\d\.\d{3}\] INFO: storage open, migrations applied$/m);
    expect(out).toContain("Skiplane store server");
    expect(out).toContain("skiplane: SIGTERM, shutting down");
    // written before the process exits (pino-pretty runs synchronously in the process)
    expect(out).toMatch(/INFO: server stopped$/m);
  }, 120_000);

  it("into a pipe: JSON lines, one entry each", async () => {
    const out = await serveOutput(false);
    const entries = jsonLines(out).map((l) => JSON.parse(l) as { msg: string; level: number });
    expect(entries.map((e) => e.msg)).toContain("storage open, migrations applied");
    expect(entries.map((e) => e.msg)).toContain("server stopped");
    expect(out).toContain("Skiplane store server");
  }, 120_000);

  it("SKIPLANE_LOG_PRETTY=false in a terminal: JSON lines", async () => {
    const out = await serveOutput(true, { SKIPLANE_LOG_PRETTY: "false" });
    expect(jsonLines(out).map((l) => (JSON.parse(l) as { msg: string }).msg)).toContain("server stopped");
  }, 120_000);
});
