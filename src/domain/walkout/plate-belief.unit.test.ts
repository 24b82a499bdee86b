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
});
