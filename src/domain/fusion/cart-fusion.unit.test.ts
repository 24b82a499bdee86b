import { describe, expect, it } from "vitest";
import { makeVariableMeasureCode } from "../barcode/barcode";
import type { BasketEvent } from "../basket/basket.events";
import { indexCatalog, type Product } from "../catalog/product";
import type { CartEvent } from "../events/sensor-events";
import { sequentialIds } from "../shared/ids";
import { createCartFusion } from "./cart-fusion";
import type { FusionConfig } from "./fusion.config";
import { basketOf, CART, newFusion, run, STORE, TEST_PRODUCTS, Timeline } from "./synthetic.test-support";

const COLA_GTIN = "05449000000996";
const WHISKY_GTIN = "00000000000031";

const unit = (
  sku: string,
  mean: number,
  sd: number,
  price: number,
  extra: Partial<Product> = {},
): Product => ({
  sku,
  name: sku,
  soldBy: "unit",
  price,
  weight: { mean, sd },
  taxClass: "grocery",
  ageRestricted: false,
  lookalikes: [],
  ...extra,
});

const of = <T extends BasketEvent["type"]>(events: BasketEvent[], type: T) =>
  events.filter((e): e is Extract<BasketEvent, { type: T }> => e.type === type);

/** the lines as they stand at the end (sku, amount, status, confidence), voided ones left out */
const linesOf = (events: BasketEvent[]) => {
  const lines = new Map<
    string,
    { lineId: string; sku: string; amount: number; status: string; confidence: number }
  >();
  for (const e of events) {
    if (e.type === "ItemAdded" || e.type === "LineRevised") {
      const amount = e.grams ?? e.qty ?? 0;
      lines.set(e.lineId, {
        lineId: e.lineId,
        sku: e.sku,
        amount,
        status: e.status,
        confidence: e.confidence,
      });
    } else if (e.type === "LineVoided") lines.delete(e.lineId);
  }
  return [...lines.values()];
};

/** what the ok lines charge, per sku (unsure lines go to review first) */
const chargedOk = (events: BasketEvent[]) => {
  const net: Record<string, number> = {};
  for (const l of linesOf(events)) if (l.status === "ok") net[l.sku] = (net[l.sku] ?? 0) + l.amount;
  return net;
};

/** given an open session on a settled, empty cart */
const shopping = (seed = 1, opts = {}) => new Timeline(seed, opts).hold(1000).start().hold(600);
/** the test catalog with organic bananas (PLU 94011), each banana the other's look-alike */
const organicBananaCatalog = () => {
  const organic: Product = {
    sku: "banana-organic",
    name: "Organic Bananas",
    plu: "94011",
    soldBy: "weight",
    pricePerKg: 299,
    taxClass: "grocery",
    ageRestricted: false,
    lookalikes: ["banana"],
  };
  const products = TEST_PRODUCTS.map((p) =>
    p.sku === "banana" ? { ...p, lookalikes: ["banana-organic"] } : p,
  );
  return indexCatalog("USD", [...products, organic]);
};

describe("cart fusion: explanations of a weight change", () => {
  it("adds one unit seen by the camera, with evidence and a plain summary", () => {
    const tl = shopping().see("in", ["cola-330", 0.93]).step(349.2).hold(800).end();
    const { events, fusion } = run(tl.events);
    const added = of(events, "ItemAdded");
    expect(added).toHaveLength(1);
    expect(added[0]).toMatchObject({ sku: "cola-330", qty: 1, status: "ok", lineId: "line_0001" });
    expect(added[0].confidence).toBeGreaterThanOrEqual(0.9);
    const ev = added[0].evidence;
    expect(ev.change!.delta).toBeGreaterThan(345);
    expect(ev.change!.delta).toBeLessThan(353);
    expect(ev.change!.sd).toBeGreaterThan(0);
    expect(ev.vision).toHaveLength(1);
    expect(ev.hypotheses[0].label).toBe("1 × Cola 330 ml");
    expect(ev.summary).toMatch(
      /^Weight \+349 g matched 1 × Cola 330 ml \(349 ± 2 g\); camera saw Cola 330 ml 0\.93$/,
    );
    expect(fusion.counters.changes).toBe(1);
    expect(of(events, "PromptRaised")).toHaveLength(0);
  });

  it("waits for the sighting inside a batch's span before deciding a change that settled in it", () => {
    // 1-s batches at 20 Hz: the item lands early in a batch and settles inside it; the camera
    // line (t inside that batch) arrives after the batch line, as the log orders lines by t
    const base = { v: 1 as const, store: STORE, cart: CART };
    const f = newFusion();
    let t = 1_000_000;
    const batch = (level: number, from = 0) => ({
      ...base,
      t,
      type: "weight" as const,
      hz: 20,
      grams: Array.from({ length: 20 }, (_, i) => (i >= from ? level : 0) + ((i * 7) % 3) * 0.5),
    });
    const events: BasketEvent[] = [];
    const feed = (e: Parameters<typeof f.ingest>[0]) => {
      const r = f.ingest(e);
      expect(r.outcome).toBe("accepted");
      events.push(...r.events);
      return r;
    };
    for (let i = 0; i < 3; i++, t += 1000) feed(batch(0));
    feed({ ...base, t, type: "session.start", session: "s-1" });
    feed(batch(0));
    t += 1000;
    feed(batch(349.2, 2)); // lands at +100 ms, settled by +800 ms
    feed({ ...base, t: t + 50, type: "vision", dir: "in", candidates: [{ sku: "cola-330", p: 0.93 }] });
    t += 1000;
    const r = feed(batch(349.2));
    expect(r.settled).toBe(true);
    const added = of(events, "ItemAdded");
    expect(added).toMatchObject([{ sku: "cola-330", qty: 1, status: "ok" }]);
    expect(added[0].evidence.vision).toHaveLength(1);
    expect(added[0].at).toBeLessThan(t);
  });

  it("marks the input that settled the change", () => {
    const tl = shopping().see("in", ["cola-330", 0.93]).step(349.2).hold(800);
    const { results } = run(tl.events);
    const settled = results.filter((r) => r.settled);
    expect(settled).toHaveLength(1);
    expect(settled[0].events[0].type).toBe("ItemAdded");
  });

  it("counts several units of one product from one sighting", () => {
    const tl = shopping()
      .see("in", ["cola-330", 0.9])
      .step(3 * 349.2)
      .hold(800);
    const added = of(run(tl.events).events, "ItemAdded");
    expect(added).toHaveLength(1);
    expect(added[0]).toMatchObject({ sku: "cola-330", qty: 3, status: "ok" });
  });

  it("explains two different products dropped in at once", () => {
    const tl = shopping()
      .see("in", ["cola-330", 0.9])
      .hold(100)
      .see("in", ["soap", 0.85])
      .step(349.2 + 412)
      .hold(800);
    const { events } = run(tl.events);
    expect(basketOf(events)).toEqual({ net: { "cola-330": 1, soap: 1 }, unsure: [] });
  });

  it("takes out what is in the basket", () => {
    const tl = shopping()
      .see("in", ["cola-330", 0.9])
      .step(2 * 349.2)
      .hold(800)
      .see("out", ["cola-330", 0.8])
      .step(-349.2)
      .hold(800);
    const { events } = run(tl.events);
    const removed = of(events, "ItemRemoved");
    expect(removed).toHaveLength(1);
    expect(removed[0]).toMatchObject({ sku: "cola-330", qty: 1, status: "ok" });
    expect(removed[0].evidence.summary).toContain("taking out 1 × Cola 330 ml");
    expect(basketOf(events).net).toEqual({ "cola-330": 1 });
  });

  it("finds the removed product by weight when the camera missed it", () => {
    const tl = shopping()
      .see("in", ["cola-330", 0.9])
      .step(349.2)
      .hold(800)
      .see("in", ["soap", 0.9])
      .step(412)
      .hold(800)
      .step(-412)
      .hold(800);
    const { events } = run(tl.events);
    expect(of(events, "ItemRemoved")).toMatchObject([{ sku: "soap", qty: 1 }]);
    expect(basketOf(events).net).toEqual({ "cola-330": 1 });
  });

  it("does not remove a product that is not in the basket", () => {
    const tl = shopping()
      .see("in", ["cola-330", 0.9])
      .step(349.2)
      .hold(800)
      .see("in", ["soap", 0.9])
      .step(412)
      .hold(800)
      .see("out", ["water-500", 0.9])
      .step(-538)
      .hold(800)
      .end();
    const { events } = run(tl.events);
    expect(of(events, "ItemRemoved")).toHaveLength(0);
    expect(basketOf(events).net).toEqual({ "cola-330": 1, soap: 1 });
    // something left the cart that nothing explains: a person looks at it
    expect(of(events, "ReviewRequested").length).toBeGreaterThanOrEqual(1);
  });

  it("weighs produce keyed by PLU", () => {
    const tl = shopping().plu("4011").hold(2000).see("in", ["banana", 0.7]).step(612).hold(800);
    const added = of(run(tl.events).events, "ItemAdded");
    expect(added).toHaveLength(1);
    expect(added[0]).toMatchObject({ sku: "banana", status: "ok" });
    expect(added[0].grams!).toBeGreaterThan(607);
    expect(added[0].grams!).toBeLessThan(617);
    expect(added[0].evidence.plu).toMatchObject([{ plu: "4011", sku: "banana" }]);
  });

  it("the scan of the next item does not answer an open question its weight does not explain", () => {
    // an unseen 412 g load raises "please scan it"; the shopper scans the next item (a cola)
    // before putting it in: "cola + 63 g unidentified" fits, and used to answer the question —
    // the cola then charged twice and the soap not at all
    const tl = shopping().step(412).hold(800);
    const first = run(tl.events);
    expect(of(first.events, "PromptRaised")).toHaveLength(1);
    tl.hold(3000).scan(COLA_GTIN).hold(1500).see("in", ["cola-330", 0.9]).step(349.2).hold(800).end();
    const { events } = run(tl.events);
    expect(basketOf(events).net).toEqual({ soap: 1, "cola-330": 1 });
    expect(of(events, "PromptClosed")).toMatchObject([{ outcome: "expired" }]);
    expect(of(events, "ReviewRequested")).toHaveLength(1);
  });

  it("a faint sighting does not vouch for its top's unlisted look-alike", () => {
    // a hand with a bag seen as "Sea Salt Chips 0.20", and a weight that fits the vinegar ones
    const tl = shopping(2).see("in", ["chips-salt", 0.2]).step(161).hold(800).end();
    const { events } = run(tl.events, { acceptThreshold: 0.9 });
    expect(of(events, "ItemAdded").every((a) => a.status === "unsure")).toBe(true);
    expect(of(events, "PromptRaised")).toHaveLength(1);
  });

  it("a PLU keyed just after weighing is that line's code, not evidence for the next change", () => {
    // weigh (the camera knows the bananas), key the code, then an unseen 412 g load: before, the
    // code made that load "Bananas 412 g", charged by the gram without a question
    const tl = shopping()
      .see("in", ["banana", 0.9])
      .step(612)
      .hold(3000)
      .plu("4011")
      .hold(8000)
      .step(412)
      .hold(800)
      .end();
    const { events } = run(tl.events);
    const added = of(events, "ItemAdded");
    expect(added[0]).toMatchObject({ sku: "banana", status: "ok" });
    expect(added.filter((a) => a.sku === "banana")).toHaveLength(1);
    expect(added.filter((a) => a.status === "ok")).toHaveLength(1);
  });

  it("a weighed line takes its settling tail: produce is charged by the gram", () => {
    // the detector commits with a few grams still to come; for a unit that is noise, for
    // produce it is money (the hard mix's weighed lines came out 5–8 g light)
    const tl = shopping().plu("4011").hold(2000).see("in", ["banana", 0.9]).step(612).hold(600);
    tl.step(7).hold(800).end();
    const { events, fusion } = run(tl.events);
    expect(fusion.counters.signal?.["settling-tail"]).toBe(1);
    const revised = of(events, "LineRevised");
    expect(revised).toMatchObject([{ sku: "banana", by: "fusion", status: "ok" }]);
    expect(revised[0].grams!).toBeGreaterThan(614);
    expect(basketOf(events).net.banana).toBe(revised[0].grams);
  });

  it("a weighed line takes creep too small to be a change of its own", () => {
    const tl = shopping().plu("4011").hold(2000).see("in", ["banana", 0.9]).step(612).hold(600);
    tl.step(3.5).hold(4000).end();
    const { events } = run(tl.events);
    const revised = of(events, "LineRevised");
    expect(revised).toMatchObject([{ sku: "banana", by: "fusion" }]);
    expect(revised[0].grams!).toBeGreaterThan(613.5);
    expect(revised[0].grams!).toBeLessThan(617.5);
  });

  it("a PLU keyed before weighing beats the camera's produce look-alike (decision 0135)", () => {
    // the shopper keys organic bananas, the camera takes them for plain ones at 0.8 and lists
    // organic second: with the unused code priced as an unused scan (0.02) organic came out
    // near 0.9 and the shopper was asked to choose between what they keyed and the camera's guess
    const catalog = organicBananaCatalog();
    const keyedThenSeen = () =>
      shopping()
        .plu("94011")
        .hold(2000)
        .see("in", ["banana", 0.8], ["banana-organic", 0.12])
        .step(612)
        .hold(800)
        .end();
    const fusionWith = (cfg?: Partial<FusionConfig>) =>
      createCartFusion({ catalog, ids: sequentialIds(), store: STORE, cart: CART, config: cfg });
    const { events } = run(keyedThenSeen().events, undefined, fusionWith());
    expect(of(events, "ItemAdded")).toMatchObject([{ sku: "banana-organic", status: "ok" }]);
    expect(of(events, "PromptRaised")).toHaveLength(0);
    // priced as an unused scan, the camera's look-alike still holds enough to ask
    const old = run(keyedThenSeen().events, undefined, fusionWith({ pluLookalikeUnusedP: 0.02 })).events;
    expect(of(old, "PromptRaised")).toHaveLength(1);
  });

  it("a PLU keyed just after weighing corrects the camera's produce look-alike", () => {
    const fusion = createCartFusion({
      catalog: organicBananaCatalog(),
      ids: sequentialIds(),
      store: STORE,
      cart: CART,
    });
    const tl = shopping().see("in", ["banana", 0.9]).step(612).hold(3000).plu("94011").hold(500).end();
    const { events } = run(tl.events, undefined, fusion);
    expect(of(events, "LineRevised")).toMatchObject([{ sku: "banana-organic", status: "ok", by: "shopper" }]);
    expect(Object.keys(basketOf(events).net)).toEqual(["banana-organic"]);
  });

  it("weighs a deli pack by its weight-embedded GS1 label", () => {
    const label = makeVariableMeasureCode("23", "04555", 250);
    const tl = shopping().scan(label).hold(1000).step(252).hold(800);
    const added = of(run(tl.events).events, "ItemAdded");
    expect(added).toHaveLength(1);
    expect(added[0]).toMatchObject({ sku: "ham", status: "ok" });
    expect(added[0].grams!).toBeCloseTo(252, -1);
    expect(added[0].evidence.scans[0]).toMatchObject({ sku: "ham", grams: 250 });
  });

  it("treats a bag with no sighting of merchandise as not merchandise, in and out", () => {
    const tl = shopping().see("in").step(46).hold(800).step(-46).hold(800).end();
    const { events, fusion } = run(tl.events);
    expect(events.filter((e) => e.type !== "ReviewRequested")).toEqual([]);
    expect(of(events, "ReviewRequested")).toEqual([]);
    expect(fusion.counters.signal).toMatchObject({ "foreign-added": 1, "foreign-removed": 1 });
  });

  it("ignores a coat whose sighting matches no product weight", () => {
    const tl = shopping().see("in", ["cola-330", 0.3]).step(900).hold(800);
    const { events } = run(tl.events);
    expect(of(events, "ItemAdded")).toEqual([]);
  });

  it("asks rather than charges when only a faint sighting and a fitting weight speak for a product", () => {
    // a personal item that happens to weigh like two yogurts, with the camera guessing 0.24
    const tl = shopping().see("in", ["yogurt", 0.24]).step(326).hold(800);
    const added = of(run(tl.events).events, "ItemAdded");
    expect(added.filter((e) => e.status === "ok")).toEqual([]);
  });

  it("ignores a lean or a bump that comes back", () => {
    const tl = shopping()
      .transient(3000, 700)
      .hold(600)
      .transient(-30, 150)
      .hold(600)
      .move(2000)
      .hold(800)
      .end();
    const { events, fusion } = run(tl.events);
    expect(events).toEqual([]);
    expect(fusion.counters.changes).toBe(0);
    expect(fusion.counters.signal!.transients).toBeGreaterThanOrEqual(2);
  });

  it("does not turn slow drift into phantom items", () => {
    const tl = shopping().setDrift(0.4).hold(60_000).see("in", ["cola-330", 0.9]).step(349.2).hold(800).end();
    const { events, fusion } = run(tl.events);
    expect(fusion.counters.changes).toBe(1);
    expect(of(events, "ItemAdded")).toMatchObject([{ sku: "cola-330", qty: 1, status: "ok" }]);
  });

  it("separates an item still swinging when the next lands, or explains both together", () => {
    const tl = shopping()
      .see("in", ["cola-330", 0.9])
      .step(349.2, 120, 0.5)
      .see("in", ["yogurt", 0.85])
      .step(163, 500, 0.5)
      .hold(800);
    const { events } = run(tl.events);
    expect(basketOf(events)).toEqual({ net: { "cola-330": 1, yogurt: 1 }, unsure: [] });
  });
});

