/**
 * A review case for the weight left unexplained carries its evidence: real fusion, real pricing
 * and the sandbox gateway on a SQLite file. A cart adds Cola (349 g, seen by the camera) with
 * 1413 g of something nobody identified; nobody answers the question about the rest, so at exit
 * fusion opens two cases — the doubted Cola line, and one without a line for the 1413 g.
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { SandboxPaymentGateway } from "../../adapters/payments/sandbox-gateway";
import { openSqliteStorage } from "../../adapters/sqlite/sqlite-storage";
import { sequentialIds } from "../../domain/shared/ids";
import { DEFAULT_STORE_SETTINGS } from "../../domain/store/store-settings";
import { sessionStreamId } from "../ports/event-store";
import { lineLessCaseEvidence } from "./case-evidence";
import { StoreService } from "./store-service";
import { cartLog, scenarioCatalog } from "./store-service.fixtures";

const T0 = Date.UTC(2026, 10, 21, 9);

async function shop(items: Parameters<typeof cartLog>[4]) {
  const storage = openSqliteStorage({
    file: join(mkdtempSync(join(tmpdir(), "skiplane-case-ev-")), "db.sqlite"),
  });
  const ids = sequentialIds();
  const service = new StoreService({
    storage,
    payments: new SandboxPaymentGateway({ ids }),
    clock: { now: () => T0 + 3_600_000 },
    ids,
    stores: [
      {
        store: "st",
        catalog: scenarioCatalog,
        settings: DEFAULT_STORE_SETTINGS,
        defaultPaymentMethod: "pm_x",
      },
    ],
  });
  const out = await service.ingest("st", "cart-1", cartLog("st", "cart-1", "s-1", T0, items));
  const { events } = await storage.events.readStream(sessionStreamId("st", "s-1"));
  const cases = await storage.reviews.queue("st");
  return { out, service, events: events.map((e) => e.data), cases, close: () => storage.close() };
}

describe("the evidence of a review case without a line", () => {
  it("is the weight change the unexplained grams came with, its window and its summary", async () => {
    const s = await shop([{ grams: 349 + 1413, candidates: [{ sku: "cola-330", p: 0.97 }] }]);
    expect(s.out.exit).toMatchObject({ status: "review" });
    const lineLess = s.cases.find((c) => c.lineIds.length === 0);
    expect(lineLess?.reason).toMatch(/1413 g left unexplained/);
    const withLine = s.cases.find((c) => c.lineIds.length > 0);
    expect(withLine).toBeDefined();

    const found = lineLessCaseEvidence(s.events, lineLess!.caseId);
    expect(found?.evidence?.change).toMatchObject({ delta: expect.closeTo(1762, 0) });
    expect(found?.evidence?.summary).toMatch(/1413 g left unexplained$/);
    expect(found?.evidence?.summary).not.toMatch(/^unanswered/);
    const change = found!.evidence!.change!;
    expect(found?.window).toEqual({ from: change.startT, to: change.endT });
    expect(change.startT).toBeGreaterThan(T0);
    // a case with lines has its evidence on them
    expect(lineLessCaseEvidence(s.events, withLine!.caseId)).toBeUndefined();
    expect(lineLessCaseEvidence(s.events, "case_nope")).toBeUndefined();
    // the one decision the console offers for it: nothing to charge (confirm)
    await s.service.resolveReview("st", lineLess!.caseId, { decision: "confirm", by: "rev-1" });
    expect((await s.service.receipt("st", "s-1"))?.lines.map((l) => l.sku)).toEqual(["cola-330"]);
    await s.close();
  });
});
