/**
 * catalog.json (exchange-v1 §3) in and out. The JSON shape is checked with zod here, at the
 * edge; the catalog's own rules (duplicates, prices, look-alikes) are in the domain
 * (catalog.validation.ts). Every problem is reported with the path of the field, e.g.
 * `products[3].weight.sd: expected a number ≥ 0`, and all problems are reported at once.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { z } from "zod";
import { toGtin14 } from "../../domain/barcode/barcode";
import { type CatalogIssue, validateProducts } from "../../domain/catalog/catalog.validation";
import { type Catalog, indexCatalog, type Product } from "../../domain/catalog/product";
import { formatJsonSyntaxError, parseJsonText } from "./json-syntax";

export type { CatalogIssue } from "../../domain/catalog/catalog.validation";

const num = (what = "a number") =>
  z.number({ invalid_type_error: `expected ${what}`, required_error: "required" });
const money = num("an integer amount in minor units")
  .int("expected an integer amount in minor units")
  .nonnegative({
    message: "expected an integer amount in minor units ≥ 0",
  });
const str = (what = "a string") =>
  z.string({ invalid_type_error: `expected ${what}`, required_error: "required" });

const SKU = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$/;

const productSchema = z
  .object(
    {
      sku: str().regex(SKU, "expected letters, digits, '.', '_', ':' or '-' (at most 64)"),
      name: str().min(1, "expected a non-empty name").max(200, "expected at most 200 characters"),
      gtin: str("a string of digits").optional(),
      plu: str("a string of digits")
        .regex(/^\d{4,5}$/, "expected a 4- or 5-digit PLU / item reference")
        .optional(),
      price: money.optional(),
      pricePerKg: money.optional(),
      soldBy: z.enum(["unit", "weight"], {
        errorMap: () => ({ message: 'expected "unit" or "weight"' }),
      }),
      weight: z
        .object(
          {
            mean: num().positive("expected a number > 0"),
            sd: num().nonnegative("expected a number ≥ 0"),
          },
          { invalid_type_error: "expected an object {mean, sd}" },
        )
        .optional(),
      taxClass: str().min(1, "expected a non-empty tax class").optional(),
      ageRestricted: z.boolean({ invalid_type_error: "expected true or false" }).optional(),
      lookalikes: z.array(str(), { invalid_type_error: "expected an array of skus" }).optional(),
      category: str().min(1, "expected a non-empty category").optional(),
      image: str().optional(),
      pack: z
        .object(
          { shape: str().optional(), colour: str().optional() },
          { invalid_type_error: "expected an object" },
        )
        .optional(),
    },
    { invalid_type_error: "expected a product object" },
  )
  .passthrough();

const catalogSchema = z.object(
  {
    currency: str("an ISO 4217 code").regex(/^[A-Z]{3}$/, "expected an ISO 4217 code like USD"),
    products: z.array(z.unknown(), {
      invalid_type_error: "expected an array of products",
      required_error: "required",
    }),
  },
  { invalid_type_error: "expected a JSON object {currency, products}" },
);

export type CatalogParseResult = { ok: true; catalog: Catalog } | { ok: false; issues: CatalogIssue[] };

/** `["products", 3, "weight", "sd"]` → `products[3].weight.sd` */
export function formatPath(path: readonly (string | number)[]): string {
  let s = "";
  for (const p of path) s += typeof p === "number" ? `[${p}]` : s === "" ? p : `.${p}`;
  return s === "" ? "(root)" : s;
}

export function formatIssue(i: CatalogIssue): string {
  return `${i.path}: ${i.message}`;
}

/**
 * Checks the whole file and reports every problem: shape errors of each product, then the
 * catalog's rules over the products that could be read.
 */
