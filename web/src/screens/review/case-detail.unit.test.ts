import { afterEach, describe, expect, it, vi } from "vitest";
import { staffApi } from "../../api/staff";
import type { ReviewCase, ReviewContext } from "../../api/types";
import { evidenceSource, loadCaseDetail, needsShelfTrace, shownEvidence, walkoutFacts } from "./case-detail";

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

describe("a walk-out case's record in the console", () => {
  const recorded = {
    lineIds: ["line_1"],
    action: "pick" as const,
    change: { startT: 1, endT: 2, before: 4300, after: 3762, delta: -538, sd: 0.8, stepT: 1 },
    shelf: { gondola: 1, shelf: 1, plates: [1] },
    plates: [{ plate: 1, before: 2000, after: 1462, delta: -538, sd: 0.6 }],
    shoppers: [
      { shopper: "track-1", distance: 0.02, body: 0.618, hand: 0.02, p: 0.5 },
      { shopper: "track-2", distance: 0.9, body: 0.9 },
    ],
    vision: [
      {
        id: "track-1-t15",
        t: 1,
        dir: "unknown" as const,
        candidates: [{ sku: "water-500", p: 0.5 }],
        shopper: "track-1",
      },
    ],
    scans: [],
    plu: [],
    answers: [],
    hypotheses: [{ label: "1× water-500", posterior: 0.997 }],
    doubt: ["shopper" as const],
    summary: "taken by track-1 or track-2",
  };
  const ce = {
    source: "event" as const,
    kind: "walkout" as const,
    causes: ["uncertain-shopper" as const, "hand-over" as const],
    changes: [recorded],
    meetings: [
      {
        shoppers: ["track-1", "track-2"] as [string, string],
        t: 5,
        last: 6,
        at: { x: 0, y: 0, z: 1 },
        held: [{ shopper: "track-1", sku: "water-500", qty: 1 }],
        camera: "cameras not sure",
      },
    ],
    window: { from: 1, to: 2 },
  };
  const ctx: ReviewContext = {
    caseId: "case_walk",
    session: "s-1",
    trace: [],
    basketBefore: [],
    basketAfter: [],
    caseEvidence: ce,
  };
  const name = (sku: string) => (sku === "water-500" ? "Water 500 ml" : sku);

  it("shows the recorded change of the case's line, as for a cart's case", () => {
    expect(shownEvidence({ ...walkoutCase, lineIds: ["line_1"] }, ctx)).toBe(recorded);
  });

  it("says why, how many changes and meetings; the plates' grams, the candidates' distances, the meeting", () => {
    expect(evidenceSource(ce)).toBe(
      "Recorded by the walk-out fusion with the case: several shoppers' hands were at the shelf; " +
        "hands met away from the shelves; 1 shelf change, 1 hand meeting",
    );
    expect(walkoutFacts(recorded, ce, name)).toEqual([
      "plates: 1 -538 g (2000 g → 1462 g)",
      "candidates: track-1 (hand 0.02 m, body 0.62 m, 50 %); track-2 (hand not seen, body 0.90 m)",
      "hands of track-1 and track-2 met away from the shelves, holding 1 × Water 500 ml (track-1); cameras not sure",
    ]);
    // a cart's change has none of these
    expect(walkoutFacts(cartCase.lines[0].evidence, null, name)).toEqual([]);
  });

  it("a dispute's copy: where its lines' evidence came from", () => {
    const copied = { ...recorded, from: { caseId: "case_0" } };
    expect(
      evidenceSource({
        source: "event",
        kind: "lines",
        cause: "dispute",
        changes: [copied],
        window: { from: 1, to: 2 },
      }),
    ).toBe(
      "Copied onto the case (the shopper disputed the line): 1 line evidence record, 1 as fusion recorded it with an earlier case",
    );
  });
});
