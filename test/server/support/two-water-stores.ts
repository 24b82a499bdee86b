/**
 * Two card stores `st-a` and `st-b` selling one water (538 g), the whole server in the test's
 * process, as the key, revocation and client-id tests start it: each start in a new temp dir
 * (SQLite file there) or on a PostgreSQL schema of its own; `stop()` (in `afterEach`) closes the
 * server and removes the dir and the schema.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { dropTestSchema, TEST_PG_URL, uniqueSchemaName } from "../../../src/adapters/postgres/test-schema";
import type { RunningServer } from "../../../src/main";
import { startInProcessServer } from "./in-process-server";

export const WATER_CATALOG = {
  currency: "USD",
  products: [{ sku: "water-500", name: "Water", price: 129, soldBy: "unit", weight: { mean: 538, sd: 13 } }],
};

/** Writes WATER_CATALOG to `dir/catalog.json`; returns that path. */
export function writeWaterCatalog(dir: string): string {
  const file = join(dir, "catalog.json");
  writeFileSync(file, JSON.stringify(WATER_CATALOG));
  return file;
}

export class TwoWaterStores {
  server: RunningServer | undefined;
  dir: string | undefined;
  schema: string | undefined;

  /** `dirPrefix`: the temp dir's name before mkdtemp's random part. */
  constructor(private readonly dirPrefix: string) {}

  /**
   * Starts the server on `st-a` and `st-b`; `env`: more `SKIPLANE_*` settings; `postgresSchema`:
   * on PostgreSQL (TEST_PG_URL), in a new schema named from it, instead of SQLite.
   */
  async start(
    options: { env?: Record<string, string>; postgresSchema?: string } = {},
  ): Promise<RunningServer> {
    const dir = mkdtempSync(join(tmpdir(), this.dirPrefix));
    this.dir = dir;
    const catalog = writeWaterCatalog(dir);
    if (options.postgresSchema) this.schema = uniqueSchemaName(options.postgresSchema);
    const env = this.schema
      ? { ...options.env, SKIPLANE_DATABASE_URL: TEST_PG_URL, SKIPLANE_DATABASE_SCHEMA: this.schema }
      : { ...options.env };
    this.server = await startInProcessServer(
      dir,
      [
        { id: "st-a", catalog, defaultPaymentMethod: "pm_sandbox_test" },
        { id: "st-b", catalog, defaultPaymentMethod: "pm_sandbox_test" },
      ],
      { env },
    );
    return this.server;
  }

  /** Closes the server, removes its dir, drops its schema (each if there is one). */
  async stop(): Promise<void> {
    await this.server?.close();
    this.server = undefined;
    if (this.dir) rmSync(this.dir, { recursive: true, force: true });
    this.dir = undefined;
    if (this.schema) await dropTestSchema(this.schema);
    this.schema = undefined;
  }
}
