import { afterEach, describe, expect, it, vi } from "vitest";
import { staffApi } from "../../api/staff";
import type { Session, StoreStats } from "../../api/types";
import { loadDashboard, openReviewFigures, shoppingCount } from "./dashboard-data";

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
    expect(paths.sort()).toEqual(["/carts", "/day", "/sessions", "/stats"]);
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
});