export function parseCatalog(data: unknown): CatalogParseResult {
  const top = catalogSchema.safeParse(data);
  if (!top.success) {
    return {
      ok: false,
      issues: top.error.issues.map((i) => ({ path: formatPath(i.path), message: i.message })),
    };
  }
  const issues: CatalogIssue[] = [];
  const products: Product[] = [];
  const fileIndex: number[] = [];
  const unreadableSkus = new Set<string>();
  top.data.products.forEach((rawProduct, i) => {
    const parsed = productSchema.safeParse(rawProduct);
    if (!parsed.success) {
      for (const x of parsed.error.issues) {
        issues.push({ path: formatPath(["products", i, ...x.path]), message: x.message });
      }
      const sku = (rawProduct as { sku?: unknown } | null)?.sku;
      if (typeof sku === "string") unreadableSkus.add(sku);
      return;
    }
    const raw = parsed.data;
    let gtin: string | undefined;
    if (raw.gtin !== undefined) {
      gtin = toGtin14(raw.gtin);
      if (gtin === undefined) {
        issues.push({
          path: `products[${i}].gtin`,
          message: `expected a GTIN-8/12/13/14 with a valid check digit, got "${raw.gtin}"`,
        });
      }
    }
    const p: Product = {
      sku: raw.sku,
      name: raw.name,
      soldBy: raw.soldBy,
      taxClass: raw.taxClass ?? "general",
      ageRestricted: raw.ageRestricted ?? false,
      lookalikes: raw.lookalikes ?? [],
    };
    if (gtin !== undefined) p.gtin = gtin;
    if (raw.plu !== undefined) p.plu = raw.plu;
    if (raw.price !== undefined) p.price = raw.price;
    if (raw.pricePerKg !== undefined) p.pricePerKg = raw.pricePerKg;
    if (raw.weight !== undefined) p.weight = { mean: raw.weight.mean, sd: raw.weight.sd };
    if (raw.category !== undefined) p.category = raw.category;
    if (raw.image !== undefined) p.image = raw.image;
    if (raw.pack !== undefined) p.pack = { ...raw.pack };
    products.push(p);
    fileIndex.push(i);
  });
  const rules = validateProducts(products, (k) => fileIndex[k], unreadableSkus);
  issues.push(...rules.filter((x) => !issues.some((y) => y.path === x.path)));
  if (issues.length > 0) {
    const order = (path: string) => Number(/^products\[(\d+)\]/.exec(path)?.[1] ?? -1);
    issues.sort((a, b) => order(a.path) - order(b.path));
    return { ok: false, issues };
  }
  return { ok: true, catalog: indexCatalog(top.data.currency, products) };
}

export function parseCatalogJson(text: string): CatalogParseResult {
  const r = parseJsonText(text);
  if (!r.ok)
    return {
      ok: false,
      issues: [{ path: "(file)", message: `not valid JSON: ${formatJsonSyntaxError(r)}` }],
    };
  return parseCatalog(r.data);
}

/** Reads and checks a catalog file; file-system errors come back as an issue, never a throw. */
export function readCatalogFile(path: string): CatalogParseResult {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (err) {
    return {
      ok: false,
      issues: [{ path: "(file)", message: `cannot read ${path}: ${(err as Error).message}` }],
    };
  }
  return parseCatalogJson(text);
}

/** Reads a catalog or throws one Error listing every issue (for callers that cannot go on). */
export function loadCatalogFile(path: string): Catalog {
  const r = readCatalogFile(path);
  if (!r.ok) throw new Error(`invalid catalog ${path}:\n${r.issues.map(formatIssue).join("\n")}`);
  return r.catalog;
}

/** The exchange-v1 §3 JSON of a catalog (stable field order). */
export function catalogToJson(catalog: Catalog): { currency: string; products: Record<string, unknown>[] } {
  return {
    currency: catalog.currency,
    products: catalog.products.map((p) => {
      const o: Record<string, unknown> = { sku: p.sku, name: p.name };
      if (p.gtin !== undefined) o.gtin = p.gtin;
      if (p.plu !== undefined) o.plu = p.plu;
      if (p.price !== undefined) o.price = p.price;
      if (p.pricePerKg !== undefined) o.pricePerKg = p.pricePerKg;
      o.soldBy = p.soldBy;
      if (p.weight !== undefined) o.weight = { mean: p.weight.mean, sd: p.weight.sd };
      o.taxClass = p.taxClass;
      o.ageRestricted = p.ageRestricted;
      if (p.lookalikes.length > 0) o.lookalikes = [...p.lookalikes];
      if (p.category !== undefined) o.category = p.category;
      if (p.image !== undefined) o.image = p.image;
      if (p.pack !== undefined) o.pack = { ...p.pack };
      return o;
    }),
  };
}

export function writeCatalogFile(path: string, catalog: Catalog): void {
  writeFileSync(path, `${JSON.stringify(catalogToJson(catalog), null, 2)}\n`);
}
