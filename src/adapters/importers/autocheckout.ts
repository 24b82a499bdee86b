/**
 * Importer for the AiFi "AutoCheckout" competition format (CPS-IoT Week 2020): a planogram
 * (`products.csv`: `Name,Gondola,Shelf,Plate,Weight,Price,Image`) and one recording per shelf
 * weight plate (`plates/gondola_G_shelf_S_plate_P.csv`: `unix_seconds,grams`, 60 Hz). It writes
 * the exchange-v1 files the rest of Skiplane reads: `catalog.json` (§3), `layout.json` (§1,
 * walk-out layout) and `log.jsonl` (§1 `plate` events), and, from the competition's hand labels
 * (`ground-truth-v14.json`), `truth.jsonl` (§2) plus synthesised `gate.in`/`gate.out` events.
 *
 * Decisions (see docs/walkout.md):
 * - skus are slugs of the product names (the CSV has no codes); the same name on several plates
 *   is one product; a later row with a different name but the same slug gets a `-2` suffix.
 * - unit weight sd = max(1.6 g, 2.5 % of the mean): the AIM3S unit-by-unit weighings
 *   (../shared/data/aim3s) have a median sd of 1.6 g and a relative spread of 1.3 % (median) to
 *   2.9 % (75th percentile); the competition gives one number per product, so we take a value
 *   near the upper quartile rather than pretend to know the spread.
 * - geometry (metres): gondolas stand side by side along x, 1.22 m wide (a standard 4-ft
 *   section) with 0.10 m between them; shelves stack in z from 0.15 m, 0.30 m apart; the plates
 *   of a shelf split its width equally along x; plate centres are 0.25 m behind the shelf front,
 *   which faces the aisle at y = 0 (shoppers stand at y < 0). The recording holds no geometry,
 *   so this is plausible, not measured.
 * - plate samples are batched one second at a time (`hz` = the file's rate, 60); each batch's
 *   `t` is the real timestamp of its first sample, so clock jitter never accumulates.
 * - the recording has no gate or track events: with `--truth`, each labelled shopper gets a
 *   `gate.in` at the first sample and a `gate.out` after the last one (synthesised, and said so).
 *
 * Bad lines (unparsable numbers, unknown file names) are counted and skipped, never fatal.
 */
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { PlateEvent, StoreEvent, StoreLayout, TruthLine } from "../../domain/events/sensor-events";

export interface AutocheckoutProductRow {
  name: string;
  gondola: number;
  shelf: number;
  plate: number;
  weight: number;
  price: number;
}

export interface CatalogFileProduct {
  sku: string;
  name: string;
  price: number;
  soldBy: "unit";
  weight: { mean: number; sd: number };
  taxClass: string;
  ageRestricted: boolean;
}

export interface CatalogFile {
  currency: string;
  products: CatalogFileProduct[];
}

export const GEOMETRY = {
  gondolaWidth: 1.22,
  gondolaGap: 0.1,
  shelfZ0: 0.15,
  shelfStep: 0.3,
  plateDepth: 0.25,
} as const;

/** Minimal RFC 4180 CSV: quoted fields with "" escapes, CRLF or LF. */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = "";
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"') {
        if (text[i + 1] === '"') {
          field += '"';
          i++;
        } else quoted = false;
      } else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ",") {
      row.push(field);
      field = "";
    } else if (c === "\n" || c === "\r") {
      if (c === "\r" && text[i + 1] === "\n") i++;
      row.push(field);
      field = "";
      if (row.length > 1 || row[0] !== "") rows.push(row);
      row = [];
    } else field += c;
  }
  if (field !== "" || row.length > 0) {
    row.push(field);
    rows.push(row);
  }
  return rows;
}

export function slugify(name: string): string {
  const s = name
    .normalize("NFKD")
    .replace(/[\u0300-\u036f]/g, "")
    .toLowerCase()
    .replace(/(^|[^0-9])\.(\d)/g, "$10.$2")
    .replace(/&/g, " and ")
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "");
  return (s || "product").slice(0, 60).replace(/-+$/, "");
}

export interface ProductsParse {
  rows: AutocheckoutProductRow[];
  rejected: number;
}

