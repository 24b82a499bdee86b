/**
 * The database fence and the leases on the real PostgreSQL: two "processes" (two storages whose
 * connections carry different node names) both believe they own a store. The one the lease names
 * writes; the other's write is refused (SQLSTATE SK001) — never a forked basket — and the basket
 * the new owner rebuilt from the raw log is the reference basket. The rollup counts it once.
 */
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isFenced } from "../../src/adapters/cluster/cluster-ingress";
import { nodeConnectionString } from "../../src/adapters/cluster/cluster-node";
import { readChainRollup } from "../../src/adapters/cluster/pg-chain-rollup";
import { PgLeaseStore } from "../../src/adapters/cluster/pg-lease-store";
import { PostgresSandboxGateway } from "../../src/adapters/payments/postgres-sandbox-gateway";
import { openPostgresStorage } from "../../src/adapters/postgres/postgres-storage";
import { TEST_PG_URL, uniqueSchemaName } from "../../src/adapters/postgres/test-schema";
import { StoreService } from "../../src/app/services/store-service";
import { sequentialIds } from "../../src/domain/shared/ids";
import { DEFAULT_STORE_SETTINGS } from "../../src/domain/store/store-settings";
import { fleetCatalog, tripEvents } from "./support/fleet";
import { canonical, referenceRun } from "./support/harness";

const STORE = "st-fence";
const schema = uniqueSchemaName("fence");
type Opened = Awaited<ReturnType<typeof openPostgresStorage>>;
let a: Opened;
let b: Opened;
let plain: Opened;
let leases: PgLeaseStore;
let payments: PostgresSandboxGateway;

beforeAll(async () => {
  a = await openPostgresStorage({ connectionString: nodeConnectionString(TEST_PG_URL, "node-a"), schema });
  b = await openPostgresStorage({ connectionString: nodeConnectionString(TEST_PG_URL, "node-b"), schema });
  plain = await openPostgresStorage({ connectionString: TEST_PG_URL, schema });
  leases = new PgLeaseStore({ connectionString: TEST_PG_URL, schema });
  payments = new PostgresSandboxGateway({ connectionString: TEST_PG_URL, schema });
});
afterAll(async () => {
  for (const s of [a, b, plain]) await s?.close();
  await leases?.close();
  await payments?.close();
  const c = new pg.Client({ connectionString: TEST_PG_URL });
  await c.connect();
  await c.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  await c.end();
});

const service = (storage: Opened) => {
  let now = Date.UTC(2026, 10, 22, 9);
  return new StoreService({
    storage,
    payments,
    clock: { now: () => ++now },
    ids: sequentialIds(),
    stores: [
      {
        store: STORE,
        catalog: fleetCatalog,
        settings: DEFAULT_STORE_SETTINGS,
        defaultPaymentMethod: "tok_house",
      },
    ],
  });
};