describe("cart fusion: scans", () => {
  it("a scan is identity, the weight confirms it", () => {
    const tl = shopping().scan(COLA_GTIN).hold(3000).step(349.2).hold(800);
    const added = of(run(tl.events).events, "ItemAdded");
    expect(added).toMatchObject([{ sku: "cola-330", qty: 1, status: "ok" }]);
    expect(added[0].evidence.scans).toMatchObject([{ code: COLA_GTIN, sku: "cola-330" }]);
  });

  it("a scanned cheap item with an expensive one beside it is not silently accepted", () => {
    const tl = shopping()
      .scan(COLA_GTIN)
      .hold(2000)
      .step(349.2 + 1180)
      .hold(800)
      .end();
    const { events } = run(tl.events);
    const raised = of(events, "PromptRaised");
    expect(raised.length).toBeGreaterThanOrEqual(1);
    expect(raised[0].prompt.kind).toBe("scan");
    // the cola is charged; the rest goes to a person unless the shopper scans it
    expect(basketOf(events).net).toEqual({ "cola-330": 1 });
    expect(of(events, "ReviewRequested").length).toBeGreaterThanOrEqual(1);
  });

  // the scanned cola keeps 0.963 ("not merchandise, the scan is for a later item" 3.6 %; 0.93 when
  // extraProductPrior was 0.3, decision 0132): at 0.97 it is unsure, as the next two tests need;
  // the screen used to ask for a scan of the cola as well as of the rest
  const colaAndMore = () =>
    shopping()
      .scan(COLA_GTIN)
      .hold(2000)
      .step(349.2 + 1180)
      .hold(800);

  it.each([0.9, 0.95])("the rest, once scanned, is added (threshold %s)", (acceptThreshold) => {
    const tl = colaAndMore().scan(WHISKY_GTIN).hold(200).end();
    const { events } = run(tl.events, { acceptThreshold });
    expect(of(events, "PromptRaised")).toHaveLength(1);
    expect(basketOf(events)).toEqual({ net: { "cola-330": 1, "whisky-700": 1 }, unsure: [] });
    expect(of(events, "PromptClosed")).toMatchObject([{ outcome: "answered", sku: "whisky-700" }]);
    expect(of(events, "ReviewRequested")).toEqual([]);
  });

  it("a scanned item doubted only for the rest: one question, and 'nothing else' settles both", () => {
    // 0.97, not 0.95: under the prior 0.6 "cola + something else" is likelier, and at 0.95 the cola
    // is no longer doubted (next test); the doubted line is what is under test
    const first = run(colaAndMore().events, { acceptThreshold: 0.97 });
    const raised = of(first.events, "PromptRaised");
    expect(raised).toHaveLength(1);
    expect(raised[0].prompt.text).toMatch(/^Something else \(about 1180 g\) went in with Cola 330 ml/);
    const tl = colaAndMore().answer(raised[0].prompt.id, { choice: "no" }).hold(200).end();
    const { events } = run(tl.events, { acceptThreshold: 0.97 });
    expect(basketOf(events)).toEqual({ net: { "cola-330": 1 }, unsure: [] });
    expect(of(events, "LineRevised")).toMatchObject([{ sku: "cola-330", status: "ok", by: "shopper" }]);
    expect(of(events, "ReviewRequested")).toEqual([]);
  });

  it("unanswered, the question about the rest takes the doubted scanned line to review with it", () => {
    // (0.97: the cola doubted, as above)
    const { events } = run(colaAndMore().end().events, { acceptThreshold: 0.97 });
    const added = of(events, "ItemAdded");
    expect(added).toMatchObject([{ sku: "cola-330", status: "unsure" }]);
    expect(of(events, "ReviewRequested")).toMatchObject([{ lineIds: [added[0].lineId] }]);
    // at 0.95 the scan and its exact 349 g carry the cola (0.963): charged, and only the rest
    // goes to a person — right, the cola was scanned into this very change
    const at95 = run(colaAndMore().end().events, { acceptThreshold: 0.95 }).events;
    expect(of(at95, "ItemAdded")).toMatchObject([{ sku: "cola-330", status: "ok" }]);
    expect(of(at95, "ReviewRequested")).toMatchObject([{ lineIds: [] }]);
  });
});

describe("cart fusion: each sighting is one crossing, each read one unit", () => {
  const CHIPS_GTIN = "00000000000062";

  it("three clear sightings of one product and the weight of three: three units, no question", () => {
    // before, one unit of it explained all three sightings, so "2 × Sea Salt + 1 × Salt & Vinegar
    // (its look-alike of the same weight, which nobody saw)" kept 6 % and the screen asked
    const tl = shopping(4)
      .see("in", ["chips-salt", 0.9])
      .hold(100)
      .see("in", ["chips-salt", 0.9])
      .hold(100)
      .see("in", ["chips-salt", 0.88])
      .step(3 * 160)
      .hold(800)
      .end();
    const { events } = run(tl.events);
    expect(of(events, "ItemAdded")).toMatchObject([{ sku: "chips-salt", qty: 3, status: "ok" }]);
    expect(of(events, "PromptRaised")).toEqual([]);
  });

  it("four scans of a product and the weight of four: four units, no question", () => {
    let tl = shopping(4);
    for (let i = 0; i < 4; i++) tl = tl.scan(CHIPS_GTIN).hold(800);
    tl = tl
      .see("in", ["chips-salt", 0.8])
      .step(4 * 160)
      .hold(800)
      .end();
    const { events } = run(tl.events);
    expect(of(events, "ItemAdded")).toMatchObject([{ sku: "chips-salt", qty: 4, status: "ok" }]);
    expect(of(events, "PromptRaised")).toEqual([]);
  });

  it("a sighting beyond the change's units is left for the next change (one after another)", () => {
    // the second bag of chips crosses the rim before the first has settled on the scale: its
    // sighting belongs to the next change, which used to come out unseen (weight only, asked)
    const tl = shopping(4)
      .see("in", ["chips-salt", 0.9])
      .step(160)
      .see("in", ["chips-salt", 0.92])
      .hold(1500)
      .step(160)
      .hold(800)
      .end();
    const { events } = run(tl.events);
    expect(of(events, "ItemAdded")).toMatchObject([
      { sku: "chips-salt", qty: 1, status: "ok" },
      { sku: "chips-salt", qty: 1, status: "ok" },
    ]);
    expect(of(events, "ItemAdded")[1].evidence.vision).toHaveLength(1);
    expect(of(events, "PromptRaised")).toEqual([]);
  });

  it("a double read (the same code again within scanRepeatMs) is one read", () => {
    const tl = shopping(4).scan(COLA_GTIN).hold(80).scan(COLA_GTIN).hold(2000).step(349.2).hold(800).end();
    const { events, fusion } = run(tl.events);
    expect(of(events, "ItemAdded")).toMatchObject([{ sku: "cola-330", qty: 1, status: "ok" }]);
    expect(of(events, "ItemAdded")[0].evidence.scans).toHaveLength(1);
    expect(fusion.counters.dropped!["double-read"]).toBe(1);
  });

  it("answering with a product already scanned with the change does not count it twice", () => {
    // whisky and gum scanned, dropped together; 14 g over one gum: one gum or two? The shopper
    // answers "gum" — that names it, it is no second read of it
    const first = shopping(4)
      .scan(WHISKY_GTIN)
      .hold(800)
      .scan("00000000000055")
      .hold(800)
      .step(1180 + 28 + 14)
      .hold(800);
    const raised = of(run(first.events).events, "PromptRaised");
    expect(raised).toHaveLength(1);
    const tl = first.hold(2000).answer(raised[0].prompt.id, { sku: "gum" }).hold(200).end();
    const { events } = run(tl.events);
    expect(basketOf(events).net).toEqual({ gum: 1, "whisky-700": 1 });
  });
});

