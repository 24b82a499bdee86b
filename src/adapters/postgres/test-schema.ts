/**
 * Test support: a fresh, uniquely named schema in the test database for one test run, dropped
 * afterwards. `SKIPLANE_TEST_PG_URL` overrides the default loopback server.
 */
import { randomBytes } from "node:crypto";
import pg from "pg";
import { openPostgresStorage } from "./postgres-storage";

export const TEST_PG_URL = process.env.SKIPLANE_TEST_PG_URL ?? "postgres://postgres@127.0.0.1:5432/test";

export function uniqueSchemaName(prefix = "t"): string {
  return `${prefix}_${process.pid}_${randomBytes(4).toString("hex")}`;
}

/** Opens storage in a new schema; `dispose` closes every storage opened and drops the schema. */
export async function openTestPostgres(prefix = "t") {
  const schema = uniqueSchemaName(prefix);
  const opened: { close(): Promise<void> }[] = [];
  const open = async () => {
    const s = await openPostgresStorage({ connectionString: TEST_PG_URL, schema });
    opened.push(s);
    return s;
  };
  const first = await open();
  return {
    schema,
    storage: first,
    /** another connection pool on the same schema: a second server process */
    open,
    async dispose() {
      for (const s of opened) await s.close();
      await dropTestSchema(schema);
    },
  };
}

/** Drops a test schema and everything in it (a test that opened storage itself). */
export async function dropTestSchema(schema: string): Promise<void> {
  const c = new pg.Client({ connectionString: TEST_PG_URL });
  await c.connect();
  try {
    await c.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  } finally {
    await c.end();
  }
}
