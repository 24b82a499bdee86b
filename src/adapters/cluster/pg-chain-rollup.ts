/**
 * The head-office view (decision 0202): sessions, revenue and review rates of every store, read
 * from `store_day_rollup` — one row per store and day, maintained from business events by a
 * trigger in the append's own transaction (migration 0202). Reading it never touches raw sensor
 * data or the event log, so its cost grows with stores × days, not with carts or events.
 */
import type { FastifyInstance } from "fastify";
import type pg from "pg";
import type { Storage } from "../../app/ports/read-models";
import { chainRoutes } from "../http/routes/chain-routes";

export interface StoreRollup {
  store: string;
  currency: string | null;
  sessionsOpened: number;
  sessionsPaid: number;
  sessionsReviewed: number;
  sessionsFailed: number;
  sessionsCancelled: number;
  reviewsRequested: number;
  disputes: number;
  /** minor units of `currency` */
  captured: number;
  refunded: number;
  /** sessions held for review per paid-or-reviewed session, basis points */
  reviewRateBp: number;
}

export interface ChainRollup {
  fromDay: number;
  toDay: number;
  stores: StoreRollup[];
  /** totals per currency (stores of a chain may charge in different currencies) */
  totals: {
    currency: string | null;
    stores: number;
    sessionsPaid: number;
    captured: number;
    refunded: number;
  }[];
}

export async function readChainRollup(pool: pg.Pool, fromDay: number, toDay: number): Promise<ChainRollup> {
  const { rows } = await pool.query<Record<string, string | null>>(
    `SELECT store, max(currency) AS currency,
            sum(sessions_opened) AS opened, sum(sessions_paid) AS paid, sum(sessions_reviewed) AS reviewed,
            sum(sessions_failed) AS failed, sum(sessions_cancelled) AS cancelled,
            sum(reviews_requested) AS reviews, sum(disputes) AS disputes,
            sum(captured) AS captured, sum(refunded) AS refunded
       FROM store_day_rollup WHERE day BETWEEN $1 AND $2
      GROUP BY store ORDER BY store`,
    [fromDay, toDay],
  );
  const n = (v: string | null | undefined) => Number(v ?? 0);
  const stores: StoreRollup[] = rows.map((r) => {
    const paid = n(r.paid);
    const reviewed = n(r.reviewed);
    return {
      store: String(r.store),
      currency: r.currency ?? null,
      sessionsOpened: n(r.opened),
      sessionsPaid: paid,
      sessionsReviewed: reviewed,
      sessionsFailed: n(r.failed),
      sessionsCancelled: n(r.cancelled),
      reviewsRequested: n(r.reviews),
      disputes: n(r.disputes),
      captured: n(r.captured),
      refunded: n(r.refunded),
      reviewRateBp: paid + reviewed === 0 ? 0 : Math.round((reviewed * 10_000) / Math.max(paid, reviewed)),
    };
  });
  const byCurrency = new Map<string | null, ChainRollup["totals"][number]>();
  for (const s of stores) {
    const t = byCurrency.get(s.currency) ?? {
      currency: s.currency,
      stores: 0,
      sessionsPaid: 0,
      captured: 0,
      refunded: 0,
    };
    t.stores++;
    t.sessionsPaid += s.sessionsPaid;
    t.captured += s.captured;
    t.refunded += s.refunded;
    byCurrency.set(s.currency, t);
  }
  return { fromDay, toDay, stores, totals: [...byCurrency.values()] };
}

/**
 * Registers the head-office routes on a server whose storage is PostgreSQL (the rollup table is
 * a PostgreSQL migration); does nothing on SQLite. For the single-process composition root; the
 * cluster node registers them itself.
 */
export async function registerChainRollupRoutes(
  app: FastifyInstance,
  storage: Storage,
  onAuthFailure?: (reason: string) => void,
): Promise<void> {
  const pool = (storage as Partial<{ pool: pg.Pool }>).pool;
  if (storage.kind !== "postgres" || !pool) return;
  await app.register(chainRoutes, {
    apiKeys: storage.apiKeys,
    rollup: (from, to) => readChainRollup(pool, from, to),
    onAuthFailure,
  });
}