describe("cart fusion: prompts and review", () => {
  const chips = () =>
    shopping(7).see("in", ["chips-salt", 0.7], ["chips-vinegar", 0.25]).step(160.5).hold(800);

  it("look-alikes raise a choose prompt with the best guess as an unsure line", () => {
    const { events, fusion } = run(chips().events);
    const added = of(events, "ItemAdded");
    expect(added).toHaveLength(1);
    expect(added[0].status).toBe("unsure");
    const raised = of(events, "PromptRaised");
    expect(raised).toHaveLength(1);
    expect(raised[0].prompt).toMatchObject({ kind: "choose", lineIds: [added[0].lineId] });
    expect(raised[0].prompt.options!.map((o) => o.sku).sort()).toEqual(["chips-salt", "chips-vinegar"]);
    expect(fusion.counters.prompts).toBe(1);
  });

  it("the shopper's answer revises the line and closes the prompt", () => {
    const tl = chips();
    const first = run(tl.events);
    const prompt = of(first.events, "PromptRaised")[0].prompt;
    tl.answer(prompt.id, { sku: "chips-vinegar" }).hold(200).end();
    const { events } = run(tl.events);
    const revised = of(events, "LineRevised");
    expect(revised).toMatchObject([
      { lineId: prompt.lineIds[0], sku: "chips-vinegar", qty: 1, status: "ok", by: "shopper" },
    ]);
    expect(of(events, "PromptClosed")).toMatchObject([{ promptId: prompt.id, outcome: "answered" }]);
    expect(of(events, "ReviewRequested")).toEqual([]);
    expect(basketOf(events)).toEqual({ net: { "chips-vinegar": 1 }, unsure: [] });
  });

  it.each([{ sku: "cola-330" }, { choice: "no" }])(
    "an answer about a line whose item was taken out since goes to review, never below zero (%o)",
    (answer) => {
      // found by the property test (seed 1929069446): unseen chips in, the same weight out (the
      // removal takes the guessed line's product), then "it was a cola": the basket read −1 chips
      const tl = new Timeline(1).hold(800).start().hold(500).step(160).hold(500).step(-160).hold(500);
      tl.answer("prompt_0001", answer).hold(600).end();
      const { events } = run(tl.events);
      const b = basketOf(events);
      for (const v of Object.values(b.net)) expect(v).toBeGreaterThanOrEqual(0);
      expect(of(events, "ReviewRequested")).toHaveLength(1);
      expect(of(events, "ReviewRequested")[0].lineIds).toEqual(
        of(events, "ItemAdded")
          .slice(0, 1)
          .map((a) => a.lineId),
      );
    },
  );

  it("an unanswered prompt becomes a review case at session end, in the session.end result", () => {
    const tl = chips().end();
    const { results, fusion } = run(tl.events);
    const last = results[results.length - 1];
    expect(last.outcome).toBe("accepted");
    const review = of(last.events, "ReviewRequested");
    expect(review).toHaveLength(1);
    expect(review[0]).toMatchObject({ kind: "uncertain", lineIds: ["line_0001"], caseId: "case_0001" });
    expect(review[0].reason).toContain("choose");
    expect(of(last.events, "PromptClosed")).toMatchObject([{ outcome: "expired" }]);
    expect(fusion.counters.reviews).toBe(1);
  });

  it("an uncertain removal asks to confirm it; 'no' voids the removal line", () => {
    const tl = shopping(3)
      .see("in", ["chips-salt", 0.95])
      .step(160)
      .hold(800)
      .see("in", ["chips-vinegar", 0.95])
      .step(161)
      .hold(800)
      .step(-160.5)
      .hold(800);
    const first = run(tl.events);
    const removed = of(first.events, "ItemRemoved");
    expect(removed).toHaveLength(1);
    expect(removed[0].status).toBe("unsure");
    const prompt = of(first.events, "PromptRaised")[0].prompt;
    expect(prompt.kind).toBe("confirm-removal");
    tl.answer(prompt.id, { choice: "no" }).hold(100);
    const { events } = run(tl.events);
    expect(of(events, "LineVoided")).toMatchObject([{ lineId: removed[0].lineId, by: "shopper" }]);
    expect(basketOf(events).net).toEqual({ "chips-salt": 1, "chips-vinegar": 1 });
  });

  it("an uncertain removal is settled by naming what was taken out", () => {
    const tl = shopping(3)
      .see("in", ["chips-salt", 0.95])
      .step(160)
      .hold(800)
      .see("in", ["chips-vinegar", 0.95])
      .step(161)
      .hold(800)
      .step(-160.5)
      .hold(800);
    const first = run(tl.events);
    const prompt = of(first.events, "PromptRaised")[0].prompt;
    tl.answer(prompt.id, { sku: "chips-salt" }).hold(100).end();
    const { events } = run(tl.events);
    expect(basketOf(events)).toEqual({ net: { "chips-vinegar": 1 }, unsure: [] });
  });

  // The PLU path, at extraProductPrior 0.3: at the default 0.6 the code's answer is re-explained
  // as "1 × cola + 263 g bananas" (0.57 against bananas alone 0.39), so the cola stays an unsure
  // line for review (the test after next); at 0.3 bananas alone lead and nothing is left to review
  const pluPath = { acceptThreshold: 0.99, extraProductPrior: 0.3 };

  it("produce seen but with no PLU among look-alike produce asks for the PLU, and the PLU answers", () => {
    const tl = shopping().see("in", ["banana", 0.4], ["cola-330", 0.3]).step(612).hold(800);
    const first = run(tl.events, pluPath);
    const raised = of(first.events, "PromptRaised");
    expect(raised).toHaveLength(1);
    expect(raised[0].prompt.kind).toBe("plu");
    tl.plu("4011").hold(100).end();
    const { events } = run(tl.events, pluPath);
    const b = basketOf(events);
    expect(Object.keys(b.net)).toEqual(["banana"]);
    expect(b.unsure).toEqual([]);
    expect(of(events, "ReviewRequested")).toEqual([]);
  });

  it("a keyed code that reaches the server a moment after later scale samples still answers", () => {
    // the cart screen and the sensors publish on different connections: the tap (stamped at
    // `keyedAt`) can arrive after samples stamped up to a second later
    const tl = shopping().see("in", ["banana", 0.4], ["cola-330", 0.3]).step(612).hold(800);
    const keyedAt = tl.t;
    tl.hold(1000);
    const late = { v: 1, t: keyedAt, type: "plu", store: STORE, cart: CART, plu: "4011" } as CartEvent;
    const fusion = newFusion(pluPath);
    const first = run(tl.events, undefined, fusion);
    expect(of(first.events, "PromptRaised")[0].prompt.kind).toBe("plu");
    const answered = fusion.ingest(late);
    expect(answered.outcome).toBe("accepted");
    const rest = run(tl.hold(200).end().events.slice(first.results.length), undefined, fusion);
    const b = basketOf([...first.events, ...answered.events, ...rest.events]);
    expect(b).toEqual({ net: { banana: b.net.banana }, unsure: [] });
    expect(fusion.counters.signal?.["late-shopper-input"]).toBe(1);
  });

  // An answer names one product: the explanations with it in, renormalised, decide the rest of
  // the likeliest one; what is not sure given the answer stays unsure and goes to review. (Until
  // session 8 the whole explanation was committed as the shopper's: "1 × cola + 263 g bananas",
  // 0.57 at the default prior, charged for code 4011 though nobody named the cola.)
  it("a keyed code does not confirm another product the camera barely suggested (default prior)", () => {
    const tl = shopping().see("in", ["banana", 0.4], ["cola-330", 0.3]).step(612).hold(800);
    const first = run(tl.events, { acceptThreshold: 0.99 });
    expect(of(first.events, "PromptRaised")[0].prompt.kind).toBe("plu");
    tl.plu("4011").hold(100).end();
    const { events } = run(tl.events, { acceptThreshold: 0.99 });
    expect(Object.keys(chargedOk(events))).toEqual(["banana"]);
    // ... nor drops it: the cola stays an unsure line, with its posterior given the code, for review
    const cola = linesOf(events).filter((l) => l.sku === "cola-330");
    expect(cola).toMatchObject([{ status: "unsure" }]);
    expect(cola[0].confidence).toBeGreaterThan(0.5);
    expect(cola[0].confidence).toBeLessThan(0.99);
    const reviews = of(events, "ReviewRequested");
    expect(reviews).toHaveLength(1);
    expect(reviews[0].lineIds).toEqual([cola[0].lineId]);
  });

  it("... and a product the camera clearly saw beside the keyed produce is charged with it", () => {
    // cola 0.9 in the sighting, 349 g + 250 g: given bananas, "cola + 250 g bananas" is sure
    const tl = shopping()
      .see("in", ["banana", 0.4], ["cola-330", 0.9])
      .step(349.2 + 250)
      .hold(800);
    const first = run(tl.events);
    expect(of(first.events, "PromptRaised")[0].prompt.kind).toBe("plu");
    tl.plu("4011").hold(100).end();
    const { events } = run(tl.events);
    expect(chargedOk(events)).toEqual({ "cola-330": 1, banana: expect.closeTo(250, 0) });
    expect(basketOf(events).unsure).toEqual([]);
    expect(of(events, "ReviewRequested")).toEqual([]);
  });

  it("'not merchandise' for a line beside keyed produce leaves the produce's weight to review", () => {
    // 1,249 g with bananas keyed and a cola seen at 0.71: "cola + 900 g bananas", asked about the
    // cola; "not merchandise" cannot say whether its 349 g was a bag or more bananas
    const tl = shopping()
      .plu("4011")
      .hold(2000)
      .see("in", ["cola-330", 0.71])
      .step(349.2 + 900)
      .hold(800);
    const first = run(tl.events);
    const prompt = of(first.events, "PromptRaised")[0].prompt;
    expect(prompt.lineIds).toHaveLength(1);
    tl.answer(prompt.id, { choice: "not-merchandise" }).hold(200).end();
    const { events } = run(tl.events);
    expect(chargedOk(events)).toEqual({ banana: expect.closeTo(900, 0) });
    expect(of(events, "ReviewRequested")).toMatchObject([
      { reason: expect.stringMatching(/beside a weighed product/) },
    ]);
  });

  it("a product picked on the screen does not confirm another the weight merely allows", () => {
    // two bags of chips' weight, salt 0.5 / vinegar 0.4 in one sighting; the shopper picks salt:
    // "salt + vinegar" is the likeliest with salt in, but "2 × salt" is not far behind
    const tl = shopping(7).see("in", ["chips-salt", 0.5], ["chips-vinegar", 0.4]).step(321).hold(800);
    const first = run(tl.events);
    const prompt = of(first.events, "PromptRaised")[0].prompt;
    expect(prompt.kind).toBe("choose");
    tl.answer(prompt.id, { sku: "chips-salt" }).hold(200).end();
    const { events } = run(tl.events);
    expect(chargedOk(events)).toEqual({ "chips-salt": 1 });
    const vinegar = linesOf(events).filter((l) => l.sku === "chips-vinegar");
    expect(vinegar).toMatchObject([{ status: "unsure" }]);
    expect(of(events, "ReviewRequested")).toMatchObject([{ lineIds: [vinegar[0].lineId] }]);
  });

  it("a scan that answers a choice does not confirm the other product of the explanation", () => {
    // cola 0.3 and chips 0.2 seen apart, both weights: the screen offers vinegar chips or cola;
    // the shopper scans the cola, and which chips went with it is still open (salt or vinegar)
    const tl = shopping(7)
      .see("in", ["cola-330", 0.3])
      .see("in", ["chips-salt", 0.2])
      .step(349.2 + 160)
      .hold(800);
    const first = run(tl.events);
    const prompt = of(first.events, "PromptRaised")[0].prompt;
    expect(prompt.kind).toBe("choose");
    tl.scan(COLA_GTIN).hold(200).end();
    const { events } = run(tl.events);
    expect(of(events, "PromptClosed")).toMatchObject([
      { promptId: prompt.id, outcome: "answered", sku: "cola-330" },
    ]);
    expect(chargedOk(events)).toEqual({ "cola-330": 1 });
    const chips = linesOf(events).filter((l) => l.sku !== "cola-330");
    expect(chips).toMatchObject([{ status: "unsure" }]);
    expect(of(events, "ReviewRequested")).toMatchObject([{ lineIds: [chips[0].lineId] }]);
  });

  it("a shopper input later than the tolerance, and a late scale sample, are refused as out of order", () => {
    const tl = shopping().hold(3000);
    const fusion = newFusion();
    run(tl.events, undefined, fusion);
    const base = { v: 1 as const, store: STORE, cart: CART };
    expect(fusion.ingest({ ...base, t: tl.t - 2500, type: "plu", plu: "4011" })).toMatchObject({
      outcome: "rejected",
      reason: "out-of-order",
    });
    expect(fusion.ingest({ ...base, t: tl.t - 500, type: "weight", grams: 0 })).toMatchObject({
      outcome: "rejected",
      reason: "out-of-order",
    });
  });

  it("once another change has been decided, a plain scan is the next item's, not a late answer", () => {
    // a cola the camera missed is asked about; the shopper drops soap, then scans a cola and
    // drops it: that scan is for the new cola (scan, then drop), not the old question's answer
    const tl = shopping(6)
      .step(349.2)
      .hold(1500)
      .see("in", ["soap", 0.9])
      .step(412)
      .hold(1500)
      .scan(COLA_GTIN)
      .hold(2000)
      .step(349.2)
      .hold(800)
      .end();
    const { events } = run(tl.events);
    const raised = of(events, "PromptRaised");
    expect(raised).toHaveLength(1);
    expect(of(events, "PromptClosed")).toMatchObject([{ promptId: raised[0].prompt.id, outcome: "expired" }]);
    const added = of(events, "ItemAdded");
    expect(added.at(-1)).toMatchObject({ sku: "cola-330", qty: 1, status: "ok" });
    expect(added.at(-1)!.evidence.scans).toHaveLength(1);
  });

  it("... and a scan no later change uses is the late answer after all", () => {
    const tl = shopping(6)
      .step(349.2)
      .hold(1500)
      .see("in", ["soap", 0.9])
      .step(412)
      .hold(1500)
      .scan(COLA_GTIN)
      .hold(2000)
      .end();
    const { events } = run(tl.events);
    expect(of(events, "PromptClosed")).toMatchObject([{ outcome: "answered", sku: "cola-330" }]);
    expect(basketOf(events)).toEqual({ net: { "cola-330": 1, soap: 1 }, unsure: [] });
    expect(of(events, "ReviewRequested")).toEqual([]);
  });

  it("a PLU keyed for the next produce does not answer an open question about a unit item", () => {
    const tl = chips().hold(2000).plu("4011").hold(1000).see("in", ["banana", 0.8]).step(700).hold(800).end();
    const { events } = run(tl.events);
    // the chips prompt stays open (and goes to review); the bananas get their own line
    expect(of(events, "LineRevised")).toEqual([]);
    const bananas = of(events, "ItemAdded").filter((e) => e.sku === "banana");
    expect(bananas).toHaveLength(1);
    expect(bananas[0].grams!).toBeGreaterThan(690);
    expect(of(events, "ReviewRequested")).toHaveLength(1);
  });

  it("a scan of a product that is not one of the options does not answer a choose prompt", () => {
    const tl = chips().scan(COLA_GTIN).hold(1000).step(349.2).hold(800);
    const { events } = run(tl.events);
    expect(of(events, "PromptClosed")).toEqual([]);
    expect(basketOf(events).net).toMatchObject({ "cola-330": 1 });
  });

  it("an item the camera missed whose weight fits a product is asked about, not ignored", () => {
    const tl = shopping().step(412).hold(800).end();
    const { events } = run(tl.events);
    const added = of(events, "ItemAdded");
    expect(added).toMatchObject([{ sku: "soap", qty: 1, status: "unsure" }]);
    expect(of(events, "PromptRaised")[0].prompt.kind).toBe("scan");
    expect(of(events, "ReviewRequested")).toHaveLength(1);
  });

  it("a sighting that shows no product makes 'not merchandise' likelier", () => {
    const foreignP = (tl: Timeline) => {
      const added = of(run(tl.events).events, "ItemAdded");
      const h = added[0]?.evidence.hypotheses.find((x) => x.label === "not merchandise");
      return { added, p: h?.posterior ?? 1 };
    };
    const unseen = foreignP(shopping().step(412).hold(800));
    const blank = foreignP(shopping().see("in").step(412).hold(800));
    expect(blank.p).toBeGreaterThan(unseen.p * 3);
    expect(blank.added.filter((e) => e.status === "ok")).toEqual([]);
  });

  it("the accept threshold is config: 0 accepts every best guess, 1 asks about everything", () => {
    const lax = run(
      shopping(7).see("in", ["chips-salt", 0.7], ["chips-vinegar", 0.25]).step(160.5).hold(800).events,
      {
        acceptThreshold: 0,
      },
    );
    expect(of(lax.events, "ItemAdded")[0].status).toBe("ok");
    expect(of(lax.events, "PromptRaised")).toEqual([]);
    const strict = run(shopping().see("in", ["cola-330", 0.99]).step(349.2).hold(800).events, {
      acceptThreshold: 1,
    });
    expect(of(strict.events, "ItemAdded")[0].status).toBe("unsure");
    expect(of(strict.events, "PromptRaised")).toHaveLength(1);
  });
});

