/**
 * What the cart dashboard reads on each refresh. Only routes an operator key may read: the review
 * queue (`/reviews`) is the reviewers' (its cases carry the evidence), so the open-case count and
 * the oldest wait come from `/stats` instead of asking for the queue and getting 403 every time.
 */
import { ApiError } from "../../api/http";
import { type CartInfo, type StaffApi, staffApi } from "../../api/staff";
import type { DayFigures, Session, StoreStats } from "../../api/types";
import { type WalkoutView, walkoutView } from "../../api/walkout";

export interface DashboardData {
  /** the 200 most recently updated sessions */
  sessions: Session[];
  /**
   * the sessions whose payment failed at the exit (state `problem`), whenever they were last
   * updated: a problem left alone drops out of the 200 most recent but still needs a person
   */
  problems: Session[];
  carts: CartInfo[] | null;
  stats: StoreStats | null;
  day: DayFigures | null;
}

/** How many payment problems the dashboard lists by name (the rest are counted). */
export const PROBLEMS_LISTED = 100;

export async function loadDashboard(api: Pick<StaffApi, "sessions" | "carts" | "stats" | "day">) {
  // a figure that fails shows "—"; a key that is refused signs the screen out
  const optional = <T>(p: Promise<T>) =>
    p.catch((e) => {
      if (e instanceof ApiError && (e.status === 401 || e.status === 403)) throw e;
      return null;
    });
  const [sessions, problems, carts, stats, day] = await Promise.all([
    api.sessions({ limit: 200 }),
    optional(api.sessions({ state: "problem", limit: PROBLEMS_LISTED })),
    optional(api.carts()),
    optional(api.stats()),
    optional(api.day()),
  ]);
  return { sessions, problems: problems ?? [], carts, stats, day } satisfies DashboardData;
}

/** The session states of a basket at the exit: being charged, held for review, payment failed. */
export const AT_EXIT_STATES = ["exiting", "charging", "review", "problem"] as const;

const atExit = (s: Session) => !s.open && ["charging", "review", "problem"].includes(s.screen?.state);

/**
 * The sessions at the exit and the payment problems: the rows to show (the listed sessions
 * there, and every problem read by state, once each) and how many there are, counted by the
 * server (`/stats`' `sessionsByState`: the states that are not final, whenever opened) — the list
 * holds the 200 most recently updated, so on a busy store it left out the carts that had waited
 * longest. A cart whose check-in hold failed shows a payment problem while still shopping: those
 * are counted from the list (the server counts states, not screens). The rows' own counts when
 * the figures could not be read.
 */
export function exitFigures(
  data: Pick<DashboardData, "sessions" | "problems" | "stats"> | null | undefined,
): {
  atExit: Session[];
  atExitCount: number;
  problems: Session[];
  problemCount: number;
} {
  const listed = data?.sessions ?? [];
  const seen = new Set<string>();
  const unique = (rows: Session[]) =>
    rows.filter((s) => {
      if (seen.has(s.session)) return false;
      seen.add(s.session);
      return true;
    });
  const rows = unique([...listed, ...(data?.problems ?? [])]);
  const exitRows = rows.filter(atExit);
  const problemRows = rows.filter((s) => s.screen?.state === "problem");
  const byState = data?.stats?.sessionsByState;
  if (!byState) {
    return {
      atExit: exitRows,
      atExitCount: exitRows.length,
      problems: problemRows,
      problemCount: problemRows.length,
    };
  }
  const shoppingProblems = problemRows.filter((s) => s.open).length;
  const atExitCount = AT_EXIT_STATES.reduce((n, st) => n + (byState[st] ?? 0), 0);
  return {
    atExit: exitRows,
    // never fewer than the rows shown (a session may change state between the two reads)
    atExitCount: Math.max(atExitCount, exitRows.length),
    problems: problemRows,
    problemCount: Math.max((byState.problem ?? 0) + shoppingProblems, problemRows.length),
  };
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

/** The walk-out dashboard's reads: the view of shoppers (routes/walkout-routes.ts) and `/stats`. */
export interface WalkoutDashboardData extends WalkoutView {
  stats: StoreStats | null;
}

export async function loadWalkoutDashboard(store: string, key: string): Promise<WalkoutDashboardData> {
  const [view, stats] = await Promise.all([
    walkoutView(store, key),
    staffApi(store, key)
      .stats()
      .catch((e) => {
        if (e instanceof ApiError && (e.status === 401 || e.status === 403)) throw e;
        return null;
      }),
  ]);
  return { ...view, stats };
}

/**
 * The walk-out dashboard's figures: the view lists the open visits among the store's 200 most
 * recently updated sessions and the last 20 who left, so "Shoppers inside", "In their baskets",
 * the open cases and the payment problems are counted by the server (the view's `inside` and
 * `insideTotal`; `/stats`: open sessions and their totals, open cases, and the `problem`
 * sessions by state) — never fewer than listed. A shopper inside whose hold failed is a screen
 * state, counted from the list. The list's own counts when neither says (an older server, and
 * `/stats` unreadable).
 */
export function walkoutFigures(
  data:
    | (Pick<WalkoutDashboardData, "shoppers" | "stats"> &
        Partial<Pick<WalkoutDashboardData, "inside" | "insideTotal">>)
    | null
    | undefined,
) {
  const shoppers = data?.shoppers ?? [];
  const inside = shoppers.filter((s) => s.inside);
  const problems = shoppers.filter((s) => s.screenState === "problem");
  const reviews = shoppers.flatMap((s) =>
    s.reviews.filter((r) => r.status === "open").map((r) => ({ s, r })),
  );
  const stats = data?.stats;
  const insideProblems = problems.filter((s) => s.inside).length;
  const listedTotal = inside.reduce((n, s) => n + s.total, 0);
  return {
    inside,
    insideCount: Math.max(data?.inside ?? 0, stats?.activeSessions ?? 0, inside.length),
    inBaskets: data?.insideTotal ?? stats?.activeTotal ?? listedTotal,
    problems,
    problemCount: Math.max(
      stats ? (stats.sessionsByState.problem ?? 0) + insideProblems : 0,
      problems.length,
    ),
    reviews,
    reviewCount: Math.max(stats?.openReviews ?? 0, reviews.length),
  };
}
