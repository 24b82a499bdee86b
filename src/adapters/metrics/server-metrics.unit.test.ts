import { describe, expect, it } from "vitest";
import { ServerMetrics } from "./server-metrics";

describe("ServerMetrics.observeExit", () => {
  it("counts each exit settlement under its payment outcome", async () => {
    const m = new ServerMetrics();
    for (const status of ["paid", "paid", "review", "problem", "skipped"] as const) m.observeExit(status);
    const { values } = await m.payments.get();
    const byOutcome = Object.fromEntries(values.map((v) => [v.labels.outcome, v.value]));
    expect(byOutcome).toEqual({ captured: 2, "held-for-review": 1, failed: 1, skipped: 1 });
  });
});

describe("ServerMetrics.observeAbandoned", () => {
  it("counts silent sessions the store ended, by outcome, and renders them for Prometheus", async () => {
    const m = new ServerMetrics({ defaultMetrics: false });
    m.observeAbandoned("review");
    m.observeAbandoned("cancelled");
    m.observeAbandoned("review");
    const { body } = await m.render();
    expect(body).toMatch(/skiplane_abandoned_sessions_total\{outcome="review"\} 2/);
    expect(body).toMatch(/skiplane_abandoned_sessions_total\{outcome="cancelled"\} 1/);
  });
});

describe("ServerMetrics.observeOwedReleases", () => {
  it("counts retried releases by outcome and keeps what each store still owes, back to 0", async () => {
    const m = new ServerMetrics({ defaultMetrics: false });
    m.observeOwedReleases(
      ["st-1", "st-2"],
      [
        { store: "st-1", released: ["auth-a"], failed: [{}, {}] },
        { store: "st-1", released: [], failed: [{}] },
      ],
    );
    let { body } = await m.render();
    expect(body).toMatch(/skiplane_holds_to_release\{store="st-1"\} 3/);
    expect(body).toMatch(/skiplane_holds_to_release\{store="st-2"\} 0/);
    expect(body).toMatch(/skiplane_owed_hold_releases_total\{outcome="released"\} 1/);
    expect(body).toMatch(/skiplane_owed_hold_releases_total\{outcome="failed"\} 3/);
    m.observeOwedReleases(["st-1", "st-2"], [{ store: "st-1", released: ["b", "c", "d"], failed: [] }]);
    ({ body } = await m.render());
    expect(body).toMatch(/skiplane_holds_to_release\{store="st-1"\} 0/);
    expect(body).toMatch(/skiplane_owed_hold_releases_total\{outcome="released"\} 4/);
  });
});
