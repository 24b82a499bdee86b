/**
 * A priced receipt. Prices are never overwritten: a line keeps its unit price and quantity (or
 * price per kg and grams) and a list of adjustments. Invariants (tested in
 * price-basket.property.unit.test.ts):
 *   line.total = line.amount + Σ promotion adjustments + Σ tax adjustments not included
 *   total = Σ line.total = subtotal − discountTotal + (exclusive tax ? taxTotal : 0)
 */
import type { TaxMode } from "../tax/tax-settings";

export type ReceiptAdjustment =
  | {
      type: "promotion";
      /** the stored promotion's id */
      code: string;
      label: string;
      /** ≤ 0, minor units */
      amount: number;
    }
  | {
      type: "tax";
      /** the rate band's key */
      code: string;
      label: string;
      rateBps: number;
      /** ≥ 0, minor units; when `included` it is already inside the price and adds nothing */
      amount: number;
      included: boolean;
    };

export interface PricedLine {
  sku: string;
  name: string;
  soldBy: "unit" | "weight";
  unitPrice?: number;
  qty?: number;
  pricePerKg?: number;
  grams?: number;
  taxClass: string;
  /** the till's mark for the line's tax rate ("A", "Z", "T") */
  taxMark?: string;
  /** before promotions: unitPrice × qty, or the weighed price */
  amount: number;
  adjustments: ReceiptAdjustment[];
  /** what this line adds to the total */
  total: number;
}

export interface ReceiptTaxTotal {
  label: string;
  rateBps: number;
  mark?: string;
  classes: string[];
  /** what the rate applied to: net (exclusive) or gross (inclusive), after discounts */
  base: number;
  amount: number;
  included: boolean;
}

export interface ReceiptPromotion {
  id: string;
  code: string;
  label: string;
  times: number;
  /** saving, positive */
  amount: number;
}

export interface PricedReceipt {
  currency: string;
  taxMode: TaxMode;
  lines: PricedLine[];
  promotions: ReceiptPromotion[];
  taxes: ReceiptTaxTotal[];
  /** Σ line amounts, before promotions */
  subtotal: number;
  /** Σ promotion savings, positive */
  discountTotal: number;
  /** Σ tax, whether added or included */
  taxTotal: number;
  /** what is charged */
  total: number;
}

export interface BasketQuantities {
  items: { sku: string; qty: number }[];
  weighed: { sku: string; grams: number }[];
}
