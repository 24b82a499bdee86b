/**
 * How a store taxes goods. Two regimes cover the markets we ship demos for:
 * - `exclusive` (US sales tax): shelf prices are net; tax is added on top at checkout.
 * - `inclusive` (UK VAT, Australian GST, EU VAT): shelf prices already include the tax; the
 *   receipt shows the tax contained in them, gross × rate / (1 + rate).
 * Each product's `taxClass` maps to a rate in basis points; a class with rate 0 is zero-rated
 * (still shown on the receipt with its base).
 */
export type TaxMode = "exclusive" | "inclusive";

export interface TaxRate {
  /** basis points: 825 = 8.25 % */
  rateBps: number;
  /** shown on the receipt, e.g. "VAT 20%", "Sales tax (grocery)" */
  label?: string;
  /** short code printed beside each line, as tills do ("A", "Z", "T") */
  mark?: string;
}

export interface TaxSettings {
  mode: TaxMode;
  /** the tax's name on the receipt: "Sales tax", "VAT", "GST" */
  name: string;
  /** taxClass → rate */
  classes: Record<string, TaxRate>;
  /** class used for products whose taxClass is not listed; absent = such a product is an error */
  fallbackClass?: string;
}
