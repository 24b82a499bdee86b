/**
 * File handling shared by the commands: an input's problem said in words before any work starts,
 * and outputs written beside their destination and moved into place only when complete — a
 * command that fails (a missing input, a bad line that stops it, Ctrl-C) never truncates or half
 * writes a file that was there before.
 */
import { mkdirSync, renameSync, rmSync, statSync } from "node:fs";
import { dirname } from "node:path";

function why(e: unknown): string {
  const code = (e as NodeJS.ErrnoException).code;
  if (code === "ENOENT") return "no such file";
  if (code === "EACCES" || code === "EPERM") return "permission denied";
  if (code === "ENOTDIR") return "a part of the path is not a folder";
  return e instanceof Error ? e.message : String(e);
}

/** Throws `cannot read <what> <path>: <reason>` unless `path` is a readable regular file. */
export function requireFile(path: string, what: string): void {
  let st: ReturnType<typeof statSync>;
  try {
    st = statSync(path);
  } catch (e) {
    throw new Error(`cannot read ${what} ${path}: ${why(e)}`);
  }
  if (st.isDirectory()) throw new Error(`cannot read ${what} ${path}: it is a folder, not a file`);
}

/** Throws `cannot read <what> <path>: <reason>` unless `path` is a folder. */
export function requireFolder(path: string, what: string): void {
  let st: ReturnType<typeof statSync>;
  try {
    st = statSync(path);
  } catch (e) {
    throw new Error(`cannot read ${what} ${path}: ${why(e) === "no such file" ? "no such folder" : why(e)}`);
  }
  if (!st.isDirectory()) throw new Error(`cannot read ${what} ${path}: it is a file, not a folder`);
}

/**
 * Runs `write(tmpPath)` and then renames the temporary file onto `path`; on any failure the
 * temporary file is removed and `path` is left as it was. Creates the parent folder.
 */
export async function writeAtomically<T>(path: string, write: (tmp: string) => Promise<T> | T): Promise<T> {
  try {
    mkdirSync(dirname(path), { recursive: true });
  } catch (e) {
    throw new Error(`cannot write ${path}: ${why(e)}`);
  }
  const tmp = `${path}.partial-${process.pid}`;
  try {
    const r = await write(tmp);
    renameSync(tmp, path);
    return r;
  } catch (e) {
    rmSync(tmp, { force: true });
    throw e;
  }
}
