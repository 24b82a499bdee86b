/**
 * The demo catalog, built at run time from real product data (never copied into the repo):
 * real names, barcodes and measured unit weights; DEMO prices (made up, shaped like US
 * convenience-store prices — not real shelf prices); produce sold by weight under their real
 * IFPS PLU codes; look-alike groups from real product families (Kit Kat, Snickers, M&M's,
 * Reese's: same pack, different flavour); categories for promotions; a few age-restricted items.
 *
 * Weight models:
 * - AIM3S units were weighed one by one: mean and sample standard deviation of those weighings,
 *   floored at MIN_SD_G (two identical weighings do not mean a zero spread). A product weighed
 *   once gets the median spread of the data set (1.6 g). Products whose only weighing is 0 g
 *   are left out (never measured).
 * - Intel RTSF gives a min/max in kg: mean = midpoint, sd ≈ (max − min) / 4 (the range read as
 *   ±2 sd), floored at MIN_SD_G.
 * Barcodes: valid GTINs are kept; the 8-digit AIM3S codes are UPC-E (zero-suppressed UPC-A, as
 * printed on candy bars) and are expanded to UPC-A; an 11-digit code that gains a valid check
 * with its leading zero restored is kept so; any other code that does not validate is dropped
 * (the product is then found by camera and weight only). See docs/demo-catalog.md.
 */
import { writeFileSync } from "node:fs";
import { gs1CheckDigit, toGtin14, upcEToUpcA } from "../../domain/barcode/barcode";
import { validateProducts } from "../../domain/catalog/catalog.validation";
import { type Catalog, indexCatalog, type Product } from "../../domain/catalog/product";
import { catalogToJson } from "../files/catalog-file";
import { defaultDataDir } from "./data-dir";
import { type Aim3sProduct, type IntelProduct, readAim3s, readIntelRtsf } from "./demo-sources";

export const MIN_SD_G = 0.5;
export const DEMO_PRICE_NOTICE =
  "Prices in this catalog are DEMO prices, made up for demonstrations; names, barcodes and weights are real measurements (AIM3S, Intel RTSF).";

export { upcEToUpcA };

/** The GTIN-14 of a barcode as written in the source data, or undefined if it cannot be trusted. */
export function sourceGtin(raw: string): string | undefined {
  const code = raw.trim();
  if (code.length === 8) {
    const upcA = upcEToUpcA(code);
    return upcA ? toGtin14(upcA) : toGtin14(code);
  }
  if (code.length === 11) return toGtin14(`0${code}`);
  return toGtin14(code);
}

