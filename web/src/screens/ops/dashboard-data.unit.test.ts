import { afterEach, describe, expect, it, vi } from "vitest";
import { staffApi } from "../../api/staff";
import { loadDashboard, openReviewFigures } from "./dashboard-data";

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
});