describe("cart fusion: bad input is a typed outcome and a counter, never a throw", () => {
  const base = { v: 1 as const, store: STORE, cart: CART };
  const open = () => {
    const f = newFusion();
    f.ingest({ ...base, t: 1000, type: "session.start", session: "s-1" });
    return f;
  };

  it("rejects another cart's events", () => {
    const f = newFusion();
    const r = f.ingest({ ...base, cart: "c-2", t: 1, type: "weight", grams: 1 });
    expect(r).toMatchObject({ outcome: "rejected", reason: "wrong-cart", events: [] });
    expect(f.counters.rejected["wrong-cart"]).toBe(1);
  });

  it("rejects a duplicate id, a duplicate sample time and an out-of-order event", () => {
    const f = open();
    expect(f.ingest({ ...base, id: "a", t: 2000, type: "weight", grams: 5 }).outcome).toBe("accepted");
    expect(f.ingest({ ...base, id: "a", t: 2001, type: "weight", grams: 5 })).toMatchObject({
      reason: "duplicate",
    });
    expect(f.ingest({ ...base, t: 2000, type: "weight", grams: 5 })).toMatchObject({ reason: "duplicate" });
    expect(f.ingest({ ...base, t: 1500, type: "weight", grams: 5 })).toMatchObject({
      reason: "out-of-order",
    });
    expect(f.counters.rejected).toEqual({ duplicate: 2, "out-of-order": 1 });
  });

  it("rejects absurd samples: NaN, negative beyond tare tolerance, 1000 kg and more", () => {
    const f = open();
    for (const [i, g] of [Number.NaN, -51, 1_000_000, 5e9, Number.POSITIVE_INFINITY].entries()) {
      expect(f.ingest({ ...base, t: 2000 + i, type: "weight", grams: g })).toMatchObject({
        outcome: "rejected",
        reason: "bad-value",
      });
    }
    expect(f.ingest({ ...base, t: 3000, type: "weight", grams: -49 }).outcome).toBe("accepted");
    expect(f.counters.rejected["bad-value"]).toBe(5);
  });

  it("accepts a batch with its bad samples dropped and counted", () => {
    const f = open();
    const r = f.ingest({ ...base, t: 2000, type: "weight", grams: [1, Number.NaN, 2, -500, 3], hz: 50 });
    expect(r.outcome).toBe("accepted");
    expect(r.detail).toContain("dropped 2");
    expect(f.counters.dropped!["bad-sample"]).toBe(2);
    expect(f.ingest({ ...base, t: 2001, type: "weight", grams: [1, 2], hz: 0 })).toMatchObject({
      reason: "bad-value",
    });
    expect(f.ingest({ ...base, t: 2002, type: "weight", grams: [], hz: 50 })).toMatchObject({
      reason: "bad-value",
    });
  });

  it("drops overlapping samples of a re-sent batch", () => {
    const f = open();
    f.ingest({ ...base, t: 2000, type: "weight", grams: [1, 2, 3, 4], hz: 50 });
    const again = f.ingest({ ...base, t: 2000, type: "weight", grams: [1, 2, 3, 4], hz: 50 });
    expect(again).toMatchObject({ outcome: "rejected", reason: "duplicate" });
    const partly = f.ingest({ ...base, t: 2040, type: "weight", grams: [3, 4, 5, 6], hz: 50 });
    expect(partly.outcome).toBe("accepted");
    expect(f.counters.dropped!["overlapping-sample"]).toBe(2);
  });

  it("drops unknown products among camera candidates and counts them", () => {
    const f = open();
    const r = f.ingest({
      ...base,
      t: 2000,
      type: "vision",
      dir: "in",
      candidates: [
        { sku: "nope", p: 0.9 },
        { sku: "cola-330", p: 0.5 },
        { sku: "cola-330", p: Number.NaN },
      ],
    });
    expect(r.outcome).toBe("accepted");
    expect(f.counters.dropped).toMatchObject({ "unknown-candidate": 1, "bad-candidate": 1 });
  });

  it("rejects sensor events for a session that is not open, and a second session.start", () => {
    const f = newFusion();
    expect(f.ingest({ ...base, t: 1, type: "vision", dir: "in", candidates: [] })).toMatchObject({
      reason: "no-open-session",
    });
    expect(f.ingest({ ...base, t: 2, type: "barcode", code: COLA_GTIN })).toMatchObject({
      reason: "no-open-session",
    });
    expect(f.ingest({ ...base, t: 3, type: "session.end" })).toMatchObject({ reason: "no-open-session" });
    expect(f.ingest({ ...base, t: 4, type: "weight", grams: 10 }).outcome).toBe("accepted");
    f.ingest({ ...base, t: 5, type: "session.start", session: "s-1" });
    expect(f.ingest({ ...base, t: 6, type: "session.start", session: "s-2" })).toMatchObject({
      reason: "session-already-open",
    });
  });

  it("rejects answers to unknown prompts, unknown products, bad barcodes and PLUs", () => {
    const f = open();
    expect(
      f.ingest({ ...base, t: 2000, type: "answer", prompt: "prompt_9999", sku: "cola-330" }),
    ).toMatchObject({
      reason: "unknown-prompt",
    });
    expect(f.ingest({ ...base, t: 2001, type: "barcode", code: "5449000000997" })).toMatchObject({
      reason: "bad-value",
    });
    expect(f.ingest({ ...base, t: 2002, type: "barcode", code: "00000000000048" })).toMatchObject({
      reason: "unknown-product",
    });
    expect(f.ingest({ ...base, t: 2003, type: "plu", plu: "9999" })).toMatchObject({
      reason: "unknown-product",
    });
    expect(f.ingest({ ...base, t: 2004, type: "plu", plu: "banana" })).toMatchObject({ reason: "bad-value" });
    expect(f.counters.rejected).toEqual({ "unknown-prompt": 1, "bad-value": 2, "unknown-product": 2 });
  });

  it("restarts the window after a gap in the samples, without a phantom change", () => {
    const tl = shopping().hold(500);
    tl.t += 10_000;
    tl.hold(1000).end();
    const { events, fusion } = run(tl.events);
    expect(events).toEqual([]);
    expect(fusion.counters.signal!.gap).toBe(1);
  });

  it("tracks the load between sessions but emits nothing for it", () => {
    const tl = new Timeline(5)
      .hold(800)
      .step(349.2)
      .hold(800)
      .start()
      .hold(600)
      .see("in", ["cola-330", 0.9])
      .step(349.2)
      .hold(800);
    const { events, fusion } = run(tl.events);
    expect(of(events, "ItemAdded")).toMatchObject([{ sku: "cola-330", qty: 1 }]);
    expect(fusion.counters.signal!["change-outside-session"]).toBe(1);
  });
});

describe("cart fusion: look-alikes at the same price (charge equivalence)", () => {
  // mint and lemon tea weigh the same and cost the same; a look-alike top at p 0.7 is a
  // confusion now and then, so which of the two it is stays unsure
  const tea = (seed = 3) =>
    shopping(seed).see("in", ["tea-mint", 0.7], ["tea-lemon", 0.25]).step(231.2).hold(800).end();

  it("charges without asking, keeps the identity's own confidence and names the alternative", () => {
    const { events } = run(tea().events);
    const added = of(events, "ItemAdded");
    expect(added).toMatchObject([{ sku: "tea-mint", qty: 1, status: "ok" }]);
    expect(added[0].confidence).toBeLessThan(0.9);
    expect(added[0].evidence.summary).toContain("identity unsure");
    expect(added[0].evidence.summary).toContain("Lemon Tea 20 bags, same charge");
    expect(of(events, "PromptRaised")).toEqual([]);
    expect(of(events, "ReviewRequested")).toEqual([]);
  });

  it("asks as before when it is off, or when a promotion makes one of them charge apart", () => {
    for (const config of [{ chargeEquivalence: false }, { chargeDistinctSkus: ["tea-lemon"] }]) {
      const { events } = run(tea().events, config);
      expect(of(events, "ItemAdded")).toMatchObject([{ sku: "tea-mint", status: "unsure" }]);
      expect(of(events, "PromptRaised")[0].prompt.kind).toBe("choose");
      expect(of(events, "ReviewRequested")).toHaveLength(1);
    }
  });

  it("never charges on equivalence what only a faint sighting or the weight speaks for", () => {
    // a bag weighing like a box of tea, seen as a hand with something the camera does not know;
    // or the camera missed it: equivalence changes nothing there
    const faint = shopping(3).see("in", ["tea-lemon", 0.2]).step(231.2).hold(800).end();
    const unseen = shopping(3).step(231.2).hold(800).end();
    for (const tl of [faint, unseen]) {
      expect(run(tl.events).events).toEqual(run(tl.events, { chargeEquivalence: false }).events);
    }
    expect(of(run(unseen.events).events, "PromptRaised")).toHaveLength(1);
  });
});