describe("leases and the write fence on PostgreSQL", () => {
  it("grants a free store once, renews only the holder's epoch, hands over with a higher epoch", async () => {
    const g1 = await leases.tryAcquire("st-lease", "x", 2000);
    expect(g1?.epoch).toBe(1);
    expect(await leases.tryAcquire("st-lease", "y", 2000)).toBeUndefined();
    expect([...(await leases.renew("x", [{ partition: "st-lease", epoch: 1 }], 2000))]).toEqual(["st-lease"]);
    expect((await leases.renew("y", [{ partition: "st-lease", epoch: 1 }], 2000)).size).toBe(0);
    await leases.release("st-lease", "x", 1);
    const g2 = await leases.tryAcquire("st-lease", "y", 2000);
    expect(g2?.epoch).toBe(2);
    // the old holder's renewal of its old tenure fails
    expect((await leases.renew("x", [{ partition: "st-lease", epoch: 1 }], 2000)).size).toBe(0);
    expect((await leases.heartbeat("x", 5000)).map((b) => b.node)).toContain("x");
  });

  it("split brain: the stale owner's write is refused, the new owner's basket is the reference", async () => {
    const start = Date.UTC(2026, 10, 22, 9);
    const events = tripEvents(STORE, "c1", "s-fence", start, 3);
    const reference = await referenceRun([{ store: STORE, cart: "c1", session: "s-fence", events }]);
    expect((await leases.tryAcquire(STORE, "node-a", 60_000))?.epoch).toBe(1);
    const sa = service(a);
    const half = 50;
    for (const e of events.slice(0, half)) await sa.ingest(STORE, "c1", [e]);

    // node-a pauses; its lease runs out; node-b takes the store
    await leases.pool.query(
      "UPDATE leases SET expires_at = clock_timestamp() - interval '1 second' WHERE partition = $1",
      [STORE],
    );
    expect((await leases.tryAcquire(STORE, "node-b", 60_000))?.epoch).toBe(2);
    const sb = service(b);
    for (const e of events.slice(half, half + 30)) await sb.ingest(STORE, "c1", [e]);

    // node-a wakes and carries on where it was: refused by the database, nothing written
    const err = await sa.ingest(STORE, "c1", [events[half]]).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(isFenced(err)).toBe(true);
    // a process without a node name cannot write cart data of a leased store either
    const err2 = await service(plain)
      .ingest(STORE, "c1", [events[half + 30]])
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    expect(isFenced(err2)).toBe(true);

    for (const e of events.slice(half + 30)) await sb.ingest(STORE, "c1", [e]);
    const { events: stored } = await b.events.readStream(`${STORE}/session/s-fence`);
    const cartEvents = stored.filter((e) => e.meta.source === "cart").map((e) => e.data);
    expect(canonical(cartEvents)).toBe(canonical(reference.get("s-fence")?.cartEvents));
    const captured = stored.filter((e) => e.data.type === "PaymentCaptured");
    expect(captured).toHaveLength(1);
    expect(await b.rawLog.count(STORE)).toBe(events.length);

    // the roll-up counts a session on the day of its events (the trip's day), not the day the test runs
    const day = Math.floor(start / 86_400_000);
    const rollup = await readChainRollup(b.pool, day - 1, day + 1);
    const row = rollup.stores.find((s) => s.store === STORE);
    expect(row).toMatchObject({
      sessionsOpened: 1,
      sessionsPaid: 1,
      captured: reference.get("s-fence")?.captured,
    });
  });

  it("a stale owner's command (a dispute, a review decision) is refused too; the owner's is applied", async () => {
    // after the split brain above node-b owns the store; node-a still believes it does
    const { events } = await b.events.readStream(`${STORE}/session/s-fence`);
    const line = events.find((e) => e.data.type === "ItemAdded")?.data as { lineId: string };
    const stale = await service(a)
      .disputeLine(STORE, "s-fence", { lineId: line.lineId, reason: "not mine" })
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    expect(isFenced(stale)).toBe(true);
    const owner = service(b);
    const { caseId } = await owner.disputeLine(STORE, "s-fence", { lineId: line.lineId, reason: "not mine" });
    const staleDecision = await service(a)
      .resolveReview(STORE, caseId, { decision: "uphold", by: "rev" })
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    expect(isFenced(staleDecision)).toBe(true);
    const out = await owner.resolveReview(STORE, caseId, { decision: "uphold", by: "rev" });
    expect(out.refund?.status).toBe("refunded");
    const after = await b.events.readStream(`${STORE}/session/s-fence`);
    expect(after.events.filter((e) => e.data.type === "LineDisputed")).toHaveLength(1);
    expect(after.events.filter((e) => e.data.type === "PaymentRefunded")).toHaveLength(1);
  });

  it("stores without a lease are not fenced (single process, cluster mode off)", async () => {
    const events = tripEvents("st-free", "c9", "s-free", Date.UTC(2026, 10, 22, 9), 1);
    let now = Date.UTC(2026, 10, 22, 9);
    const svc = new StoreService({
      storage: plain,
      payments,
      clock: { now: () => ++now },
      ids: sequentialIds(),
      stores: [{ store: "st-free", catalog: fleetCatalog, settings: DEFAULT_STORE_SETTINGS }],
    });
    for (const e of events.slice(0, 5)) await svc.ingest("st-free", "c9", [e]);
    expect(await plain.rawLog.count("st-free")).toBe(5);
  });
});
