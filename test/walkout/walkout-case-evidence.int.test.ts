/**
 * A walk-out store's review case carries the evidence fusion decided it on, over the API: two
 * shoppers reach for one bottle at once (support/contested-pick.ts), neither hand nor camera says
 * whose it was, so the nearest is charged and both visits go to review. The case's context
 * (`GET …/reviews/{caseId}/context`) returns the walk-out record from the case's event: the shelf
 * change with each plate's grams, both candidates with their hand and body distances, each camera
 * reading of their hands by its track event's id, the explanations. The other visit's case holds
 * the same change, charged to the first. A case stored before the record (the field removed from
 * the SQLite row) is rebuilt from its line, as before. The reviewer's label export carries the
 * record; a dispute of the charged line carries the change copied from the fusion case.
 * The whole server (`startServer`) on its SQLite file, devices over MQTT.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import BetterSqlite3 from "better-sqlite3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sessionStreamId } from "../../src/app/ports/event-store";
import type { CaseEvidence } from "../../src/app/services/case-evidence";
import type { BasketEvent } from "../../src/domain/basket/basket.events";
import type { WalkoutChangeEvidence } from "../../src/domain/events/review-evidence";
import type { RunningServer } from "../../src/main";
import { callStoreApi } from "../support/store-api";
import { type ContestedPick, contestedPick } from "./support/contested-pick";
import {
  CONTESTED_PLATES,
  type ContestedStore,
  CONTESTED_STORE as STORE,
  startContestedStore,
} from "./support/contested-store";

const T0 = 1_763_700_000_000;

let dir: string;
let store: ContestedStore;
let server: RunningServer;
let admin: string;
let reviewer: string;
/** the first pair's script (its track events: what the readings should name) */
let first: ContestedPick;
/** the visit of the second pair whose case was stored without the record */
let oldSession: string;

interface QueuedCase {
  caseId: string;
  session: string;
  lineIds: string[];
}
interface Context {
  caseEvidence?: CaseEvidence;
  evidence?: WalkoutChangeEvidence;
}

const api = (key: string, method: string, path: string, body?: unknown) =>
  callStoreApi(server.httpUrl, STORE, key, method, path, body);

async function caseOf(session: string): Promise<QueuedCase> {
  const queue = (await api(reviewer, "GET", "/reviews?limit=500")).body as unknown as QueuedCase[];
  const mine = queue.filter((c) => c.session === session);
  expect(mine).toHaveLength(1);
  return mine[0];
}
async function context(caseId: string): Promise<Context> {
  const r = await api(reviewer, "GET", `/reviews/${caseId}/context`);
  expect(r.status).toBe(200);
  return r.body as unknown as Context;
}
async function stored(session: string): Promise<BasketEvent[]> {
  const { events } = await server.storage.events.readStream(sessionStreamId(STORE, session));
  return events.map((e) => e.data);
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "skiplane-walkout-evidence-"));
  store = await startContestedStore(dir);
  ({ server, admin, reviewer } = store);
  const plates = CONTESTED_PLATES;
  first = contestedPick({
    store: STORE,
    t0: T0,
    plates,
    plate: plates[0],
    grams: 538,
    sku: "water-500",
    shoppers: ["track-1", "track-2"],
  });
  await store.publish(first);
  // a minute later another pair does the same (the shelf one bottle lighter)
  const later = plates.map((p) => (p.plate === 1 ? { ...p, load: p.load - 538 } : p));
  await store.publish(
    contestedPick({
      store: STORE,
      t0: T0 + 60_000,
      plates: later,
      plate: later[0],
      grams: 538,
      sku: "water-500",
      shoppers: ["track-3", "track-4"],
    }),
  );
  // the charged visit of that pair as a server before walk-out records stored it: its case's
  // event without the field
  const db = new BetterSqlite3(join(dir, "skiplane.sqlite"));
  try {
    const rows = ["v-track-3", "v-track-4"].flatMap(
      (session) =>
        db
          .prepare("SELECT position, data FROM events WHERE stream = ? AND type = 'ReviewRequested'")
          .all(sessionStreamId(STORE, session))
          .map((r) => ({ ...(r as { position: number; data: string }), session })) as {
          position: number;
          data: string;
          session: string;
        }[],
    );
    expect(rows).toHaveLength(2);
    const row = rows.find((r) => JSON.parse(r.data).lineIds.length > 0)!;
    oldSession = row.session;
    const e = JSON.parse(row.data);
    delete e.evidence;
    db.prepare("UPDATE events SET data = ? WHERE store = ? AND position = ?").run(
      JSON.stringify(e),
      STORE,
      row.position,
    );
  } finally {
    db.close();
  }
}, 120_000);

afterAll(async () => {
  await store?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});