describe("cart fusion: a look-alike a confusion lists lower, at the same charge", () => {
  // std 7 s-001579: peanut M&M's (53.5 g) seen as white chocolate M&M's 0.84 (45.5 g), peanut
  // listed lower at 0.075; all four M&M's cost 1.99. The weight makes it peanut (0.90), the
  // caramel ones (unlisted) stay within 4 sd, and the camera's own share for peanut is under
  // minIdentityP: it asked "which one?" though every answer charges 1.99
  const mms = (white = 199) =>
    indexCatalog("USD", [
      ...TEST_PRODUCTS,
      unit("mm-peanut", 53.5, 0.5, 199, { lookalikes: ["mm-white", "mm-caramel", "mm-crispy"] }),
      unit("mm-white", 45.5, 1.3, white, { lookalikes: ["mm-peanut", "mm-caramel", "mm-crispy"] }),
      unit("mm-caramel", 42.7, 3.2, 199, { lookalikes: ["mm-peanut", "mm-white", "mm-crispy"] }),
      unit("mm-crispy", 41.2, 1.2, 199, { lookalikes: ["mm-peanut", "mm-white", "mm-caramel"] }),
    ]);
  const fusion = (catalog: ReturnType<typeof mms>, config?: Partial<FusionConfig>) =>
    createCartFusion({ catalog, ids: sequentialIds(), store: STORE, cart: CART, config });
  const tl = () => shopping(5).see("in", ["mm-white", 0.84], ["mm-peanut", 0.075]).step(53.7).hold(800).end();

  it("charges it unasked when the charge is sure, and names the alternatives (chargeSureIdentifies)", () => {
    const { events } = run(tl().events, undefined, fusion(mms()));
    const added = of(events, "ItemAdded");
    expect(added).toMatchObject([{ sku: "mm-peanut", qty: 1, status: "ok" }]);
    expect(added[0].evidence.summary).toContain("same charge");
    expect(of(events, "PromptRaised")).toEqual([]);
    const off = run(tl().events, undefined, fusion(mms(), { chargeSureIdentifies: false })).events;
    expect(of(off, "ItemAdded")).toMatchObject([{ sku: "mm-peanut", status: "unsure" }]);
    expect(of(off, "PromptRaised")).toHaveLength(1);
  });

  it("asks as before when the top the camera named charges apart", () => {
    const { events } = run(tl().events, undefined, fusion(mms(249)));
    expect(of(events, "ItemAdded")).toMatchObject([{ sku: "mm-peanut", status: "unsure" }]);
    expect(of(events, "PromptRaised")).toHaveLength(1);
  });
});

describe("cart fusion: merchandise the camera clearly saw, and the weight tells which", () => {
  it("accepts the product a clear sighting lists lower when only its weight fits", () => {
    // the camera took the water for a cola (p 0.74) and listed water second; 538 g is water
    const tl = shopping(5).see("in", ["cola-330", 0.74], ["water-500", 0.2]).step(538).hold(800).end();
    const { events } = run(tl.events);
    expect(of(events, "ItemAdded")).toMatchObject([{ sku: "water-500", qty: 1, status: "ok" }]);
    expect(of(events, "PromptRaised")).toEqual([]);
  });

  it("accepts the product a sighting named going out while the weight went in, when it is sure", () => {
    // the camera gets the direction wrong at times (wrongDirP prices it in the posterior): the
    // sighting still names what crossed the rim, and the weight of an addition says which way
    const tl = shopping(5).see("out", ["soap", 0.9]).step(412).hold(800).end();
    const { events } = run(tl.events);
    const added = of(events, "ItemAdded");
    expect(added).toMatchObject([{ sku: "soap", qty: 1, status: "ok" }]);
    expect(added[0].confidence).toBeGreaterThanOrEqual(0.95);
    expect(of(events, "PromptRaised")).toEqual([]);
  });

  it("takes a clear sighting going out at an addition as going in when the cart holds nothing it names", () => {
    // soap-twin weighs what soap weighs and nobody saw it; the only sighting names soap going
    // out, but no soap is in the cart to go out: it is the soap going in, the direction wrong.
    // Discounted by wrongDirP the twin the camera missed kept the soap at 0.85 and asked.
    const catalog = indexCatalog("USD", [...TEST_PRODUCTS, unit("soap-twin", 412.5, 4, 299)]);
    const fusion = (config?: Partial<FusionConfig>) =>
      createCartFusion({ catalog, ids: sequentialIds(), store: STORE, cart: CART, config });
    const tl = shopping(5).see("out", ["soap", 0.9]).step(412).hold(800).end();
    const on = run(tl.events, undefined, fusion()).events;
    expect(of(on, "ItemAdded")).toMatchObject([{ sku: "soap", qty: 1, status: "ok" }]);
    expect(of(on, "PromptRaised")).toEqual([]);
    const off = run(tl.events, undefined, fusion({ wrongWayUnheld: false })).events;
    expect(of(off, "ItemAdded")).toMatchObject([{ sku: "soap", status: "unsure" }]);
    expect(of(off, "PromptRaised")).toHaveLength(1);
  });

  it("keeps the discount on a sighting going out that names a product the cart holds", () => {
    // a soap is in the cart: the sighting may be that soap going out while another went in
    const catalog = indexCatalog("USD", [...TEST_PRODUCTS, unit("soap-twin", 412.5, 4, 299)]);
    const fusion = createCartFusion({ catalog, ids: sequentialIds(), store: STORE, cart: CART });
    const tl = shopping(5)
      .see("in", ["soap", 0.95])
      .step(412)
      .hold(1500)
      .see("out", ["soap", 0.9])
      .step(412)
      .hold(800)
      .end();
    const added = of(run(tl.events, undefined, fusion).events, "ItemAdded");
    expect(added).toHaveLength(2);
    expect(added[0]).toMatchObject({ sku: "soap", status: "ok" });
    expect(added[1]).toMatchObject({ sku: "soap", status: "unsure" });
  });

  it("a confusion that lists the product lower names it over that product's unlisted look-alike", () => {
    // the camera took the snack for a cola (0.6, a confusion) and listed snack-x second; snack-y
    // looks like snack-x and weighs the same but was not listed. A confusion that lists
    // candidates below its top lists the true product 97 % of the time (visionListedShare, fitted
    // on such sightings only): snack-x at 0.98. At 0.732 (fitted over every wrong top, those
    // listing nothing lower too) snack-y kept a quarter and the screen asked "which one?".
    const catalog = indexCatalog("USD", [
      ...TEST_PRODUCTS,
      unit("snack-x", 900, 3, 299, { lookalikes: ["snack-y"] }),
      unit("snack-y", 902, 3, 349, { lookalikes: ["snack-x"] }),
    ]);
    const fusion = (config?: Partial<FusionConfig>) =>
      createCartFusion({ catalog, ids: sequentialIds(), store: STORE, cart: CART, config });
    const tl = shopping(5).see("in", ["cola-330", 0.6], ["snack-x", 0.1]).step(900).hold(800).end();
    const on = run(tl.events, undefined, fusion()).events;
    expect(of(on, "ItemAdded")).toMatchObject([{ sku: "snack-x", qty: 1, status: "ok" }]);
    expect(of(on, "PromptRaised")).toEqual([]);
    const before = run(tl.events, undefined, fusion({ visionListedShare: 0.732 })).events;
    expect(of(before, "ItemAdded")).toMatchObject([{ sku: "snack-x", status: "unsure" }]);
    expect(of(before, "PromptRaised")).toMatchObject([{ prompt: { kind: "choose" } }]);
  });

  it("asks when a sighting going out only listed the product lower, while the weight went in", () => {
    // only the top of a sighting going out speaks for an addition: a product it listed lower is
    // seen only going in ("listed by a clear sighting")
    const tl = shopping(5).see("out", ["cola-330", 0.74], ["water-500", 0.2]).step(538).hold(800).end();
    const { events } = run(tl.events);
    expect(of(events, "ItemAdded").every((e) => e.status === "unsure")).toBe(true);
    expect(of(events, "PromptRaised")).toHaveLength(1);
  });

  it("asks when a product of that weight nobody saw fits as well as the one listed lower", () => {
    // juice weighs what water weighs: the weight cannot tell the listed water from it
    const catalog = indexCatalog("USD", [...TEST_PRODUCTS, unit("juice-500", 538.5, 2.5, 99)]);
    const fusion = createCartFusion({ catalog, ids: sequentialIds(), store: STORE, cart: CART });
    const tl = shopping(5).see("in", ["cola-330", 0.74], ["water-500", 0.2]).step(538).hold(800).end();
    const { events } = run(tl.events, undefined, fusion);
    expect(of(events, "ItemAdded").every((e) => e.status === "unsure")).toBe(true);
    expect(of(events, "PromptRaised")).toHaveLength(1);
  });

  it("takes one unit listed lower at 0.99 or more though a product nobody saw fits at five units", () => {
    // five of a 107.6 g product nobody saw weigh the water's 538 g: that is in the posterior
    // already (water 0.998); below listedSureP it holds the water for the screen
    const catalog = indexCatalog("USD", [...TEST_PRODUCTS, unit("mini", 107.6, 2, 99)]);
    const fusion = (config?: Partial<FusionConfig>) =>
      createCartFusion({ catalog, ids: sequentialIds(), store: STORE, cart: CART, config });
    const tl = shopping(5).see("in", ["cola-330", 0.7], ["water-500", 0.2]).step(538).hold(800).end();
    const on = run(tl.events, undefined, fusion()).events;
    expect(of(on, "ItemAdded")).toMatchObject([{ sku: "water-500", qty: 1, status: "ok" }]);
    expect(of(on, "PromptRaised")).toEqual([]);
    const off = run(tl.events, undefined, fusion({ listedSureP: 1 })).events;
    expect(of(off, "ItemAdded")).toMatchObject([{ sku: "water-500", status: "unsure" }]);
    expect(of(off, "PromptRaised")).toHaveLength(1);
  });
});

describe("cart fusion: the same charge either way means look-alikes swapped, not another mix", () => {
  // a and b are look-alikes at one price; d costs the same, looks different and weighs 1 g less
  const catalog = indexCatalog("USD", [
    ...TEST_PRODUCTS,
    unit("bar-a", 53, 1.5, 199, { lookalikes: ["bar-b"], category: "candy" }),
    unit("bar-b", 53.5, 1.5, 199, { lookalikes: ["bar-a"], category: "candy" }),
    unit("bar-d", 52, 1.5, 199, { category: "candy" }),
  ]);
  const fusion = (config?: Partial<FusionConfig>) =>
    createCartFusion({ catalog, ids: sequentialIds(), store: STORE, cart: CART, config });

  it("asks when the charge agrees only through mixes with another product of the same price", () => {
    // three bars seen as one sighting; "2 a + 1 d" and "1 a + 2 d" cost what "3 a" costs, but
    // they are another count of what went in, not a look-alike of it
    const tl = shopping(3).see("in", ["bar-a", 0.84], ["bar-d", 0.1]).step(157.5).hold(800).end();
    const { events } = run(tl.events, undefined, fusion());
    expect(of(events, "ItemAdded")).toMatchObject([{ sku: "bar-a", qty: 3, status: "unsure" }]);
    expect(of(events, "PromptRaised")).toHaveLength(1);
  });

  it("still charges look-alikes swapped in at the same price, and names only those", () => {
    // (at 0.88: 3 × a and 3 × b carry 0.895 here; the mixes of a and b, which do not count as
    // swapped, take 0.092 under extraProductPrior 0.6 — 0.94 and 0.048 at 0.3, when this ran at 0.9;
    // the doubt at the prior's upper end, extraProductPriorDoubt, gives them more and is off here)
    const tl = shopping(3).see("in", ["bar-a", 0.8]).step(158).hold(800).end();
    const { events } = run(
      tl.events,
      undefined,
      fusion({ acceptThreshold: 0.88, extraProductPriorDoubt: 0 }),
    );
    const added = of(events, "ItemAdded");
    expect(added).toMatchObject([{ sku: "bar-a", qty: 3, status: "ok" }]);
    expect(added[0].evidence.summary).toContain("or bar-b, same charge");
    expect(of(events, "PromptRaised")).toEqual([]);
  });
});

