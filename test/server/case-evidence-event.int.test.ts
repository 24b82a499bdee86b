/**
 * A review case's evidence comes from the case's own event: fusion records on `ReviewRequested`
 * what it decided the case on (the change, the sightings with their sensor event ids, the
 * explanations it weighed, why), the event store keeps it, and the case's context route returns it
 * (`caseEvidence`, source "event"). A case stored before the event carried it — the same event
 * without the field, or with a version this server does not know — still shows evidence, rebuilt
 * from the session's events as before (source "rebuilt"). The whole server (`startServer`) on its
 * SQLite file; the record also round-trips through PostgreSQL's event store.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import BetterSqlite3 from "better-sqlite3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openTestPostgres } from "../../src/adapters/postgres/test-schema";
import { readReviewEvidence } from "../../src/adapters/schemas/review-evidence.schema";
import { sessionStreamId } from "../../src/app/ports/event-store";
import { type CaseEvidence, caseEvidence } from "../../src/app/services/case-evidence";
import type { BasketEvent } from "../../src/domain/basket/basket.events";
import type { RunningServer } from "../../src/main";
import { callStoreApi } from "../support/store-api";
import { ingestColaWithLeftover, startColaStore } from "./support/cola-store";
import { addApiKey } from "./support/in-process-server";

const T0 = Date.UTC(2026, 10, 21, 9);

let dir: string;
let server: RunningServer;
let reviewer: string;

interface Context {
  caseEvidence?: CaseEvidence;
  evidence?: { change?: { delta: number }; summary: string };
  trace: { t: number; grams: number }[];
}
interface QueuedCase {
  caseId: string;
  session: string;
  lineIds: string[];
}

async function cases(session: string): Promise<QueuedCase[]> {
  const queue = (await callStoreApi(server.httpUrl, "st-a", reviewer, "GET", "/reviews?limit=500"))
    .body as unknown as QueuedCase[];
  return queue.filter((c) => c.session === session);
}
async function context(caseId: string): Promise<Context> {
  const r = await callStoreApi(server.httpUrl, "st-a", reviewer, "GET", `/reviews/${caseId}/context`);
  expect(r.status).toBe(200);
  return r.body as unknown as Context;
}
async function stored(session: string): Promise<BasketEvent[]> {
  const { events } = await server.storage.events.readStream(sessionStreamId("st-a", session));
  return events.map((e) => e.data);
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "skiplane-case-evidence-"));
  server = await startColaStore(dir);
  reviewer = await addApiKey(server, "key_ce_rev", "st-a", "reviewer");
  // a cola seen going in, with 1413 g beside it nothing explains: the cola's line goes to review
  // (its question unanswered) and so does the weight left over (a case without a line)
  for (const [session, cart, t0] of [
    ["s-1", "cart-1", T0],
    ["s-2", "cart-2", T0 + 1000],
  ] as const) {
    await ingestColaWithLeftover(server, cart, session, t0);
  }
  // s-2 as a server before 2026-12-05 stored it: its cases' events without the record (one
  // dropped, one of a version this server does not know)
  const db = new BetterSqlite3(join(dir, "skiplane.sqlite"));
  try {
    const stream = sessionStreamId("st-a", "s-2");
    const rows = db
      .prepare(
        "SELECT position, data FROM events WHERE stream = ? AND type = 'ReviewRequested' ORDER BY version",
      )
      .all(stream) as { position: number; data: string }[];
    expect(rows).toHaveLength(2);
    for (const row of rows) {
      const e = JSON.parse(row.data);
      if (e.lineIds.length === 0) delete e.evidence;
      else e.evidence = { v: 2, somethingNew: true };
      db.prepare("UPDATE events SET data = ? WHERE store = 'st-a' AND position = ?").run(
        JSON.stringify(e),
        row.position,
      );
    }
  } finally {
    db.close();
  }
}, 60_000);

afterAll(async () => {
  await server?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe("a review case's evidence, from its event", () => {
  it("the case without a line: fusion's record, as stored, with the camera's event id", async () => {
    const c = (await cases("s-1")).find((x) => x.lineIds.length === 0)!;
    const ctx = await context(c.caseId);
    const opened = (await stored("s-1")).find((e) => e.type === "ReviewRequested" && e.caseId === c.caseId);
    expect(opened?.type === "ReviewRequested" && opened.evidence).toMatchObject({
      v: 1,
      cause: "prompt-expired",
    });
    const recorded = opened?.type === "ReviewRequested" ? opened.evidence : undefined;
    expect(ctx.caseEvidence).toMatchObject({ source: "event", cause: "prompt-expired" });
    expect(ctx.caseEvidence?.changes).toEqual(recorded?.changes);
    const [change] = ctx.caseEvidence!.changes;
    expect(change.lineIds).toEqual([]);
    expect(change.change?.delta).toBeCloseTo(1762, 0);
    // the vision event of the log (cartLog numbers its events s-1-e1, -e2, …)
    expect(change.vision).toEqual([
      { id: "s-1-e3", t: T0 + 1100, dir: "in", candidates: [{ sku: "cola-330", p: 0.97 }] },
    ]);
    expect(change.hypotheses.length).toBeGreaterThan(1);
    expect(change.summary).toMatch(/1413 g left unexplained/);
    // the change, as a line's evidence, and the scale around it
    expect(ctx.evidence?.change?.delta).toBeCloseTo(1762, 0);
    expect(Math.max(...ctx.trace.map((s) => s.grams))).toBeGreaterThan(1750);
  });

  it("the cola's case: the change that decided its line", async () => {
    const c = (await cases("s-1")).find((x) => x.lineIds.length > 0)!;
    const ctx = await context(c.caseId);
    expect(ctx.caseEvidence).toMatchObject({ source: "event", cause: "prompt-expired" });
    const [change] = ctx.caseEvidence!.changes;
    expect(change.lineIds).toEqual(c.lineIds);
    expect(change.vision.map((v) => v.id)).toEqual(["s-1-e3"]);
    expect(change.hypotheses[0].posterior).toBeLessThan(0.95);
    const added = (await stored("s-1")).find((e) => e.type === "ItemAdded" && e.lineId === c.lineIds[0]);
    expect(added?.type === "ItemAdded" && change.change).toEqual(
      added?.type === "ItemAdded" && added.evidence.change,
    );
  });

  it("a case stored before the event carried it: rebuilt from the session's events", async () => {
    const [lineLess, withLine] = [
      (await cases("s-2")).find((x) => x.lineIds.length === 0)!,
      (await cases("s-2")).find((x) => x.lineIds.length > 0)!,
    ];
    const a = await context(lineLess.caseId);
    expect(a.caseEvidence?.source).toBe("rebuilt");
    expect(a.caseEvidence?.cause).toBeUndefined();
    expect(a.caseEvidence?.changes).toHaveLength(1);
    expect(a.caseEvidence?.changes[0].change?.delta).toBeCloseTo(1762, 0);
    expect(a.caseEvidence?.changes[0].vision.map((v) => v.id)).toEqual([undefined]);
    expect(a.evidence?.summary).toMatch(/1413 g left unexplained/);
    expect(a.trace.length).toBeGreaterThan(10);
    // a record of a version this server does not know reads as none
    const b = await context(withLine.caseId);
    expect(b.caseEvidence?.source).toBe("rebuilt");
    expect(b.caseEvidence?.changes).toMatchObject([{ lineIds: withLine.lineIds }]);
    expect(b.caseEvidence?.changes[0].change?.delta).toBeCloseTo(1762, 0);
  });
});

describe("the record round-trips through PostgreSQL's event store", () => {
  it("as it went in, and reads as the case's evidence", async () => {
    const db = await openTestPostgres("ce");
    try {
      const events = await stored("s-1");
      const stream = sessionStreamId("st-a", "s-1");
      const r = await db.storage.events.append(stream, events, {
        expectedVersion: 0,
        meta: { source: "cart" },
        recordedAt: T0,
      });
      expect(r.status).toBe("appended");
      const back = (await db.storage.events.readStream(stream)).events.map((e) => e.data);
      expect(back).toEqual(events);
      const c = (await cases("s-1")).find((x) => x.lineIds.length === 0)!;
      expect(caseEvidence(back, c.caseId, readReviewEvidence)).toEqual(
        caseEvidence(events, c.caseId, readReviewEvidence),
      );
      expect(caseEvidence(back, c.caseId, readReviewEvidence)?.source).toBe("event");
    } finally {
      await db.dispose();
    }
  });
});