export function slugify(name: string): string {
  return name
    .toLowerCase()
    .replace(/['’]/g, "")
    .replace(/&/g, "and")
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "")
    .slice(0, 48)
    .replace(/-+$/, "");
}

function round1(x: number): number {
  return Math.round(x * 10) / 10;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

function sampleSd(xs: number[]): number {
  const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
  return Math.sqrt(xs.reduce((a, b) => a + (b - mean) ** 2, 0) / (xs.length - 1));
}

/** AIM3S shelves: ids 1–15 paper goods and bags, 16–33 cleaning, 34–81 candy. */
function aim3sCategory(id: number): "household" | "cleaning" | "candy" {
  return id <= 15 ? "household" : id <= 33 ? "cleaning" : "candy";
}

function aim3sDemoPrice(category: string, grams: number): number {
  if (category === "candy") return grams < 60 ? 199 : grams < 80 ? 229 : 279;
  if (category === "household") return grams < 200 ? 399 : grams < 400 ? 549 : 749;
  return grams < 350 ? 449 : grams < 800 ? 599 : 799;
}

/** Look-alike families among the AIM3S products (same pack, different flavour), by source id. */
const AIM3S_FAMILIES: number[][] = [
  [34, 35, 41], // Kit Kat king size: milk, white, Big Kat
  [63, 68, 69, 70], // Snickers single bars
  [60, 61, 62, 67], // M&M's pouches
  [36, 37, 40, 45, 46, 51], // Snickers two/four-piece packs
  [42, 43, 48, 49, 50, 54, 55], // Reese's king size
  [65, 72, 73, 74], // Reese's single packs
  [6, 7, 8], // 7 Select storage bags
  [9, 10, 11], // 7 Select trash bags
  [12, 13, 14], // paper towels
  [18, 19, 20], // dish liquids
];

interface IntelInfo {
  category: string;
  taxClass: string;
  price: number;
  ageRestricted?: boolean;
}

/** Demo prices and groupings for the Intel RTSF products, by their name in the source. */
const INTEL_INFO: Record<string, IntelInfo> = {
  Stapler: { category: "office", taxClass: "general", price: 1299 },
  "HP MP9": { category: "electronics", taxClass: "general", price: 4999 },
  "USB Cable": { category: "electronics", taxClass: "general", price: 999 },
  "Logitech Mouse": { category: "electronics", taxClass: "general", price: 1999 },
  "Red Apples": { category: "produce", taxClass: "grocery", price: 499 },
  "Trail Mix": { category: "snacks", taxClass: "grocery", price: 1499 },
  "Red Wine": { category: "alcohol", taxClass: "alcohol", price: 1299, ageRestricted: true },
  Steak: { category: "meat", taxClass: "grocery", price: 2499 },
  "Cheez It": { category: "snacks", taxClass: "grocery", price: 899 },
  Salsa: { category: "pantry", taxClass: "grocery", price: 549 },
  "Quaker Oats": { category: "pantry", taxClass: "grocery", price: 799 },
  Ketchup: { category: "pantry", taxClass: "grocery", price: 449 },
  Sprite: { category: "drinks", taxClass: "soft-drink", price: 699 },
  "Ocelo Sponges": { category: "cleaning", taxClass: "general", price: 399 },
  Ruffles: { category: "snacks", taxClass: "grocery", price: 499 },
  Gatorade: { category: "drinks", taxClass: "soft-drink", price: 799 },
  Pringles: { category: "snacks", taxClass: "grocery", price: 249 },
  Mayonnaise: { category: "pantry", taxClass: "grocery", price: 499 },
  "Koolaid Fruit Punch": { category: "drinks", taxClass: "soft-drink", price: 49 },
  "Extra Peppermint Gum": { category: "candy", taxClass: "candy", price: 149 },
  "Finish Dishwasher Tablet": { category: "cleaning", taxClass: "general", price: 1299 },
  "Mountain Dew 6 Pack": { category: "drinks", taxClass: "soft-drink", price: 649 },
  "Canned Green Beans": { category: "pantry", taxClass: "grocery", price: 229 },
};

/** Loose produce sold by weight, under their IFPS PLU codes; demo prices per kg. */
const PRODUCE: { sku: string; name: string; plu: string; pricePerKg: number; family?: string }[] = [
  { sku: "bananas", name: "Bananas", plu: "4011", pricePerKg: 139, family: "banana" },
  { sku: "bananas-organic", name: "Organic bananas", plu: "94011", pricePerKg: 189, family: "banana" },
  { sku: "apples-honeycrisp", name: "Honeycrisp apples", plu: "3283", pricePerKg: 549, family: "apple" },
  {
    sku: "apples-red-delicious",
    name: "Red Delicious apples",
    plu: "4016",
    pricePerKg: 349,
    family: "apple",
  },
  { sku: "apples-gala", name: "Gala apples", plu: "4133", pricePerKg: 439, family: "apple" },
  { sku: "onions-yellow", name: "Yellow onions", plu: "4093", pricePerKg: 219 },
  { sku: "potatoes-russet", name: "Russet potatoes", plu: "4072", pricePerKg: 199 },
  { sku: "tomatoes-on-the-vine", name: "Tomatoes on the vine", plu: "4664", pricePerKg: 659 },
];

/**
 * Two age-restricted look-alike cans the sources lack. Their weights are NOMINAL (a filled
 * 12 fl oz aluminium can, about 355 g of beer + 15 g can), not measured; their barcodes use the
 * GS1 restricted-circulation prefix 04 (in-store codes), so they can never collide with a real
 * product's GTIN.
 */
const NOMINAL_AGE_RESTRICTED: Product[] = [
  {
    sku: "lager-12oz-can",
    name: "Lager beer 12 fl oz can (demo item)",
    gtin: `0${withCheck("040000000001")}`,
    soldBy: "unit",
    price: 249,
    weight: { mean: 370, sd: 2.5 },
    taxClass: "alcohol",
    ageRestricted: true,
    lookalikes: ["lager-lime-12oz-can"],
    category: "alcohol",
    pack: { shape: "can", colour: "silver" },
  },
  {
    sku: "lager-lime-12oz-can",
    name: "Lager beer with lime 12 fl oz can (demo item)",
    gtin: `0${withCheck("040000000002")}`,
    soldBy: "unit",
    price: 249,
    weight: { mean: 370, sd: 2.5 },
    taxClass: "alcohol",
    ageRestricted: true,
    lookalikes: ["lager-12oz-can"],
    category: "alcohol",
    pack: { shape: "can", colour: "green" },
  },
];

function withCheck(body12: string): string {
  return body12 + gs1CheckDigit(body12);
}

/** Builds the catalog from the two sources' records; pure and deterministic. */
export function buildDemoCatalog(aim3s: readonly Aim3sProduct[], intel: readonly IntelProduct[]): Catalog {
  const products: Product[] = [];
  const usedSkus = new Set<string>(NOMINAL_AGE_RESTRICTED.map((p) => p.sku));
  const usedGtins = new Set<string>(NOMINAL_AGE_RESTRICTED.map((p) => p.gtin!));
  const uniqueSku = (name: string) => {
    const base = slugify(name) || "item";
    let sku = base;
    for (let n = 2; usedSkus.has(sku); n++) sku = `${base}-${n}`;
    usedSkus.add(sku);
    return sku;
  };
  const gtinOnce = (raw: string) => {
    const g = sourceGtin(raw);
    if (!g || usedGtins.has(g)) return undefined;
    usedGtins.add(g);
    return g;
  };

  const measured = aim3s.filter((p) => p.weights.some((w) => w > 0));
  const spreads = measured.filter((p) => p.weights.length > 1).map((p) => sampleSd(p.weights));
  const typicalSd = spreads.length > 0 ? median(spreads) : 1.6;
  const skuById = new Map<number, string>();
  for (const p of measured) {
    const ws = p.weights.filter((w) => w > 0);
    const mean = ws.reduce((a, b) => a + b, 0) / ws.length;
    const sd = ws.length > 1 ? Math.max(sampleSd(ws), MIN_SD_G) : typicalSd;
    const category = aim3sCategory(p.id);
    const sku = uniqueSku(p.name);
    skuById.set(p.id, sku);
    const product: Product = {
      sku,
      name: p.name,
      soldBy: "unit",
      price: aim3sDemoPrice(category, mean),
      weight: { mean: round1(mean), sd: round1(sd) },
      taxClass: category === "candy" ? "candy" : "general",
      ageRestricted: false,
      lookalikes: [],
      category,
      pack: { shape: category === "candy" ? "bar" : category === "cleaning" ? "bottle" : "box" },
    };
    const gtin = gtinOnce(p.barcode);
    if (gtin) product.gtin = gtin;
    products.push(product);
  }
  for (const family of AIM3S_FAMILIES) {
    const skus = family.map((id) => skuById.get(id)).filter((s): s is string => s !== undefined);
    for (const sku of skus) {
      const p = products.find((x) => x.sku === sku)!;
      p.lookalikes = skus.filter((s) => s !== sku);
    }
  }

  for (const p of intel) {
    const info = INTEL_INFO[p.name] ?? { category: "general", taxClass: "general", price: 499 };
    const lo = Math.min(p.min_weight, p.max_weight) * 1000;
    const hi = Math.max(p.min_weight, p.max_weight) * 1000;
    if (!(hi > 0)) continue;
    const product: Product = {
      sku: uniqueSku(p.name),
      name: p.name,
      soldBy: "unit",
      price: info.price,
      weight: { mean: round1((lo + hi) / 2), sd: round1(Math.max((hi - lo) / 4, MIN_SD_G)) },
      taxClass: info.taxClass,
      ageRestricted: info.ageRestricted ?? false,
      lookalikes: [],
      category: info.category,
    };
    const gtin = gtinOnce(p.barcode);
    if (gtin) product.gtin = gtin;
    products.push(product);
  }

  for (const p of PRODUCE) {
    usedSkus.add(p.sku);
    products.push({
      sku: p.sku,
      name: p.name,
      plu: p.plu,
      soldBy: "weight",
      pricePerKg: p.pricePerKg,
      taxClass: "grocery",
      ageRestricted: false,
      lookalikes: PRODUCE.filter((q) => q.family && q.family === p.family && q.sku !== p.sku).map(
        (q) => q.sku,
      ),
      category: "produce",
    });
  }
  products.push(...NOMINAL_AGE_RESTRICTED.map((p) => ({ ...p, lookalikes: [...p.lookalikes] })));

  const issues = validateProducts(products);
  if (issues.length > 0) {
    throw new Error(`demo catalog is invalid: ${issues.map((i) => `${i.path}: ${i.message}`).join("; ")}`);
  }
  return indexCatalog("USD", products);
}

/** The demo catalog from the real data in `dataDir` (default: SKIPLANE_DATA_DIR or ../shared/data). */
export function loadDemoCatalog(dataDir: string = defaultDataDir()): Catalog {
  return buildDemoCatalog(readAim3s(dataDir), readIntelRtsf(dataDir));
}

/** catalog.json (exchange-v1 §3) of the demo catalog, with a notice that prices are demo prices. */
export function demoCatalogJson(catalog: Catalog): Record<string, unknown> {
  return { notice: DEMO_PRICE_NOTICE, ...catalogToJson(catalog) };
}

export function writeDemoCatalog(path: string, dataDir?: string): Catalog {
  const catalog = loadDemoCatalog(dataDir);
  writeFileSync(path, `${JSON.stringify(demoCatalogJson(catalog), null, 2)}\n`);
  return catalog;
}
