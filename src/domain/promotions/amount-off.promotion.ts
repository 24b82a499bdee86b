/**
 * A fixed amount off each unit of listed products or categories (off a weighed line as a
 * whole), never more than the unit's price.
 */
import { byLine, eligibleUnits } from "./promotion.helpers";
import {
  type ItemPromotionDefinition,
  SELECTOR_ARGS,
  type Selector,
  selectorErrors,
  selects,
} from "./promotion.types";

export interface AmountOffArgs extends Selector {
  amount: number;
}

export const amountOffPromotion: ItemPromotionDefinition<AmountOffArgs> = {
  scope: "items",
  code: "amount-off",
  description: "Amount off",
  args: { ...SELECTOR_ARGS, amount: { type: "money", doc: "minor units off each unit" } },
  validate: (a) => selectorErrors(a),
  eligible: (u, a) => selects(a, u),
  check: (ctx, a) => a.amount > 0 && eligibleUnits(ctx.units, a, true).length > 0,
  apply: (ctx, a) =>
    byLine(eligibleUnits(ctx.units, a, true))
      .map((g) => ({
        unitIds: g.map((u) => u.id),
        discount: g.reduce((s, u) => s + Math.min(a.amount, u.price), 0),
      }))
      .filter((app) => app.discount > 0),
};
