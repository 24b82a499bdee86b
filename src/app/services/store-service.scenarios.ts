/**
 * End-to-end workflow scenarios for StoreService, run against every storage adapter (SQLite and
 * PostgreSQL *.int.test.ts files call `runStoreServiceScenarios`). Real fusion, real pricing,
 * the sandbox payment gateway; a fixed clock and deterministic logs. Test support only.
 */
import { describe, expect, it, vi } from "vitest";
import { basketContents } from "../../domain/basket/basket.state";
import { sequentialIds } from "../../domain/shared/ids";
import { DEFAULT_STORE_SETTINGS } from "../../domain/store/store-settings";
import type { PaymentGateway } from "../ports/payment-gateway";
import type { Storage } from "../ports/read-models";
import { StoreService } from "./store-service";
import {
  appendDiesOnce,
  cartLog,
  chips,
  cola,
  type ItemStep,
  scenarioCatalog,
  water,
} from "./store-service.fixtures";

export { cartLog, scenarioCatalog };

export interface ScenarioEnv {
  storage: Storage;
  /** a second StoreService on the same storage: a restarted (or another) server process */
  restart(): StoreService;
  service: StoreService;
  payments: PaymentGateway & {
    netCharged(method: string): number;
    ledger(): { captures: unknown[]; refunds: unknown[] };
  };
}

export interface ScenarioOptions {
  newStorage: () => Promise<Storage>;
  newPayments: () => ScenarioEnv["payments"];
}

let storeSeq = 0;

