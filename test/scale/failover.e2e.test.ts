/**
 * Two and three clustered server processes share a chain's carts on one PostgreSQL and one
 * Mosquitto; one process is SIGKILLed mid-stream. The others take its stores over (lease expiry
 * → the store's persistent MQTT session resumes at the new owner with everything unacknowledged)
 * and every session still ends with the reference basket, one capture, and no acknowledged event
 * missing. Real servers: a private Mosquitto and a private PostgreSQL of this machine.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TEST_PG_URL } from "../../src/adapters/postgres/test-schema";
import {
  chainRollup,
  expectedRollup,
  expectNothingLost,
  referenceRun,
  rollupCounts,
  startChain,
  startFleet,
  verify,
  waitAllPaid,
  waitUntil,
} from "./support/harness";
import {
  mosquittoInstalled,
  startBroker,
  startPostgres,
  type TestBroker,
  type TestPostgres,
} from "./support/servers";

const available = mosquittoInstalled();
let broker: TestBroker;
let db: TestPostgres;

describe.skipIf(!available)("failover: SIGKILL one of N processes mid-stream", () => {
  beforeAll(async () => {
    [broker, db] = await Promise.all([startBroker(), startPostgres(TEST_PG_URL)]);
  });
  afterAll(async () => {
    await broker?.dispose();
    await db?.dispose();
  });

  for (const n of [2, 3]) {
    it(`${n} processes: the killed one's stores move, every basket and payment is right`, async () => {
      const chain = await startChain({
        tag: `k${n}`,
        databaseUrl: db.url,
        mqttUrl: broker.url,
        nodes: n,
        stores: n + 1,
        cartsPerStore: 2,
        items: 4,
      });
      try {
        const before = await chain.waitAllOwned();
        // the stores are spread over the processes
        expect(new Set([...before.values()].map((o) => o.owner)).size).toBeGreaterThan(1);
        const trips = chain.trips(Date.UTC(2026, 10, 22, 9));
        const reference = referenceRun(trips);
        const victimName = before.get(chain.stores[0])?.owner;
        const victim = chain.nodes.find((x) => x.name === victimName);
        expect(victim).toBeDefined();
        const movedStores = [...before.entries()].filter(([, o]) => o.owner === victimName).map(([s]) => s);
        const fleet = await startFleet({ url: broker.url, carts: trips });
        // mid-stream: kill the owner of the first store once a quarter of its carts' events are
        // acknowledged (not after a fixed time: a loaded machine connects and streams later)
        const victimRuns = fleet.runs.filter((r) => movedStores.includes(r.store));
        await waitUntil(
          () => victimRuns.every((r) => r.acked.size >= r.events.length / 4),
          30_000,
          "the victim's carts to be a quarter through their trips",
        );
        expect(victimRuns.every((r) => !r.done)).toBe(true);
        victim?.kill();
        await fleet.finished;
        await waitUntil(
          async () => {
            const now = await chain.owners();
            return movedStores.every((s) => (now.get(s)?.owner ?? victimName) !== victimName);
          },
          20_000,
          "the killed process's stores to have new owners",
        );
        const after = await chain.owners();
        for (const s of movedStores)
          expect(after.get(s)?.epoch ?? 0).toBeGreaterThan(before.get(s)?.epoch ?? 0);
        await waitAllPaid(
          chain,
          trips.map((t) => `${t.store}/session/${t.session}`),
          30_000,
        );
        // A cart learns it has paid from the screen its store's owner publishes after recording
        // the capture: it arrives 10-60 ms after the database says paid on a loaded machine (more
        // under heavier load), and a cart stopped before that never sees it.
        const lastScreens = () => fleet.runs.map((r) => `${r.store}/${r.cart}: ${r.screen?.state}`);
        await waitUntil(
          () => fleet.runs.every((r) => r.screen?.state === "paid"),
          20_000,
          "every cart's screen to show paid",
        ).catch(() => undefined);
        await fleet.stop();
        expectNothingLost(await verify(chain, fleet.runs, await reference), trips);
        // the screens the carts saw last are paid
        expect(lastScreens()).toEqual(fleet.runs.map((r) => `${r.store}/${r.cart}: paid`));
        // head office counts every session once, through a surviving node's API
        const survivor = chain.nodes.find((x) => x !== victim);
        // the survivor is ready: database, lease store and its store sessions all up (a store
        // it took over a moment ago is ready once its session has connected)
        let ready: { http: number; checks?: unknown } = { http: 0 };
        await waitUntil(
          async () => {
            const res = await fetch(`http://127.0.0.1:${survivor?.port}/readyz`);
            ready = { http: res.status, checks: ((await res.json()) as { checks: unknown }).checks };
            return res.status === 200;
          },
          15_000,
          "the survivor to be ready",
        ).catch(() => undefined);
        expect(ready).toEqual({ http: 200, checks: { database: true, leases: true, broker: true } });
        const rollup = await chainRollup(chain, survivor?.port ?? 0);
        expect(rollup.unauthorizedStatus).toBe(401);
        expect(rollupCounts(rollup)).toEqual(expectedRollup(trips, await reference));
      } finally {
        await chain.dispose();
      }
    }, 240_000);
  }
});
