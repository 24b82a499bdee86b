/**
 * A hold whose release fails is owed one, recorded and retried (decision 0112). At exit a basket
 * worth more than the check-in hold is charged on an exact hold, and the check-in hold is
 * released at the provider; when that release times out, the session records the check-in hold
 * as owed (`HoldReleaseFailed`, before the new `PaymentAuthorized`), shows it on its row
 * (`holdsToRelease`, the ops API's session), and the server retries it with the same key — by
 * its sweep, or at startup after a restart — until the provider confirms (`PendingHoldReleased`).
 * Before 0112 the stream showed only the exact hold and the check-in hold stayed held at the
 * provider until its 7-day expiry.
 *
 * Real storage (a SQLite file; PostgreSQL on loopback) and the server's own provider ledger
 * beside it; the release outage is the ledger's `timeout-release` behaviour, set for the
 * shopper's token in the ledger's `behaviours` table and cleared to end it.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { PostgresSandboxGateway } from "../../src/adapters/payments/postgres-sandbox-gateway";
import type { SandboxBehaviour, SandboxHold } from "../../src/adapters/payments/sandbox-rules";
import { SqliteSandboxGateway } from "../../src/adapters/payments/sqlite-sandbox-gateway";
import { openTestPostgres, TEST_PG_URL } from "../../src/adapters/postgres/test-schema";
import { openSqliteStorage } from "../../src/adapters/sqlite/sqlite-storage";
import type { PaymentGateway } from "../../src/app/ports/payment-gateway";
import type { Storage } from "../../src/app/ports/read-models";
import { type OwedReleaseResult, StoreService } from "../../src/app/services/store-service";
import { cartLog, cola, scenarioCatalog, water } from "../../src/app/services/store-service.fixtures";
import type { BasketEvent } from "../../src/domain/basket/basket.events";
import { sequentialIds } from "../../src/domain/shared/ids";
import { DEFAULT_STORE_SETTINGS } from "../../src/domain/store/store-settings";
import { waitFor } from "../support/wait-for";

interface Ledger {
  storage: Storage;
  /** the provider as a fresh server process would open it (same books), with a behaviours table */
  provider(behaviours: Record<string, SandboxBehaviour>): PaymentGateway;
  holds(reference: string): Promise<SandboxHold[]>;
}

const dir = mkdtempSync(join(tmpdir(), "skiplane-owed-"));
const cleanup: (() => Promise<void> | void)[] = [];
afterAll(async () => {
  for (const c of cleanup.reverse()) await c();
  rmSync(dir, { recursive: true, force: true });
});

async function sqliteLedger(): Promise<Ledger> {
  const file = join(dir, "db.sqlite");
  const storage = openSqliteStorage({ file });
  cleanup.push(() => storage.close());
  const books = new SqliteSandboxGateway({ file });
  cleanup.push(() => books.close());
  return {
    storage,
    provider: (behaviours) => {
      const p = new SqliteSandboxGateway({ file, behaviours });
      cleanup.push(() => p.close());
      return p;
    },
    holds: async (ref) => books.ledger().holds.filter((h) => h.reference === ref),
  };
}

async function postgresLedger(): Promise<Ledger> {
  const db = await openTestPostgres("owed");
  cleanup.push(() => db.dispose());
  const open = (behaviours: Record<string, SandboxBehaviour>) => {
    const p = new PostgresSandboxGateway({ connectionString: TEST_PG_URL, schema: db.schema, behaviours });
    cleanup.push(() => p.close());
    return p;
  };
  const books = open({});
  return {
    storage: db.storage,
    provider: open,
    holds: async (ref) => (await books.holds()).filter((h) => h.reference === ref),
  };
}

const T0 = Date.UTC(2026, 11, 4, 9);
let now = T0 + 3_600_000;
let seq = 0;
/** the check-in hold, below a basket of cola + water + cola (349 + 99 + 349 > 300) */
const HOLD = 300;

