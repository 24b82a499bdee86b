/**
 * The few reads the web screens need beyond the core API (http-server.ts), as one fastify
 * plugin the composition root registers with its storage and catalogs:
 *
 * - `GET /pictures/{store}/{sku}.svg` — product pictures (public; see adapters/pictures)
 * - `GET /api/v1/stores/{store}/products` — the catalog, for the review console's product picker
 * - `GET /api/v1/stores/{store}/day?tz=<minutes east of UTC>` — the day's figures by hour for the
 *   dashboard's charts (sessions, prompts, reviews, average basket), the decision latency, and
 *   the store's kind (`carts` | `walkout`: which dashboard to show)
 * - `GET /api/v1/stores/{store}/reviews/{caseId}/context` — what a reviewer looks at besides the
 *   line's evidence: the cart's scale samples around the event and the basket before and after it
 * - `GET /api/v1/receipt/{token}/evidence` — each receipt line's full evidence, for "what the
 *   cart saw" on the shopper's receipt (by receipt token, like the receipt itself)
 *
 * Same conventions as the core API: Bearer API keys with the same role table and store scope,
 * errors thrown as ApiError and turned into RFC 7807 documents by the server's error handler.
 */
import type { FastifyPluginAsync, FastifyRequest } from "fastify";
import type { Histogram } from "prom-client";
import { z } from "zod";
import type { EventStore } from "../../../app/ports/event-store";
import { sessionStreamId } from "../../../app/ports/event-store";
import type { RawSensorLog } from "../../../app/ports/raw-sensor-log";
import type {
  ApiKeyRecord,
  ApiKeyRepository,
  ApiRole,
  ReviewCaseRepository,
  SessionReadModel,
} from "../../../app/ports/read-models";
import { caseEvidence } from "../../../app/services/case-evidence";
import type { BasketEvent, Evidence } from "../../../domain/basket/basket.events";
import {
  type BasketState,
  basketContents,
  evolveBasket,
  initialBasketState,
} from "../../../domain/basket/basket.state";
import type { Catalog } from "../../../domain/catalog/product";
import type { ServerMetrics } from "../../metrics/server-metrics";
import { picturesRoutes } from "../../pictures/pictures.routes";
import { readReviewEvidence } from "../../schemas/review-evidence.schema";
import { authorizeStoreKey, parseInput } from "../api-key-auth";
import { ApiError } from "../problem";

export interface WebRoutesOptions {
  storage: {
    events: EventStore;
    rawLog: RawSensorLog;
    sessions: SessionReadModel;
    reviews: ReviewCaseRepository;
    apiKeys: ApiKeyRepository;
  };
  /** the store's catalog (undefined for an unknown store) */
  catalogOf: (store: string) => Catalog | undefined | Promise<Catalog | undefined>;
  resolveReceiptToken: (token: string) => { store: string; session: string } | undefined;
  /** the server's decision-latency histogram (seconds), for the dashboard */
  decisionLatency?: Histogram<string>;
  /** counts refused requests like the core API does */
  onAuthFailure?: (reason: string) => void;
  /** the store's kind, told in `/day` so the dashboard picks its screen without probing (default carts) */
  kindOf?: (store: string) => "carts" | "walkout";
}

const READ: readonly ApiRole[] = ["operator", "reviewer", "admin"];
const REVIEW: readonly ApiRole[] = ["reviewer", "admin"];

const storeParams = z.object({ store: z.string().regex(/^[A-Za-z0-9._~-]{1,128}$/) });
const caseParams = storeParams.extend({ caseId: z.string().min(1).max(200) });
const tokenParams = z.object({ token: z.string().min(10).max(600) });
const dayQuery = z.object({ tz: z.coerce.number().int().min(-840).max(840).default(0) });

/** Seconds of scale samples shown either side of the weight change. */
const TRACE_MARGIN_MS = 3000;
const TRACE_MAX_POINTS = 600;

/**
 * The options as both compositions (src/main.ts, adapters/cluster/cluster-node.ts) pass them:
 * each store's catalog from its config, the server's decision latency and auth-failure counter.
 */