export function parseProductsCsv(text: string): ProductsParse {
  const all = parseCsv(text);
  if (all.length === 0) return { rows: [], rejected: 0 };
  const header = all[0].map((h) => h.trim().toLowerCase());
  const col = (n: string) => header.indexOf(n);
  const [iName, iG, iS, iP, iW, iPr] = ["name", "gondola", "shelf", "plate", "weight", "price"].map(col);
  if ([iName, iG, iS, iP, iW].some((i) => i < 0)) {
    throw new Error("products.csv: expected a header with Name,Gondola,Shelf,Plate,Weight");
  }
  const rows: AutocheckoutProductRow[] = [];
  let rejected = 0;
  for (const r of all.slice(1)) {
    const name = (r[iName] ?? "").trim();
    const nums = [r[iG], r[iS], r[iP], r[iW]].map((x) => Number(x));
    const price = iPr >= 0 ? Number(r[iPr]) : 0;
    if (!name || nums.some((n) => !Number.isFinite(n))) {
      rejected++;
      continue;
    }
    rows.push({
      name,
      gondola: nums[0],
      shelf: nums[1],
      plate: nums[2],
      weight: nums[3],
      price: Number.isFinite(price) && price >= 0 ? price : 0,
    });
  }
  return { rows, rejected };
}

export function unitWeightSd(mean: number): number {
  return Math.round(Math.max(1.6, 0.025 * mean) * 10) / 10;
}

/** Catalog + name→sku map. Products with no positive weight in any row are left out (counted). */
export function buildCatalog(rows: AutocheckoutProductRow[]): {
  catalog: CatalogFile;
  skuByName: Map<string, string>;
  skipped: string[];
} {
  const byName = new Map<string, AutocheckoutProductRow>();
  for (const r of rows) {
    const prev = byName.get(r.name);
    // the same name appears once per plate; a row with a real weight wins over a 0 placeholder
    if (!prev || (prev.weight <= 0 && r.weight > 0)) byName.set(r.name, r);
  }
  const used = new Set<string>();
  const skuByName = new Map<string, string>();
  const products: CatalogFileProduct[] = [];
  const skipped: string[] = [];
  for (const [name, r] of byName) {
    if (!(r.weight > 0)) {
      skipped.push(name);
      continue;
    }
    const base = slugify(name);
    let sku = base;
    for (let n = 2; used.has(sku); n++) sku = `${base}-${n}`;
    used.add(sku);
    skuByName.set(name, sku);
    const mean = Math.round(r.weight * 100) / 100;
    products.push({
      sku,
      name,
      price: Math.round(r.price * 100),
      soldBy: "unit",
      weight: { mean, sd: unitWeightSd(mean) },
      taxClass: "general",
      ageRestricted: false,
    });
  }
  return { catalog: { currency: "USD", products }, skuByName, skipped };
}

export interface PlateKey {
  gondola: number;
  shelf: number;
  plate: number;
}
const keyOf = (k: PlateKey) => `${k.gondola}/${k.shelf}/${k.plate}`;

/** Plate positions for every plate in the planogram or the recording (see GEOMETRY). */
export function buildLayout(
  rows: AutocheckoutProductRow[],
  skuByName: Map<string, string>,
  recorded: PlateKey[],
): StoreLayout {
  const plates = new Map<string, PlateKey & { skus: string[] }>();
  const add = (k: PlateKey) => {
    const id = keyOf(k);
    let p = plates.get(id);
    if (!p) {
      p = { gondola: k.gondola, shelf: k.shelf, plate: k.plate, skus: [] };
      plates.set(id, p);
    }
    return p;
  };
  for (const k of recorded) add(k);
  for (const r of rows) {
    if (r.gondola < 1 || r.shelf < 1 || r.plate < 1) continue;
    const sku = skuByName.get(r.name);
    const p = add(r);
    if (sku && !p.skus.includes(sku)) p.skus.push(sku);
  }
  const perShelf = new Map<string, number>();
  for (const p of plates.values()) {
    const s = `${p.gondola}/${p.shelf}`;
    perShelf.set(s, Math.max(perShelf.get(s) ?? 0, p.plate));
  }
  const g = GEOMETRY;
  const round = (v: number) => Math.round(v * 1000) / 1000;
  const out = [...plates.values()]
    .sort((a, b) => a.gondola - b.gondola || a.shelf - b.shelf || a.plate - b.plate)
    .map((p) => {
      const n = perShelf.get(`${p.gondola}/${p.shelf}`) ?? 1;
      const x0 = (p.gondola - 1) * (g.gondolaWidth + g.gondolaGap);
      return {
        gondola: p.gondola,
        shelf: p.shelf,
        plate: p.plate,
        x: round(x0 + ((p.plate - 0.5) * g.gondolaWidth) / n),
        y: g.plateDepth,
        z: round(g.shelfZ0 + (p.shelf - 1) * g.shelfStep),
        skus: p.skus,
      };
    });
  return { plates: out };
}

export const PLATE_FILE = /^gondola_(\d+)_shelf_(\d+)_plate_(\d+)\.csv$/;

