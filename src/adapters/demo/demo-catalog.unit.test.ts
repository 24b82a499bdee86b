import { describe, expect, it } from "vitest";
import { buildDemoCatalog, slugify, sourceGtin, upcEToUpcA } from "./demo-catalog";

describe("barcodes as the sources print them", () => {
  it("expands UPC-E candy-bar codes to UPC-A (Hershey's 034000 prefix)", () => {
    expect(upcEToUpcA("03422900")).toBe("034000002290");
    expect(sourceGtin("03422900")).toBe("00034000002290");
  });
  it("restores a dropped leading zero, and drops codes that do not validate", () => {
    expect(sourceGtin("34000490066")).toBe("00034000490066");
    expect(sourceGtin("052548009096")).toBeUndefined();
    expect(sourceGtin("-")).toBeUndefined();
  });
  it("keeps valid GTIN-12/14 codes", () => {
    expect(sourceGtin("052548560096")).toBe("00052548560096");
    expect(sourceGtin("00013000006408")).toBe("00013000006408");
  });
});

describe("buildDemoCatalog", () => {
  const aim3s = [
    { id: 34, name: "Kit Kat King Size", barcode: "03422900", weights: [90.8, 86.8, 89.6, 89.9] },
    { id: 35, name: "Kit Kat White King Size", barcode: "03417704", weights: [88.3, 82.8] },
    { id: 26, name: "Toilet bowl cleaner", barcode: "052548575496", weights: [799.0] },
    { id: 25, name: "409 Multi-Surface", barcode: "044600008899", weights: [1028.0, 1028.0] },
    { id: 66, name: "Reese's Pieces Cups", barcode: "-", weights: [0.0] },
  ];
  const intel = [{ barcode: "00000000884389", name: "Red Wine", min_weight: 3.0, max_weight: 3.1 }];
  const c = buildDemoCatalog(aim3s, intel);

  it("uses measured weights: mean and sample sd, floored, median spread for single weighings", () => {
    const kk = c.bySku.get("kit-kat-king-size")!;
    expect(kk.weight).toEqual({ mean: 89.3, sd: 1.7 });
    // 409: two identical weighings → the 0.5 g floor, not 0
    expect(c.bySku.get("409-multi-surface")!.weight!.sd).toBe(0.5);
    // weighed once → the median sample sd of the products weighed more than once: median(1.73, 3.89, 0) = 1.73
    expect(c.bySku.get("toilet-bowl-cleaner")!.weight!.sd).toBeCloseTo(1.7, 1);
    // never weighed: left out
    expect(c.bySku.has("reeses-pieces-cups")).toBe(false);
  });

  it("reads min/max ranges as mean ± 2 sd, and flags alcohol as age-restricted", () => {
    const wine = c.bySku.get("red-wine")!;
    expect(wine.weight).toEqual({ mean: 3050, sd: 25 });
    expect(wine.ageRestricted).toBe(true);
  });

  it("links look-alike families both ways and only to products present", () => {
    expect(c.bySku.get("kit-kat-king-size")!.lookalikes).toEqual(["kit-kat-white-king-size"]);
    expect(c.bySku.get("kit-kat-white-king-size")!.lookalikes).toEqual(["kit-kat-king-size"]);
  });

  it("adds produce under real PLUs and is deterministic", () => {
    expect(c.byPlu.get("4011")?.sku).toBe("bananas");
    expect(c.byPlu.get("94011")?.lookalikes).toEqual(["bananas"]);
    expect(buildDemoCatalog(aim3s, intel)).toEqual(c);
  });

  it("makes url-safe skus", () => {
    expect(slugify("Peanut Butter M&M's Share Size")).toBe("peanut-butter-mandms-share-size");
    expect(slugify("Raid (ANt & Roach remover)")).toBe("raid-ant-and-roach-remover");
  });
});
