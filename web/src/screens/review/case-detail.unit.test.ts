import { afterEach, describe, expect, it, vi } from "vitest";
import { staffApi } from "../../api/staff";
import type { ReviewCase, ReviewContext } from "../../api/types";
import { loadCaseDetail, needsShelfTrace, shownEvidence } from "./case-detail";

const cartCase: ReviewCase = {
  store: "demo",
  caseId: "case_cart",
  session: "s-1",
  kind: "uncertain",
  lineIds: ["line_1"],
  reason: "look-alike products",
  status: "open",
  openedAt: 1,
  lines: [
    {
      lineId: "line_1",
      sku: "cola-330",
      qty: 1,
      status: "unsure",
      evidence: { summary: "x", change: { startT: 1, endT: 2, deltaG: 350 } },
    },
  ],
  version: 1,
};
const walkoutCase: ReviewCase = {
  ...cartCase,
  caseId: "case_walk",
  lines: [
    {
      ...cartCase.lines[0],
      evidence: {
        summary: "y",
        change: { startT: 1, endT: 2, deltaG: -350 },
        shelf: { gondola: 1, shelf: 2, plates: [3] },
      },
    },
  ],
};

function server(requested: string[]) {
  return async (url: string) => {
    requested.push(url);
    const path = url.split("?")[0];
    if (path.endsWith("/shelf"))
      return new Response(
        JSON.stringify({
          trace: [
            { t: 1, grams: 0 },
            { t: 2, grams: -350 },
          ],
        }),
      );
    if (path.endsWith("/context"))
      return new Response(
        JSON.stringify({ caseId: "x", session: "s-1", trace: [], basketBefore: [], basketAfter: [] }),
      );
    const id = decodeURIComponent(path.split("/").pop() ?? "");
    return new Response(JSON.stringify(id === walkoutCase.caseId ? walkoutCase : cartCase));
  };
}

afterEach(() => vi.unstubAllGlobals());

describe("the review console's reads for a case", () => {
  it("asks for the shelf's weight only for a walk-out store's case", async () => {
    const requested: string[] = [];
    vi.stubGlobal("fetch", server(requested));
    const api = staffApi("demo", "skl_r");
    await loadCaseDetail(api, "demo", "skl_r", cartCase.caseId, "walkout");
    expect(requested.some((u) => u.endsWith("/shelf"))).toBe(false);
    expect(requested).toHaveLength(2);

    requested.length = 0;
    const d = await loadCaseDetail(api, "demo", "skl_r", walkoutCase.caseId, "walkout");
    expect(requested.filter((u) => u.endsWith("/shelf"))).toEqual([
      "/api/v1/stores/demo/reviews/case_walk/shelf",
    ]);
    expect(d.ctx?.trace).toHaveLength(2);
  });

  it("never asks a cart store for a shelf (it has no such route: 404), whatever the evidence names", async () => {
    const requested: string[] = [];
    vi.stubGlobal("fetch", server(requested));
    const api = staffApi("demo", "skl_r");
    for (const c of [cartCase, walkoutCase]) await loadCaseDetail(api, "demo", "skl_r", c.caseId, "carts");
    expect(requested.filter((u) => u.endsWith("/shelf"))).toEqual([]);
    expect(requested).toHaveLength(4);
  });

  it("tells a walk-out case by its evidence", () => {
    expect(needsShelfTrace(cartCase)).toBe(false);
    expect(needsShelfTrace(walkoutCase)).toBe(true);
    expect(needsShelfTrace({ ...cartCase, lines: [] })).toBe(false);
  });
});

describe("the evidence the console shows for a case", () => {
  const change = (lineIds: string[], summary: string) => ({
    lineIds,
    vision: [],
    scans: [],
    plu: [],
    answers: [],
    hypotheses: [],
    summary,
  });
  const ctx = (source: "event" | "rebuilt"): ReviewContext => ({
    caseId: "case_cart",
    session: "s-1",
    trace: [],
    basketBefore: [],
    basketAfter: [],
    evidence: { ...change([], "rebuilt, no line"), change: undefined },
    caseEvidence: {
      source,
      changes: [change(["line_0"], "another change"), change(["line_1"], "the line's change")],
      window: { from: 1, to: 2 },
    },
  });

  it("fusion's record on the case: the change that decided its line", () => {
    expect(shownEvidence(cartCase, ctx("event"))).toMatchObject({ summary: "the line's change" });
    expect(shownEvidence({ ...cartCase, lineIds: [], lines: [] }, ctx("event"))).toMatchObject({
      summary: "another change",
    });
  });

  it("a case recorded before: the line's own evidence, or the change rebuilt for a case without a line", () => {
    expect(shownEvidence(cartCase, ctx("rebuilt"))).toBe(cartCase.lines[0].evidence);
    expect(shownEvidence(cartCase, null)).toBe(cartCase.lines[0].evidence);
    expect(shownEvidence({ ...cartCase, lineIds: [], lines: [] }, ctx("rebuilt"))).toMatchObject({
      summary: "rebuilt, no line",
    });
  });
});
