/**
 * Picks the storage adapter from configuration: the embedded SQLite file by default, PostgreSQL
 * when a URL is given (several server processes, a whole chain). For the composition root.
 */
import type { Storage } from "../../app/ports/read-models";
import { openPostgresStorage } from "../postgres/postgres-storage";
import { DEFAULT_SQLITE_FILE, openSqliteStorage } from "../sqlite/sqlite-storage";

export type StorageConfig =
  | { kind: "sqlite"; file?: string }
  | { kind: "postgres"; url: string; schema?: string; poolSize?: number };

/** `postgres://…` → PostgreSQL; anything else is a SQLite file path (default `.data/skiplane.sqlite`). */
export function storageConfigFrom(value: string | undefined): StorageConfig {
  if (value && /^postgres(ql)?:\/\//.test(value)) return { kind: "postgres", url: value };
  return { kind: "sqlite", file: value || DEFAULT_SQLITE_FILE };
}

/** Opens the storage and applies pending migrations. */
export async function openStorage(config: StorageConfig): Promise<Storage> {
  if (config.kind === "postgres") {
    return openPostgresStorage({ connectionString: config.url, schema: config.schema, max: config.poolSize });
  }
  return openSqliteStorage({ file: config.file });
}