export function webRoutesOptions(deps: {
  storage: WebRoutesOptions["storage"];
  stores: readonly { store: string; catalog: Catalog }[];
  resolveReceiptToken: WebRoutesOptions["resolveReceiptToken"];
  metrics: Pick<ServerMetrics, "decisionLatency" | "authFailures">;
  /** the walk-out stores among `stores` (the others are cart stores) */
  isWalkout?: (store: string) => boolean;
}): WebRoutesOptions {
  const catalogs = new Map<string, Catalog>(deps.stores.map((s) => [s.store, s.catalog]));
  const isWalkout = deps.isWalkout;
  return {
    ...(isWalkout ? { kindOf: (store: string) => (isWalkout(store) ? "walkout" : "carts") } : {}),
    storage: deps.storage,
    catalogOf: (store) => catalogs.get(store),
    resolveReceiptToken: deps.resolveReceiptToken,
    decisionLatency: deps.metrics.decisionLatency,
    onAuthFailure: (reason) => deps.metrics.authFailures.inc({ reason }),
  };
}

export const webRoutes: FastifyPluginAsync<WebRoutesOptions> = async (app, opts) => {
  const { storage } = opts;

  const keys = {
    findKey: (hash: string) => storage.apiKeys.findByHash(hash),
    onAuthFailure: opts.onAuthFailure,
  };
  const authorize = (req: FastifyRequest, roles: readonly ApiRole[], store: string): Promise<ApiKeyRecord> =>
    authorizeStoreKey(req, keys, roles, store);

  async function catalog(store: string): Promise<Catalog> {
    const c = await opts.catalogOf(store);
    if (!c) throw new ApiError("UNKNOWN_STORE", `no store ${store}`);
    return c;
  }

  await app.register(picturesRoutes, {
    lookup: async (store, sku) => (await opts.catalogOf(store))?.bySku.get(sku),
  });

  app.get("/api/v1/stores/:store/products", async (req) => {
    const { store } = parseInput(storeParams, req.params);
    await authorize(req, READ, store);
    const c = await catalog(store);
    return c.products.map((p) => ({
      sku: p.sku,
      name: p.name,
      soldBy: p.soldBy,
      price: p.price,
      pricePerKg: p.pricePerKg,
      plu: p.plu,
      gtin: p.gtin,
      lookalikes: p.lookalikes,
      category: p.category,
      weight: p.weight,
    }));
  });

  app.get("/api/v1/stores/:store/day", async (req) => {
    const { store } = parseInput(storeParams, req.params);
    const { tz } = parseInput(dayQuery, req.query);
    await authorize(req, READ, store);
    const c = await catalog(store);
    const now = Date.now();
    // every session opened today, a page at a time (keyset paging in session-id order): a busy
    // store opens more than any one page holds, and only the counts leave this handler
    const day = new DayTally(dayStartAt(now, tz), now);
    let after = "";
    for (;;) {
      const page = await storage.sessions.list(store, { openedSince: day.dayStart, after, limit: DAY_PAGE });
      for (const s of page) day.add(s);
      if (page.length < DAY_PAGE) break;
      after = page[page.length - 1].session;
    }
    return {
      ...day.figures(c.currency),
      kind: opts.kindOf?.(store) ?? "carts",
      decisionLatency: opts.decisionLatency ? await latencyOf(opts.decisionLatency, store) : undefined,
    };
  });

  app.get("/api/v1/stores/:store/reviews/:caseId/context", async (req) => {
    const { store, caseId } = parseInput(caseParams, req.params);
    await authorize(req, REVIEW, store);
    const rc = await storage.reviews.get(store, caseId);
    if (!rc) throw new ApiError("UNKNOWN_CASE", `no case ${caseId}`);
    const { events } = await storage.events.readStream(sessionStreamId(store, rc.session));
    const basket = events.map((e) => e.data);
    const cart = firstCart(basket);
    const around = basketAround(basket, new Set(rc.lineIds));
    // what fusion decided the case on, as recorded on its event (validated here: what storage
    // returned), or rebuilt from the session's events for a case recorded before (case-evidence.ts)
    const ce = caseEvidence(basket, caseId, readReviewEvidence);
    // a case without a line (weight left unexplained, a load changing at exit): its change, as
    // the evidence a line would have
    const lineLess = rc.lineIds.length === 0 ? ce?.changes[0] : undefined;
    const window = ce?.window;
    let trace: { t: number; grams: number }[] = [];
    if (cart && window) {
      const from = window.from - TRACE_MARGIN_MS;
      const to = window.to + TRACE_MARGIN_MS;
      const raw = await storage.rawLog.readCart(store, cart, { session: rc.session });
      trace = weightSamples(
        raw.map((r) => r.event),
        from,
        to,
      );
    }
    return {
      caseId,
      session: rc.session,
      cart,
      trace,
      basketBefore: around.before,
      basketAfter: around.after,
      ...(lineLess ? { evidence: lineLess } : {}),
      ...(ce ? { caseEvidence: ce } : {}),
    };
  });

  app.get("/api/v1/receipt/:token/evidence", async (req) => {
    const { token } = parseInput(tokenParams, req.params);
    const t = opts.resolveReceiptToken(token);
    if (!t) {
      opts.onAuthFailure?.("receipt-token");
      throw new ApiError("NOT_FOUND", "no such receipt");
    }
    const { events } = await storage.events.readStream(sessionStreamId(t.store, t.session));
    if (events.length === 0) throw new ApiError("NOT_FOUND", "no such receipt");
    let s = initialBasketState();
    for (const e of events) s = evolveBasket(s, e.data);
    const products = (await opts.catalogOf(t.store))?.bySku;
    const lines: Record<string, Evidence> = {};
    /** who changed each line after the sensors (the shopper on the screen, a reviewer) */
    const checked: Record<string, { by: string; change: string; at: number }[]> = {};
    /** lines that no longer count (the receipt leaves them out): a refunded dispute, a void */
    const removed: {
      lineId: string;
      sku: string;
      name: string;
      qty?: number;
      grams?: number;
      by: string;
      reason?: string;
    }[] = [];
    for (const [id, l] of s.lines) {
      lines[id] = l.evidence;
      const people = l.history.filter((h) => h.by === "shopper" || h.by === "reviewer");
      if (people.length) checked[id] = people.map((h) => ({ by: h.by, change: h.change, at: h.at }));
      if (l.voided && l.kind === "add") {
        const v = [...l.history].reverse().find((h) => h.change === "voided");
        removed.push({
          lineId: id,
          sku: l.sku,
          name: products?.get(l.sku)?.name ?? l.sku,
          ...(l.grams !== undefined ? { grams: l.grams } : { qty: l.qty ?? 1 }),
          by: v?.by ?? "system",
          ...(v?.note ? { reason: v.note } : {}),
        });
      }
    }
    return { lines, checked, removed };
  });
};

