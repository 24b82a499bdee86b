/**
 * A percentage off listed products or categories, weighed goods included. Rounded once per
 * line (not per unit), so 10 % off three 1.29 cans is 0.39, not 3 × 0.13.
 */
import { applyBps } from "../money/money";
import { byLine, eligibleUnits, total } from "./promotion.helpers";
import {
  type ItemPromotionDefinition,
  SELECTOR_ARGS,
  type Selector,
  selectorErrors,
  selects,
} from "./promotion.types";

export interface PercentOffArgs extends Selector {
  bps: number;
}

export const percentOffPromotion: ItemPromotionDefinition<PercentOffArgs> = {
  scope: "items",
  code: "percent-off",
  description: "Percent off",
  args: { ...SELECTOR_ARGS, bps: { type: "bps", doc: "discount in basis points (2500 = 25%)" } },
  validate: (a) => selectorErrors(a),
  eligible: (u, a) => selects(a, u),
  check: (ctx, a) => a.bps > 0 && eligibleUnits(ctx.units, a, true).length > 0,
  apply: (ctx, a) =>
    byLine(eligibleUnits(ctx.units, a, true))
      .map((g) => ({ unitIds: g.map((u) => u.id), discount: applyBps(total(g), a.bps) }))
      .filter((app) => app.discount > 0),
};
