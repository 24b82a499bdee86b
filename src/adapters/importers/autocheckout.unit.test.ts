import { describe, expect, it } from "vitest";
import {
  buildCatalog,
  buildLayout,
  parseCsv,
  parseLabelTime,
  parsePlateCsv,
  parseProductsCsv,
  plateEvents,
  slugify,
  unitWeightSd,
} from "./autocheckout";

const CSV = `Name,Gondola,Shelf,Plate,Weight,Price,Image
"Kettle Brand Potato Chips, Sea Salt",2,6,6,62.0,1,http://x
"Kettle Brand Potato Chips, Sea Salt",2,6,7,62.0,1,http://x
FIJI WATER .5 LTR,1,5,10,538.0,1,
Windex,-1,-1,-1,0.0,1,
Windex,-1,-1,-1,1200.0,2,
Broken,x,1,1,1,1,
`;

describe("AutoCheckout importer", () => {
  it("parses quoted CSV fields with commas", () => {
    expect(parseCsv('a,"b, c",d\n"e ""q""",f,g\n')).toEqual([
      ["a", "b, c", "d"],
      ['e "q"', "f", "g"],
    ]);
  });

  it("slugs names into skus, keeping decimal points readable", () => {
    expect(slugify("FIJI WATER .5 LTR")).toBe("fiji-water-0.5-ltr".replace(".", "-"));
    expect(slugify("Andy Capp's Cheddar Fries")).toBe("andy-capp-s-cheddar-fries");
    expect(slugify("   ")).toBe("product");
  });

  it("builds one product per name, skipping a 0 g placeholder, and counts bad rows", () => {
    const p = parseProductsCsv(CSV);
    expect(p.rejected).toBe(1);
    const { catalog, skuByName } = buildCatalog(p.rows);
    expect(catalog.products.map((x) => x.sku)).toEqual([
      "kettle-brand-potato-chips-sea-salt",
      "fiji-water-0-5-ltr",
      "windex",
    ]);
    const windex = catalog.products.find((x) => x.sku === "windex")!;
    expect(windex.weight.mean).toBe(1200);
    expect(windex.price).toBe(200);
    expect(skuByName.get("FIJI WATER .5 LTR")).toBe("fiji-water-0-5-ltr");
    expect(unitWeightSd(62)).toBe(1.6);
    expect(unitWeightSd(538)).toBe(13.5);
  });

  it("places plates along x within their gondola, shelves in z", () => {
    const p = parseProductsCsv(CSV);
    const { skuByName } = buildCatalog(p.rows);
    const layout = buildLayout(p.rows, skuByName, [{ gondola: 1, shelf: 5, plate: 12 }]);
    const g1 = layout.plates.filter((x) => x.gondola === 1);
    expect(g1.map((x) => x.plate)).toEqual([10, 12]);
    expect(g1[0].x).toBeLessThan(g1[1].x);
    expect(g1[0].skus).toEqual(["fiji-water-0-5-ltr"]);
    const g2 = layout.plates.find((x) => x.gondola === 2 && x.plate === 6)!;
    expect(g2.x).toBeGreaterThan(1.22);
    expect(g2.z).toBeGreaterThan(g1[0].z);
  });

  it("batches plate samples with each batch's real first timestamp; skips bad lines", () => {
    const rec = parsePlateCsv({ gondola: 1, shelf: 1, plate: 1 }, "10.0,5\n10.5,6\nbad,line\n11.0,7\n");
    expect(rec.rejected).toBe(1);
    const ev = plateEvents(rec, "s", 2, 2);
    expect(ev).toHaveLength(2);
    expect(ev[0]).toMatchObject({ t: 10_000, grams: [5, 6], hz: 2, gondola: 1 });
    expect(ev[1]).toMatchObject({ t: 11_000, grams: [7] });
  });

  it("reads the label time style of cps-test-01 as UTC", () => {
    expect(parseLabelTime("2020-01-28_22-24-15")).toBe(Date.UTC(2020, 0, 28, 22, 24, 15));
    expect(parseLabelTime("4:14 + 2019-11-07_02-41-19")).toBe(Date.UTC(2019, 10, 7, 2, 41, 19));
    expect(parseLabelTime("11_07_2019_03:05:56")).toBeUndefined();
  });
});