function firstCart(events: BasketEvent[]): string | undefined {
  for (const e of events) if (e.type === "SessionOpened") return e.cart;
  return undefined;
}

export interface BasketItem {
  sku: string;
  qty?: number;
  grams?: number;
}

function contents(s: BasketState): BasketItem[] {
  const c = basketContents(s);
  return [
    ...c.items.map((i) => ({ sku: i.sku, qty: i.qty })),
    ...c.weighed.map((w) => ({ sku: w.sku, grams: w.grams })),
  ];
}

/**
 * The basket just before the first event that created one of the case's lines, and just after
 * it (what the machine decided at the time, before any prompt or review changed it).
 */
export function basketAround(
  events: readonly BasketEvent[],
  lineIds: ReadonlySet<string>,
): { before: BasketItem[]; after: BasketItem[]; evidence?: Evidence } {
  let s = initialBasketState();
  for (const e of events) {
    if ((e.type === "ItemAdded" || e.type === "ItemRemoved") && lineIds.has(e.lineId)) {
      const before = contents(s);
      s = evolveBasket(s, e);
      return { before, after: contents(s), evidence: e.evidence };
    }
    s = evolveBasket(s, e);
  }
  return { before: contents(s), after: contents(s) };
}

/** Scale samples with device time in [from, to], thinned evenly to at most TRACE_MAX_POINTS. */
export function weightSamples(
  events: readonly { type: string; t: number; grams?: unknown; hz?: unknown }[],
  from: number,
  to: number,
): { t: number; grams: number }[] {
  const out: { t: number; grams: number }[] = [];
  for (const e of events) {
    if (e.type !== "weight") continue;
    if (typeof e.grams === "number") {
      if (e.t >= from && e.t <= to) out.push({ t: e.t, grams: e.grams });
    } else if (Array.isArray(e.grams) && typeof e.hz === "number" && e.hz > 0) {
      const step = 1000 / e.hz;
      e.grams.forEach((g, i) => {
        const t = e.t + i * step;
        if (t >= from && t <= to && typeof g === "number") out.push({ t, grams: g });
      });
    }
  }
  out.sort((a, b) => a.t - b.t);
  if (out.length <= TRACE_MAX_POINTS) return out;
  const every = out.length / TRACE_MAX_POINTS;
  return Array.from({ length: TRACE_MAX_POINTS }, (_, i) => out[Math.floor(i * every)]);
}

