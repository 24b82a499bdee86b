/**
 * The demo walk-out store: the AutoCheckout competition's store (`autocheckout-cps-test-01` in
 * the shared data: its products.csv gives catalog and planogram, its plates the layout), with
 * demo API keys and three devices — the entry gate, the ceiling tracker and the shelf plate
 * controllers. Credentials are made at first start and kept in a 0600 file beside the cart
 * demo's, so a restart prints the same ones; re-made when the database no longer knows them.
 */
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import type { ApiRole } from "../../app/ports/read-models";
import type { DeviceRegistry } from "../../app/walkout-stream/device-registry";
import { type Catalog, indexCatalog } from "../../domain/catalog/product";
import { loadWalkoutStoreFiles } from "../files/walkout-store-files";
import { apiKeyHash } from "../http/tokens";
import { defaultDataDir } from "./data-dir";

export const DEMO_WALKOUT_SOURCE = "autocheckout-cps-test-01";
export const DEMO_DEVICES = [
  { device: "gate-1", label: "entry/exit gate" },
  { device: "tracker-1", label: "ceiling camera tracker" },
  { device: "plates-1", label: "shelf plate controllers" },
] as const;

export interface DemoWalkoutCredentials {
  store: string;
  apiKeys: Record<"admin" | "operator" | "reviewer", string>;
  devices: { device: string; username: string; secret: string }[];
}

/** The AutoCheckout directory the demo walk-out store is built from (undefined when absent). */
export function demoWalkoutDir(dataDir = defaultDataDir()): string | undefined {
  const dir = join(dataDir, DEMO_WALKOUT_SOURCE);
  return existsSync(join(dir, "products.csv")) ? dir : undefined;
}

/**
 * AutoCheckout's products.csv has no real prices: its `Price` column is 1 for 347 of the 380
 * products, and 0, 2, 3, 4, 9, 11 or 10,000 for the rest (19 at 0) — placeholders, and no source
 * we have prices these products (docs/demo-catalog.md, "The demo walk-out store"). The demo does
 * not make prices up, nor pass these off as prices: it keeps the data's value and says so where
 * a price is shown, in the product's name, which every screen and receipt prints beside the
 * price (as the cart demo's made-up beer cans carry "(demo item)").
 */
export const PLACEHOLDER_PRICE_MARK = "(placeholder price)";

/** The catalog with every product's name marked: its price is a placeholder. */
export function markPlaceholderPrices(catalog: Catalog): Catalog {
  const products = catalog.products.map((p) =>
    p.name.endsWith(PLACEHOLDER_PRICE_MARK) ? p : { ...p, name: `${p.name} ${PLACEHOLDER_PRICE_MARK}` },
  );
  return indexCatalog(catalog.currency, products);
}

/** The demo walk-out store's catalog and layout, from the AutoCheckout directory `dir`. */
export function demoWalkoutStoreFiles(dir: string): ReturnType<typeof loadWalkoutStoreFiles> {
  const files = loadWalkoutStoreFiles({ autocheckout: dir });
  return { ...files, catalog: markPlaceholderPrices(files.catalog) };
}

/** `.data/demo-credentials.json` → `.data/demo-credentials-walkout.json` */
export function demoWalkoutKeysFile(cartKeysFile: string): string {
  return cartKeysFile.endsWith(".json")
    ? `${cartKeysFile.slice(0, -5)}-walkout.json`
    : `${cartKeysFile}-walkout`;
}

export async function seedDemoWalkout(o: {
  store: string;
  file: string;
  findKey: (hash: string) => Promise<unknown>;
  devices: DeviceRegistry;
  createApiKey: (store: string, role: ApiRole, label: string) => Promise<string>;
  provisionDevice: (
    store: string,
    device: string,
    label: string,
  ) => Promise<{ username: string; secret: string }>;
}): Promise<DemoWalkoutCredentials> {
  if (existsSync(o.file)) {
    try {
      const saved = JSON.parse(readFileSync(o.file, "utf8")) as DemoWalkoutCredentials;
      const known = await o.devices.list(o.store);
      if (
        saved.store === o.store &&
        (await o.findKey(apiKeyHash(saved.apiKeys.admin))) &&
        saved.devices.every((d) => known.some((k) => k.device === d.device && !k.revoked))
      ) {
        return saved;
      }
    } catch {
      // unreadable: make new ones below
    }
  }
  const creds: DemoWalkoutCredentials = {
    store: o.store,
    apiKeys: {
      admin: await o.createApiKey(o.store, "admin", "demo walk-out admin"),
      operator: await o.createApiKey(o.store, "operator", "demo walk-out operator"),
      reviewer: await o.createApiKey(o.store, "reviewer", "demo walk-out reviewer"),
    },
    devices: [],
  };
  for (const d of DEMO_DEVICES) {
    const p = await o.provisionDevice(o.store, d.device, d.label);
    creds.devices.push({ device: d.device, ...p });
  }
  mkdirSync(dirname(o.file), { recursive: true });
  writeFileSync(o.file, `${JSON.stringify(creds, null, 2)}\n`, { mode: 0o600 });
  chmodSync(o.file, 0o600);
  return creds;
}
