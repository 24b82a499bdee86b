/**
 * Promotions are registered definitions `{ code, args, check, apply }` (one file per type, see
 * promotion.registry.ts); a store keeps only data, `{ code, args }`. The engine
 * (promotion-engine.ts) expands the basket into priced units, lets item promotions claim
 * units, and then applies at most one order-level promotion to what is left.
 */

/** A promotion as stored in the store configuration. */
export interface StoredPromotion {
  /** the definition's code, e.g. "multi-buy" */
  code: string;
  args: Record<string, unknown>;
  /** stable id shown on receipts; defaults to the position ("promo-1") */
  id?: string;
  /** shopper-facing name, e.g. "3 for 2 on Cola" */
  label?: string;
}

/** One sellable unit (or one whole weighed line) a promotion may claim. */
export interface PromoUnit {
  /** index into the units array: stable, canonical order */
  id: number;
  /** index of the receipt line the unit belongs to */
  line: number;
  sku: string;
  category?: string;
  /** price of this unit (or of the whole weighed line), minor units */
  price: number;
  weighed: boolean;
}

/** One use of a promotion: the units it consumes and the discount it gives on them. */
export interface PromoApplication {
  unitIds: number[];
  /** minor units, 0 < discount ≤ Σ prices of the units */
  discount: number;
}

export interface ItemContext {
  /** units not yet claimed by another promotion, canonical order */
  units: readonly PromoUnit[];
}

export interface OrderContext {
  /** Σ line amounts after item promotions */
  subtotal: number;
  lines: readonly { sku: string; category?: string; net: number }[];
}

export type ArgSpec =
  | { type: "int"; min?: number; max?: number; optional?: boolean; doc: string }
  | { type: "money"; optional?: boolean; doc: string }
  | { type: "bps"; optional?: boolean; doc: string }
  | { type: "strings"; optional?: boolean; doc: string }
  | { type: "string"; optional?: boolean; doc: string }
  | { type: "slots"; optional?: boolean; doc: string };

export type ArgsSpec = Record<string, ArgSpec>;

interface DefinitionBase<A> {
  code: string;
  description: string;
  args: ArgsSpec;
  /** rules across arguments (e.g. "give pay or price, not both"); messages name the field */
  validate?: (args: A) => string[];
}

export interface ItemPromotionDefinition<A = Record<string, unknown>> extends DefinitionBase<A> {
  scope: "items";
  /**
   * Could this unit ever be part of an application? Promotions whose eligible units do not
   * overlap cannot compete, so the engine searches their orders separately.
   */
  eligible: (unit: PromoUnit, args: A) => boolean;
  /** cheap test: could this promotion apply to these units at all? */
  check: (ctx: ItemContext, args: A) => boolean;
  /** the applications this promotion makes on the free units, best for the shopper alone */
  apply: (ctx: ItemContext, args: A) => PromoApplication[];
}

export interface OrderPromotionDefinition<A = Record<string, unknown>> extends DefinitionBase<A> {
  scope: "order";
  check: (ctx: OrderContext, args: A) => boolean;
  /** the order-level discount, ≤ ctx.subtotal; spread over lines by largest remainder */
  apply: (ctx: OrderContext, args: A) => number;
}

export type PromotionDefinition = ItemPromotionDefinition<never> | OrderPromotionDefinition<never>;

/** Which products a promotion is about: listed skus and/or categories (either matches). */
export interface Selector {
  skus?: string[];
  categories?: string[];
}

export function selects(sel: Selector, p: { sku: string; category?: string }): boolean {
  if (sel.skus?.includes(p.sku)) return true;
  if (p.category !== undefined && sel.categories?.includes(p.category)) return true;
  return false;
}

export const SELECTOR_ARGS: ArgsSpec = {
  skus: { type: "strings", optional: true, doc: "skus the promotion applies to" },
  categories: { type: "strings", optional: true, doc: "categories the promotion applies to" },
};

export function selectorErrors(sel: Selector): string[] {
  return (sel.skus?.length ?? 0) + (sel.categories?.length ?? 0) === 0
    ? ["skus/categories: give at least one sku or category"]
    : [];
}
