/**
 * The real-recording test: the AutoCheckout case cps-test-01 (348 shelf plates, 33.6 s at 60 Hz)
 * imported with `importAutocheckout` and replayed through the walk-out fusion must find exactly
 * the two hand-labelled pick-ups — Taco Bell Fire from gondola 2 shelf 5 at 22:24:15 UTC and
 * FIJI Water 0.5 L from gondola 1 shelf 5 at 22:24:21 UTC — and nothing else on any plate.
 * Reads ../shared/data (SKIPLANE_DATA_DIR); no parameter here is specific to this recording.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readCatalogFile } from "../../src/adapters/files/catalog-file";
import { loadLayoutFile } from "../../src/adapters/files/layout-file";
import { importAutocheckout } from "../../src/adapters/importers/autocheckout";
import { walkoutReceiptHandler } from "../../src/app/walkout-stream/walkout-receipts";
import { WalkoutStreams } from "../../src/app/walkout-stream/walkout-stream";
import type { Catalog } from "../../src/domain/catalog/product";
import { sequentialIds } from "../../src/domain/shared/ids";
import { DEFAULT_STORE_SETTINGS } from "../../src/domain/store/store-settings";
import { replayFile } from "../../src/eval/replay";

const DATA = process.env.SKIPLANE_DATA_DIR ?? resolve(__dirname, "../../../shared/data");
const CASE = join(DATA, "autocheckout-cps-test-01");

describe("AutoCheckout cps-test-01, replayed", () => {
  let out: string;
  let catalog: Catalog;
  let result: Awaited<ReturnType<typeof replayFile>>;
  let handler: ReturnType<typeof walkoutReceiptHandler>;

  beforeAll(async () => {
    out = mkdtempSync(join(tmpdir(), "skiplane-cps01-"));
    const summary = importAutocheckout({
      dir: CASE,
      outDir: out,
      truthFile: join(CASE, "ground-truth-v14.json"),
      caseName: "cps-test-01",
    });
    expect(summary.plates).toBe(348);
    expect(summary.rejectedLines).toBe(0);
    const c = readCatalogFile(join(out, "catalog.json"));
    if (!c.ok) throw new Error(JSON.stringify(c.issues));
    catalog = c.catalog;
    const layout = loadLayoutFile(join(out, "layout.json"));
    handler = walkoutReceiptHandler(
      (store) => new WalkoutStreams({ catalog, layout, ids: sequentialIds(), store }),
      catalog,
      { ...DEFAULT_STORE_SETTINGS, currency: catalog.currency },
    );
    result = await replayFile(join(out, "log.jsonl"), {
      catalog,
      settings: { ...DEFAULT_STORE_SETTINGS, currency: catalog.currency },
      storeHandler: handler,
      timing: false,
    });
  });
  afterAll(() => rmSync(out, { recursive: true, force: true }));

  it("reads every line of the imported log", () => {
    expect(result.issues.total).toBe(0);
    expect(handler.rejected).toEqual({});
  });

  it("finds exactly the two labelled pick-ups, and nothing else on any of the 348 plates", () => {
    const d = handler.decisions;
    expect(d.map((x) => x.kind)).toEqual(["pick", "pick"]);
    const [taco, fiji] = d;
    const tol = 2000;
    expect(taco.change.gondola).toBe(2);
    expect(taco.change.shelf).toBe(5);
    expect(Math.abs(taco.change.startT - Date.UTC(2020, 0, 28, 22, 24, 15))).toBeLessThan(tol);
    expect(taco.hypotheses[0].items).toEqual([{ sku: "taco-bell-fire", qty: 1 }]);
    expect(Math.abs(taco.change.delta + 105.5)).toBeLessThan(15);

    expect(fiji.change.gondola).toBe(1);
    expect(fiji.change.shelf).toBe(5);
    expect(Math.abs(fiji.change.startT - Date.UTC(2020, 0, 28, 22, 24, 21))).toBeLessThan(tol);
    expect(fiji.hypotheses[0].items).toEqual([{ sku: "fiji-water-0-5-ltr", qty: 1 }]);
    // the plate sum reads ~9 % heavier than the catalogue's 538 g (plate calibration)
    expect(Math.abs(fiji.change.delta + 538)).toBeLessThan(0.12 * 538);
  });

  it("keeps the real bag whole when the detector cuts at 0.1 s: its plates stepped 0.1 s apart, no piece is an item", async () => {
    // the Taco Bell bag lay on plates 3–5 of gondola 2 shelf 5 (−18, −59, −26 g); plate 5 crossed
    // its halfway level one 100 ms bin before plates 3 and 4. The detector cuts at 200 ms
    // (splitMs); cut at 100 ms it offers two pieces, and the fusion must keep the change whole
    const h = walkoutReceiptHandler(
      (store) =>
        new WalkoutStreams({
          catalog,
          layout: loadLayoutFile(join(out, "layout.json")),
          ids: sequentialIds(),
          store,
          config: { detector: { splitMs: 100 } },
        }),
      catalog,
      { ...DEFAULT_STORE_SETTINGS, currency: catalog.currency },
    );
    await replayFile(join(out, "log.jsonl"), {
      catalog,
      settings: { ...DEFAULT_STORE_SETTINGS, currency: catalog.currency },
      storeHandler: h,
      timing: false,
    });
    expect(h.decisions.map((x) => x.kind)).toEqual(["pick", "pick"]);
    const [taco, fiji] = h.decisions;
    expect(taco.change.parts?.length).toBe(2);
    expect(taco.hypotheses[0].items).toEqual([{ sku: "taco-bell-fire", qty: 1 }]);
    expect(fiji.hypotheses[0].items).toEqual([{ sku: "fiji-water-0-5-ltr", qty: 1 }]);
  });

  it("writes the labelled receipt for the one shopper, with no review", () => {
    const truth = readFileSync(join(out, "truth.jsonl"), "utf8")
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    expect(result.receipts).toHaveLength(1);
    const r = result.receipts[0];
    expect(r.session).toBe(truth[0].session);
    expect(r.items).toEqual(truth[0].items);
    expect(r.review).toBe(false);
    expect(r.total).toBeGreaterThan(0);
  });
});