describe("cart fusion: a unit seen and the rest of the weight", () => {
  // a 50 g bar and, among the products nobody saw, a 94 g mouse: one sighting of the bar and
  // 144 g on the scale is three bars 2.5 sd light, or one bar and an unseen mouse right on
  const catalog = indexCatalog("USD", [
    ...TEST_PRODUCTS,
    unit("bar-x", 50, 1, 199, { category: "candy" }),
    unit("mouse", 94, 1, 2499),
  ]);
  const fusion = (config?: Partial<FusionConfig>) =>
    createCartFusion({ catalog, ids: sequentialIds(), store: STORE, cart: CART, config });

  it("weighs one unit and a product nobody saw against a count the weight fits loosely", () => {
    const tl = shopping(3).see("in", ["bar-x", 0.9]).step(144).hold(800).end();
    const { events } = run(tl.events, undefined, fusion());
    const added = of(events, "ItemAdded");
    expect(added.map((a) => a.status)).not.toContain("ok");
    expect(added[0].evidence.hypotheses.map((h) => h.label)).toContain("1 × bar-x + 1 × mouse");
    expect(of(events, "PromptRaised")).toHaveLength(1);
  });

  it("asks about a count from one sighting that holds only at the prior's measured ratio", () => {
    // 146 g: three bars 1.7 sd light, or one bar and the unseen mouse 1 sd heavy. At
    // extraProductPrior 0.6 the count takes 0.96 and was charged unasked; at the upper end of the
    // AutoCheckout record's interval for that prior (2.27, extraProductPriorDoubt) it does not hold
    const tl = shopping(3).see("in", ["bar-x", 0.9]).step(146).hold(800).end();
    // (unseenBesideZ off too: the mouse weighs like the two bars beyond the sighting)
    const off = run(tl.events, undefined, fusion({ extraProductPriorDoubt: 0, unseenBesideZ: 0 })).events;
    expect(of(off, "ItemAdded")).toMatchObject([{ sku: "bar-x", qty: 3, status: "ok" }]);
    expect(of(off, "PromptRaised")).toEqual([]);
    const { events } = run(tl.events, undefined, fusion());
    expect(of(events, "ItemAdded")).toMatchObject([{ sku: "bar-x", qty: 3, status: "unsure" }]);
    expect(of(events, "PromptRaised")).toHaveLength(1);
  });

  it("still counts units the weight fits well", () => {
    // (the posterior alone: the mouse nobody saw weighs like the two bars beyond the sighting, so
    // the policy asks here since session 9 — "units beyond the sightings that name them", below)
    const tl = shopping(3).see("in", ["bar-x", 0.9]).step(150).hold(800).end();
    const { events } = run(tl.events, undefined, fusion({ unseenBesideZ: 0 }));
    expect(of(events, "ItemAdded")).toMatchObject([{ sku: "bar-x", qty: 3, status: "ok" }]);
    expect(of(events, "PromptRaised")).toEqual([]);
  });
});

describe("cart fusion: a product nobody saw inside a seen product's spread", () => {
  // a 445 ± 23 g tube of crisps seen, and six 48–60 g bars nobody saw: 497 g is the tube 2.3 sd
  // heavy, or the tube and any one of the bars right on. The search brings in only the unseen
  // products closest to the whole change, so "did something else go in?" rests on the summed
  // mass of "tube + a bar nobody saw" over the catalog
  const bars = [48, 50, 52, 54, 57, 60].map((g, i) => unit(`bar-${i}`, g, 1, 149));
  const catalog = indexCatalog("USD", [...TEST_PRODUCTS, unit("tube", 445, 23, 299), ...bars]);
  const fusion = (config?: Partial<FusionConfig>) =>
    createCartFusion({ catalog, ids: sequentialIds(), store: STORE, cart: CART, config });

  it("asks whether something else went in where the tube's spread could hide a bar", () => {
    const tl = shopping(3).see("in", ["tube", 0.9]).step(497).hold(800).end();
    const off = run(tl.events, undefined, fusion({ hiddenBesideDoubt: false })).events;
    expect(of(off, "ItemAdded")).toMatchObject([{ sku: "tube", qty: 1, status: "ok" }]);
    expect(of(off, "PromptRaised")).toEqual([]);
    const { events } = run(tl.events, undefined, fusion({ hiddenBesideDoubt: true }));
    expect(of(events, "ItemAdded")).toMatchObject([{ sku: "tube", qty: 1, status: "ok" }]);
    expect(of(events, "PromptRaised").map((p) => p.prompt.text)).toEqual([
      "Did something else go in with tube? Please scan it, or answer no.",
    ]);
  });

  it("does not ask where the weight is the tube's own", () => {
    const tl = shopping(3).see("in", ["tube", 0.9]).step(452).hold(800).end();
    const { events } = run(tl.events, undefined, fusion({ hiddenBesideDoubt: true }));
    expect(of(events, "ItemAdded")).toMatchObject([{ sku: "tube", qty: 1, status: "ok" }]);
    expect(of(events, "PromptRaised")).toEqual([]);
  });

  it("does not ask beside a product whose spread is too narrow to hide one", () => {
    const tl = shopping(3).see("in", ["soap", 0.9]).step(418).hold(800).end();
    const { events } = run(tl.events, undefined, fusion({ hiddenBesideDoubt: true }));
    expect(of(events, "ItemAdded")).toMatchObject([{ sku: "soap", qty: 1, status: "ok" }]);
    expect(of(events, "PromptRaised")).toEqual([]);
  });

  it("weighs the bar the camera missed at the miss rate the cart measured on scanned units", () => {
    // the tube seen at 490 g (2 sd heavy), after 60 colas scanned one by one: where the camera
    // named every cola, the cart's miss rate is at most 0.043 (one-sided 95 % Wilson bound on 0 of
    // 60), not the configured 0.1, and "tube + a bar nobody saw" no longer holds 5 %; where it
    // missed 12 of them, the bound is above 0.1 and the configured rate stands
    const drops = (missed: number) => {
      let tl = shopping(3);
      for (let i = 0; i < 60; i++) {
        tl = tl.scan(COLA_GTIN).hold(800);
        if (i >= missed) tl = tl.see("in", ["cola-330", 0.9]);
        tl = tl.step(349.2).hold(1500);
      }
      return tl.see("in", ["tube", 0.9]).step(490).hold(800).end();
    };
    const last = (events: BasketEvent[]) => of(events, "ItemAdded").at(-1);
    const off = run(drops(0).events, undefined, fusion({ visionMissLearnZ: 0 })).events;
    expect(last(off)).toMatchObject({ sku: "tube", qty: 1, status: "ok" });
    expect(of(off, "PromptRaised").map((p) => p.prompt.text)).toEqual([
      "Did something else go in with tube? Please scan it, or answer no.",
    ]);
    const { events } = run(drops(0).events, undefined, fusion());
    expect(of(events, "ItemAdded")).toHaveLength(61);
    expect(last(events)).toMatchObject({ sku: "tube", qty: 1, status: "ok" });
    expect(of(events, "PromptRaised")).toEqual([]);
    const missed = run(drops(12).events, undefined, fusion()).events;
    expect(of(missed, "PromptRaised").map((p) => p.prompt.text)).toEqual([
      "Did something else go in with tube? Please scan it, or answer no.",
    ]);
  });
});

describe("cart fusion: a cart that learned its weights fit loosely only doubts more", () => {
  // two nuts seen, 10 g apart: 311 g is 2 × a + 1 × b (310) rather than 1 × a + 2 × b (320)
  // on the catalog's spread (0.4 against 3.8 model sd); not on a cart whose colas, scanned and
  // seen, each came 6 g off the catalog (2.7 model sd): it has learned a spread of about 2
  const catalog = indexCatalog("USD", [
    ...TEST_PRODUCTS,
    unit("nut-a", 100, 1, 299),
    unit("nut-b", 110, 1, 349),
  ]);
  const fusion = (config?: Partial<FusionConfig>) =>
    createCartFusion({ catalog, ids: sequentialIds(), store: STORE, cart: CART, config });
  const colas = (off: number) => {
    let tl = shopping(6);
    for (let i = 0; i < 20; i++)
      tl = tl
        .scan(COLA_GTIN)
        .hold(800)
        .see("in", ["cola-330", 0.93])
        .step(349.2 + (i % 2 === 0 ? off : -off))
        .hold(1500);
    return tl.see("in", ["nut-a", 0.93]).see("in", ["nut-b", 0.93]).step(311).hold(800).end();
  };

  it("asks about a mixture its own spread cannot tell, which the catalog's would accept", () => {
    const tl = colas(6);
    const off = of(run(tl.events, undefined, fusion({ weightSpreadPriorN: 0 })).events, "ItemAdded");
    expect(off.slice(-2)).toMatchObject([
      { sku: "nut-a", qty: 2, status: "ok" },
      { sku: "nut-b", qty: 1, status: "ok" },
    ]);
    const { events } = run(tl.events, undefined, fusion());
    const added = of(events, "ItemAdded");
    expect(added.slice(0, 20).every((a) => a.sku === "cola-330" && a.status === "ok")).toBe(true);
    expect(added.slice(-2).map((a) => a.status)).toEqual(["unsure", "unsure"]);
    expect(of(events, "PromptRaised")).toHaveLength(1);
  });

  it("changes nothing on a cart whose weights fit as the catalog says", () => {
    const tl = colas(0);
    expect(run(tl.events, undefined, fusion()).events).toEqual(
      run(tl.events, undefined, fusion({ weightSpreadPriorN: 0 })).events,
    );
  });
});

describe("cart fusion: several units of a product a clear sighting listed lower", () => {
  // the camera clearly saw "nut-a" (110 g) and listed bar-y (90 g) lower; 270 g on the scale is
  // three bars, and no other product fits it at any count — but one bar and a 180 g tray nobody
  // saw fit as well: the sighting is one crossing, the units beyond it rest on the weight alone
  const products = [...TEST_PRODUCTS, unit("nut-a", 110, 1, 299), unit("bar-y", 90, 1, 199)];
  const fusion = (extra: Product[] = []) =>
    createCartFusion({
      catalog: indexCatalog("USD", [...products, ...extra]),
      ids: sequentialIds(),
      store: STORE,
      cart: CART,
    });
  const tl = shopping(9).see("in", ["nut-a", 0.7], ["bar-y", 0.2]).step(270).hold(800).end();

  it("takes the count when the weight rules everything else out", () => {
    const { events } = run(tl.events, undefined, fusion());
    expect(of(events, "ItemAdded")).toMatchObject([{ sku: "bar-y", qty: 3, status: "ok" }]);
    expect(of(events, "PromptRaised")).toEqual([]);
  });

  it("asks when fewer units and a product nobody saw fit the weight as well", () => {
    const { events } = run(tl.events, undefined, fusion([unit("tray", 180, 1, 599)]));
    expect(of(events, "ItemAdded")).toMatchObject([{ sku: "bar-y", qty: 3, status: "unsure" }]);
    expect(of(events, "PromptRaised")).toHaveLength(1);
  });
});

describe("cart fusion: a cart whose shoppers put different products in together only doubts counts more", () => {
  // one sighting of a 50 g bar and 146 g on the scale: three bars 1.7 sd light, or one bar and an
  // unseen 94 g mouse 1 sd heavy. The catalog's priors (a second unit 0.5, a second product 0.3)
  // count three bars; a cart whose scanned drops were colas and soaps together, never two units
  // of one, has learned that a second product is the likelier and asks
  const catalog = indexCatalog("USD", [
    ...TEST_PRODUCTS,
    unit("bar-x", 50, 1, 199, { category: "candy" }),
    unit("mouse", 94, 1, 2499),
  ]);
  // (the learning under test, without the fixed doubt at the prior's upper end, which asks here
  // too, nor unseenBesideZ: the mouse weighs like the two bars beyond the sighting)
  const fusion = (config?: Partial<FusionConfig>) =>
    createCartFusion({
      catalog,
      ids: sequentialIds(),
      store: STORE,
      cart: CART,
      config: { extraProductPriorDoubt: 0, unseenBesideZ: 0, ...config },
    });
  const SOAP_GTIN = "00000000000024";
  const drops = (second: string, grams: number) => {
    let tl = shopping(7);
    for (let i = 0; i < 20; i++)
      tl = tl
        .scan(COLA_GTIN)
        .hold(700)
        .scan(second)
        .hold(800)
        .step(349.2 + grams)
        .hold(1500);
    return tl.see("in", ["bar-x", 0.9]).step(146).hold(800).end();
  };

  it("asks about a count from one sighting the catalog's priors would accept", () => {
    const tl = drops(SOAP_GTIN, 412);
    const off = of(run(tl.events, undefined, fusion({ togetherPriorN: 0 })).events, "ItemAdded");
    expect(off.at(-1)).toMatchObject({ sku: "bar-x", qty: 3, status: "ok" });
    const { events } = run(tl.events, undefined, fusion({ togetherPriorN: 10 }));
    const added = of(events, "ItemAdded");
    expect(added.slice(0, 40).every((a) => a.status === "ok")).toBe(true);
    expect(added.at(-1)).toMatchObject({ sku: "bar-x", qty: 3, status: "unsure" });
    expect(of(events, "PromptRaised")).toHaveLength(1);
  });

  it("changes nothing on a cart whose shoppers drop units of one product together", () => {
    const tl = drops(COLA_GTIN, 349.2);
    const on = run(tl.events, undefined, fusion({ togetherPriorN: 10 })).events;
    expect(of(on, "ItemAdded").at(-1)).toMatchObject({ sku: "bar-x", qty: 3, status: "ok" });
    expect(on).toEqual(run(tl.events, undefined, fusion({ togetherPriorN: 0 })).events);
  });
});

