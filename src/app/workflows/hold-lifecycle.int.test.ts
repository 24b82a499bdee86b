/**
 * What becomes of a shopper's hold when a session does not end in a plain capture (decision
 * 0107): a session that ends in `problem` releases its holds at the provider and records it
 * (HoldReleased); a session held for `review` keeps its hold only while the case is open — the
 * reviewer's decision captures it (the rest released by the capture) or, when that charge is
 * refused, releases it; a session left in `problem` with a live hold (written before this rule)
 * has it released when the server restarts; a review decided after the provider let the hold
 * expire is charged on a fresh hold for the exact total.
 *
 * Run on the server's two provider ledgers, each beside its storage (SQLite file, PostgreSQL
 * schema), plus the in-memory one for the case that needs a card balance.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { PostgresSandboxGateway } from "../../adapters/payments/postgres-sandbox-gateway";
import { SandboxPaymentGateway } from "../../adapters/payments/sandbox-gateway";
import { HOLD_LIFETIME_MS, type SandboxHold } from "../../adapters/payments/sandbox-rules";
import { SqliteSandboxGateway } from "../../adapters/payments/sqlite-sandbox-gateway";
import { openTestPostgres } from "../../adapters/postgres/test-schema";
import { openSqliteStorage } from "../../adapters/sqlite/sqlite-storage";
import type { BasketEvent } from "../../domain/basket/basket.events";
import { sequentialIds } from "../../domain/shared/ids";
import { DEFAULT_STORE_SETTINGS } from "../../domain/store/store-settings";
import type { PaymentGateway } from "../ports/payment-gateway";
import type { Storage } from "../ports/read-models";
import { StoreService } from "../services/store-service";
import { cartLog, chips, cola, scenarioCatalog, water } from "../services/store-service.fixtures";

interface Ledger {
  storage: Storage;
  payments: PaymentGateway;
  /** the provider's holds for one session stream */
  holds(reference: string): Promise<SandboxHold[]>;
  captured(reference: string): Promise<number>;
}

const dir = mkdtempSync(join(tmpdir(), "skiplane-holds-"));
/** the provider's clock runs this far ahead of the real one (a hold's lifetime passing) */
const provider = { ahead: 0 };
const providerNow = () => Date.now() + provider.ahead;
const cleanup: (() => Promise<void> | void)[] = [];
afterAll(async () => {
  for (const c of cleanup.reverse()) await c();
  rmSync(dir, { recursive: true, force: true });
});

async function sqliteLedger(): Promise<Ledger> {
  const file = join(dir, "db.sqlite");
  const storage = openSqliteStorage({ file });
  const payments = new SqliteSandboxGateway({ file, now: providerNow });
  cleanup.push(
    () => storage.close(),
    () => payments.close(),
  );
  const holds = async (ref: string) => payments.ledger().holds.filter((h) => h.reference === ref);
  return {
    storage,
    payments,
    holds,
    captured: async (ref) => {
      const ids = new Set((await holds(ref)).map((h) => h.authorizationId));
      return payments
        .ledger()
        .captures.filter((c) => ids.has(c.authorizationId))
        .reduce((s, c) => s + c.amount, 0);
    },
  };
}

async function postgresLedger(): Promise<Ledger> {
  const db = await openTestPostgres("holds");
  const payments = new PostgresSandboxGateway({
    connectionString: process.env.SKIPLANE_TEST_PG_URL ?? "postgres://postgres@127.0.0.1:5432/test",
    schema: db.schema,
    now: providerNow,
  });
  cleanup.push(
    () => db.dispose(),
    () => payments.close(),
  );
  return {
    storage: db.storage,
    payments,
    holds: async (ref) => (await payments.holds()).filter((h) => h.reference === ref),
    captured: async (ref) =>
      (await payments.captures()).filter((c) => c.reference === ref).reduce((s, c) => s + c.amount, 0),
  };
}

const T0 = Date.UTC(2026, 10, 21, 9);
let now = T0 + 3_600_000;
let seq = 0;

