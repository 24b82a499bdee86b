/**
 * Buy X get Y: in every group of X + Y eligible units the cheapest Y are free (or a percentage
 * off, e.g. "buy one get one half price"). Groups are formed dearest first, so the free units
 * are as dear as the rule allows.
 */
import { applyBps } from "../money/money";
import { eligibleUnits, total } from "./promotion.helpers";
import {
  type ItemPromotionDefinition,
  type PromoApplication,
  SELECTOR_ARGS,
  type Selector,
  selectorErrors,
  selects,
} from "./promotion.types";

export interface BuyXGetYArgs extends Selector {
  buy: number;
  get: number;
  /** discount on the Y units in basis points; default 10000 (free) */
  offBps?: number;
}

export const buyXGetYPromotion: ItemPromotionDefinition<BuyXGetYArgs> = {
  scope: "items",
  code: "buy-x-get-y",
  description: "Buy X get Y",
  args: {
    ...SELECTOR_ARGS,
    buy: { type: "int", min: 1, max: 100, doc: "units to buy" },
    get: { type: "int", min: 1, max: 100, doc: "units discounted (the cheapest of the group)" },
    offBps: {
      type: "bps",
      optional: true,
      doc: "discount on those units, basis points (default 10000 = free)",
    },
  },
  validate: (a) => selectorErrors(a),
  eligible: (u, a) => !u.weighed && selects(a, u),
  check: (ctx, a) => eligibleUnits(ctx.units, a).length >= a.buy + a.get,
  apply: (ctx, a) => {
    const units = eligibleUnits(ctx.units, a);
    const size = a.buy + a.get;
    const apps: PromoApplication[] = [];
    for (let g = 0; (g + 1) * size <= units.length; g++) {
      const group = units.slice(g * size, (g + 1) * size);
      const discount = applyBps(total(group.slice(a.buy)), a.offBps ?? 10_000);
      if (discount <= 0) break;
      apps.push({ unitIds: group.map((u) => u.id), discount });
    }
    return apps;
  },
};