export function runStoreServiceScenarios({ newStorage, newPayments }: ScenarioOptions): void {
  const T0 = Date.UTC(2026, 10, 21, 9);

  async function env(holdAmount = 5000): Promise<ScenarioEnv & { store: string }> {
    const storage = await newStorage();
    const payments = newPayments();
    const store = `st${++storeSeq}-${process.pid}-${Date.now().toString(36)}`;
    let now = T0 + 3_600_000;
    const make = () =>
      new StoreService({
        storage,
        payments,
        clock: { now: () => ++now },
        ids: sequentialIds(),
        stores: [{ store, catalog: scenarioCatalog, settings: DEFAULT_STORE_SETTINGS, holdAmount }],
      });
    await storage.accounts.put({ store, account: "app-ana", paymentMethod: "tok_visa", createdAt: T0 });
    return { storage, payments, store, service: make(), restart: make };
  }

  /** The same cart log through one process on a fresh store: what an interrupted run must equal. */
  async function referenceRun(
    cart: string,
    session: string,
    items: ItemStep[],
    options: { account?: string; end?: boolean } = { account: "app-ana" },
  ) {
    const ref = await env();
    const out = await ref.service.ingest(
      ref.store,
      cart,
      cartLog(ref.store, cart, session, T0, items, options),
    );
    return { ...ref, out };
  }

  /** A session's stored events with the store's id written STORE, so two stores' runs compare. */
  async function storedEvents(e: { storage: Storage; store: string }, session: string) {
    const { events } = await e.storage.events.readStream(`${e.store}/session/${session}`);
    return JSON.parse(JSON.stringify(events.map((x) => x.data)).replaceAll(e.store, "STORE")) as {
      type: string;
      at: number;
    }[];
  }

  /** Workflow (Payment*) events carry the server clock's time, which differs between two runs. */
  const paymentTimesZeroed = (xs: { type: string; at: number }[]) =>
    xs.map((e) => (e.type.startsWith("Payment") ? { ...e, at: 0 } : e));

  describe("store service scenarios", () => {
    it("runs a full session from check-in to capture", async () => {
      const { service, store, payments, storage } = await env();
      const log = cartLog(store, "cart-1", "s-full", T0, [cola, water, cola], { account: "app-ana" });
      const shopping = await service.ingest(store, "cart-1", log.slice(0, -1));
      expect(shopping.rejected).toEqual([]);
      expect(shopping.screen).toMatchObject({ session: "s-full", state: "shopping", currency: "USD" });
      expect(shopping.screen.lines.map((l) => [l.sku, l.qty, l.status])).toEqual([
        ["cola-330", 2, "ok"],
        ["water-500", 1, "ok"],
      ]);
      const exit = await service.ingest(store, "cart-1", log.slice(-1));
      expect(exit.exit).toMatchObject({ status: "paid" });
      expect(exit.screen.state).toBe("paid");
      expect(exit.screen.seq).toBeGreaterThan(shopping.screen.seq);
      const receipt = (await service.receipt(store, "s-full"))!;
      // 2 × 129 + 99 = 357, grocery sales tax 1% added.
      expect(receipt.subtotal).toBe(357);
      expect(receipt.total).toBe(receipt.lines.reduce((s, l) => s + l.total, 0));
      expect(receipt.captured).toBe(receipt.total);
      expect(receipt.lines.every((l) => l.evidence.length > 0)).toBe(true);
      expect(payments.netCharged("tok_visa")).toBe(receipt.total);
      const row = await storage.sessions.get(store, "s-full");
      expect(row).toMatchObject({ state: "paid", open: false, total: receipt.total, cart: "cart-1" });
      expect(row?.receipt?.total).toBe(receipt.total);
      expect((await service.listSessions(store, { state: "paid" })).map((s) => s.session)).toEqual([
        "s-full",
      ]);
    });

    it("ends in problem when the card is declined at exit, and charges nothing", async () => {
      const { service, store, payments } = await env();
      const log = cartLog(store, "cart-2", "s-decl", T0, [water], { account: "tok-decline-capture" });
      const r = await service.ingest(store, "cart-2", log);
      expect(r.exit).toMatchObject({ status: "problem" });
      expect(r.screen.state).toBe("problem");
      expect(payments.netCharged("tok-decline-capture")).toBe(0);
      expect((await service.session(store, "s-decl"))?.state).toBe("problem");
      // A retry uses the same keys: still declined, still nothing charged.
      expect((await service.retryPayment(store, "s-decl")).status).toBe("problem");
      expect(payments.netCharged("tok-decline-capture")).toBe(0);
    });

    it("shows problem while shopping when the check-in hold is refused", async () => {
      const { service, store } = await env();
      const log = cartLog(store, "cart-3", "s-nsf", T0, [cola], { account: "tok-nsf" });
      const r = await service.ingest(store, "cart-3", log.slice(0, 2));
      expect(r.screen).toMatchObject({ session: "s-nsf", state: "problem" });
      const end = await service.ingest(store, "cart-3", log.slice(2));
      expect(end.exit).toMatchObject({ status: "problem" });
    });

    it("holds an uncertain basket for review, charges after the reviewer's correction", async () => {
      const { service, store, payments } = await env();
      const log = cartLog(store, "cart-4", "s-rev", T0, [cola, chips], { account: "app-ana" });
      const r = await service.ingest(store, "cart-4", log);
      expect(r.exit).toMatchObject({ status: "review" });
      expect(r.screen.state).toBe("review");
      expect(payments.netCharged("tok_visa")).toBe(0);
      const queue = await service.reviewQueue(store);
      expect(queue).toHaveLength(1);
      const c = queue[0];
      expect(c).toMatchObject({ session: "s-rev", kind: "uncertain", status: "open" });
      expect(c.lines.length).toBeGreaterThan(0);
      const lineId = c.lineIds[0];
      const out = await service.resolveReview(store, c.caseId, {
        decision: "correct",
        by: "rev-1",
        correction: { lineId, sku: "chips-vinegar", qty: 1 },
      });
      expect(out.settle).toMatchObject({ status: "paid" });
      const receipt = (await service.receipt(store, "s-rev"))!;
      expect(receipt.lines.map((l) => [l.sku, l.qty])).toEqual([
        ["chips-vinegar", 1],
        ["cola-330", 1],
      ]);
      expect(receipt.review).toBe(true);
      expect(payments.netCharged("tok_visa")).toBe(receipt.total);
      expect(await service.reviewQueue(store)).toEqual([]);
      expect((await service.reviewCase(store, c.caseId))?.decision).toBe("correct");
      const labels = await service.exportLabels(store);
      expect(labels).toHaveLength(1);
      expect(labels[0]).toMatchObject({ caseId: c.caseId, decision: "correct", by: "rev-1" });
      expect(labels[0].after).toEqual([{ lineId, sku: "chips-vinegar", qty: 1 }]);
      expect(JSON.parse(JSON.stringify(labels[0]))).toEqual(labels[0]);
    });

    it("refunds an upheld dispute, once", async () => {
      const { service, store, payments } = await env();
      const log = cartLog(store, "cart-5", "s-disp", T0, [cola, water], { account: "app-ana" });
      await service.ingest(store, "cart-5", log);
      const before = (await service.receipt(store, "s-disp"))!;
      const waterLine = before.lines.find((l) => l.sku === "water-500")!;
      const { caseId } = await service.disputeLine(store, "s-disp", {
        lineId: waterLine.lineId,
        reason: "not mine",
      });
      expect((await service.disputes(store)).map((d) => d.caseId)).toEqual([caseId]);
      expect((await service.receipt(store, "s-disp"))!.lines.find((l) => l.sku === "water-500")?.status).toBe(
        "disputed",
      );
      const out = await service.resolveReview(store, caseId, { decision: "uphold", by: "rev-2" });
      expect(out.refund).toMatchObject({ status: "refunded" });
      const after = (await service.receipt(store, "s-disp"))!;
      const refunded = before.total - after.total;
      expect(refunded).toBeGreaterThanOrEqual(waterLine.total - 1);
      expect(after.refunded).toBe(refunded);
      expect(payments.netCharged("tok_visa")).toBe(after.total);
      expect((await service.session(store, "s-disp"))?.state).toBe("partially-refunded");
      // Deciding the same case again is refused and refunds nothing more.
      await expect(service.resolveReview(store, caseId, { decision: "uphold", by: "rev-2" })).rejects.toThrow(
        /not open/,
      );
      expect(payments.netCharged("tok_visa")).toBe(after.total);
    });

    it("ignores a redelivered batch: nothing written, same screen", async () => {
      const { service, store, storage, restart } = await env();
      const log = cartLog(store, "cart-6", "s-dup", T0, [cola, water], { account: "app-ana", end: false });
      const first = await service.ingest(store, "cart-6", log);
      const version = await storage.events.streamVersion(`${store}/session/s-dup`);
      const raw = await storage.rawLog.count(store);
      const again = await service.ingest(store, "cart-6", log);
      expect(again.duplicates).toBe(log.length);
      expect(again.rejected).toEqual([]);
      expect(again.produced).toEqual([]);
      expect(again.screen).toEqual(first.screen);
      expect(await storage.events.streamVersion(`${store}/session/s-dup`)).toBe(version);
      expect(await storage.rawLog.count(store)).toBe(raw);
      // Also after a restart: the dedupe is the raw log, not memory.
      const restarted = restart();
      const third = await restarted.ingest(store, "cart-6", log);
      expect(third.duplicates).toBe(log.length);
      expect({ ...third.screen, seq: 0 }).toEqual({ ...first.screen, seq: 0 });
      expect(await storage.events.streamVersion(`${store}/session/s-dup`)).toBe(version);
    });

    it("refuses a session id another cart already used", async () => {
      const { service, store } = await env();
      await service.ingest(
        store,
        "cart-7",
        cartLog(store, "cart-7", "s-same", T0, [cola], { account: "app-ana" }),
      );
      const thief = cartLog(store, "cart-8", "s-same", T0 + 60_000, [cola], { account: "app-ana" });
      const r = await service.ingest(store, "cart-8", thief.slice(0, 1));
      expect(r.rejected).toEqual([expect.objectContaining({ index: 0, reason: "session-id-reused" })]);
      expect(r.screen.state).toBe("idle");
    });

    it("rebuilds identical baskets after a restart, including events lost in a crash", async () => {
      const { service, store, storage, restart } = await env();
      const log = cartLog(store, "cart-9", "s-crash", T0, [cola, chips, water, cola], {
        account: "app-ana",
        end: false,
      });
      // Reference: the whole log through one process.
      const ref = await referenceRun("cart-9", "s-crash", [cola, chips, water, cola], {
        account: "app-ana",
        end: false,
      });

      // Process A ingests the first half, then "crashes" after writing raw events it never fused.
      const half = Math.floor(log.length / 2);
      await service.ingest(store, "cart-9", log.slice(0, half));
      await storage.carts.put({ store, cart: "cart-9", secretHash: "x", createdAt: T0 });
      for (const e of log.slice(half, half + 2)) {
        await storage.rawLog.append({ store, cart: "cart-9", session: "s-crash", receivedAt: T0, event: e });
      }
      // Process B starts, rebuilds, and receives the rest (the two raw-only events come again: QoS 1).
      const b = restart();
      const rebuilt = await b.rebuild();
      expect(rebuilt.appended).toBeGreaterThan(0);
      const rest = await b.ingest(store, "cart-9", log.slice(half));
      expect(rest.duplicates).toBe(2);
      expect(rest.rejected).toEqual([]);
      expect(await storedEvents({ storage, store }, "s-crash")).toEqual(await storedEvents(ref, "s-crash"));
      const snap = await b.sessions.load(store, "s-crash");
      const refSnap = await ref.service.sessions.load(ref.store, "s-crash");
      expect(basketContents(snap.state).items).toEqual(basketContents(refSnap.state).items);
      expect({ ...rest.screen, seq: 0 }).toEqual({ ...ref.out.screen, seq: 0 });
    });

    it("charges once when the capture answer is lost and retried with the same key", async () => {
      const { service, store, payments } = await env();
      const log = cartLog(store, "cart-11", "s-lost", T0, [cola], { account: "tok-timeout-once" });
      const r = await service.ingest(store, "cart-11", log);
      expect(r.exit).toMatchObject({ status: "paid" });
      const receipt = (await service.receipt(store, "s-lost"))!;
      expect(payments.netCharged("tok-timeout-once")).toBe(receipt.total);
      expect(payments.ledger().captures).toHaveLength(1);
    });

    it("cancels a session, releases its hold, and frees the cart", async () => {
      const { service, store, payments, storage } = await env();
      const log = cartLog(store, "cart-12", "s-cancel", T0, [cola], { account: "app-ana" });
      await service.ingest(store, "cart-12", log.slice(0, -1));
      await service.cancelSession(store, "s-cancel", "cart abandoned");
      expect((await storage.sessions.get(store, "s-cancel"))?.state).toBe("cancelled");
      const ledger = payments.ledger() as unknown as { holds: { status: string }[]; captures: unknown[] };
      expect(ledger.holds.map((h) => h.status)).toEqual(["released"]);
      // The cart does not know yet: what it sends still goes nowhere near the cancelled basket.
      const more = cartLog(store, "cart-12", "s-cancel", T0, [cola, water], {
        account: "app-ana",
        end: false,
      });
      const late = await service.ingest(
        store,
        "cart-12",
        more.slice(4).map((e) => ({ ...e, id: `late-${e.id}`, t: e.t + 5000 })),
      );
      expect(late.produced).toEqual([]);
      expect(late.rejected.map((r) => r.reason)).toContain("no-open-session");
      expect((await storage.sessions.get(store, "s-cancel"))?.state).toBe("cancelled");
      const end = await service.ingest(store, "cart-12", [
        { ...log[log.length - 1], t: log[log.length - 1].t + 10_000 },
      ]);
      expect(end.rejected).toEqual([expect.objectContaining({ reason: "no-open-session" })]);
      expect(end.screen).toMatchObject({ state: "idle", lines: [], total: 0 });
      expect(end.screen.session).toBeUndefined();
      const next = await service.ingest(
        store,
        "cart-12",
        cartLog(store, "cart-12", "s-after", T0 + 600_000, [water], { account: "app-ana" }),
      );
      expect(next.rejected).toEqual([]);
      expect(next.exit).toMatchObject({ status: "paid" });
      // Only the second session was charged.
      expect(payments.ledger().captures).toHaveLength(1);
    });

    it("deletes old raw events by retention and keeps business events", async () => {
      const { service, store, storage } = await env();
      const old = cartLog(store, "cart-13", "s-old", T0 - 40 * 86_400_000, [cola], { account: "app-ana" });
      await service.ingest(store, "cart-13", old);
      const before = await storage.rawLog.count(store);
      expect(before).toBe(old.length);
      const { deleted } = await service.applyRetention(30);
      expect(deleted).toBeGreaterThanOrEqual(old.length);
      expect(await storage.rawLog.count(store)).toBe(0);
      expect((await service.session(store, "s-old"))?.state).toBe("paid");
    });

    it("re-projects read-model rows that lag their stream (a crash after the append)", async () => {
      const { service, store, storage, restart } = await env();
      await service.ingest(
        store,
        "cart-14",
        cartLog(store, "cart-14", "s-lag", T0, [cola], { account: "app-ana" }),
      );
      const good = (await storage.sessions.get(store, "s-lag"))!;
      // An append committed, then the process died before projecting it.
      const appended = await storage.events.append(
        `${store}/session/s-lag`,
        [{ type: "SessionClosed", at: T0 + 9 }],
        {
          expectedVersion: good.version,
          meta: { source: "workflow" },
          recordedAt: T0 + 9,
        },
      );
      expect(appended.status).toBe("appended");
      expect((await storage.sessions.get(store, "s-lag"))?.state).toBe("paid");
      const r = await restart().rebuild();
      expect(r.reprojected).toBeGreaterThanOrEqual(1);
      expect(await storage.sessions.get(store, "s-lag")).toMatchObject({
        state: "closed",
        version: good.version + 1,
      });
    });

    it("keeps one basket when a cart moves between server processes and back", async () => {
      const { service: a, store, storage, restart } = await env();
      const items = [cola, water, cola, water];
      const log = cartLog(store, "cart-15", "s-move", T0, items, { account: "app-ana" });
      const ref = await referenceRun("cart-15", "s-move", items);
      const b = restart();
      await a.ingest(store, "cart-15", log.slice(0, 4));
      await b.ingest(store, "cart-15", log.slice(4, 7)); // B rebuilds the cart from the raw log
      const back = await a.ingest(store, "cart-15", log.slice(7)); // A is stale: it must notice
      expect(a.counters.staleCarts).toBe(1);
      expect(a.counters.replayDiverged + b.counters.replayDiverged).toBe(0);
      expect(back.rejected).toEqual([]);
      expect(paymentTimesZeroed(await storedEvents({ storage, store }, "s-move"))).toEqual(
        paymentTimesZeroed(await storedEvents(ref, "s-move")),
      );
      expect((await storage.sessions.get(store, "s-move"))?.state).toBe("paid");
    });

    it("asks the shopper on the cart screen and takes the answer: no review needed", async () => {
      const { service, store, payments } = await env();
      const log = cartLog(store, "cart-16", "s-ask", T0, [cola, chips], { account: "app-ana" });
      const shopping = await service.ingest(store, "cart-16", log.slice(0, -1));
      const prompt = shopping.screen.prompt;
      expect(prompt?.kind).toBe("choose");
      expect(prompt?.options?.map((o) => o.sku).sort()).toEqual(["chips-salt", "chips-vinegar"]);
      const last = log[log.length - 1];
      const answered = await service.ingest(store, "cart-16", [
        {
          v: 1,
          t: last.t - 100,
          type: "answer",
          store,
          cart: "cart-16",
          prompt: prompt!.id,
          sku: "chips-vinegar",
          id: "ans-1",
        },
      ]);
      expect(answered.rejected).toEqual([]);
      expect(answered.screen.prompt).toBeUndefined();
      expect(answered.screen.lines.find((l) => l.sku === "chips-vinegar")?.status).toBe("ok");
      const end = await service.ingest(store, "cart-16", [last]);
      expect(end.exit).toMatchObject({ status: "paid" });
      const receipt = (await service.receipt(store, "s-ask"))!;
      expect(receipt.review).toBe(false);
      expect(receipt.prompts).toBe(1);
      expect(payments.netCharged("tok_visa")).toBe(receipt.total);
    });

    it("takes a new hold for the exact total when the basket outgrows the check-in hold", async () => {
      const { service, store, payments } = await env(300);
      const log = cartLog(store, "cart-17", "s-big", T0, [cola, water, cola], { account: "app-ana" });
      const r = await service.ingest(store, "cart-17", log);
      expect(r.exit).toMatchObject({ status: "paid" });
      const receipt = (await service.receipt(store, "s-big"))!;
      expect(receipt.total).toBeGreaterThan(300);
      const ledger = payments.ledger() as unknown as {
        holds: { amount: number; status: string }[];
        captures: { amount: number }[];
      };
      // The 3.00 check-in hold is released; the exact hold is captured in full.
      expect(ledger.holds.map((h) => [h.amount, h.status])).toEqual([
        [300, "released"],
        [receipt.total, "captured"],
      ]);
      expect(ledger.captures.map((c) => c.amount)).toEqual([receipt.total]);
      expect(receipt.lines.map((l) => [l.sku, l.qty])).toEqual([
        ["cola-330", 2],
        ["water-500", 1],
      ]);
    });

    it("writes the exchange-v1 §4 receipt line", async () => {
      const { service, store } = await env();
      await service.ingest(
        store,
        "cart-18",
        cartLog(store, "cart-18", "s-line", T0, [cola, water], { account: "app-ana" }),
      );
      const line = await service.receiptLine(store, "s-line");
      const receipt = (await service.receipt(store, "s-line"))!;
      expect(line).toEqual({
        session: "s-line",
        items: [
          { sku: "cola-330", qty: 1 },
          { sku: "water-500", qty: 1 },
        ],
        weighed: [],
        total: receipt.total,
        currency: "USD",
        review: false,
        prompts: 0,
      });
      expect(await service.receiptLine(store, "nope")).toBeUndefined();
    });

    it("loses nothing when storage fails half-way through a message and the cart sends it again", async () => {
      const { store, storage, payments } = await env();
      let failNext = false;
      const events = storage.events;
      const flaky: Storage = {
        ...storage,
        events: {
          append: (...a) => {
            if (failNext) {
              failNext = false;
              return Promise.reject(new Error("connection reset"));
            }
            return events.append(...a);
          },
          readStream: (...a) => events.readStream(...a),
          streamVersion: (...a) => events.streamVersion(...a),
          readStore: (...a) => events.readStore(...a),
          storePosition: (...a) => events.storePosition(...a),
        },
      };
      const service = new StoreService({
        storage: flaky,
        payments,
        clock: { now: () => T0 + 3_600_000 },
        ids: sequentialIds(),
        stores: [{ store, catalog: scenarioCatalog, settings: DEFAULT_STORE_SETTINGS, holdAmount: 5000 }],
      });
      const items = [cola, water, cola];
      const log = cartLog(store, "cart-19", "s-flaky", T0, items, { account: "app-ana" });
      const ref = await referenceRun("cart-19", "s-flaky", items);
      let failures = 0;
      for (let i = 0; i < log.length; i++) {
        // Arm a failure for the next append at two points: mid-shopping and at the exit.
        if (i === 3 || i === log.length - 1) failNext = true;
        try {
          await service.ingest(store, "cart-19", [log[i]]);
        } catch (err) {
          expect(String(err)).toMatch(/connection reset/);
          failures++;
          const again = await service.ingest(store, "cart-19", [log[i]]); // the cart sends it again
          expect(again.rejected).toEqual([]);
          expect(again.duplicates).toBe(1);
        }
      }
      expect(failures).toBe(2);
      expect(paymentTimesZeroed(await storedEvents({ storage, store }, "s-flaky"))).toEqual(
        paymentTimesZeroed(await storedEvents(ref, "s-flaky")),
      );
      expect((await storage.sessions.get(store, "s-flaky"))?.state).toBe("paid");
    });

    it("keeps nothing in memory for sessions that ended, whether paid, in review or in problem", async () => {
      const { service, store } = await env();
      const trips = [
        ["cart-20", "s-m-paid", [cola], "app-ana"],
        ["cart-21", "s-m-review", [cola, chips], "app-ana"],
        ["cart-22", "s-m-problem", [water], "tok-decline-capture"],
        ["cart-23", "s-m-refused", [water], "tok-nsf"],
      ] as const;
      for (const [cart, session, items, account] of trips) {
        await service.ingest(store, cart, cartLog(store, cart, session, T0, [...items], { account }));
      }
      expect((await service.listSessions(store)).map((s) => s.state).sort()).toEqual([
        "paid",
        "problem",
        "problem",
        "review",
      ]);
      // per cart runtimes and the bounded snapshot cache only: nothing per ended session
      expect(service.retained()).toMatchObject({ carts: 4, checkIns: 0, holdProblems: 0 });
    });

    it("ends silent sessions after abandonAfterMinutes, across a restart: review with the hold, or cancelled and released", async () => {
      const storage = await newStorage();
      const payments = newPayments();
      const store = `st${++storeSeq}-${process.pid}-${Date.now().toString(36)}`;
      await storage.accounts.put({ store, account: "app-ana", paymentMethod: "tok_visa", createdAt: T0 });
      let now = T0 + 3_600_000;
      const minute = 60_000;
      const make = () =>
        new StoreService({
          storage,
          payments,
          clock: { now: () => now },
          ids: sequentialIds(),
          stores: [
            {
              store,
              catalog: scenarioCatalog,
              settings: DEFAULT_STORE_SETTINGS,
              holdAmount: 5000,
              abandonAfterMinutes: 30,
            },
          ],
        });
      let service = make();
      const trip = (cart: string, session: string, items: (typeof cola)[]) =>
        service.ingest(
          store,
          cart,
          cartLog(store, cart, session, T0, items, { account: "app-ana", end: false }),
        );
      const steady = (cart: string, n: number, grams: number) =>
        service.ingest(store, cart, [
          { v: 1, store, cart, t: T0 + n * minute, id: `${cart}-steady-${n}`, type: "weight", grams, hz: 20 },
        ]);
      // cart-30 dies with a basket; cart-31 is left powered in an aisle, empty, its scale still
      // streaming; cart-32's shopper keeps shopping
      await trip("cart-30", "s-dead", [cola, water]);
      await trip("cart-31", "s-empty", []);
      await trip("cart-32", "s-alive", [cola]);
      const holds = () =>
        (payments.ledger() as unknown as { holds: { reference: string; status: string }[] }).holds;
      const holdOf = (session: string) =>
        holds()
          .filter((h) => h.reference === `${store}/session/${session}`)
          .map((h) => h.status);

      now += 20 * minute;
      await steady("cart-31", 20, 0);
      expect(await service.abandonSilent()).toEqual([]);
      // the server restarts: silence is counted from the cart's last activity, from the raw log
      service = make();
      await service.rebuild();
      now += 2 * minute;
      await service.ingest(store, "cart-32", [
        {
          v: 1,
          store,
          cart: "cart-32",
          t: T0 + 22 * minute,
          id: "alive-scan",
          type: "vision",
          dir: "in",
          candidates: [{ sku: "water-500", p: 0.95 }],
        },
      ]);
      now += 5 * minute;
      await steady("cart-31", 27, 0);
      expect(await service.abandonSilent()).toEqual([]);
      now += 4 * minute; // 31 minutes after cart-30 and cart-31 last showed activity
      await steady("cart-31", 31, 0);
      const done = await service.abandonSilent();
      const byCart = [...done].sort((x, y) => x.cart.localeCompare(y.cart));
      expect(byCart.map(({ cart, session, status }) => ({ cart, session, status }))).toEqual([
        { cart: "cart-30", session: "s-dead", status: "review" },
        { cart: "cart-31", session: "s-empty", status: "cancelled" },
      ]);
      expect(await service.abandonSilent()).toEqual([]);

      // the dead cart's basket waits for a person, its hold kept for the decision
      const dead = await storage.sessions.get(store, "s-dead");
      expect(dead).toMatchObject({ state: "review", open: false });
      expect(holdOf("s-dead")).toEqual(["held"]);
      const [c] = await service.reviewQueue(store);
      expect(c.session).toBe("s-dead");
      expect(c.reason).toMatch(
        /^cart went silent: no basket activity for 30 min \(last: a weight change at /,
      );
      const stream = (await storage.events.readStream(`${store}/session/s-dead`)).events;
      expect(stream.slice(-3).map((e) => [e.data.type, e.meta.source, e.meta.causation])).toEqual([
        ["CheckoutStarted", "workflow", "abandon"],
        ["ReviewRequested", "workflow", "abandon"],
        ["SessionHeldForReview", "workflow", "abandon"],
      ]);
      // the empty one is over, its hold released at the provider and in the stream
      expect((await storage.sessions.get(store, "s-empty"))?.state).toBe("cancelled");
      expect(holdOf("s-empty")).toEqual(["released"]);
      const empty = (await storage.events.readStream(`${store}/session/s-empty`)).events.map(
        (e) => e.data.type,
      );
      expect(empty.slice(-2)).toEqual(["HoldReleased", "SessionCancelled"]);
      // the live shopper was left alone
      expect((await storage.sessions.get(store, "s-alive"))?.state).toBe("shopping");
      expect(service.counters.abandoned).toEqual({ review: 1, cancelled: 1 });

      // the reviewer confirms: the basket is charged from the kept hold
      const decided = await service.resolveReview(store, c.caseId, { decision: "confirm", by: "rev-1" });
      expect(decided.settle).toMatchObject({ status: "paid" });
      expect(holdOf("s-dead")).toEqual(["captured"]);
      // the revived cart: its late events are refused, its next session is taken
      const late = await service.ingest(store, "cart-30", [
        { v: 1, store, cart: "cart-30", t: T0 + 40 * minute, id: "late-end", type: "session.end" },
      ]);
      expect(late.rejected.map((r) => r.reason)).toEqual(["no-open-session"]);
      const next = await service.ingest(
        store,
        "cart-30",
        cartLog(store, "cart-30", "s-next", T0 + 41 * minute, [cola], { account: "app-ana" }),
      );
      expect(next.rejected).toEqual([]);
      expect(next.exit).toMatchObject({ status: "paid" });
    });

    it("a silent empty cart whose cancel is lost after the provider released the hold is cancelled by the next sweep", async () => {
      const storage = await newStorage();
      const payments = newPayments();
      const store = `st${++storeSeq}-${process.pid}-${Date.now().toString(36)}`;
      await storage.accounts.put({ store, account: "app-ana", paymentMethod: "tok_visa", createdAt: T0 });
      let now = T0 + 3_600_000;
      // the process dies between the provider's release and the record of the cancel
      const crashing = appendDiesOnce(storage, "abandon");
      const make = (s: Storage) =>
        new StoreService({
          storage: s,
          payments,
          clock: { now: () => now },
          ids: sequentialIds(),
          stores: [{ store, catalog: scenarioCatalog, settings: DEFAULT_STORE_SETTINGS, holdAmount: 5000 }],
        });
      const first = make(crashing);
      await first.ingest(
        store,
        "cart-40",
        cartLog(store, "cart-40", "s-gone", T0, [], { account: "app-ana", end: false }),
      );
      now += 31 * 60_000;
      await expect(first.abandonSilent()).rejects.toThrow(/killed/);
      const holds = () =>
        (payments.ledger() as unknown as { holds: { reference: string; status: string }[] }).holds
          .filter((h) => h.reference === `${store}/session/s-gone`)
          .map((h) => h.status);
      expect(holds()).toEqual(["released"]);
      expect((await storage.sessions.get(store, "s-gone"))?.state).toBe("shopping");
      // restarted: the same silence, the release asked again with its key, then recorded
      const second = make(storage);
      await second.rebuild();
      expect(await second.abandonSilent()).toEqual([]); // the start grace
      now += 2 * 60_000;
      expect(await second.abandonSilent()).toMatchObject([{ session: "s-gone", status: "cancelled" }]);
      const types = (await storage.events.readStream(`${store}/session/s-gone`)).events.map(
        (e) => e.data.type,
      );
      expect(types.slice(-2)).toEqual(["HoldReleased", "SessionCancelled"]);
      expect(holds()).toEqual(["released"]);
    });

    it("watchAbandoned sweeps on its timer, reports what it ended, and stops", async () => {
      const storage = await newStorage();
      const payments = newPayments();
      const store = `st${++storeSeq}-${process.pid}-${Date.now().toString(36)}`;
      let now = T0 + 3_600_000;
      const service = new StoreService({
        storage,
        payments,
        clock: { now: () => now },
        ids: sequentialIds(),
        stores: [
          {
            store,
            catalog: scenarioCatalog,
            settings: DEFAULT_STORE_SETTINGS,
            defaultPaymentMethod: "tok_visa",
            abandonAfterMinutes: 10,
          },
        ],
      });
      await service.ingest(store, "cart-50", cartLog(store, "cart-50", "s-w1", T0, [], { end: false }));
      vi.useFakeTimers({ toFake: ["setInterval", "clearInterval"] });
      try {
        const seen: string[] = [];
        const watch = service.watchAbandoned({
          onAbandoned: (done) => {
            for (const a of done) seen.push(`${a.session}:${a.status}`);
          },
        });
        now += 9 * 60_000;
        await vi.advanceTimersByTimeAsync(150_000); // a quarter of 10 min: one sweep, too early
        expect(seen).toEqual([]);
        now += 60_000;
        await vi.advanceTimersByTimeAsync(150_000);
        await vi.waitFor(() => expect(seen).toEqual(["s-w1:cancelled"]));
        watch.stop();
        await service.ingest(store, "cart-51", cartLog(store, "cart-51", "s-w2", T0, [], { end: false }));
        now += 20 * 60_000;
        await vi.advanceTimersByTimeAsync(600_000);
        expect(seen).toEqual(["s-w1:cancelled"]);
        expect((await storage.sessions.get(store, "s-w2"))?.state).toBe("shopping");
      } finally {
        vi.useRealTimers();
      }
    });

    it("keeps stores apart", async () => {
      const a = await env();
      await a.service.ingest(
        a.store,
        "cart-10",
        cartLog(a.store, "cart-10", "s-a", T0, [cola], { account: "app-ana" }),
      );
      expect(await a.service.session(a.store, "s-a")).toBeDefined();
      await expect(a.service.receipt("elsewhere", "s-a")).rejects.toThrow(/does not host/);
      const r = await a.service.ingest(a.store, "cart-10", [
        { v: 1, t: T0, type: "session.start", store: "elsewhere", cart: "cart-10", session: "x" },
      ]);
      expect(r.rejected[0]).toMatchObject({ reason: "wrong-cart" });
      const foreign = await a.service.ingest("elsewhere", "cart-10", [
        { v: 1, t: T0, type: "session.start", store: "elsewhere", cart: "cart-10", session: "y" },
      ]);
      expect(foreign.rejected).toEqual([expect.objectContaining({ index: 0, reason: "unknown-store" })]);
    });
  });
}
