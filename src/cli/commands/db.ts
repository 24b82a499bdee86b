/**
 * `skiplane db …`: storage chores without starting the server — apply migrations, apply raw
 * sensor-data retention, export labelled review decisions as JSONL. `--db` takes a SQLite file
 * path or a postgres:// URL (default: SKIPLANE_DATABASE_URL, else .data/skiplane.sqlite).
 */
import type { Command } from "commander";
import { openStorage, type StorageConfig, storageConfigFrom } from "../../adapters/sql/open-storage";
import type { Storage } from "../../app/ports/read-models";

interface DbOpts {
  db?: string;
  schema?: string;
}

function config(opts: DbOpts): StorageConfig {
  const c = storageConfigFrom(opts.db ?? process.env.SKIPLANE_DATABASE_URL);
  if (c.kind === "postgres") {
    const schema = opts.schema ?? process.env.SKIPLANE_DATABASE_SCHEMA;
    if (schema !== undefined && !/^[a-z_][a-z0-9_]*$/.test(schema)) {
      throw new Error("--schema: lower-case letters, digits and _ only");
    }
    return { ...c, schema };
  }
  return c;
}

async function withStorage<T>(opts: DbOpts, fn: (s: Storage) => Promise<T>): Promise<T> {
  const storage = await openStorage(config(opts));
  try {
    return await fn(storage);
  } finally {
    await storage.close();
  }
}

function dbOptions(cmd: Command): Command {
  return cmd
    .option(
      "--db <file-or-url>",
      "SQLite file or postgres:// URL (default: $SKIPLANE_DATABASE_URL or .data/skiplane.sqlite)",
    )
    .option("--schema <name>", "PostgreSQL schema (default: $SKIPLANE_DATABASE_SCHEMA or public)");
}

export function register(program: Command): void {
  const db = program.command("db").description("Storage chores: migrations, retention, label export");

  dbOptions(
    db.command("migrate").description("Create the database if needed and apply pending migrations"),
  ).action(async (opts: DbOpts) => {
    const kind = await withStorage(opts, async (s) => s.kind);
    process.stdout.write(`${kind}: migrations applied\n`);
  });

  dbOptions(
    db
      .command("retention")
      .description("Delete raw sensor events of whole days older than --days (business events are kept)")
      .requiredOption("--days <n>", "days of raw sensor data to keep", (v) => Number.parseInt(v, 10)),
  ).action(async (opts: DbOpts & { days: number }) => {
    if (!Number.isInteger(opts.days) || opts.days < 1 || opts.days > 36_500) {
      throw new Error("--days must be a whole number from 1 to 36500");
    }
    const cutoff = Date.now() - opts.days * 86_400_000;
    const { deleted } = await withStorage(opts, (s) => s.rawLog.deleteBefore(cutoff));
    process.stdout.write(
      `deleted ${deleted} raw events from before ${new Date(cutoff).toISOString().slice(0, 10)}\n`,
    );
  });

  dbOptions(
    program
      .command("labels")
      .description("Labelled review decisions (what the machine saw, what a person decided)")
      .command("export")
      .description("Write a store's review decisions as JSONL to stdout, oldest first")
      .requiredOption("--store <id>", "store id")
      .option("--since <time>", "only decisions at or after this time (ISO date or ms since epoch)")
      .option("--limit <n>", "at most this many", (v) => Number.parseInt(v, 10), 100_000),
  ).action(async (opts: DbOpts & { store: string; since?: string; limit: number }) => {
    const since =
      opts.since === undefined ? 0 : /^\d+$/.test(opts.since) ? Number(opts.since) : Date.parse(opts.since);
    if (!Number.isFinite(since)) throw new Error("--since: an ISO date or ms since the epoch");
    if (!Number.isInteger(opts.limit) || opts.limit < 1)
      throw new Error("--limit must be a whole number ≥ 1");
    const labels = await withStorage(opts, (s) => s.labels.export(opts.store, { since, limit: opts.limit }));
    for (const l of labels) process.stdout.write(`${JSON.stringify(l)}\n`);
    process.stderr.write(`${labels.length} labelled decisions\n`);
  });
}
