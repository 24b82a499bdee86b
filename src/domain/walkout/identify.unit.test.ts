import { describe, expect, it } from "vitest";
import { indexCatalog } from "../catalog/product";
import type { StoreLayout } from "../events/sensor-events";
import { identifyChange } from "./identify";
import { PlateBelief } from "./plate-belief";
import type { ShelfChange } from "./shelf-detector";
import { shelfProduct } from "./walkout.fixtures";

const catalog = indexCatalog("USD", [
  shelfProduct("soap", 400),
  shelfProduct("tea", 120),
  shelfProduct("jam", 250),
]);
/** one shelf of 6 plates: soap on 1, jam on 3, tea on 4–6 */
const homes: Record<number, string> = { 1: "soap", 2: "tea", 3: "jam", 4: "tea", 5: "tea", 6: "tea" };
const layout: StoreLayout = {
  plates: [1, 2, 3, 4, 5, 6].map((p) => ({
    gondola: 1,
    shelf: 1,
    plate: p,
    x: p * 0.12,
    y: 0,
    z: 1,
    skus: [homes[p]],
  })),
};

/** a put-back of `grams` landing on `plate` alone */
const putBack = (plate: number, grams: number): ShelfChange => ({
  gondola: 1,
  shelf: 1,
  startT: 0,
  endT: 1000,
  before: 1000,
  after: 1000 + grams,
  delta: grams,
  sd: 3,
  plates: [{ plate, before: 500, after: 500 + grams, delta: grams, sd: 3 }],
  forced: false,
  abutsOpposite: false,
  stepT: 500,
  stepClean: true,
  trace: { t0: 0, binMs: 100, sums: [], perPlate: [] },
});

const top = (change: ShelfChange, held: Map<string, number>) =>
  identifyChange({ change, belief: new PlateBelief(layout), catalog, held });

describe("identifyChange: put-backs away from the item's home plate", () => {
  it("a held item put back on the plate next to its home is as plausible as one put back further away", () => {
    // soap (home plate 1) put back on plate 2, its neighbour; the shopper holds soap only
    const next = top(putBack(2, 400), new Map([["soap", 1]]));
    // the same soap put back on plate 5, three plates from home
    const far = top(putBack(5, 400), new Map([["soap", 1]]));
    expect(far[0].label).toBe("1× soap");
    expect(next[0].label).toBe("1× soap");
    const pNext = next.find((h) => h.label === "1× soap")!.posterior;
    const pFar = far.find((h) => h.label === "1× soap")!.posterior;
    expect(pNext).toBeGreaterThan(0.9);
    expect(pNext).toBeGreaterThanOrEqual(pFar - 0.01);
  });

  it("a held item put back on its own plate still beats the wrong-plate reading of another held item", () => {
    // jam's home is plate 3; soap (home 1) also held, weights far apart so weight decides
    const home = top(
      putBack(3, 250),
      new Map([
        ["jam", 1],
        ["soap", 1],
      ]),
    );
    expect(home[0].label).toBe("1× jam");
    expect(home[0].posterior).toBeGreaterThan(0.9);
  });

  it("pick-ups keep the neighbour rule: a sku one plate away is a small chance only", () => {
    // a 250 g pick-up from plate 4 (tea, 120 g): jam sits on plate 3 next door and fits the weight,
    // tea × 2 (240 g) fits within the gain error; the planogram says tea
    const pick = { ...putBack(4, 250), delta: -250, after: 750 };
    pick.plates = [{ plate: 4, before: 500, after: 250, delta: -250, sd: 3 }];
    const h = identifyChange({ change: pick, belief: new PlateBelief(layout), catalog });
    expect(h[0].label).toBe("2× tea");
  });
});

describe("identifyChange: a pick-up of an item put back in doubt", () => {
  it("weighs its products by the put-back's odds, not by the weight a second time", () => {
    // an item put back in doubt (jam2 60 %, jam 40 %) lies on plate 5, tea's; 252 g is taken again
    const cat3 = indexCatalog("USD", [
      shelfProduct("tea", 120),
      shelfProduct("jam", 250),
      shelfProduct("jam2", 254),
    ]);
    const pick = { ...putBack(5, 252), delta: -252, after: 748 };
    pick.plates = [{ plate: 5, before: 500, after: 248, delta: -252, sd: 3 }];
    const belief = new PlateBelief(layout);
    belief.addDoubtful(1, 1, 5, ["jam2", "jam"], [0.6, 0.4]);
    const doubt = new Map([
      ["jam2", { prior: 0.6, mean: 252.4, sd: 2.4 }],
      ["jam", { prior: 0.4, mean: 252.4, sd: 2.4 }],
    ]);
    const h = identifyChange({ change: pick, belief, catalog: cat3, doubt });
    const p = (label: string) => h.find((x) => x.label === label)!.posterior;
    expect(p("1× jam2") / p("1× jam")).toBeCloseTo(1.5, 2);
  });
});