describe("cart fusion: units beyond the sightings that name them", () => {
  // one sighting of a 50 g bar and 150 g on the scale: three bars right on, or one bar and a 98 g
  // mouse nobody saw 2 g light (the catalog's priors give the count 0.99). Units dropped
  // together cross the rim once, so the two bars beyond the sighting rest on the weight alone,
  // and a product the camera missed that weighs like them is the same evidence (hard seed 8,
  // 10,000 sessions: "3 × Skor" for one Skor sighting, a Skor and a Caramello King Size in)
  const products = [...TEST_PRODUCTS, unit("bar-x", 50, 1, 199, { category: "candy" })];
  const mouse = unit("mouse", 98, 1, 2499);
  const fusion = (extra: Product[], config?: Partial<FusionConfig>) =>
    createCartFusion({
      catalog: indexCatalog("USD", [...products, ...extra]),
      ids: sequentialIds(),
      store: STORE,
      cart: CART,
      config,
    });
  const once = shopping(3).see("in", ["bar-x", 0.9]).step(150).hold(800).end();

  it("asks about a count one sighting names when a product nobody saw weighs like the units beyond it", () => {
    const { events } = run(once.events, undefined, fusion([mouse]));
    expect(of(events, "ItemAdded")).toMatchObject([{ sku: "bar-x", qty: 3, status: "unsure" }]);
    expect(of(events, "PromptRaised")).toHaveLength(1);
    // the posterior alone charges the count
    const off = run(once.events, undefined, fusion([mouse], { unseenBesideZ: 0 })).events;
    expect(of(off, "ItemAdded")).toMatchObject([{ sku: "bar-x", qty: 3, status: "ok" }]);
    // nothing else weighs like them: counted as before
    const alone = run(once.events, undefined, fusion([])).events;
    expect(of(alone, "ItemAdded")).toMatchObject([{ sku: "bar-x", qty: 3, status: "ok" }]);
    expect(of(alone, "PromptRaised")).toEqual([]);
  });

  it("counts units each seen on its own crossing, and a product of the same charge in place of one", () => {
    const each = shopping(3)
      .see("in", ["bar-x", 0.9])
      .hold(300)
      .see("in", ["bar-x", 0.9])
      .hold(300)
      .see("in", ["bar-x", 0.9])
      .step(150)
      .hold(800)
      .end();
    expect(of(run(each.events, undefined, fusion([mouse])).events, "ItemAdded")).toMatchObject([
      { sku: "bar-x", qty: 3, status: "ok" },
    ]);
    // two bars from one sighting, or a bar and a 50.5 g bar of the same price nobody saw: the
    // same charge either way (a 50.5 g bar at another price is asked about)
    const two = shopping(3).see("in", ["bar-x", 0.9]).step(100).hold(800).end();
    const same = unit("bar-w", 50.5, 1, 199, { category: "candy" });
    const dear = unit("bar-w", 50.5, 1, 249, { category: "candy" });
    expect(of(run(two.events, undefined, fusion([same])).events, "ItemAdded")).toMatchObject([
      { sku: "bar-x", qty: 2, status: "ok" },
    ]);
    expect(of(run(two.events, undefined, fusion([dear])).events, "ItemAdded")).toMatchObject([
      { sku: "bar-x", qty: 2, status: "unsure" },
    ]);
  });

  it("counts units when the product nobody saw fits the weight much worse than the count", () => {
    // a 94 g mouse 6 g light of the two bars beyond the sighting (inside 3 sd), the count right
    // on: the weight is far likelier under three bars than under a bar and the mouse (session 9's
    // rule asked; unseenBesideMinRatio 0 still does)
    const far = unit("mouse", 94, 1, 2499);
    expect(of(run(once.events, undefined, fusion([far])).events, "ItemAdded")).toMatchObject([
      { sku: "bar-x", qty: 3, status: "ok" },
    ]);
    const asked = run(once.events, undefined, fusion([far], { unseenBesideMinRatio: 0 })).events;
    expect(of(asked, "ItemAdded")).toMatchObject([{ sku: "bar-x", qty: 3, status: "unsure" }]);
    expect(of(asked, "PromptRaised")).toHaveLength(1);
  });

  it("counts units when the product nobody saw spreads far wider than the units it would replace", () => {
    // three bottles of cleaner (684.5 ± 0.7 g) seen once, 2,053 g; a jar of salsa (1,350 ± 25 g),
    // nobody saw it, weighs like two bottles within 1 sd of its own spread, but that spread makes
    // the weight some 13 times likelier under three bottles (std 7 s-000540, asked before)
    const bottle = unit("cleaner", 684.5, 0.7, 399);
    const jar = unit("salsa", 1350, 25, 449);
    const tl = shopping(3).see("in", ["cleaner", 0.89]).step(2053).hold(800).end();
    const { events } = run(tl.events, undefined, fusion([bottle, jar]));
    expect(of(events, "ItemAdded")).toMatchObject([{ sku: "cleaner", qty: 3, status: "ok" }]);
    expect(of(events, "PromptRaised")).toEqual([]);
    const asked = run(tl.events, undefined, fusion([bottle, jar], { unseenBesideMinRatio: 0 })).events;
    expect(of(asked, "ItemAdded")).toMatchObject([{ sku: "cleaner", qty: 3, status: "unsure" }]);
    expect(of(asked, "PromptRaised")).toHaveLength(1);
  });
});

describe("cart fusion: a cart learns how often its camera shows no product beside merchandise", () => {
  // 100 colas seen clearly (with or without an empty sighting beside each: a hand with nothing in
  // it), then a 1,223 g bag the camera shows as an empty hand, "not merchandise" at 0.90 on the
  // configured prior (products nobody saw fit the weight)
  const colasThenBag = (blankBeside: boolean) => {
    let tl = shopping(8);
    for (let i = 0; i < 100; i++) {
      if (blankBeside) tl = tl.see("in");
      tl = tl.see("in", ["cola-330", 0.93]).step(349.2).hold(1500);
    }
    return tl.see("in").step(1223).hold(800).end();
  };
  // off by default (measured: docs/fusion-model.md §3); the simulator-fitted value
  const LEARN = { blankSightingBagP: 0.906 };
  const bagAsked = (events: BasketEvent[]) => of(events, "PromptRaised").length > 0;

  it("a camera that never shows an empty hand beside merchandise: the bag is not merchandise, unasked", () => {
    const tl = colasThenBag(false);
    const off = run(tl.events).events;
    expect(of(off, "ItemAdded").filter((a) => a.sku === "cola-330" && a.status === "ok")).toHaveLength(100);
    expect(bagAsked(off)).toBe(true);
    const { events, fusion } = run(tl.events, LEARN);
    expect(of(events, "ItemAdded").filter((a) => a.sku === "cola-330" && a.status === "ok")).toHaveLength(
      100,
    );
    expect(bagAsked(events)).toBe(false);
    expect(of(events, "ReviewRequested")).toEqual([]);
    expect(fusion.counters.signal).toMatchObject({ "foreign-added": 1 });
  });

  it("a camera that shows empty hands beside merchandise keeps the configured prior, and asks", () => {
    const { events } = run(colasThenBag(true).events, LEARN);
    // the colas with an empty hand beside them count: they are merchandise without that sighting
    expect(of(events, "ItemAdded").filter((a) => a.sku === "cola-330" && a.status === "ok")).toHaveLength(
      100,
    );
    expect(bagAsked(events)).toBe(true);
  });

  it("a new cart keeps the configured prior", () => {
    const tl = shopping(8)
      .see("in", ["cola-330", 0.93])
      .step(349.2)
      .hold(1500)
      .see("in")
      .step(1223)
      .hold(800);
    expect(run(tl.events, LEARN).events).toEqual(run(tl.events).events);
  });
});

describe("cart fusion: a review case carries what fusion decided it on", () => {
  const review = (events: BasketEvent[]) => {
    const cases = of(events, "ReviewRequested");
    expect(cases).toHaveLength(1);
    return cases[0];
  };

  it("an unanswered question: its change, the sighting by id with its candidates, the explanations", () => {
    const tl = shopping(7)
      .push({
        type: "vision",
        id: "cam-17",
        dir: "in",
        candidates: [
          { sku: "chips-salt", p: 0.7 },
          { sku: "chips-vinegar", p: 0.25 },
        ],
      })
      .step(160.5)
      .hold(800)
      .end();
    const seenAt = tl.events.find((e) => e.type === "vision")!.t;
    const { events } = run(tl.events);
    const [added] = of(events, "ItemAdded");
    const rr = review(events);
    // exactly what the line was decided with, with the ids of the sensor events behind it
    expect(rr.evidence).toEqual({
      v: 1,
      cause: "prompt-expired",
      changes: [
        {
          lineIds: [added.lineId],
          change: added.evidence.change,
          vision: [
            {
              id: "cam-17",
              t: seenAt,
              dir: "in",
              candidates: [
                { sku: "chips-salt", p: 0.7 },
                { sku: "chips-vinegar", p: 0.25 },
              ],
            },
          ],
          scans: [],
          plu: [],
          answers: [],
          hypotheses: added.evidence.hypotheses,
          summary: added.evidence.summary,
        },
      ],
    });
    const c = rr.evidence!.changes[0];
    expect(c.change!.delta).toBeCloseTo(160.5, 0);
    expect(c.change!.endT).toBeGreaterThan(seenAt);
    expect(c.change!.sd).toBeGreaterThan(0);
    // why it was asked: the best explanation short of the threshold, the look-alike beside it
    expect(c.hypotheses.map((h) => h.label).slice(0, 2)).toEqual([
      "1 × Sea Salt Chips",
      "1 × Salt & Vinegar Chips",
    ]);
    expect(c.hypotheses[0].posterior).toBeLessThan(0.95);
    expect(c.hypotheses[1].posterior).toBeGreaterThan(0.05);
  });

  it("a scan by id, for a question about the rest of the weight", () => {
    const tl = shopping()
      .push({ type: "barcode", id: "scan-3", code: COLA_GTIN })
      .hold(2000)
      .step(349.2 + 1180)
      .hold(800)
      .end();
    const { events } = run(tl.events, { acceptThreshold: 0.95 });
    const rr = review(events);
    expect(rr.evidence).toMatchObject({ v: 1, cause: "prompt-expired" });
    const [c] = rr.evidence!.changes;
    expect(c.lineIds).toEqual(rr.lineIds);
    const scannedAt = tl.events.find((e) => e.type === "barcode")!.t;
    expect(c.scans).toEqual([{ id: "scan-3", t: scannedAt, code: COLA_GTIN, sku: "cola-330" }]);
    expect(c.change!.delta).toBeCloseTo(1529, -1);
    expect(c.summary).toMatch(/1180 g left unexplained$/);
  });

  it("a removal nothing explains: its change and the sighting going out, no line", () => {
    const tl = shopping()
      .see("in", ["cola-330", 0.9])
      .step(349.2)
      .hold(800)
      .see("in", ["soap", 0.9])
      .step(412)
      .hold(800)
      .push({ type: "vision", id: "cam-out", dir: "out", candidates: [{ sku: "water-500", p: 0.9 }] })
      .step(-538)
      .hold(800)
      .end();
    const { events } = run(tl.events);
    const rr = review(events);
    expect(rr.lineIds).toEqual([]);
    expect(rr.evidence).toMatchObject({ v: 1, cause: "unresolved" });
    const [c] = rr.evidence!.changes;
    expect(c.lineIds).toEqual([]);
    expect(c.change!.delta).toBeCloseTo(-538, 0);
    expect(c.vision).toMatchObject([
      { id: "cam-out", dir: "out", candidates: [{ sku: "water-500", p: 0.9 }] },
    ]);
    expect(c.hypotheses.length).toBeGreaterThan(0);
  });

  it("a line the answer left unsure: the change, the answer, the explanations", () => {
    const tl = shopping(7).see("in", ["chips-salt", 0.7], ["chips-vinegar", 0.25]).step(160.5).hold(800);
    const prompt = of(run(tl.events).events, "PromptRaised")[0].prompt;
    tl.answer(prompt.id, { sku: "cola-330" }).hold(200).end();
    const { events } = run(tl.events);
    const rr = review(events);
    expect(rr.evidence).toMatchObject({ v: 1, cause: "unsure-after-answer" });
    const [c] = rr.evidence!.changes;
    expect(c.lineIds).toEqual(rr.lineIds);
    expect(c.change!.delta).toBeCloseTo(160.5, 0);
    expect(c.answers).toMatchObject([{ prompt: prompt.id, sku: "cola-330" }]);
    expect(c.hypotheses[0].label).toBe("1 × Sea Salt Chips");
  });

  it("a load still changing at exit: the grams not settled, what was seen since the last change", () => {
    const tl = shopping()
      .see("in", ["cola-330", 0.93])
      .step(349.2)
      .hold(800)
      .push({ type: "vision", id: "cam-late", dir: "in", candidates: [{ sku: "soap", p: 0.9 }] })
      .step(412)
      .hold(200)
      .end();
    const { events } = run(tl.events);
    const rr = review(events);
    expect(rr.evidence).toMatchObject({ v: 1, cause: "load-at-exit" });
    const [c] = rr.evidence!.changes;
    expect(c.change).toBeUndefined();
    expect(c.pending!.delta).toBeGreaterThan(300);
    expect(rr.reason).toContain(`+${Math.round(c.pending!.delta)} g unexplained`);
    expect(c.vision).toMatchObject([{ id: "cam-late", candidates: [{ sku: "soap", p: 0.9 }] }]);
    expect(c.hypotheses).toEqual([]);
  });
});

