/** The `skiplane` command as a process (tsx on src/cli/index.ts), for the CLI's end-to-end tests. */
import { spawnSync } from "node:child_process";
import { join } from "node:path";

export const CLI = join(process.cwd(), "src/cli/index.ts");
export const TSX = join(process.cwd(), "node_modules/.bin/tsx");

/** Runs `skiplane ...args` to the end: its exit code, stdout and stderr. */
export function run(...args: string[]): { code: number | null; out: string; err: string } {
  const r = spawnSync(TSX, [CLI, ...args], { encoding: "utf8" });
  return { code: r.status, out: r.stdout, err: r.stderr };
}