export interface PlateRecording extends PlateKey {
  /** seconds since the epoch */
  times: number[];
  grams: number[];
  rejected: number;
}

export function parsePlateCsv(key: PlateKey, text: string): PlateRecording {
  const times: number[] = [];
  const grams: number[] = [];
  let rejected = 0;
  for (const line of text.split(/\r?\n/)) {
    if (!line.trim()) continue;
    const [a, b] = line.split(",");
    const t = Number(a);
    const w = Number(b);
    // timestamps jitter (a sample may carry a time a few ms before the previous one): the file
    // order is the sampling order, so only non-numbers are refused
    if (!Number.isFinite(t) || !Number.isFinite(w)) {
      rejected++;
      continue;
    }
    times.push(t);
    grams.push(w);
  }
  return { ...key, times, grams, rejected };
}

/** Batches of `batch` samples; each batch's t is its first sample's real time (ms). */
export function plateEvents(rec: PlateRecording, store: string, hz: number, batch: number): PlateEvent[] {
  const out: PlateEvent[] = [];
  for (let i = 0; i < rec.grams.length; i += batch) {
    out.push({
      v: 1,
      t: Math.round(rec.times[i] * 1e6) / 1e3,
      type: "plate",
      store,
      gondola: rec.gondola,
      shelf: rec.shelf,
      plate: rec.plate,
      grams: rec.grams.slice(i, i + batch),
      hz,
    });
  }
  return out;
}

/** The competition's ground-truth JSON (only the fields we use). */
interface GroundTruthCase {
  dataset: string;
  events: {
    observation: {
      products: { name: string; weight?: number }[];
      target_id: string;
      time?: string;
      position?: { gondola: number; shelf: number; plates: number[] };
    };
    putback: number;
  }[];
}

export interface LabelledAction {
  shopper: string;
  sku: string;
  name: string;
  putback: boolean;
  /** ms since epoch when the label carries a plain date-time, else undefined */
  t?: number;
  gondola?: number;
  shelf?: number;
  plates?: number[];
}

/** `2020-01-28_22-24-15` (UTC) → ms; the other label styles of the file are left undefined. */
export function parseLabelTime(s: string | undefined): number | undefined {
  const m = /(\d{4})-(\d{2})-(\d{2})_(\d{2})-(\d{2})-(\d{2})$/.exec(s ?? "");
  if (!m) return undefined;
  const [y, mo, d, h, mi, se] = m.slice(1).map(Number);
  return Date.UTC(y, mo - 1, d, h, mi, se);
}

export function readGroundTruthCases(json: unknown): GroundTruthCase[] {
  const lists = (json as { lists?: unknown })?.lists;
  if (!Array.isArray(lists)) throw new Error('ground truth: expected {"lists": [...]}');
  return lists as GroundTruthCase[];
}

export function labelledActions(
  c: GroundTruthCase,
  skuByName: Map<string, string>,
): { actions: LabelledAction[]; unknown: string[] } {
  const actions: LabelledAction[] = [];
  const unknown: string[] = [];
  for (const e of c.events ?? []) {
    const o = e.observation;
    for (const p of o.products ?? []) {
      const sku = skuByName.get(p.name) ?? skuByName.get(p.name.trim());
      if (!sku) {
        unknown.push(p.name);
        continue;
      }
      actions.push({
        shopper: `ac-${o.target_id}`,
        sku,
        name: p.name,
        putback: e.putback === 1,
        t: parseLabelTime(o.time),
        gondola: o.position?.gondola,
        shelf: o.position?.shelf,
        plates: o.position?.plates,
      });
    }
  }
  return { actions, unknown };
}

/** The store alone (catalogue and layout, no recording): what the walk-out simulator stocks. */
export function readAutocheckoutStore(dir: string): { catalog: CatalogFile; layout: StoreLayout } {
  const products = parseProductsCsv(readFileSync(join(dir, "products.csv"), "utf8"));
  const { catalog, skuByName } = buildCatalog(products.rows);
  const recorded: PlateKey[] = [];
  for (const f of readdirSync(join(dir, "plates")).sort()) {
    const m = PLATE_FILE.exec(f);
    if (m) recorded.push({ gondola: Number(m[1]), shelf: Number(m[2]), plate: Number(m[3]) });
  }
  return { catalog, layout: buildLayout(products.rows, skuByName, recorded) };
}

export interface ImportOptions {
  dir: string;
  outDir: string;
  store?: string;
  truthFile?: string;
  caseName?: string;
  /** samples per plate event (default: one second's worth) */
  batch?: number;
  hz?: number;
}

