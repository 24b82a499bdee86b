import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SandboxPaymentGateway } from "../../adapters/payments/sandbox-gateway";
import { openTestPostgres } from "../../adapters/postgres/test-schema";
import { sequentialIds } from "../../domain/shared/ids";
import { DEFAULT_STORE_SETTINGS } from "../../domain/store/store-settings";
import { StoreService } from "./store-service";
import { cartLog, runStoreServiceScenarios, scenarioCatalog } from "./store-service.scenarios";

let db: Awaited<ReturnType<typeof openTestPostgres>>;
beforeAll(async () => {
  db = await openTestPostgres("svc");
});
afterAll(async () => {
  await db?.dispose();
});

runStoreServiceScenarios({
  newStorage: async () => db.storage,
  newPayments: () => new SandboxPaymentGateway({ ids: sequentialIds() }),
});

describe("two server processes on one PostgreSQL", () => {
  it("settle the same exit once: one capture, one PaymentCaptured", async () => {
    const payments = new SandboxPaymentGateway({ ids: sequentialIds() });
    const store = `st-two-${process.pid}`;
    const T0 = Date.UTC(2026, 10, 21, 9);
    const second = await db.open();
    let now = T0;
    const make = (storage: typeof db.storage) =>
      new StoreService({
        storage,
        payments,
        clock: { now: () => ++now },
        ids: sequentialIds(),
        stores: [
          {
            store,
            catalog: scenarioCatalog,
            settings: DEFAULT_STORE_SETTINGS,
            defaultPaymentMethod: "tok_house",
          },
        ],
      });
    const a = make(db.storage);
    const b = make(second);
    const log = cartLog(store, "c1", "s-two", T0, [
      { grams: 349, candidates: [{ sku: "cola-330", p: 0.97 }] },
    ]);
    await a.ingest(store, "c1", log.slice(0, -1));
    // The session reaches the exit; both processes run the exit workflow at the same moment.
    await a.sessions.update(store, "s-two", () => [{ type: "CheckoutStarted", at: T0 + 60_000 }], {
      source: "workflow",
    });
    const [ra, rb] = await Promise.all([a.retryPayment(store, "s-two"), b.retryPayment(store, "s-two")]);
    expect(ra.status).toBe("paid");
    expect(rb.status).toBe("paid");
    const { events } = await db.storage.events.readStream(`${store}/session/s-two`);
    const captures = events.flatMap((e) => (e.data.type === "PaymentCaptured" ? [e.data] : []));
    expect(captures).toHaveLength(1);
    expect(payments.ledger().captures).toHaveLength(1);
    expect(payments.netCharged("tok_house")).toBe(captures[0].amount);
    expect(events.filter((e) => e.type === "PaymentAuthorized")).toHaveLength(1);
  });
});
