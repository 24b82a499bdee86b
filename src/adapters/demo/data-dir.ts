/**
 * Where the real reference data lives: `$SKIPLANE_DATA_DIR`, else `<repo root>/../shared/data`.
 * The product reads it in place and never copies it into its own tree (see the data README).
 */
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";

export function defaultDataDir(): string {
  const fromEnv = process.env.SKIPLANE_DATA_DIR;
  if (fromEnv) return resolve(fromEnv);
  const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), "../../..");
  return resolve(repoRoot, "../shared/data");
}
