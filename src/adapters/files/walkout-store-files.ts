/**
 * A walk-out store's catalog and layout, read at start from the files its configuration names:
 * `catalog.json` + `layout.json`, or an AutoCheckout directory (`products.csv` for catalog and
 * planogram, `plates/` for the plates present) through the AutoCheckout importer. Nothing is
 * copied: the data stays where it is and is read at run time.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import type { Catalog } from "../../domain/catalog/product";
import type { StoreLayout } from "../../domain/events/sensor-events";
import { readAutocheckoutStore } from "../importers/autocheckout";
import { formatIssue, loadCatalogFile, parseCatalog } from "./catalog-file";
import { loadLayoutFile } from "./layout-file";

export type WalkoutStoreSource = { catalog: string; layout: string } | { autocheckout: string };

export function loadWalkoutStoreFiles(source: WalkoutStoreSource): { catalog: Catalog; layout: StoreLayout } {
  if ("autocheckout" in source) {
    const dir = source.autocheckout;
    if (!existsSync(join(dir, "products.csv")))
      throw new Error(`${dir}: not an AutoCheckout store directory (no products.csv)`);
    const s = readAutocheckoutStore(dir);
    const r = parseCatalog(s.catalog);
    if (!r.ok) throw new Error(`${dir}: imported catalog invalid:\n${r.issues.map(formatIssue).join("\n")}`);
    return { catalog: r.catalog, layout: s.layout };
  }
  return { catalog: loadCatalogFile(source.catalog), layout: loadLayoutFile(source.layout) };
}