function server(ledger: Pick<Ledger, "storage" | "payments">, store: string, holdAmount = 5000) {
  return new StoreService({
    storage: ledger.storage,
    payments: ledger.payments,
    clock: { now: () => ++now },
    ids: sequentialIds(),
    stores: [{ store, catalog: scenarioCatalog, settings: DEFAULT_STORE_SETTINGS, holdAmount }],
  });
}

async function streamTypes(storage: Storage, streamId: string): Promise<BasketEvent["type"][]> {
  return (await storage.events.readStream(streamId)).events.map((e) => e.data.type);
}

const statuses = (holds: SandboxHold[]) => holds.map((h) => h.status).sort();

describe.each([
  ["SQLite", sqliteLedger],
  ["PostgreSQL", postgresLedger],
])("hold lifecycle on the %s ledger", (_name, open) => {
  let ledger: Ledger;
  const setup = async () => {
    ledger ??= await open();
    const store = `st-hold${++seq}-${process.pid}`;
    return { store, svc: server(ledger, store), ref: (s: string) => `${store}/session/${s}` };
  };

  it("a capture declined at exit ends in problem and releases the hold; a retry holds afresh and releases that too", async () => {
    const { store, svc, ref } = await setup();
    const log = cartLog(store, "c1", "s-decl", T0, [water], { account: "tok-decline-capture" });
    const r = await svc.ingest(store, "c1", log);
    expect(r.exit).toMatchObject({ status: "problem" });
    expect(statuses(await ledger.holds(ref("s-decl")))).toEqual(["released"]);
    expect((await streamTypes(ledger.storage, ref("s-decl"))).slice(-2)).toEqual([
      "PaymentFailed",
      "HoldReleased",
    ]);
    const snap = await svc.sessions.load(store, "s-decl", true);
    expect(snap.state.phase).toBe("problem");
    expect(snap.state.payment.authorized).toBe(0);

    // An operator retries: a fresh hold, declined again at capture, released again.
    expect((await svc.retryPayment(store, "s-decl")).status).toBe("problem");
    const holds = await ledger.holds(ref("s-decl"));
    expect(statuses(holds)).toEqual(["released", "released"]);
    expect(await ledger.captured(ref("s-decl"))).toBe(0);
    expect((await streamTypes(ledger.storage, ref("s-decl"))).slice(-3)).toEqual([
      "PaymentAuthorized",
      "PaymentFailed",
      "HoldReleased",
    ]);
  });

  it("review at exit keeps the hold while the case is open; the reviewer's decision captures it", async () => {
    const { store, svc, ref } = await setup();
    const log = cartLog(store, "c2", "s-rev", T0, [cola, chips], { account: "tok_visa" });
    expect((await svc.ingest(store, "c2", log)).exit).toMatchObject({ status: "review" });
    expect(statuses(await ledger.holds(ref("s-rev")))).toEqual(["held"]);
    const [c] = await svc.reviewQueue(store);
    const out = await svc.resolveReview(store, c.caseId, {
      decision: "correct",
      by: "rev-1",
      correction: { lineId: c.lineIds[0], sku: "chips-salt", qty: 1 },
    });
    expect(out.settle).toMatchObject({ status: "paid" });
    const receipt = (await svc.receipt(store, "s-rev"))!;
    expect(statuses(await ledger.holds(ref("s-rev")))).toEqual(["captured"]);
    expect(await ledger.captured(ref("s-rev"))).toBe(receipt.total);
  });

  it("review at exit, then the reviewer's charge is declined: problem, and the hold is released", async () => {
    const { store, svc, ref } = await setup();
    const log = cartLog(store, "c3", "s-revdecl", T0, [cola, chips], { account: "tok-decline-capture" });
    expect((await svc.ingest(store, "c3", log)).exit).toMatchObject({ status: "review" });
    expect(statuses(await ledger.holds(ref("s-revdecl")))).toEqual(["held"]);
    const [c] = await svc.reviewQueue(store);
    const out = await svc.resolveReview(store, c.caseId, { decision: "confirm", by: "rev-1" });
    expect(out.settle).toMatchObject({ status: "problem" });
    expect(statuses(await ledger.holds(ref("s-revdecl")))).toEqual(["released"]);
    expect(await ledger.captured(ref("s-revdecl"))).toBe(0);
  });

  it("a review decided after the hold expired at the provider is charged on a fresh exact hold", async () => {
    const { store, svc, ref } = await setup();
    const log = cartLog(store, "c6", "s-slow", T0, [cola, chips], { account: "tok_visa" });
    expect((await svc.ingest(store, "c6", log)).exit).toMatchObject({ status: "review" });
    provider.ahead = HOLD_LIFETIME_MS + 60_000;
    try {
      expect(statuses(await ledger.holds(ref("s-slow")))).toEqual(["expired"]);
      const [c] = await svc.reviewQueue(store);
      const out = await svc.resolveReview(store, c.caseId, { decision: "confirm", by: "rev-1" });
      expect(out.settle).toMatchObject({ status: "paid" });
      const receipt = (await svc.receipt(store, "s-slow"))!;
      expect(statuses(await ledger.holds(ref("s-slow")))).toEqual(["captured", "expired"]);
      expect(await ledger.captured(ref("s-slow"))).toBe(receipt.total);
      expect((await streamTypes(ledger.storage, ref("s-slow"))).slice(-3)).toEqual([
        "HoldReleased",
        "PaymentAuthorized",
        "PaymentCaptured",
      ]);
    } finally {
      provider.ahead = 0;
    }
  });

  it("a session left in problem with a live hold (written before this rule) has it released at restart", async () => {
    const { store, svc, ref } = await setup();
    const log = cartLog(store, "c4", "s-old", T0, [cola], { account: "tok_visa" });
    await svc.ingest(store, "c4", log.slice(0, -1));
    // The old exit: the failure recorded, the check-in hold left open.
    await svc.sessions.update(
      store,
      "s-old",
      () => [
        { type: "CheckoutStarted", at: T0 + 60_000 },
        { type: "PaymentFailed", at: T0 + 60_001, reason: "capture declined: the card was declined" },
      ],
      { source: "workflow" },
    );
    expect(statuses(await ledger.holds(ref("s-old")))).toEqual(["held"]);
    await server(ledger, store).rebuild();
    expect(statuses(await ledger.holds(ref("s-old")))).toEqual(["released"]);
    expect((await streamTypes(ledger.storage, ref("s-old"))).at(-1)).toBe("HoldReleased");
    // once: a second restart finds nothing to release
    await server(ledger, store).rebuild();
    expect(
      (await streamTypes(ledger.storage, ref("s-old"))).filter((t) => t === "HoldReleased"),
    ).toHaveLength(1);
  });
});

describe("hold lifecycle, a card with a balance (in-memory ledger)", () => {
  it("the exact hold is refused for a basket above the check-in hold: problem, and the check-in hold is released", async () => {
    const file = join(dir, "balance.sqlite");
    const storage = openSqliteStorage({ file });
    cleanup.push(() => storage.close());
    const payments = new SandboxPaymentGateway({ ids: sequentialIds(), balances: { tok_low: 400 } });
    const store = `st-bal-${process.pid}`;
    const svc = server({ storage, payments }, store, 300);
    const log = cartLog(store, "c5", "s-low", T0, [cola, water, cola], { account: "tok_low" });
    const r = await svc.ingest(store, "c5", log);
    // 300 held at check-in; the exact total (> 300) does not fit in the 100 left
    expect(r.exit).toMatchObject({ status: "problem" });
    expect(payments.ledger().holds.map((h) => [h.amount, h.status])).toEqual([[300, "released"]]);
    const types = await streamTypes(storage, `${store}/session/s-low`);
    expect(types.slice(-2)).toEqual(["PaymentFailed", "HoldReleased"]);
  });
});