describe("a walk-out review case's evidence over the API", () => {
  it("the charged visit: the contested change, both candidates, their hands' readings by track event id", async () => {
    const c = await caseOf("v-track-1");
    expect(c.lineIds).toHaveLength(1);
    const ctx = await context(c.caseId);
    const ce = ctx.caseEvidence!;
    expect(ce).toMatchObject({
      source: "event",
      kind: "walkout",
      causes: ["uncertain-shopper"],
      meetings: [],
    });
    const opened = (await stored("v-track-1")).find((e) => e.type === "ReviewRequested");
    expect(opened?.type === "ReviewRequested" && opened.evidence?.changes).toEqual(ce.changes);
    expect(ce.changes).toHaveLength(1);
    const ch = ce.changes[0] as WalkoutChangeEvidence;
    expect(ch).toMatchObject({ lineIds: c.lineIds, action: "pick", doubt: ["shopper"] });
    expect(ch.change.delta).toBeCloseTo(-538, -1);
    expect(ch.plates.find((p) => p.plate === 1)).toMatchObject({
      before: expect.closeTo(2000, 0),
      after: expect.closeTo(1462, 0),
    });
    expect(ch.hypotheses[0]).toMatchObject({ label: "1× water-500", posterior: expect.any(Number) });
    expect(ch.shoppers.map((s) => [s.shopper, s.hand, s.p])).toEqual([
      ["track-1", 0.02, 0.5],
      ["track-2", 0.02, 0.5],
    ]);
    // the readings: track events of both shoppers at the shelf after the step, as sent
    const sent = new Map(first.tracks.map((t) => [t.id, t]));
    expect(new Set(ch.vision.map((v) => v.shopper))).toEqual(new Set(["track-1", "track-2"]));
    expect(ch.vision.map((v) => v.id)).toContain("track-1-t15");
    for (const v of ch.vision) {
      const t = sent.get(v.id!);
      expect([t?.shopper, t?.t, t?.held]).toEqual([v.shopper, v.t, v.candidates]);
      expect(v.t).toBeGreaterThanOrEqual(ch.change.stepT);
    }
  });

  it("the other candidate's visit: the same change, charged to the first, shown as the case's evidence", async () => {
    const charged = await caseOf("v-track-1");
    const c = await caseOf("v-track-2");
    expect(c.lineIds).toEqual([]);
    const ctx = await context(c.caseId);
    expect(ctx.caseEvidence).toMatchObject({
      source: "event",
      kind: "walkout",
      causes: ["candidate-elsewhere"],
    });
    const [ch] = ctx.caseEvidence!.changes as WalkoutChangeEvidence[];
    expect(ch.charged).toEqual({ shopper: "track-1", lineId: charged.lineIds[0] });
    expect(ctx.evidence).toEqual(ch);
  });

  it("a case stored before walk-out records: rebuilt from its line, as before", async () => {
    const c = await caseOf(oldSession);
    expect(c.lineIds).toHaveLength(1);
    const ctx = await context(c.caseId);
    expect(ctx.caseEvidence?.source).toBe("rebuilt");
    expect(ctx.caseEvidence?.kind).toBeUndefined();
    expect(ctx.caseEvidence?.changes).toMatchObject([
      {
        lineIds: c.lineIds,
        shelf: { gondola: 1, shelf: 1 },
        shoppers: [{ distance: 0.02 }, { distance: 0.02 }],
      },
    ]);
    expect(ctx.caseEvidence?.changes[0].change?.delta).toBeCloseTo(-538, -1);
  });

  it("the label export carries the record; a dispute of the line carries the change from the fusion case", async () => {
    const c = await caseOf("v-track-1");
    const opened = (await stored("v-track-1")).find((e) => e.type === "ReviewRequested");
    const record = opened?.type === "ReviewRequested" ? opened.evidence : undefined;
    expect(record?.kind).toBe("walkout");
    const d = await api(reviewer, "POST", `/reviews/${c.caseId}/decision`, { decision: "confirm" });
    expect(d.status).toBe(200);
    const res = await fetch(`${server.httpUrl}/api/v1/stores/${STORE}/labels.jsonl`, {
      headers: { authorization: `Bearer ${reviewer}` },
    });
    expect(res.status).toBe(200);
    const labels = (await res.text())
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as { caseId: string; evidence?: unknown });
    expect(labels.find((l) => l.caseId === c.caseId)?.evidence).toEqual(record);

    // the shopper disputes the bottle from their receipt
    const visits = (await api(admin, "GET", "/walkout")).body as unknown as {
      shoppers: { session: string; state: string; receiptLink?: string }[];
    };
    const mine = visits.shoppers.find((s) => s.session === "v-track-1");
    expect(mine?.state).toBe("paid");
    const token = mine?.receiptLink?.split("/").pop();
    const disputed = await fetch(`${server.httpUrl}/api/v1/receipt/${token}/disputes`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ lineId: c.lineIds[0], reason: "the other shopper took it" }),
    });
    expect(disputed.status).toBe(201);
    const { caseId } = (await disputed.json()) as { caseId: string };
    const ctx = await context(caseId);
    expect(ctx.caseEvidence).toMatchObject({ source: "event", kind: "lines", cause: "dispute" });
    expect(ctx.caseEvidence?.changes).toEqual([{ ...record!.changes[0], from: { caseId: c.caseId } }]);
  });
});
