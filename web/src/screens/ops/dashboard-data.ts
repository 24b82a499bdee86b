/**
 * What the cart dashboard reads on each refresh. Only routes an operator key may read: the review
 * queue (`/reviews`) is the reviewers' (its cases carry the evidence), so the open-case count and
 * the oldest wait come from `/stats` instead of asking for the queue and getting 403 every time.
 */
import { ApiError } from "../../api/http";
import type { CartInfo, StaffApi } from "../../api/staff";
import type { DayFigures, Session, StoreStats } from "../../api/types";

export interface DashboardData {
  sessions: Session[];
  carts: CartInfo[] | null;
  stats: StoreStats | null;
  day: DayFigures | null;
}

export async function loadDashboard(api: Pick<StaffApi, "sessions" | "carts" | "stats" | "day">) {
  // a figure that fails shows "—"; a key that is refused signs the screen out
  const optional = <T>(p: Promise<T>) =>
    p.catch((e) => {
      if (e instanceof ApiError && (e.status === 401 || e.status === 403)) throw e;
      return null;
    });
  const [sessions, carts, stats, day] = await Promise.all([
    api.sessions({ limit: 200 }),
    optional(api.carts()),
    optional(api.stats()),
    optional(api.day()),
  ]);
  return { sessions, carts, stats, day } satisfies DashboardData;
}

/**
 * How many carts are shopping: counted by the server (`/stats`), not from the listed sessions —
 * the list holds the 200 most recently updated, so above 200 carts it undercounted. The list's
 * own count only when the figures could not be read.
 */
export function shoppingCount(data: Pick<DashboardData, "sessions" | "stats"> | null | undefined): number {
  if (data?.stats) return data.stats.activeSessions;
  return (data?.sessions ?? []).filter((s) => s.open).length;
}

/** Open cases (disputes are among them, counted once) and since when the oldest has waited. */
export function openReviewFigures(stats: StoreStats | null | undefined): { open: number; oldestAt?: number } {
  if (!stats) return { open: 0 };
  return { open: stats.openReviews, oldestAt: stats.oldestOpenReviewAt };
}