function server(storage: Storage, payments: PaymentGateway, store: string, sweepPageSize?: number) {
  return new StoreService({
    storage,
    payments,
    clock: { now: () => ++now },
    ids: sequentialIds(),
    stores: [{ store, catalog: scenarioCatalog, settings: DEFAULT_STORE_SETTINGS, holdAmount: HOLD }],
    ...(sweepPageSize ? { sweepPageSize } : {}),
  });
}

async function types(storage: Storage, streamId: string): Promise<BasketEvent["type"][]> {
  return (await storage.events.readStream(streamId)).events.map((e) => e.data.type);
}

const byAmount = (holds: SandboxHold[]) =>
  holds.map((h) => [h.amount, h.status]).sort((a, b) => Number(a[0]) - Number(b[0]));

describe.each([
  ["SQLite", sqliteLedger],
  ["PostgreSQL", postgresLedger],
])("holds owed a release on %s", (_name, open) => {
  let ledger: Ledger;
  const setup = async (
    behaviour: SandboxBehaviour = "timeout-release",
    sweepPageSize?: number,
    more: string[] = [],
  ) => {
    ledger ??= await open();
    const store = `st-owed${++seq}-${process.pid}`;
    const token = `tok_owed${seq}`;
    /** the provider's release endpoint is down for this shopper's card (and `more`) until cleared */
    const behaviours: Record<string, SandboxBehaviour> = { [token]: behaviour };
    for (const t of more) behaviours[t] = behaviour;
    const payments = ledger.provider(behaviours);
    return {
      store,
      token,
      behaviours,
      payments,
      svc: server(ledger.storage, payments, store, sweepPageSize),
      ref: (s: string) => `${store}/session/${s}`,
    };
  };

  it("the exit replaces the check-in hold, its release times out: recorded as owed, shown, retried by the sweep once the provider answers", async () => {
    const { store, token, behaviours, svc, ref } = await setup();
    const log = cartLog(store, "c1", "s1", T0, [cola, water, cola], { account: token });
    const r = await svc.ingest(store, "c1", log);
    expect(r.exit).toMatchObject({ status: "paid" });
    const total = (await svc.receipt(store, "s1"))!.total;
    expect(total).toBeGreaterThan(HOLD);
    // the exact hold is captured; the check-in hold is still held at the provider ...
    expect(byAmount(await ledger.holds(ref("s1")))).toEqual([
      [HOLD, "held"],
      [total, "captured"],
    ]);
    // ... and the stream says so: owed a release, recorded before the hold that replaced it
    const stream = await types(ledger.storage, ref("s1"));
    expect(stream.slice(stream.indexOf("CheckoutStarted"))).toEqual([
      "CheckoutStarted",
      "HoldReleaseFailed",
      "PaymentAuthorized",
      "PaymentCaptured",
    ]);
    const checkIn = (await ledger.holds(ref("s1"))).find((h) => h.amount === HOLD)!;
    const row = await svc.session(store, "s1");
    expect(row?.state).toBe("paid");
    expect(row?.holdsToRelease).toEqual([
      {
        authorizationId: checkIn.authorizationId,
        amount: HOLD,
        reason: "release timeout: the provider did not answer",
        failedAt: expect.any(Number),
      },
    ]);
    expect((await svc.listSessions(store, { holdsToRelease: true })).map((s) => s.session)).toEqual(["s1"]);

    // a sweep while the provider still times out: still owed, nothing recorded
    const during = await svc.releaseOwedHolds();
    expect(during).toEqual([
      {
        store,
        session: "s1",
        released: [],
        failed: [{ authorizationId: checkIn.authorizationId, reason: expect.stringContaining("timeout") }],
      },
    ]);
    expect((await types(ledger.storage, ref("s1"))).filter((t) => t === "HoldReleaseFailed")).toHaveLength(1);

    // the provider answers again: the sweep releases it, once
    delete behaviours[token];
    expect(await svc.releaseOwedHolds()).toEqual([
      { store, session: "s1", released: [checkIn.authorizationId], failed: [] },
    ]);
    expect(byAmount(await ledger.holds(ref("s1")))).toEqual([
      [HOLD, "released"],
      [total, "captured"],
    ]);
    expect((await types(ledger.storage, ref("s1"))).at(-1)).toBe("PendingHoldReleased");
    expect((await svc.session(store, "s1"))?.holdsToRelease).toBeUndefined();
    expect(await svc.listSessions(store, { holdsToRelease: true })).toEqual([]);
    expect(await svc.releaseOwedHolds()).toEqual([]);
    // the charge is untouched
    const receipt = (await svc.receipt(store, "s1"))!;
    expect([receipt.captured, receipt.refunded]).toEqual([total, 0]);
  });

  it("an owed release survives a restart: the next process releases it at startup", async () => {
    const { store, token, svc, ref } = await setup();
    const log = cartLog(store, "c2", "s2", T0, [cola, water, cola], { account: token });
    expect((await svc.ingest(store, "c2", log)).exit).toMatchObject({ status: "paid" });
    expect(byAmount(await ledger.holds(ref("s2")))[0]).toEqual([HOLD, "held"]);

    // a new process on the same storage and provider, whose release works
    const next = server(ledger.storage, ledger.provider({}), store);
    await next.rebuild();
    expect(byAmount(await ledger.holds(ref("s2")))[0]).toEqual([HOLD, "released"]);
    expect((await types(ledger.storage, ref("s2"))).slice(-3)).toEqual([
      "PaymentAuthorized",
      "PaymentCaptured",
      "PendingHoldReleased",
    ]);
    expect((await next.session(store, "s2"))?.holdsToRelease).toBeUndefined();
    // a second restart finds nothing owed
    await server(ledger.storage, ledger.provider({}), store).rebuild();
    expect((await types(ledger.storage, ref("s2"))).filter((t) => t === "PendingHoldReleased")).toHaveLength(
      1,
    );
  });

  it("an operator's cancel whose release times out: cancelled, the hold owed and released by the sweep", async () => {
    const { store, token, behaviours, svc, ref } = await setup();
    const log = cartLog(store, "c3", "s3", T0, [cola], { account: token, end: false });
    await svc.ingest(store, "c3", log);
    expect(byAmount(await ledger.holds(ref("s3")))).toEqual([[HOLD, "held"]]);
    await svc.cancelSession(store, "s3", "operator: shopper left by the emergency door");
    expect(byAmount(await ledger.holds(ref("s3")))).toEqual([[HOLD, "held"]]);
    expect((await types(ledger.storage, ref("s3"))).slice(-3)).toEqual([
      "HoldReleased",
      "SessionCancelled",
      "HoldReleaseFailed",
    ]);
    expect((await svc.session(store, "s3"))?.holdsToRelease).toHaveLength(1);
    delete behaviours[token];
    const [done] = await svc.releaseOwedHolds();
    expect(done).toMatchObject({ session: "s3", failed: [] });
    expect(done.released).toHaveLength(1);
    expect(byAmount(await ledger.holds(ref("s3")))).toEqual([[HOLD, "released"]]);
    expect((await svc.session(store, "s3"))?.state).toBe("cancelled");
    expect((await svc.session(store, "s3"))?.holdsToRelease).toBeUndefined();
  });

  it("a failed exit whose own hold's release times out: problem, the hold owed and listed, released by the periodic sweep (0120)", async () => {
    // the capture is declined, and the release of the hold the failure ends times out
    const { store, token, behaviours, svc, ref } = await setup("decline-capture-timeout-release");
    const log = cartLog(store, "c5", "s5", T0, [water], { account: token });
    expect((await svc.ingest(store, "c5", log)).exit).toMatchObject({ status: "problem" });
    const [hold] = await ledger.holds(ref("s5"));
    expect(byAmount([hold])).toEqual([[HOLD, "held"]]);
    // before 0120 the stream ended at PaymentFailed and only a restart retried the release
    expect((await types(ledger.storage, ref("s5"))).slice(-2)).toEqual([
      "PaymentFailed",
      "HoldReleaseFailed",
    ]);
    const row = await svc.session(store, "s5");
    expect(row?.state).toBe("problem");
    expect(row?.holdsToRelease).toEqual([
      {
        authorizationId: hold.authorizationId,
        amount: HOLD,
        reason: "release timeout: the provider did not answer",
        failedAt: expect.any(Number),
      },
    ]);
    expect((await svc.listSessions(store, { holdsToRelease: true })).map((s) => s.session)).toEqual(["s5"]);

    const sweeps: OwedReleaseResult[][] = [];
    const watch = svc.watchOwedReleases({ everyMs: 20, onSwept: (d) => void sweeps.push(d) });
    try {
      await waitFor(() => sweeps.length >= 2);
      expect(sweeps[0]).toMatchObject([{ session: "s5", released: [] }]);
      delete behaviours[token];
      await waitFor(() => sweeps.at(-1)?.length === 0);
    } finally {
      watch.stop();
    }
    expect(sweeps.flat().flatMap((d) => d.released)).toEqual([hold.authorizationId]);
    expect(byAmount(await ledger.holds(ref("s5")))).toEqual([[HOLD, "released"]]);
    // settled as an owed release and as the session's own hold: nothing shows it held any more
    expect((await types(ledger.storage, ref("s5"))).slice(-2)).toEqual([
      "PendingHoldReleased",
      "HoldReleased",
    ]);
    const after = await svc.session(store, "s5");
    expect(after?.state).toBe("problem");
    expect(after?.holdsToRelease).toBeUndefined();
    // a restart finds nothing more to release
    await server(ledger.storage, ledger.provider({}), store).rebuild();
    expect((await types(ledger.storage, ref("s5"))).filter((t) => t === "HoldReleased")).toHaveLength(1);
  });

  it("the sweep pages through every owing session of a store, whatever the page size", async () => {
    const tokens = ["a", "b", "c", "d", "e"].map((x) => `tok_page${seq + 1}${x}`);
    const { store, behaviours, svc, ref } = await setup("timeout-release", 2, tokens);
    for (const [i, token] of tokens.entries()) {
      const log = cartLog(store, `cp${i}`, `sp${i}`, T0, [cola, water, cola], { account: token });
      expect((await svc.ingest(store, `cp${i}`, log)).exit).toMatchObject({ status: "paid" });
    }
    expect(await svc.listSessions(store, { holdsToRelease: true })).toHaveLength(5);
    for (const t of tokens) delete behaviours[t];
    // one sweep, pages of 2: each row leaves the filter as it is released, nothing is skipped
    const done = await svc.releaseOwedHolds();
    expect(done.map((d) => d.session).sort()).toEqual(["sp0", "sp1", "sp2", "sp3", "sp4"]);
    expect(done.every((d) => d.released.length === 1 && d.failed.length === 0)).toBe(true);
    for (const i of [0, 1, 2, 3, 4])
      expect(byAmount(await ledger.holds(ref(`sp${i}`)))[0]).toEqual([HOLD, "released"]);
    expect(await svc.listSessions(store, { holdsToRelease: true })).toEqual([]);
  });

  it("watchOwedReleases retries on its timer and reports every sweep", async () => {
    const { store, token, behaviours, svc, ref } = await setup();
    const log = cartLog(store, "c4", "s4", T0, [cola, water, cola], { account: token });
    expect((await svc.ingest(store, "c4", log)).exit).toMatchObject({ status: "paid" });
    const sweeps: OwedReleaseResult[][] = [];
    const watch = svc.watchOwedReleases({ everyMs: 20, onSwept: (d) => void sweeps.push(d) });
    try {
      await waitFor(() => sweeps.length >= 2);
      expect(sweeps[0]).toMatchObject([{ session: "s4", released: [] }]);
      delete behaviours[token];
      await waitFor(() => sweeps.some((d) => d.some((x) => x.released.length > 0)));
      await waitFor(() => sweeps.at(-1)?.length === 0);
    } finally {
      watch.stop();
    }
    expect(byAmount(await ledger.holds(ref("s4")))[0]).toEqual([HOLD, "released"]);
  });
});
