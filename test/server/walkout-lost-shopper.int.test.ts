/**
 * Walk-out visits whose shopper was lost (decision 0109): no gate, track or shelf event of the
 * visit for `abandonAfterMinutes` → the store ends it like a silent cart (0108): a basket goes
 * to review with its hold, an empty visit is cancelled and its hold released. Real fusion, real
 * storage (a SQLite file, then PostgreSQL on loopback), the sandbox provider, a fixed clock;
 * StoreService and WalkoutService as the server composes them, restarted on the same storage.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { SandboxPaymentGateway } from "../../src/adapters/payments/sandbox-gateway";
import { openTestPostgres } from "../../src/adapters/postgres/test-schema";
import { parseStoreEvent } from "../../src/adapters/schemas/sensor-event.schema";
import { openSqliteStorage } from "../../src/adapters/sqlite/sqlite-storage";
import type { Storage } from "../../src/app/ports/read-models";
import { StoreService } from "../../src/app/services/store-service";
import { appendDiesOnce } from "../../src/app/services/store-service.fixtures";
import { WALKOUT_LANE, WalkoutService } from "../../src/app/walkout-stream/walkout-service";
import { indexCatalog, type Product } from "../../src/domain/catalog/product";
import type { StoreEvent, StoreLayout } from "../../src/domain/events/sensor-events";
import { sequentialIds } from "../../src/domain/shared/ids";
import { DEFAULT_STORE_SETTINGS } from "../../src/domain/store/store-settings";
import { waitFor } from "../support/wait-for";
import { type VisitPlate, visitScript } from "../walkout/support/visit-script";

const CATALOG = indexCatalog("USD", [
  { sku: "water-500", name: "Water 500 ml", price: 129, soldBy: "unit", weight: { mean: 538, sd: 13 } },
  { sku: "chips-100", name: "Chips 100 g", price: 249, soldBy: "unit", weight: { mean: 105, sd: 2.6 } },
  { sku: "soap-200", name: "Soap 200 g", price: 399, soldBy: "unit", weight: { mean: 220, sd: 5 } },
] as Product[]);
const LAYOUT: StoreLayout = {
  plates: [
    { gondola: 1, shelf: 1, plate: 1, x: 0.2, y: 0.25, z: 1.2, skus: ["water-500"] },
    { gondola: 1, shelf: 1, plate: 2, x: 0.6, y: 0.25, z: 1.2, skus: ["chips-100"] },
    { gondola: 1, shelf: 1, plate: 3, x: 1.0, y: 0.25, z: 1.2, skus: ["soap-200"] },
  ],
} as StoreLayout;
const PLATES: VisitPlate[] = LAYOUT.plates.map((p, i) => ({ ...p, load: 2000 + i * 300 }));
const T0 = Date.UTC(2026, 11, 4, 9);
const MINUTE = 60_000;

interface Env {
  storage: () => Promise<Storage>;
  close(): Promise<void>;
}

const sqliteDir = mkdtempSync(join(tmpdir(), "skiplane-lost-"));
let sqliteSeq = 0;
const sqliteEnv = (): Env => {
  const file = join(sqliteDir, `s${++sqliteSeq}.db`);
  const opened: Storage[] = [];
  return {
    storage: async () => {
      // a restarted process opens the file again
      for (const s of opened.splice(0)) await s.close();
      const s = openSqliteStorage({ file });
      opened.push(s);
      return s;
    },
    close: async () => {
      for (const s of opened.splice(0)) await s.close();
    },
  };
};
const pgEnv = async (): Promise<Env> => {
  const db = await openTestPostgres("lost");
  let first = true;
  return {
    storage: async () => {
      if (first) {
        first = false;
        return db.storage;
      }
      return db.open();
    },
    close: () => db.dispose(),
  };
};

afterAll(() => rmSync(sqliteDir, { recursive: true, force: true }));

describe.each([
  ["sqlite", async () => sqliteEnv()],
  ["postgres", pgEnv],
] as const)("lost walk-out shoppers (%s)", (_kind, newEnv) => {
  const store = `wo-lost-${process.pid}`;

  function services(storage: Storage, payments: SandboxPaymentGateway, clock: { now(): number }) {
    const service = new StoreService({
      storage,
      payments,
      clock,
      ids: sequentialIds(),
      stores: [
        {
          store,
          catalog: CATALOG,
          settings: { ...DEFAULT_STORE_SETTINGS, currency: "USD" },
          defaultPaymentMethod: "tok_visa",
          holdAmount: 5000,
        },
      ],
    });
    const walkout = new WalkoutService({
      storage,
      exits: service,
      clock,
      stores: [{ store, catalog: CATALOG, layout: LAYOUT, abandonAfterMinutes: 30 }],
    });
    return { service, walkout };
  }

  /**
   * One test's storage (restartable), the clock an hour after T0 (`advance` moves it) and a
   * sandbox provider; the storage is closed after `run`.
   */
  async function inEnv(
    run: (t: {
      env: Env;
      clock: { now(): number };
      payments: SandboxPaymentGateway;
      advance(ms: number): void;
    }) => Promise<void>,
  ): Promise<void> {
    const env = await newEnv();
    let now = T0 + 3_600_000;
    try {
      await run({
        env,
        clock: { now: () => now },
        payments: new SandboxPaymentGateway({ ids: sequentialIds() }),
        advance: (ms) => {
          now += ms;
        },
      });
    } finally {
      await env.close();
    }
  }

  const holdsOf = (payments: SandboxPaymentGateway, session: string) =>
    payments
      .ledger()
      .holds.filter((h) => h.reference === `${store}/session/${session}`)
      .map((h) => h.status);

  const track = (shopper: string, n: number): StoreEvent => ({
    v: 1,
    t: T0 + 20_000 + n * 1000,
    type: "track",
    store,
    shopper,
    x: 3,
    y: 2,
    id: `${shopper}-track-${n}`,
  });

  it("ends a lost shopper's visit after abandonAfterMinutes, across a restart: review with the hold, or cancelled and released", () =>
    inEnv(async ({ env, clock, payments, advance }) => {
      let storage = await env.storage();
      let { service, walkout } = services(storage, payments, clock);
      await walkout.rebuild();
      // track-1 takes a bottle, then the tracker loses them and the gate never sees them leave;
      // track-2 comes in and is lost at once; track-3 keeps being seen
      const a = visitScript({
        store,
        session: "v-lost-basket",
        shopper: "track-1",
        t0: T0,
        plates: PLATES,
        pick: { plate: PLATES[0], grams: 538, atMs: 3000 },
      });
      expect((await walkout.ingest(store, [a.gateIn as StoreEvent])).rejected).toEqual([]);
      for (const batch of a.plates) {
        expect((await walkout.ingest(store, batch as StoreEvent[])).rejected).toEqual([]);
      }
      const gateIn = (session: string, shopper: string, t: number): StoreEvent => ({
        v: 1,
        t,
        type: "gate.in",
        store,
        session,
        shopper,
        id: `${session}-in`,
      });
      await walkout.ingest(store, [gateIn("v-lost-empty", "track-2", T0 + 9_000)]);
      await walkout.ingest(store, [gateIn("v-seen", "track-3", T0 + 10_000)]);
      expect((await storage.sessions.get(store, "v-lost-basket"))?.screen.lines.map((l) => l.sku)).toEqual([
        "water-500",
      ]);

      advance(20 * MINUTE);
      await walkout.ingest(store, [track("track-3", 20)]);
      expect(await walkout.abandonSilent()).toEqual([]);

      // the server restarts: silence counts from each visit's last sign, found in the raw log
      storage = await env.storage();
      ({ service, walkout } = services(storage, payments, clock));
      await service.rebuild();
      await walkout.rebuild();
      advance(2 * MINUTE);
      expect(await walkout.abandonSilent()).toEqual([]);
      advance(5 * MINUTE);
      await walkout.ingest(store, [track("track-3", 27)]);
      expect(await walkout.abandonSilent()).toEqual([]);
      advance(4 * MINUTE); // 31 minutes after track-1's bottle and track-2's gate.in
      await walkout.ingest(store, [track("track-3", 31)]);
      const done = await walkout.abandonSilent();
      expect(
        done
          .map(({ session, shopper, status }) => ({ session, shopper, status }))
          .sort((x, y) => x.session.localeCompare(y.session)),
      ).toEqual([
        { session: "v-lost-basket", shopper: "track-1", status: "review" },
        { session: "v-lost-empty", shopper: "track-2", status: "cancelled" },
      ]);
      expect(await walkout.abandonSilent()).toEqual([]);
      expect(service.counters.abandoned).toEqual({ review: 1, cancelled: 1 });

      // the basket waits for a person with its hold; the empty visit's hold is released
      expect(await storage.sessions.get(store, "v-lost-basket")).toMatchObject({
        state: "review",
        open: false,
      });
      expect(holdsOf(payments, "v-lost-basket")).toEqual(["held"]);
      const [c] = await service.reviewQueue(store);
      expect(c.session).toBe("v-lost-basket");
      expect(c.reason).toMatch(
        /^shopper lost: no gate, track or shelf event of this visit for 30 min \(last: a shelf change at /,
      );
      expect((await storage.sessions.get(store, "v-lost-empty"))?.state).toBe("cancelled");
      expect(holdsOf(payments, "v-lost-empty")).toEqual(["released"]);
      const stream = (await storage.events.readStream(`${store}/session/v-lost-basket`)).events;
      expect(stream.slice(-3).map((e) => [e.data.type, e.meta.source, e.meta.causation])).toEqual([
        ["CheckoutStarted", "workflow", "abandon"],
        ["ReviewRequested", "workflow", "abandon"],
        ["SessionHeldForReview", "workflow", "abandon"],
      ]);
      // the store's gate.outs for them are in the raw log, as fusion saw them
      const raw = await storage.rawLog.readCart(store, WALKOUT_LANE);
      expect(raw.filter((e) => (e.event as { sweep?: unknown }).sweep).map((e) => e.event.id)).toEqual([
        "sweep-v-lost-basket",
        "sweep-v-lost-empty",
      ]);
      // the shopper still seen is inside, and leaves through the gate as usual
      expect((await walkout.shoppers(store)).filter((s) => s.inside).map((s) => s.session)).toEqual([
        "v-seen",
      ]);

      // another restart replays the sweep's gate.outs: nothing ended twice, nothing appended
      storage = await env.storage();
      ({ service, walkout } = services(storage, payments, clock));
      await service.rebuild();
      expect(await walkout.rebuild()).toMatchObject({ appended: 0, inside: 1 });
      expect(walkout.counters.replayDiverged).toBe(0);
      advance(3 * MINUTE);
      expect(await walkout.abandonSilent()).toEqual([]);
      const out = await walkout.ingest(store, [
        { v: 1, t: T0 + 60_000, type: "gate.out", store, shopper: "track-3", id: "v-seen-out" },
      ]);
      expect(out.exits.map((x) => x.session)).toEqual(["v-seen"]);
      expect(service.counters.abandoned).toEqual({});
      expect(
        (await storage.events.readStream(`${store}/session/v-lost-empty`)).events
          .slice(-2)
          .map((e) => e.data.type),
      ).toEqual(["HoldReleased", "SessionCancelled"]);

      // the reviewer confirms: charged from the kept hold
      const decided = await service.resolveReview(store, c.caseId, { decision: "confirm", by: "rev-1" });
      expect(decided.settle).toMatchObject({ status: "paid" });
      expect(holdsOf(payments, "v-lost-basket")).toEqual(["captured"]);
    }));

  it("watchAbandoned sweeps on its timer and reports the visit it ended", () =>
    inEnv(async ({ env, clock, payments, advance }) => {
      const storage = await env.storage();
      const { walkout } = services(storage, payments, clock);
      await walkout.ingest(store, [
        { v: 1, t: T0, type: "gate.in", store, session: "v-timer", shopper: "track-5", id: "v-timer-in" },
      ]);
      advance(31 * MINUTE);
      const reported: string[] = [];
      const watch = walkout.watchAbandoned({
        everyMs: 20,
        onAbandoned: (done) => {
          for (const a of done) reported.push(`${a.session}:${a.status}`);
        },
      });
      try {
        await waitFor(() => reported.length > 0, 5000);
      } finally {
        watch.stop();
      }
      expect(reported).toEqual(["v-timer:cancelled"]);
      expect(holdsOf(payments, "v-timer")).toEqual(["released"]);
    }));

  it("a sweep killed between its gate.out and the abandon's record is finished by the restart", () =>
    inEnv(async ({ env, clock, payments, advance }) => {
      const storage = await env.storage();
      // the process dies as it records the abandon
      const crashing = appendDiesOnce(storage, "abandon");
      const first = services(crashing, payments, clock);
      await first.walkout.rebuild();
      const v = visitScript({
        store,
        session: "v-killed",
        shopper: "track-9",
        t0: T0,
        plates: PLATES,
        pick: { plate: PLATES[1], grams: 105, atMs: 2500 },
      });
      await first.walkout.ingest(store, [v.gateIn as StoreEvent, ...(v.plates.flat() as StoreEvent[])]);
      expect((await storage.sessions.get(store, "v-killed"))?.screen.lines.map((l) => l.sku)).toEqual([
        "chips-100",
      ]);
      advance(31 * MINUTE);
      await expect(first.walkout.abandonSilent()).rejects.toThrow(/killed/);
      expect((await storage.sessions.get(store, "v-killed"))?.state).toBe("shopping");

      const second = services(storage, payments, clock);
      await second.service.rebuild();
      await second.walkout.rebuild();
      expect((await storage.sessions.get(store, "v-killed"))?.state).toBe("review");
      expect(second.service.counters.abandoned).toEqual({ review: 1 });
      expect(holdsOf(payments, "v-killed")).toEqual(["held"]);
      expect((await second.walkout.shoppers(store)).filter((s) => s.inside)).toEqual([]);
      advance(3 * MINUTE);
      expect(await second.walkout.abandonSilent()).toEqual([]);
    }));
});

it("a device cannot send the store's own gate.out: the edge strips `sweep`", () => {
  const r = parseStoreEvent({
    v: 1,
    t: T0,
    type: "gate.out",
    store: "wo-lost",
    shopper: "track-1",
    id: "sweep-v-1",
    sweep: { reason: "spoofed" },
  });
  expect(r).toEqual({
    ok: true,
    event: { v: 1, t: T0, type: "gate.out", store: "wo-lost", shopper: "track-1", id: "sweep-v-1" },
  });
});
