import { describe, expect, it } from "vitest";
import type { StoreLayout } from "../events/sensor-events";
import { PlateBelief } from "./plate-belief";

const layout: StoreLayout = {
  plates: [1, 2, 3].map((p) => ({
    gondola: 1,
    shelf: 1,
    plate: p,
    x: p * 0.1,
    y: 0.25,
    z: 1,
    skus: [`home-${p}`],
  })),
};

describe("PlateBelief", () => {
  it("a put-back in doubt leaves an item that may be any of its products, until one of them is taken", () => {
    const b = new PlateBelief(layout);
    b.addDoubtful(1, 1, 2, ["paqui", "kettle"]);
    expect(b.skusOn(1, 1, 2)).toEqual(["home-2", "paqui", "kettle"]);
    b.takeForeign(1, 1, [2], "kettle", 1);
    expect(b.skusOn(1, 1, 2)).toEqual(["home-2"]);
  });

  it("a pick-up of the home product leaves the item in doubt where it is", () => {
    const b = new PlateBelief(layout);
    b.addDoubtful(1, 1, 2, ["paqui", "kettle"]);
    b.takeForeign(1, 1, [2], "home-2", 1);
    expect(b.skusOn(1, 1, 2)).toEqual(["home-2", "paqui", "kettle"]);
  });

  it("keeps how likely each product of an item in doubt was, and gives the item back when it is taken", () => {
    const b = new PlateBelief(layout);
    b.addDoubtful(1, 1, 2, ["paqui", "kettle", "home-3"], [0.6, 0.3, 0.1], "line_7");
    b.addForeign(1, 1, 3, "kettle", 1);
    // kettle lies on plate 3 anyway (put back surely), home-3 is plate 3's own product
    expect(b.doubtOn(1, 1, [2, 3])).toEqual([
      { sku: "paqui", items: [{ skus: ["paqui", "kettle", "home-3"], p: [0.6, 0.3, 0.1], ref: "line_7" }] },
    ]);
    expect(b.doubtOn(1, 1, [2]).map((d) => d.sku)).toEqual(["paqui", "kettle", "home-3"]);
    expect(b.takeForeign(1, 1, [2], "paqui", 1)).toEqual([
      { skus: ["paqui", "kettle", "home-3"], p: [0.6, 0.3, 0.1], ref: "line_7" },
    ]);
    expect(b.doubtOn(1, 1, [2])).toEqual([]);
  });
});