interface DaySession {
  openedAt: number;
  open: boolean;
  receipt?: { total: number; prompts: number; review: boolean };
}

/**
 * The day's figures by local hour: sessions started, and for the sessions settled so far their
 * prompts, reviews and average basket. `tz` is the viewer's offset in minutes east of UTC, so
 * "today" and the hours are the store's, not the server's.
 */
export function dayFigures(sessions: readonly DaySession[], now: number, tz: number, currency: string) {
  const day = new DayTally(dayStartAt(now, tz), now);
  for (const s of sessions) day.add(s);
  return day.figures(currency);
}

/** Sessions read per query by the day's figures. */
export const DAY_PAGE = 1000;

/** Midnight of `now`'s day for a viewer `tz` minutes east of UTC (epoch ms). */
export function dayStartAt(now: number, tz: number): number {
  const offset = tz * 60_000;
  return Math.floor((now + offset) / 86_400_000) * 86_400_000 - offset;
}

type HourSums = { sessions: number; settled: number; prompts: number; reviews: number; basket: number };

/** The day's figures added up one session at a time, so the sessions need not all be in memory. */
export class DayTally {
  private readonly hours = new Map<number, HourSums>();
  private readonly totals: HourSums = { sessions: 0, settled: 0, prompts: 0, reviews: 0, basket: 0 };

  constructor(
    readonly dayStart: number,
    private readonly now: number,
  ) {}

  add(s: DaySession): void {
    if (s.openedAt < this.dayStart || s.openedAt > this.now) return;
    const hour = Math.floor((s.openedAt - this.dayStart) / 3_600_000);
    const h = this.hours.get(hour) ?? { sessions: 0, settled: 0, prompts: 0, reviews: 0, basket: 0 };
    h.sessions += 1;
    this.totals.sessions += 1;
    if (!s.open && s.receipt) {
      for (const acc of [h, this.totals]) {
        acc.settled += 1;
        acc.prompts += s.receipt.prompts;
        acc.reviews += s.receipt.review ? 1 : 0;
        acc.basket += s.receipt.total;
      }
    }
    this.hours.set(hour, h);
  }

  figures(currency: string) {
    const totals = this.totals;
    return {
      dayStart: this.dayStart,
      currency,
      sessions: totals.sessions,
      settled: totals.settled,
      prompts: totals.prompts,
      reviews: totals.reviews,
      averageBasket: totals.settled ? Math.round(totals.basket / totals.settled) : 0,
      hourly: [...this.hours.entries()]
        .sort((a, b) => a[0] - b[0])
        .map(([hour, h]) => ({
          hour,
          sessions: h.sessions,
          settled: h.settled,
          prompts: h.prompts,
          reviews: h.reviews,
          averageBasket: h.settled ? Math.round(h.basket / h.settled) : undefined,
        })),
    };
  }
}

/** p50/p95 (ms) by linear interpolation inside the histogram's buckets, and the buckets themselves. */
export async function latencyOf(h: Histogram<string>, store?: string) {
  const data = await h.get();
  // one store's series when the histogram is labelled by store (the process may host several)
  const buckets = data.values
    .filter((v) => v.metricName?.endsWith("_bucket") && (store === undefined || v.labels.store === store))
    .map((v) => ({
      le: v.labels.le === "+Inf" ? Number.POSITIVE_INFINITY : Number(v.labels.le),
      count: v.value,
    }))
    .sort((a, b) => a.le - b.le);
  const total = buckets.at(-1)?.count ?? 0;
  const q = (p: number) => {
    if (total === 0) return undefined;
    const rank = p * total;
    let prevLe = 0;
    let prevCount = 0;
    for (const b of buckets) {
      if (b.count >= rank) {
        if (!Number.isFinite(b.le)) return prevLe * 1000;
        const within = b.count - prevCount;
        const f = within > 0 ? (rank - prevCount) / within : 1;
        return (prevLe + f * (b.le - prevLe)) * 1000;
      }
      prevLe = b.le;
      prevCount = b.count;
    }
    return prevLe * 1000;
  };
  let prev = 0;
  return {
    count: total,
    p50: q(0.5),
    p95: q(0.95),
    buckets: buckets.map((b) => {
      const n = b.count - prev;
      prev = b.count;
      return { leMs: Number.isFinite(b.le) ? b.le * 1000 : null, count: n };
    }),
  };
}