export interface ImportSummary {
  products: number;
  skippedProducts: number;
  plates: number;
  samples: number;
  events: number;
  rejectedLines: number;
  ignoredFiles: number;
  sessions: number;
  unknownLabelledProducts: string[];
  startT: number;
  endT: number;
}

export function importAutocheckout(opts: ImportOptions): ImportSummary {
  const store = opts.store ?? "autocheckout";
  const hz = opts.hz ?? 60;
  const batch = opts.batch ?? hz;
  const products = parseProductsCsv(readFileSync(join(opts.dir, "products.csv"), "utf8"));
  const { catalog, skuByName, skipped } = buildCatalog(products.rows);

  const plateDir = join(opts.dir, "plates");
  const recordings: PlateRecording[] = [];
  let ignoredFiles = 0;
  for (const f of readdirSync(plateDir).sort()) {
    const m = PLATE_FILE.exec(f);
    if (!m) {
      ignoredFiles++;
      continue;
    }
    const key = { gondola: Number(m[1]), shelf: Number(m[2]), plate: Number(m[3]) };
    recordings.push(parsePlateCsv(key, readFileSync(join(plateDir, f), "utf8")));
  }
  const layout = buildLayout(products.rows, skuByName, recordings);

  const events: StoreEvent[] = [];
  let samples = 0;
  let rejectedLines = products.rejected;
  for (const r of recordings) {
    samples += r.grams.length;
    rejectedLines += r.rejected;
    events.push(...plateEvents(r, store, hz, batch));
  }
  const firsts = recordings.filter((r) => r.times.length).map((r) => r.times[0] * 1000);
  const lasts = recordings.filter((r) => r.times.length).map((r) => r.times[r.times.length - 1] * 1000);
  const startT = Math.floor(Math.min(...firsts));
  const endT = Math.ceil(Math.max(...lasts));

  let sessions = 0;
  let unknownLabelledProducts: string[] = [];
  const truth: TruthLine[] = [];
  if (opts.truthFile) {
    if (!opts.caseName) throw new Error("--truth needs --case NAME (e.g. cps-test-01)");
    const cases = readGroundTruthCases(JSON.parse(readFileSync(opts.truthFile, "utf8")));
    const c = cases.find((x) => x.dataset === opts.caseName);
    if (!c) throw new Error(`ground truth has no case ${JSON.stringify(opts.caseName)}`);
    const { actions, unknown } = labelledActions(c, skuByName);
    unknownLabelledProducts = unknown;
    const shoppers = [...new Set(actions.map((a) => a.shopper))];
    shoppers.forEach((shopper, i) => {
      const session = `s-${opts.caseName}-${i + 1}`;
      // synthesised: the recording has no gate events (see the header)
      events.push({ v: 1, t: startT - 1, type: "gate.in", store, session, shopper });
      events.push({ v: 1, t: endT + 1, type: "gate.out", store, shopper });
      const counts = new Map<string, number>();
      for (const a of actions.filter((x) => x.shopper === shopper)) {
        counts.set(a.sku, (counts.get(a.sku) ?? 0) + (a.putback ? -1 : 1));
      }
      truth.push({
        session,
        items: [...counts]
          .filter(([, q]) => q > 0)
          .sort(([a], [b]) => a.localeCompare(b))
          .map(([sku, qty]) => ({ sku, qty })),
        weighed: [],
      });
    });
    sessions = shoppers.length;
  }

  const order: Record<StoreEvent["type"], number> = { "gate.in": 0, track: 1, plate: 2, "gate.out": 3 };
  events.sort((a, b) => {
    if (a.t !== b.t) return a.t - b.t;
    if (a.type !== b.type) return order[a.type] - order[b.type];
    if (a.type === "plate" && b.type === "plate") {
      return a.gondola - b.gondola || a.shelf - b.shelf || a.plate - b.plate;
    }
    return 0;
  });

  mkdirSync(opts.outDir, { recursive: true });
  writeFileSync(join(opts.outDir, "catalog.json"), `${JSON.stringify(catalog, null, 2)}\n`);
  writeFileSync(join(opts.outDir, "layout.json"), `${JSON.stringify(layout, null, 2)}\n`);
  writeFileSync(join(opts.outDir, "log.jsonl"), events.map((e) => JSON.stringify(e)).join("\n") + "\n");
  if (opts.truthFile) {
    writeFileSync(join(opts.outDir, "truth.jsonl"), truth.map((l) => JSON.stringify(l)).join("\n") + "\n");
  }
  return {
    products: catalog.products.length,
    skippedProducts: skipped.length,
    plates: recordings.length,
    samples,
    events: events.length,
    rejectedLines,
    ignoredFiles,
    sessions,
    unknownLabelledProducts,
    startT,
    endT,
  };
}
