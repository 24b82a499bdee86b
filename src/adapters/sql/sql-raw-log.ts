/**
 * The raw sensor log over kysely. Rows are keyed (store, cart, key, day) where key is the event
 * id (or a content hash when the cart sent none) and day = floor(device t / 1 day): a QoS 1
 * redelivery carries the same id and t, so it hits the same key and is ignored. `day` is the
 * partition key in PostgreSQL (one partition per day, created on first use, dropped by
 * retention); SQLite keeps one table with a day index and deletes by range.
 */
import { createHash } from "node:crypto";
import type { Kysely, Selectable } from "kysely";
import type { RawAppend, RawEntry, RawSensorLog } from "../../app/ports/raw-sensor-log";
import type { CartEvent } from "../../domain/events/sensor-events";
import { GroupCommit, type GroupCommitOptions } from "./group-commit";
import { type Database, fromJson, type RawEventsTable, toJson } from "./schema";

type RawEventsRow = Selectable<RawEventsTable>;

export const DAY_MS = 86_400_000;

/** The idempotency key of a raw event: its id, or a hash of its content. */
export function rawEventKey(event: CartEvent): string {
  if (typeof event.id === "string" && event.id.length > 0) return `id:${event.id}`;
  return `h:${createHash("sha256").update(JSON.stringify(event)).digest("hex").slice(0, 32)}`;
}

/** A raw_events row as written (seq is assigned by the database). */
export interface RawRow {
  store: string;
  cart: string;
  key: string;
  session: string | null;
  day: number;
  t: number;
  received_at: number;
  /** the event's JSON text */
  event: string;
}

export interface RawLogDialect {
  /** Makes sure rows of `day` can be inserted (PostgreSQL: the day's partition exists). */
  ensureDay(day: number): Promise<void>;
  /** Deletes whole days before `cutoffDay`; returns the number of rows deleted. */
  deleteDaysBefore(cutoffDay: number): Promise<number>;
  /**
   * Inserts rows in ONE transaction, in order, each unless (store, cart, key, day) exists
   * (also earlier in the same batch); answers per row whether it was new and its seq. When
   * given, appends are group-committed through it (see GroupCommit).
   */
  insertBatch?(
    rows: RawRow[],
  ): { isNew: boolean; seq: number }[] | Promise<{ isNew: boolean; seq: number }[]>;
  /** options of the group commit (SQLite: not while another transaction is open) */
  groupCommit?: GroupCommitOptions;
}

export class SqlRawSensorLog implements RawSensorLog {
  private readonly group: GroupCommit<RawRow, { isNew: boolean; seq: number }> | undefined;
  private lastDay = Number.NaN;

  constructor(
    private readonly db: Kysely<Database>,
    private readonly dialect: RawLogDialect,
  ) {
    const insert = dialect.insertBatch;
    this.group = insert ? new GroupCommit((rows) => insert(rows), dialect.groupCommit) : undefined;
  }

  /** Group-commit figures (writes, items, requests), when group commit is on. */
  get groupStats(): { writes: number; items: number; requests: number } | undefined {
    return this.group?.stats;
  }

  async append(entry: RawAppend): Promise<{ isNew: boolean; key: string; seq: number }> {
    if (this.group) return (await this.appendMany([entry]))[0];
    const key = rawEventKey(entry.event);
    const t = Number.isFinite(entry.event.t) ? entry.event.t : entry.receivedAt;
    const day = Math.floor(t / DAY_MS);
    await this.dialect.ensureDay(day);
    const inserted = await this.db
      .insertInto("raw_events")
      .values({
        store: entry.store,
        cart: entry.cart,
        key,
        session: entry.session ?? null,
        day,
        t,
        received_at: entry.receivedAt,
        event: toJson(entry.event),
      })
      .onConflict((oc) => oc.columns(["store", "cart", "key", "day"]).doNothing())
      .returning("seq")
      .executeTakeFirst();
    if (inserted) return { isNew: true, key, seq: Number(inserted.seq) };
    const existing = await this.db
      .selectFrom("raw_events")
      .select("seq")
      .where("store", "=", entry.store)
      .where("cart", "=", entry.cart)
      .where("key", "=", key)
      .where("day", "=", day)
      .executeTakeFirstOrThrow();
    return { isNew: false, key, seq: Number(existing.seq) };
  }

