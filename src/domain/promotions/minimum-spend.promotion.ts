/**
 * Spend at least `threshold` (after item promotions) and get `amount` or `bps` off the order.
 * Order-level: the engine spreads the saving over lines by largest remainder.
 */
import { applyBps } from "../money/money";
import type { OrderPromotionDefinition } from "./promotion.types";

export interface MinimumSpendArgs {
  threshold: number;
  amount?: number;
  bps?: number;
}

export const minimumSpendPromotion: OrderPromotionDefinition<MinimumSpendArgs> = {
  scope: "order",
  code: "minimum-spend",
  description: "Spend and save",
  args: {
    threshold: { type: "money", doc: "minimum subtotal after item promotions, minor units" },
    amount: { type: "money", optional: true, doc: "minor units off the order" },
    bps: { type: "bps", optional: true, doc: "basis points off the order" },
  },
  validate: (a) =>
    (a.amount === undefined) === (a.bps === undefined)
      ? ["amount/bps: give exactly one of amount or bps"]
      : [],
  check: (ctx, a) => ctx.subtotal > 0 && ctx.subtotal >= a.threshold,
  apply: (ctx, a) => Math.min(ctx.subtotal, a.amount ?? applyBps(ctx.subtotal, a.bps ?? 0)),
};