/**
 * Two bars of one weight, no look-alikes: "bar-x + bar-y" against "2 × bar-x" is the camera's
 * word alone. `both` drops them as one weight change, their sightings gapMs apart (100 ms:
 * crossing together; 800 ms: one after another).
 */
const twoBars = () => {
  const catalog = indexCatalog("USD", [
    ...TEST_PRODUCTS,
    unit("bar-x", 85, 1, 199, { category: "candy" }),
    unit("bar-y", 86, 1, 219, { category: "candy" }),
  ]);
  const fusion = (config?: Partial<FusionConfig>) =>
    createCartFusion({ catalog, ids: sequentialIds(), store: STORE, cart: CART, config });
  const both = (tl: Timeline, px: number, py: number, gapMs = 100) =>
    tl.see("in", ["bar-x", px]).hold(gapMs).see("in", ["bar-y", py]).step(171).hold(800);
  return { fusion, both };
};

describe("cart fusion: two products dropped together, each seen clearly", () => {
  // two bars of one weight, no look-alikes: "bar-x + bar-y" against "2 × bar-x" (or 2 × bar-y)
  // is the camera's word alone; the weight cannot tell them apart
  const { fusion, both } = twoBars();

  it("charges both unasked: '2 × bar-x' needs bar-y's clear sighting to come from nothing", () => {
    const { events } = run(both(shopping(3), 0.9, 0.9).end().events, undefined, fusion());
    expect(chargedOk(events)).toEqual({ "bar-x": 1, "bar-y": 1 });
    expect(of(events, "PromptRaised")).toHaveLength(0);
    // priced at visionFloorP, as any unexplained sighting was, "2 × bar-x" keeps ~7 % and it asks
    const old = run(both(shopping(3), 0.9, 0.9).end().events, undefined, fusion({ visionFloorClearP: 0.05 }));
    expect(of(old.events, "PromptRaised")).toHaveLength(1);
    expect(chargedOk(old.events)).toEqual({});
  });

  it("asks as before when a sighting is in the band confusions reach, or its product is in the basket", () => {
    // bar-y at 0.8, seen 800 ms after bar-x, may be another crossing of bar-x confused:
    // "2 × bar-x" keeps its 0.05 (standard seed 21 s-001891: three Twix Dark one after another)
    const band = run(both(shopping(3), 0.9, 0.8, 800).end().events, undefined, fusion());
    expect(of(band.events, "PromptRaised")).toHaveLength(1);
    expect(chargedOk(band.events)).toEqual({});
    // a bar-y already in the basket may be going out, seen the wrong way
    const tl = shopping(3).see("in", ["bar-y", 0.9]).step(86).hold(800);
    const inBasket = run(both(tl, 0.9, 0.9).end().events, undefined, fusion());
    expect(chargedOk(inBasket.events)).toEqual({ "bar-y": 1 });
    expect(of(inBasket.events, "PromptRaised")).toHaveLength(1);
  });
});

describe("cart fusion: two products crossing together, seen in the band confusions reach", () => {
  // as above: two bars of one weight, no look-alikes, bar-y seen at 0.8 (a right top, or another
  // crossing confused), but both sightings at one moment: units of one product crossing together
  // show as one sighting, so bar-y's is a second product's crossing, not a unit of bar-x confused
  const { fusion, both } = twoBars();

  /** bar-x at px and bar-y at py 100 ms apart: both charged unasked, and asked with `off`. */
  const chargedTogetherNotOff = (pairs: number[][], off: Partial<FusionConfig>) => {
    for (const [px, py] of pairs) {
      const tl = () => both(shopping(3), px, py, 100).end().events;
      const { events } = run(tl(), undefined, fusion());
      expect(chargedOk(events)).toEqual({ "bar-x": 1, "bar-y": 1 });
      expect(of(events, "PromptRaised")).toHaveLength(0);
      const without = run(tl(), undefined, fusion(off)).events;
      expect(of(without, "PromptRaised")).toHaveLength(1);
      expect(chargedOk(without)).toEqual({});
    }
  };

  it("charges both unasked when the two sightings come together", () => {
    // without the rule bar-y's sighting pays visionFloorP under "2 × bar-x", and it asks
    chargedTogetherNotOff(
      [
        [0.9, 0.8],
        [0.78, 0.76],
      ],
      { visionTogetherMs: 0 },
    );
  });

  it("a sighting at 0.70 or more that crosses with another pays the clear floor alone (visionTogetherAloneMinP)", () => {
    // bar-y at 0.70-0.72 beside bar-x: under "2 × bar-x" its sighting paid max(1 − p, floor) ≈ 0.3,
    // the share of products it might have been confused with; no explanation holding bar-x alone
    // claims any of them, so it pays visionFloorClearP, and "bar-x + bar-y" is charged unasked
    chargedTogetherNotOff(
      [
        [0.78, 0.72],
        [0.8, 0.7],
      ],
      { visionTogetherAloneMinP: 1 },
    );
    // under 0.70 it still pays 1 − p, and it asks
    const low = run(both(shopping(3), 0.9, 0.65, 100).end().events, undefined, fusion());
    expect(of(low.events, "PromptRaised")).toHaveLength(1);
    expect(chargedOk(low.events)).toEqual({});
  });

  it("asks as before when they come apart, or one names a product in the basket", () => {
    const apart = run(both(shopping(3), 0.78, 0.76, 800).end().events, undefined, fusion());
    expect(of(apart.events, "PromptRaised")).toHaveLength(1);
    expect(chargedOk(apart.events)).toEqual({});
    const tl = shopping(3).see("in", ["bar-y", 0.9]).step(86).hold(800);
    const inBasket = run(both(tl, 0.9, 0.8, 100).end().events, undefined, fusion());
    expect(chargedOk(inBasket.events)).toEqual({ "bar-y": 1 });
    expect(of(inBasket.events, "PromptRaised")).toHaveLength(1);
  });
});

// a removal's candidates are the basket lines ranked by sighting and weight fit, the best
// maxCandidates kept; between equal ranks the sku decides, whatever order the lines came in
describe("cart fusion: which basket lines a removal weighs", () => {
  it("keeps the best maxCandidates lines, equal ones by sku", () => {
    const skus = ["t10", "t03", "t07", "t01", "t09", "t05", "t02", "t08", "t06", "t04"];
    const catalog = indexCatalog(
      "USD",
      skus.map((s) => unit(s, 150, 2, 100)),
    );
    const tl = shopping();
    for (const s of skus) tl.see("in", [s, 0.95]).step(150).hold(800);
    tl.step(-150).hold(800).end();
    const fusion = createCartFusion({ catalog, ids: sequentialIds(), store: STORE, cart: CART });
    const { events } = run(tl.events, undefined, fusion);
    expect(of(events, "ItemAdded")).toHaveLength(skus.length);
    const removed = of(events, "ItemRemoved");
    expect(removed).toHaveLength(1);
    // eight alike, none seen: the search lists them in its order (the last candidate first)
    expect(removed[0].evidence.hypotheses.map((h) => h.label)).toEqual([
      "1 × t08",
      "1 × t07",
      "1 × t06",
      "1 × t05",
      "1 × t04",
    ]);
  });
});

describe("cart fusion: a product nobody saw beside units the shopper scanned", () => {
  // GS1 check digit of a 13-digit body
  const gtin = (body: string) => {
    const s = [...body].reverse().reduce((a, d, i) => a + Number(d) * (i % 2 === 0 ? 3 : 1), 0);
    return `${body}${(10 - (s % 10)) % 10}`;
  };
  const make = (products: Product[]) => (config?: Partial<FusionConfig>) =>
    createCartFusion({
      catalog: indexCatalog("USD", [...TEST_PRODUCTS, ...products]),
      ids: sequentialIds(),
      store: STORE,
      cart: CART,
      config,
    });

  it("a product with a barcode is not hidden beside units the shopper scanned, each of them", () => {
    // the tube of "a product nobody saw inside a seen product's spread", scanned and seen: a bar
    // beside it would have been scanned too, unless it has no barcode to scan
    const bars = (coded: boolean) =>
      [48, 50, 52, 54, 57, 60].map((g, i) =>
        unit(`bar-${i}`, g, 1, 149, coded ? { gtin: gtin(`000000000${700 + i}`) } : {}),
      );
    const tube = unit("tube", 445, 23, 299, { gtin: gtin("0000000000690") });
    const tl = shopping(3).scan(tube.gtin!).hold(800).see("in", ["tube", 0.9]).step(497).hold(800).end();
    const before = run(tl.events, undefined, make([tube, ...bars(true)])({ hiddenBesideScannedP: 1 })).events;
    expect(of(before, "PromptRaised")).toHaveLength(1);
    const { events } = run(tl.events, undefined, make([tube, ...bars(true)])());
    expect(of(events, "ItemAdded")).toMatchObject([{ sku: "tube", qty: 1, status: "ok" }]);
    expect(of(events, "PromptRaised")).toEqual([]);
    // bars without a barcode: asked as before
    expect(of(run(tl.events, undefined, make([tube, ...bars(false)])()).events, "PromptRaised")).toHaveLength(
      1,
    );
  });
});

describe("cart fusion: a unit product's charge key", () => {
  // chargeKey is private; its cache once held one key per sku, so whichever way it was asked
  // first (a weighed item against a sighting of the unit product, or the unit product counted)
  // answered both ways after
  type Keys = { chargeKey(sku: string, weighed: boolean): string };
  it("is the same whichever way it was asked first", () => {
    const unitFirst = newFusion() as unknown as Keys;
    const weighedFirst = newFusion() as unknown as Keys;
    const asUnit = unitFirst.chargeKey("tea-mint", false);
    const asWeighed = weighedFirst.chargeKey("tea-mint", true);
    expect(asUnit).not.toBe(asWeighed);
    expect(unitFirst.chargeKey("tea-mint", true)).toBe(asWeighed);
    expect(weighedFirst.chargeKey("tea-mint", false)).toBe(asUnit);
    // tea-lemon charges what tea-mint does, counted; weighed, each is its own product
    expect(weighedFirst.chargeKey("tea-lemon", false)).toBe(asUnit);
    expect(unitFirst.chargeKey("tea-lemon", true)).not.toBe(asWeighed);
  });
});

describe("cart fusion: produce keyed right after a change its scan question is about", () => {
  // bananas weighed unseen, weighing what a bottle of water does, then their code keyed (standard
  // seed 7 s-000610: bananas 292.5 g taken for a Logitech mouse nobody saw, PLU 4011 keyed after
  // weighing while "scan the item you just added" was open; seed 21 s-001579 the same, no line)
  const weighThenKey = (afterMs: number) =>
    shopping(7).step(538).hold(800).hold(afterMs).plu("4011").hold(600).end().events;
  const closed = (events: BasketEvent[]) => of(events, "PromptClosed").map((e) => e.outcome);

  it("the code answers the open question: the change is that produce, by the gram", () => {
    const { events } = run(weighThenKey(1500));
    expect(of(events, "PromptRaised").map((e) => e.prompt.kind)).toEqual(["scan"]);
    expect(closed(events)).toEqual(["answered"]);
    expect(chargedOk(events).banana).toBeCloseTo(538, -1);
    // a scan question that takes no keyed code leaves the bananas uncharged
    const off = run(weighThenKey(1500), { pluAfterScanPromptMs: 0 });
    expect(closed(off.events)).not.toContain("answered");
    expect(chargedOk(off.events).banana).toBeUndefined();
  });

  it("a code keyed later is no answer to it (the next item's, keyed before weighing)", () => {
    const { events } = run(weighThenKey(8000));
    expect(closed(events)).not.toContain("answered");
    expect(chargedOk(events).banana).toBeUndefined();
  });
});
