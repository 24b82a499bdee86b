/**
 * Numbered SQL migrations (`migrations/0001-name.sql`), applied in order at start and recorded
 * in `schema_migrations`. Each adapter runs them under its own lock (SQLite: BEGIN IMMEDIATE;
 * PostgreSQL: an advisory transaction lock), so several processes starting together apply
 * each migration once.
 */
import { readdirSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

export interface Migration {
  id: number;
  name: string;
  sql: string;
  /**
   * Applied outside a transaction (PostgreSQL): the file has a line `-- skiplane:no-transaction`.
   * For `CREATE INDEX CONCURRENTLY`, which PostgreSQL refuses inside one; SQLite ignores it.
   */
  noTransaction?: true;
}

const NO_TRANSACTION = /^--\s*skiplane:no-transaction\s*$/m;

/** Reads `NNNN-name.sql` files of a directory URL, sorted by number. */
export function loadMigrations(dir: URL): Migration[] {
  const path = fileURLToPath(dir);
  return readdirSync(path)
    .filter((f) => /^\d{4}-[\w-]+\.sql$/.test(f))
    .sort()
    .map((f) => {
      const sql = readFileSync(`${path}/${f}`, "utf8");
      return {
        id: Number(f.slice(0, 4)),
        name: f.slice(5, -4),
        sql,
        ...(NO_TRANSACTION.test(sql) ? { noTransaction: true as const } : {}),
      };
    });
}