  /**
   * Several events in order (one cart message), group-committed with other carts' appends when
   * the dialect supports it: resolves once the rows are committed.
   */
  async appendMany(entries: readonly RawAppend[]): Promise<{ isNew: boolean; key: string; seq: number }[]> {
    if (!this.group) {
      const out: { isNew: boolean; key: string; seq: number }[] = [];
      for (const e of entries) out.push(await this.append(e));
      return out;
    }
    const rows: RawRow[] = [];
    for (const entry of entries) {
      const t = Number.isFinite(entry.event.t) ? entry.event.t : entry.receivedAt;
      const day = Math.floor(t / DAY_MS);
      if (day !== this.lastDay) {
        await this.dialect.ensureDay(day);
        this.lastDay = day;
      }
      rows.push({
        store: entry.store,
        cart: entry.cart,
        key: rawEventKey(entry.event),
        session: entry.session ?? null,
        day,
        t,
        received_at: entry.receivedAt,
        event: toJson(entry.event),
      });
    }
    const results = await this.group.submit(rows);
    return results.map((r, i) => ({ isNew: r.isNew, key: rows[i].key, seq: r.seq }));
  }

  async readCart(
    store: string,
    cart: string,
    options: { session?: string; afterSeq?: number; limit?: number } = {},
  ): Promise<RawEntry[]> {
    let q = this.db
      .selectFrom("raw_events")
      .selectAll()
      .where("store", "=", store)
      .where("cart", "=", cart)
      .where("seq", ">", options.afterSeq ?? 0);
    if (options.session !== undefined) q = q.where("session", "=", options.session);
    const rows = await q
      .orderBy("seq")
      .limit(options.limit ?? 1_000_000)
      .execute();
    return rows.map(toEntry);
  }

  async readForReplay(store: string, cart: string, session: string, leadMs: number): Promise<RawEntry[]> {
    const own = await this.readCart(store, cart, { session });
    if (own.length === 0) return own;
    const first = own[0];
    const prev = await this.db
      .selectFrom("raw_events")
      .select((eb) => eb.fn.max("seq").as("seq"))
      .where("store", "=", store)
      .where("cart", "=", cart)
      .where("seq", "<", first.seq)
      .where("session", "is not", null)
      .executeTakeFirst();
    const lead = await this.db
      .selectFrom("raw_events")
      .selectAll()
      .where("store", "=", store)
      .where("cart", "=", cart)
      .where("seq", ">", Number(prev?.seq ?? 0))
      .where("seq", "<", first.seq)
      .where("session", "is", null)
      .where("t", ">=", first.event.t - leadMs)
      .orderBy("seq")
      .execute();
    return [...lead.map(toEntry), ...own];
  }

  async latestSession(store: string, cart: string): Promise<string | undefined> {
    const r = await this.db
      .selectFrom("raw_events")
      .select("session")
      .where("store", "=", store)
      .where("cart", "=", cart)
      .where("session", "is not", null)
      .orderBy("seq", "desc")
      .limit(1)
      .executeTakeFirst();
    return r?.session ?? undefined;
  }

  async deleteBefore(cutoff: number): Promise<{ deleted: number }> {
    this.lastDay = Number.NaN;
    return { deleted: await this.dialect.deleteDaysBefore(Math.floor(cutoff / DAY_MS)) };
  }

  async count(store: string): Promise<number> {
    const r = await this.db
      .selectFrom("raw_events")
      .select((eb) => eb.fn.countAll<number>().as("n"))
      .where("store", "=", store)
      .executeTakeFirstOrThrow();
    return Number(r.n);
  }
}

function toEntry(r: RawEventsRow): RawEntry {
  return {
    store: r.store,
    cart: r.cart,
    session: r.session ?? undefined,
    key: r.key,
    seq: Number(r.seq),
    receivedAt: Number(r.received_at),
    event: fromJson<CartEvent>(r.event),
  };
}
