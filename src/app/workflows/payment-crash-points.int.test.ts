/**
 * A server dying at each dangerous moment of the money path, in process: a StoreService on a
 * SQLite file whose payment provider "loses" the process at a chosen call — before or after the
 * provider did the work — and a fresh StoreService and provider connection on the same file
 * (a restarted server) that rebuilds and takes the cart's unacknowledged events again.
 *
 * Afterwards every session is charged exactly once, its exact total, from a hold the provider
 * knows; no hold is left open. With the in-memory sandbox (the server's provider before the
 * SQLite ledger) the resumed capture met "no such authorization" and the session ended in
 * `problem`, uncharged: the crash e2e test's intermittent failure.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { SqliteSandboxGateway } from "../../adapters/payments/sqlite-sandbox-gateway";
import { openSqliteStorage } from "../../adapters/sqlite/sqlite-storage";
import type { CartEvent } from "../../domain/events/sensor-events";
import { sequentialIds } from "../../domain/shared/ids";
import { DEFAULT_STORE_SETTINGS } from "../../domain/store/store-settings";
import type { PaymentGateway } from "../ports/payment-gateway";
import { StoreService } from "../services/store-service";
import { cartLog, cola, scenarioCatalog, water } from "../services/store-service.fixtures";

const dir = mkdtempSync(join(tmpdir(), "skiplane-crashpoints-"));
const file = join(dir, "db.sqlite");
const storage = openSqliteStorage({ file });
const ledgers: SqliteSandboxGateway[] = [];
afterAll(async () => {
  for (const l of ledgers) l.close();
  await storage.close();
  rmSync(dir, { recursive: true, force: true });
});

const T0 = Date.UTC(2026, 10, 21, 9);
let now = T0 + 3_600_000;
let stores = 0;

type Call = "authorize" | "capture";
interface CrashPoint {
  /** the call the process dies in, and which one of its kind (1 = the first) */
  call: Call;
  nth: number;
  /** whether the provider did the work before the process died */
  providerDone: boolean;
}

/** The provider as a dying process sees it: the fatal call never returns. */
function dyingAt(ledger: PaymentGateway, point: CrashPoint, died: () => void): PaymentGateway {
  const seen = { authorize: 0, capture: 0 };
  const fatal = async <T>(call: Call, run: () => Promise<T>): Promise<T> => {
    if (++seen[call] !== point.nth || call !== point.call) return run();
    if (point.providerDone) await run();
    died();
    return new Promise<T>(() => {});
  };
  return {
    authorize: (req) => fatal("authorize", () => ledger.authorize(req)),
    capture: (req) => fatal("capture", () => ledger.capture(req)),
    release: (req) => ledger.release(req),
    refund: (req) => ledger.refund(req),
  };
}

function server(store: string, payments: PaymentGateway, holdAmount: number): StoreService {
  return new StoreService({
    storage,
    payments,
    clock: { now: () => ++now },
    ids: sequentialIds(),
    stores: [{ store, catalog: scenarioCatalog, settings: DEFAULT_STORE_SETTINGS, holdAmount }],
  });
}

function openLedger(): SqliteSandboxGateway {
  const l = new SqliteSandboxGateway({ file });
  ledgers.push(l);
  return l;
}

/**
 * Runs one cart's session, one message per event, on a process that dies at `point`; the cart
 * resends from the first unacknowledged message to a restarted process. Returns what the
 * restarted process and the ledger hold afterwards.
 */
async function crashAt(point: CrashPoint, holdAmount = 5000) {
  const store = `st-cp${++stores}`;
  const session = `s-${stores}`;
  const log = cartLog(store, "cart-1", session, T0, [cola, water, cola], { account: "tok_visa" });
  let dead = false;
  const first = server(
    store,
    dyingAt(openLedger(), point, () => (dead = true)),
    holdAmount,
  );
  let acked = 0;
  for (const e of log) {
    const r = first.ingest(store, "cart-1", [e]);
    // the message is acknowledged only when ingest resolves; a dead process never answers
    const done = await Promise.race([r.then(() => true), until(() => dead).then(() => false)]);
    if (!done) break;
    acked++;
  }
  expect(dead).toBe(true);

  const ledger = openLedger();
  const second = server(store, ledger, holdAmount);
  await second.rebuild();
  for (const e of log.slice(acked)) await second.ingest(store, "cart-1", [e] as CartEvent[]);

  const streamId = `${store}/session/${session}`;
  const events = (await storage.events.readStream(streamId)).events.map((e) => e.data);
  const all = ledger.ledger();
  const holds = all.holds.filter((h) => h.reference === streamId);
  const captures = all.captures.filter((c) => holds.some((h) => h.authorizationId === c.authorizationId));
  return { receipt: (await second.receipt(store, session))!, events, holds, captures };
}

async function until(cond: () => boolean): Promise<void> {
  while (!cond()) await new Promise((r) => setImmediate(r));
}

function expectChargedOnce(r: Awaited<ReturnType<typeof crashAt>>) {
  expect(r.receipt.total).toBeGreaterThan(0);
  expect(r.receipt.captured).toBe(r.receipt.total);
  expect(r.captures.map((c) => c.amount)).toEqual([r.receipt.total]);
  const recorded = r.events.flatMap((e) => (e.type === "PaymentCaptured" ? [e] : []));
  expect(recorded.map((e) => [e.captureId, e.amount])).toEqual([[r.captures[0].captureId, r.receipt.total]]);
  expect(r.holds.filter((h) => h.status === "held")).toEqual([]);
}

describe("a server killed on the money path, restarted", () => {
  it("after the provider placed the check-in hold, before it was recorded: the same hold is recorded and captured", async () => {
    const r = await crashAt({ call: "authorize", nth: 1, providerDone: true });
    expectChargedOnce(r);
    expect(r.holds).toHaveLength(1);
    expect(r.events.slice(0, 2).map((e) => e.type)).toEqual(["SessionOpened", "PaymentAuthorized"]);
  });

  it("after the provider captured, before the answer arrived: the retry finds that capture", async () => {
    const r = await crashAt({ call: "capture", nth: 1, providerDone: true });
    expectChargedOnce(r);
    expect(r.holds.map((h) => h.status)).toEqual(["captured"]);
  });

  it("before the capture reached the provider: captured once after the restart", async () => {
    expectChargedOnce(await crashAt({ call: "capture", nth: 1, providerDone: false }));
  });

  it("after the exact-total hold for a basket above the check-in hold, before it was recorded", async () => {
    const r = await crashAt({ call: "authorize", nth: 2, providerDone: true }, 300);
    expectChargedOnce(r);
    expect(r.receipt.total).toBeGreaterThan(300);
    // the check-in hold is released, the exact one captured in full
    expect(r.holds.map((h) => [h.amount, h.status])).toEqual([
      [300, "released"],
      [r.receipt.total, "captured"],
    ]);
  });

  it("after the exact-total hold was recorded, with the capture lost in flight", async () => {
    const r = await crashAt({ call: "capture", nth: 1, providerDone: true }, 300);
    expectChargedOnce(r);
    expect(r.holds.map((h) => h.status)).toEqual(["released", "captured"]);
  });
});
