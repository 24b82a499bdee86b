/**
 * The store server as a child process (`node --import tsx src/main.ts`), configured by
 * environment on a temp SQLite file and fixed loopback ports so it can be killed and started
 * again on the same addresses.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

export const REPO = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "..");

export interface ServerProcess {
  child: ChildProcess;
  output(): string;
  /** resolves with the exit code or signal */
  exited: Promise<number | string>;
}

export function spawnServer(env: Record<string, string>): ServerProcess {
  const child = spawn(process.execPath, ["--import", "tsx", "src/main.ts"], {
    cwd: REPO,
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  child.stdout?.on("data", (d) => {
    out += String(d);
  });
  child.stderr?.on("data", (d) => {
    out += String(d);
  });
  const exited = new Promise<number | string>((resolve) =>
    child.once("exit", (code, signal) => resolve(code ?? signal ?? "unknown")),
  );
  return { child, output: () => out, exited };
}

export async function waitReady(httpUrl: string, proc: ServerProcess, timeoutMs = 60_000): Promise<void> {
  const t0 = Date.now();
  for (;;) {
    if (proc.child.exitCode !== null) throw new Error(`server exited:\n${proc.output()}`);
    try {
      const r = await fetch(`${httpUrl}/readyz`);
      if (r.ok) return;
    } catch {
      // not listening yet
    }
    if (Date.now() - t0 > timeoutMs) throw new Error(`server not ready in time:\n${proc.output()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
