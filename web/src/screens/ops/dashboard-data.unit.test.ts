import { afterEach, describe, expect, it, vi } from "vitest";
import { staffApi } from "../../api/staff";
import type { Session, StoreStats } from "../../api/types";
import type { Shopper } from "../../api/walkout";
import {
  exitFigures,
  loadDashboard,
  openReviewFigures,
  shoppingCount,
  walkoutFigures,
} from "./dashboard-data";

/** fetch as the server answers an operator key: 403 for the review queue, 200 elsewhere */
function operatorServer(requested: string[]) {
  return async (url: string) => {
    requested.push(url);
    const path = url.split("?")[0];
    if (path.endsWith("/reviews"))
      return new Response(JSON.stringify({ title: "Forbidden" }), { status: 403 });
    const body = path.endsWith("/sessions")
      ? []
      : path.endsWith("/carts")
        ? []
        : path.endsWith("/stats")
          ? { openReviews: 3, openDisputes: 1, oldestOpenReviewAt: 1000, currency: "USD" }
          : { hourly: [] };
    return new Response(JSON.stringify(body), { status: 200 });
  };
}

afterEach(() => vi.unstubAllGlobals());

describe("the cart dashboard's reads", () => {
  it("asks only for routes an operator key may read (never the review queue)", async () => {
    const requested: string[] = [];
    vi.stubGlobal("fetch", operatorServer(requested));
    const data = await loadDashboard(staffApi("demo", "skl_op"));
    const paths = requested.map((u) => u.split("?")[0].replace("/api/v1/stores/demo", ""));
    expect(paths.sort()).toEqual(["/carts", "/day", "/sessions", "/sessions", "/stats"]);
    // the 200 most recent, and every payment problem whenever it was last updated
    expect(requested.filter((u) => u.includes("/sessions?")).map((u) => u.split("?")[1])).toEqual([
      "limit=200",
      "state=problem&limit=100",
    ]);
    expect(data.stats?.openReviews).toBe(3);
  });

  it("counts open cases once (disputes are among them) with the oldest wait from /stats", () => {
    expect(
      openReviewFigures({
        store: "demo",
        activeSessions: 0,
        sessionsByState: {},
        openReviews: 3,
        openDisputes: 1,
        oldestOpenReviewAt: 1000,
        cartsProvisioned: 0,
        cartsOnline: 0,
        revenueToday: 0,
        sessionsClosedToday: 0,
        currency: "USD",
      }),
    ).toEqual({ open: 3, oldestAt: 1000 });
    expect(openReviewFigures(null)).toEqual({ open: 0 });
  });

  it("counts the carts shopping from /stats, not from the listed sessions (at most 200)", () => {
    const listed = Array.from({ length: 200 }, (_, i) => ({ session: `s${i}`, open: i < 150 }) as Session);
    const stats = { activeSessions: 260 } as StoreStats;
    expect(shoppingCount({ sessions: listed, stats })).toBe(260);
    // the figures unreadable: what the list shows
    expect(shoppingCount({ sessions: listed, stats: null })).toBe(150);
    expect(shoppingCount(null)).toBe(0);
  });

  it("counts the sessions at the exit and the payment problems from /stats, not from the listed rows", () => {
    const row = (session: string, open: boolean, state: string) =>
      ({ session, open, screen: { state } }) as unknown as Session;
    // the 200 listed: 197 shopping, one paying, one held, and a shopper whose check-in hold failed
    const listed = [
      ...Array.from({ length: 197 }, (_, i) => row(`s${i}`, true, "shopping")),
      row("x1", false, "charging"),
      row("x2", false, "review"),
      row("h1", true, "problem"),
    ];
    // read by state: every payment problem at the exit (one of them listed too)
    const problems = [row("p1", false, "problem"), row("p2", false, "problem"), row("x1", false, "charging")];
    const stats = {
      sessionsByState: { shopping: 300, exiting: 2, charging: 10, review: 5, problem: 7, paid: 900 },
    } as unknown as StoreStats;
    const f = exitFigures({ sessions: listed, problems, stats });
    expect(f.atExitCount).toBe(2 + 10 + 5 + 7);
    expect(f.atExit.map((s) => s.session)).toEqual(["x1", "x2", "p1", "p2"]);
    // 7 failed at the exit, and the listed shopper whose hold failed
    expect(f.problemCount).toBe(8);
    expect(f.problems.map((s) => s.session)).toEqual(["h1", "p1", "p2"]);
    // the figures unreadable: the rows' own counts
    expect(exitFigures({ sessions: listed, problems, stats: null })).toMatchObject({
      atExitCount: 4,
      problemCount: 3,
    });
    expect(exitFigures(null)).toEqual({ atExit: [], atExitCount: 0, problems: [], problemCount: 0 });
  });

  it("the walk-out dashboard counts shoppers inside, payment problems and open cases from /stats", () => {
    const shopper = (session: string, inside: boolean, screenState: string, openCases = 0) =>
      ({
        session,
        inside,
        screenState,
        reviews: Array.from({ length: openCases }, (_, i) => ({ caseId: `${session}-${i}`, status: "open" })),
      }) as unknown as Shopper;
    const shoppers = [
      ...Array.from({ length: 199 }, (_, i) => shopper(`v${i}`, true, "shopping", i === 0 ? 1 : 0)),
      shopper("h1", true, "problem"),
      shopper("left1", false, "problem"),
      shopper("left2", false, "paid"),
    ];
    const stats = {
      activeSessions: 240,
      openReviews: 6,
      sessionsByState: { problem: 9 },
    } as unknown as StoreStats;
    const f = walkoutFigures({ shoppers, stats });
    expect(f).toMatchObject({ insideCount: 240, problemCount: 10, reviewCount: 6 });
    expect(f.inside).toHaveLength(200);
    expect(f.problems.map((s) => s.session)).toEqual(["h1", "left1"]);
    expect(f.reviews).toHaveLength(1);
    // the figures unreadable: the rows' own counts
    expect(walkoutFigures({ shoppers, stats: null })).toMatchObject({
      insideCount: 200,
      problemCount: 2,
      reviewCount: 1,
    });
  });

  it("the walk-out dashboard's 'In their baskets' is the server's sum over every shopper inside", () => {
    const shopper = (session: string, inside: boolean, total: number) =>
      ({ session, inside, total, screenState: "shopping", reviews: [] }) as unknown as Shopper;
    const shoppers = [shopper("v1", true, 300), shopper("v2", true, 129), shopper("left", false, 5000)];
    const stats = { activeSessions: 250, activeTotal: 90_000, sessionsByState: {} } as unknown as StoreStats;
    // the view's figures, read with its rows
    expect(walkoutFigures({ shoppers, stats, inside: 251, insideTotal: 91_000 })).toMatchObject({
      insideCount: 251,
      inBaskets: 91_000,
    });
    // an older server's view: /stats' sum
    expect(walkoutFigures({ shoppers, stats, inside: 2 })).toMatchObject({
      insideCount: 250,
      inBaskets: 90_000,
    });
    // neither: the listed shoppers inside only
    expect(walkoutFigures({ shoppers, stats: null, inside: 2 })).toMatchObject({
      insideCount: 2,
      inBaskets: 429,
    });
  });
});
