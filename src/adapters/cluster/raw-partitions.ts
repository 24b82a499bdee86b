/**
 * Raw sensor storage stays bounded (decision 0202): day partitions of `raw_events` are created
 * ahead of time — so the first event of a day never waits on `CREATE TABLE … PARTITION OF`,
 * which locks the parent table — and days past the retention are dropped whole (the storage's
 * `deleteBefore`). Every node runs this; a session advisory lock lets one run at a time, and
 * every step is idempotent anyway.
 */
import type pg from "pg";
import type { RawSensorLog } from "../../app/ports/raw-sensor-log";

const DAY = 86_400_000;

/** The storage adapter's partition name for a device day (postgres-storage.ts). */
export function rawPartitionName(day: number): string {
  return day < 0 ? `raw_events_dm${-day}` : `raw_events_d${day}`;
}

export interface RawMaintenanceResult {
  ran: boolean;
  created: string[];
  deleted: number;
  cutoff: number;
}

export async function maintainRawPartitions(options: {
  /** a pool on the storage's schema (search_path) */
  pool: pg.Pool;
  rawLog: RawSensorLog;
  now: number;
  aheadDays: number;
  retentionDays: number;
}): Promise<RawMaintenanceResult> {
  const cutoff = Math.floor(options.now / DAY) * DAY - options.retentionDays * DAY;
  const client = await options.pool.connect();
  try {
    const got = await client.query<{ ok: boolean }>(
      "SELECT pg_try_advisory_lock(hashtext(current_schema() || ':skiplane-raw-maintenance')) AS ok",
    );
    if (!got.rows[0]?.ok) return { ran: false, created: [], deleted: 0, cutoff };
    try {
      const today = Math.floor(options.now / DAY);
      const existing = new Set(
        (
          await client.query<{ name: string }>(
            `SELECT c.relname AS name FROM pg_inherits i
               JOIN pg_class c ON c.oid = i.inhrelid
               JOIN pg_class p ON p.oid = i.inhparent
               JOIN pg_namespace n ON n.oid = p.relnamespace
              WHERE p.relname = 'raw_events' AND n.nspname = current_schema()`,
          )
        ).rows.map((r) => r.name),
      );
      const created: string[] = [];
      for (let d = today; d <= today + options.aheadDays; d++) {
        const name = rawPartitionName(d);
        if (existing.has(name)) continue;
        try {
          await client.query(
            `CREATE TABLE IF NOT EXISTS ${name} PARTITION OF raw_events FOR VALUES FROM (${d}) TO (${d + 1})`,
          );
          created.push(name);
        } catch (err) {
          const code = (err as { code?: string }).code;
          if (code !== "42P07" && code !== "23505") throw err;
        }
      }
      const { deleted } = await options.rawLog.deleteBefore(cutoff);
      return { ran: true, created, deleted, cutoff };
    } finally {
      await client.query(
        "SELECT pg_advisory_unlock(hashtext(current_schema() || ':skiplane-raw-maintenance'))",
      );
    }
  } finally {
    client.release();
  }
}
