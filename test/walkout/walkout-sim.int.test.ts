/**
 * The walk-out simulator on the AutoCheckout store (planogram from ../shared/data): the same seed
 * gives the same log, and the walk-out fusion reads it back into receipts close to the truth.
 * (The figures at scale come from `skiplane sim-walkout` + `skiplane eval`, not from here.)
 */
import { createHash } from "node:crypto";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { parseCatalog } from "../../src/adapters/files/catalog-file";
import { readAutocheckoutStore } from "../../src/adapters/importers/autocheckout";
import { WalkoutStreams } from "../../src/app/walkout-stream/walkout-stream";
import { basketContents } from "../../src/domain/basket/basket.state";
import type { StoreEvent, TruthLine } from "../../src/domain/events/sensor-events";
import { sequentialIds } from "../../src/domain/shared/ids";
import { simulateWalkout } from "../../src/sim/walkout/walkout-sim";

const DATA = process.env.SKIPLANE_DATA_DIR ?? resolve(__dirname, "../../../shared/data");
const store = readAutocheckoutStore(join(DATA, "autocheckout-cps-test-01"));
const parsed = parseCatalog(store.catalog);
if (!parsed.ok) throw new Error("catalog");
const catalog = parsed.catalog;

function sim(seed: number, visits: number) {
  const events: StoreEvent[] = [];
  const truth: TruthLine[] = [];
  simulateWalkout(
    { catalog, layout: store.layout, visits, seed, store: "sim" },
    (e) => events.push(e),
    (t) => truth.push(t),
  );
  return { events, truth };
}

describe("walk-out simulator", () => {
  it("is deterministic: the same seed gives the same log", () => {
    const h = (x: unknown) => createHash("sha256").update(JSON.stringify(x)).digest("hex");
    const a = sim(5, 4);
    const b = sim(5, 4);
    expect(h(a.events)).toBe(h(b.events));
    expect(h(a.truth)).toBe(h(b.truth));
    expect(h(sim(6, 4).events)).not.toBe(h(a.events));
  });

  it("is read back by the walk-out fusion into receipts close to the truth", () => {
    const { events, truth } = sim(11, 20);
    expect(truth).toHaveLength(20);
    const ws = new WalkoutStreams({ catalog, layout: store.layout, ids: sequentialIds(), store: "sim" });
    const rejected = events.map((e) => ws.ingest(e)).filter((r) => r.outcome === "rejected");
    expect(rejected).toEqual([]);
    let tp = 0;
    let fp = 0;
    let fn = 0;
    for (const t of truth) {
      const got = new Map(basketContents(ws.basket(t.session)!).items.map((i) => [i.sku, i.qty]));
      const want = new Map(t.items.map((i) => [i.sku, i.qty]));
      for (const sku of new Set([...got.keys(), ...want.keys()])) {
        const g = got.get(sku) ?? 0;
        const w = want.get(sku) ?? 0;
        tp += Math.min(g, w);
        fp += Math.max(0, g - w);
        fn += Math.max(0, w - g);
      }
    }
    const f1 = (2 * tp) / (2 * tp + fp + fn);
    expect(f1).toBeGreaterThan(0.9);
  });
});
