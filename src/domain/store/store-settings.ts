/**
 * A store's pricing configuration: currency, tax regime and rates, active promotions. Data
 * only; files in `demo/` and `docs/store-config.md` show the JSON form read by
 * src/adapters/files/store-config-file.ts.
 */
import type { StoredPromotion } from "../promotions/promotion.types";
import type { TaxSettings } from "../tax/tax-settings";

export type { StoredPromotion } from "../promotions/promotion.types";
export type { TaxMode, TaxRate, TaxSettings } from "../tax/tax-settings";

export interface StoreSettings {
  /** ISO 4217; must match the catalog's currency */
  currency: string;
  tax: TaxSettings;
  promotions: StoredPromotion[];
  /** display name on receipts */
  name?: string;
}

/**
 * US demo store: sales tax added on top. Rates are demo values shaped like a real state (e.g.
 * Illinois: general merchandise ~8–10 %, groceries at a reduced 1 %, candy and soft drinks at the
 * general rate); they are not any jurisdiction's current rates.
 */
export const US_SALES_TAX: TaxSettings = {
  mode: "exclusive",
  name: "Sales tax",
  classes: {
    general: { rateBps: 825, label: "Sales tax 8.25%", mark: "T" },
    grocery: { rateBps: 100, label: "Sales tax (grocery) 1%", mark: "F" },
    candy: { rateBps: 825, label: "Sales tax 8.25%", mark: "T" },
    "soft-drink": { rateBps: 825, label: "Sales tax 8.25%", mark: "T" },
    alcohol: { rateBps: 825, label: "Sales tax 8.25%", mark: "T" },
    tobacco: { rateBps: 825, label: "Sales tax 8.25%", mark: "T" },
    exempt: { rateBps: 0, label: "Exempt", mark: "N" },
  },
  fallbackClass: "general",
};

/** UK VAT (included in shelf prices): standard 20 %, reduced 5 %, zero-rated food. */
export const UK_VAT: TaxSettings = {
  mode: "inclusive",
  name: "VAT",
  classes: {
    standard: { rateBps: 2000, label: "VAT 20%", mark: "A" },
    reduced: { rateBps: 500, label: "VAT 5%", mark: "B" },
    zero: { rateBps: 0, label: "VAT 0%", mark: "Z" },
  },
};

/** Australian GST (included): 10 %, with basic food GST-free. */
export const AU_GST: TaxSettings = {
  mode: "inclusive",
  name: "GST",
  classes: {
    taxable: { rateBps: 1000, label: "GST 10%", mark: "*" },
    "gst-free": { rateBps: 0, label: "GST-free", mark: "" },
  },
};

export const DEFAULT_STORE_SETTINGS: StoreSettings = {
  currency: "USD",
  tax: US_SALES_TAX,
  promotions: [],
  name: "Skiplane demo store",
};
