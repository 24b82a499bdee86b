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
  /** Run before the migration's SQL (both dialects): a query whose rows, if any, stop it. */
  precheck?: Precheck;
}

/** Rows found by `sql` mean the migration cannot apply; `error` says why, naming them. */
export interface Precheck {
  sql: string;
  error(rows: Record<string, unknown>[]): Error;
}

/**
 * Migration 0006 makes cart ids unique across stores (they are MQTT usernames). A deployment
 * whose stores already share an id (provisioned concurrently before it) cannot build the index:
 * it stops with the ids and their stores rather than the database's bare duplicate-key error.
 */
const CARTS_CART_UNIQUE: Precheck = {
  sql: "SELECT cart, store FROM carts WHERE cart IN (SELECT cart FROM carts GROUP BY cart HAVING COUNT(*) > 1) ORDER BY cart, store",
  error(rows) {
    const stores = new Map<string, string[]>();
    for (const r of rows)
      stores.set(String(r.cart), [...(stores.get(String(r.cart)) ?? []), String(r.store)]);
    const list = [...stores].map(([cart, held]) => `${cart} (stores ${held.join(", ")})`).join("; ");
    return new Error(
      `migration 0006-carts-cart-unique: cart ids must be unique across stores (they are MQTT usernames), but ${stores.size} id(s) are provisioned in more than one store: ${list}. Keep each id in one store: delete the other stores' rows (DELETE FROM carts WHERE store = '…' AND cart = '…'), provision those carts again under ids of their own, then restart`,
    );
  },
};

const PRECHECKS: Record<string, Precheck> = { "carts-cart-unique": CARTS_CART_UNIQUE };

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
        ...(PRECHECKS[f.slice(5, -4)] ? { precheck: PRECHECKS[f.slice(5, -4)] } : {}),
      };
    });
}
