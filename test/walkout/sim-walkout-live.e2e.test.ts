/**
 * `skiplane sim-walkout --live` against the real server (in-process, SQLite file, embedded broker
 * on an ephemeral port, the demo walk-out store built from the AutoCheckout data): the simulated
 * gate, tracker and shelf controller drive two visits through their device topics, and every
 * visit ends with a receipt whose items are exactly those of the offline replay of the same log
 * (walkoutReceiptHandler, what `skiplane eval` scores): one fusion, in the server as in replay.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { defaultDataDir } from "../../src/adapters/demo/data-dir";
import { loadWalkoutStoreFiles } from "../../src/adapters/files/walkout-store-files";
import { walkoutReceiptHandler } from "../../src/app/walkout-stream/walkout-receipts";
import { WalkoutStreams } from "../../src/app/walkout-stream/walkout-stream";
import type { ReceiptLine, StoreEvent } from "../../src/domain/events/sensor-events";
import { sequentialIds } from "../../src/domain/shared/ids";
import { DEFAULT_STORE_SETTINGS } from "../../src/domain/store/store-settings";
import type { RunningServer } from "../../src/main";
import { readWalkoutCredentials, runWalkoutLive } from "../../src/sim/walkout/walkout-live";
import { simulateWalkout } from "../../src/sim/walkout/walkout-sim";
import { startDemoServer } from "../server/support/in-process-server";

let dir: string;
let server: RunningServer;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "skiplane-walkout-live-"));
  server = await startDemoServer(dir);
}, 60_000);

afterAll(async () => {
  await server?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe("sim-walkout --live", () => {
  it("drives visits into a running server; each is settled with the items the offline replay finds", async () => {
    const credentials = readWalkoutCredentials(join(dir, "demo-credentials-walkout.json"));
    const { catalog, layout } = loadWalkoutStoreFiles({
      autocheckout: join(defaultDataDir(), "autocheckout-cps-test-01"),
    });
    const truths = new Map<string, { sku: string; qty: number }[]>();
    const sim = {
      visits: 2,
      seed: 11,
      minShoppers: 1,
      maxShoppers: 2,
      plateHz: 10,
      start: Date.now() - 3_600_000,
    };
    const s = await runWalkoutLive({
      url: `mqtt://127.0.0.1:${server.mqttPort}`,
      credentials,
      catalog,
      layout,
      ...sim,
      speed: 50,
      onGate(e, truth) {
        if (e.type === "gate.out" && truth) truths.set(truth.session, truth.items);
      },
    });
    expect(s.visits).toBe(2);
    expect(truths.size).toBe(2);
    // the same log replayed offline
    const events: StoreEvent[] = [];
    simulateWalkout(
      { catalog, layout, store: credentials.store, ...sim },
      (e) => events.push(e),
      () => {},
    );
    const handler = walkoutReceiptHandler(
      (store) => new WalkoutStreams({ catalog, layout, ids: sequentialIds(), store }),
      catalog,
      { ...DEFAULT_STORE_SETTINGS, currency: catalog.currency },
    );
    const offline = new Map<string, ReceiptLine>();
    for (const e of events) for (const r of handler.handle(e) ?? []) offline.set(r.session, r);
    expect([...offline.keys()].sort()).toEqual([...truths.keys()].sort());

    const key = JSON.parse(readFileSync(join(dir, "demo-credentials-walkout.json"), "utf8")).apiKeys.operator;
    for (const [session, items] of truths) {
      const res = await fetch(`${server.httpUrl}/api/v1/stores/${credentials.store}/receipts/${session}`, {
        headers: { authorization: `Bearer ${key}` },
      });
      expect(res.status).toBe(200);
      const r = (await res.json()) as { lines: { sku: string; qty?: number }[] };
      const got = new Map<string, number>();
      for (const l of r.lines) got.set(l.sku, (got.get(l.sku) ?? 0) + (l.qty ?? 0));
      const replayed = offline.get(session)!;
      expect(Object.fromEntries(got)).toEqual(Object.fromEntries(replayed.items.map((i) => [i.sku, i.qty])));
      // and how far that is from the truth is the fusion's business (docs/walkout.md figures)
      expect(items.length).toBeGreaterThan(0);
    }
    expect((server.walkout.counters.exits.paid ?? 0) + (server.walkout.counters.exits.review ?? 0)).toBe(2);
  }, 120_000);
});
