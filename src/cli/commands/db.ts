/**
 * `skiplane db …`: storage chores without starting the server — apply migrations, apply raw
 * sensor-data retention, export labelled review decisions as JSONL. `--db` takes a SQLite file
 * path or a postgres:// URL (default: SKIPLANE_DATABASE_URL, else .data/skiplane.sqlite).
 */
import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import type { Command } from "commander";
import { apiKeyHash, newApiKey } from "../../adapters/http/tokens";
import { openStorage, type StorageConfig, storageConfigFrom } from "../../adapters/sql/open-storage";
import type { ApiRole, Storage } from "../../app/ports/read-models";
import { intArg } from "./sim-eval-args";

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

/**
 * Opens the storage. Reading and deleting need an existing database: opening a mistyped SQLite
 * path (or the relative default from another folder) made a new empty file and answered
 * "0 labelled decisions" as if the store had none.
 */
async function withStorage<T>(
  opts: DbOpts,
  fn: (s: Storage) => Promise<T>,
  { mustExist = true }: { mustExist?: boolean } = {},
): Promise<T> {
  const c = config(opts);
  if (mustExist && c.kind === "sqlite" && c.file && !existsSync(c.file)) {
    throw new Error(
      `no database at ${c.file} (give --db, or run this from the folder the server runs in; ` +
        "`skiplane db migrate` creates one)",
    );
  }
  const storage = await openStorage(c);
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
  const db = program
    .command("db")
    .description(
      "Storage chores: migrations and raw-data retention (label export: `skiplane labels export`)",
    );

  dbOptions(
    db.command("migrate").description("Create the database if needed and apply pending migrations"),
  ).action(async (opts: DbOpts) => {
    const kind = await withStorage(opts, async (s) => s.kind, { mustExist: false });
    process.stdout.write(`${kind}: migrations applied\n`);
  });

  dbOptions(
    db
      .command("retention")
      .description("Delete raw sensor events of whole days older than --days (business events are kept)")
      .requiredOption("--days <n>", "days of raw sensor data to keep", intArg("--days", 1, 36_500)),
  ).action(async (opts: DbOpts & { days: number }) => {
    const cutoff = Date.now() - opts.days * 86_400_000;
    const { deleted } = await withStorage(opts, (s) => s.rawLog.deleteBefore(cutoff));
    process.stdout.write(
      `deleted ${deleted} raw events from before ${new Date(cutoff).toISOString().slice(0, 10)}\n`,
    );
  });

  // API keys outside the API (decision 0123): the first head-office admin key of a new
  // deployment, and the way back in for whoever holds the database should every head-office
  // admin key be lost. The key is printed once; only its SHA-256 is stored.
  const keys = program.command("keys").description("API keys, made or listed in the database directly");
  dbOptions(
    keys
      .command("create")
      .description("Make an API key and print it once (e.g. the first head-office admin key: --store '*')")
      .requiredOption("--store <id>", "the store the key acts on, or * for head office (every store)")
      .requiredOption("--role <role>", "operator, reviewer or admin")
      .option("--label <text>", "who or what holds it"),
  ).action(async (opts: DbOpts & { store: string; role: string; label?: string }) => {
    if (!["operator", "reviewer", "admin"].includes(opts.role))
      throw new Error("--role: operator, reviewer or admin");
    if (opts.store !== "*" && !/^[A-Za-z0-9._:@-]{1,128}$/.test(opts.store))
      throw new Error("--store: a store id, or * for head office");
    const id = `key_${randomBytes(10).toString("hex")}`;
    const key = newApiKey(id);
    await withStorage(opts, (s) =>
      s.apiKeys.create({
        id,
        store: opts.store,
        role: opts.role as ApiRole,
        keyHash: apiKeyHash(key),
        createdAt: Date.now(),
        createdBy: "setup:cli",
        ...(opts.label !== undefined ? { label: opts.label } : {}),
      }),
    );
    process.stderr.write(`${id}: ${opts.role} of ${opts.store === "*" ? "head office (*)" : opts.store}\n`);
    process.stdout.write(`${key}\n`);
  });
  dbOptions(
    keys
      .command("list")
      .description("A scope's keys as JSON lines: never a hash or secret")
      .requiredOption("--store <id>", "a store id, or * for head office's keys"),
  ).action(async (opts: DbOpts & { store: string }) => {
    const list = await withStorage(opts, (s) => s.apiKeys.list(opts.store));
    for (const { keyHash: _hash, ...k } of list) process.stdout.write(`${JSON.stringify(k)}\n`);
  });

  dbOptions(
    program
      .command("labels")
      .description("Labelled review decisions (what the machine saw, what a person decided)")
      .command("export")
      .description("Write a store's review decisions as JSONL to stdout, oldest first")
      .requiredOption("--store <id>", "store id")
      .option("--since <time>", "only decisions at or after this time (ISO date or ms since epoch)")
      .option("--limit <n>", "at most this many", intArg("--limit", 1, 10_000_000), 100_000),
  ).action(async (opts: DbOpts & { store: string; since?: string; limit: number }) => {
    const since =
      opts.since === undefined ? 0 : /^\d+$/.test(opts.since) ? Number(opts.since) : Date.parse(opts.since);
    if (!Number.isFinite(since)) throw new Error("--since: an ISO date or ms since the epoch");
    const labels = await withStorage(opts, (s) => s.labels.export(opts.store, { since, limit: opts.limit }));
    for (const l of labels) process.stdout.write(`${JSON.stringify(l)}\n`);
    process.stderr.write(`${labels.length} labelled decisions\n`);
  });
}
