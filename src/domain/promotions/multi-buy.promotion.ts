/**
 * Multi-buy: "3 for 2" (buy 3, pay for the 2 dearest) or "2 for $5" (buy 2 for a set price),
 * on listed skus or categories (mixing allowed, as "any 3 for 2" deals do). Units are grouped
 * dearest first, which gives the shopper the largest saving for cheapest-free deals.
 */
import { eligibleUnits, total } from "./promotion.helpers";
import {
  type ItemPromotionDefinition,
  type PromoApplication,
  SELECTOR_ARGS,
  type Selector,
  selectorErrors,
  selects,
} from "./promotion.types";

export interface MultiBuyArgs extends Selector {
  buy: number;
  pay?: number;
  price?: number;
}

export const multiBuyPromotion: ItemPromotionDefinition<MultiBuyArgs> = {
  scope: "items",
  code: "multi-buy",
  description: "Multi-buy",
  args: {
    ...SELECTOR_ARGS,
    buy: { type: "int", min: 2, max: 100, doc: "units in one deal" },
    pay: { type: "int", min: 1, optional: true, doc: "units paid for in one deal (3 for 2: pay 2)" },
    price: { type: "money", optional: true, doc: "price of one deal (2 for $5: price 500)" },
  },
  validate: (a) => [
    ...selectorErrors(a),
    ...((a.pay === undefined) === (a.price === undefined)
      ? ["pay/price: give exactly one of pay or price"]
      : []),
    ...(a.pay !== undefined && a.pay >= a.buy ? ["pay: must be less than buy"] : []),
  ],
  eligible: (u, a) => !u.weighed && selects(a, u),
  check: (ctx, a) => eligibleUnits(ctx.units, a).length >= a.buy,
  apply: (ctx, a) => {
    const units = eligibleUnits(ctx.units, a);
    const apps: PromoApplication[] = [];
    for (let g = 0; (g + 1) * a.buy <= units.length; g++) {
      const group = units.slice(g * a.buy, (g + 1) * a.buy);
      const discount =
        a.pay !== undefined
          ? total(group.slice(a.pay))
          : Math.min(total(group), total(group) - (a.price ?? 0));
      if (discount <= 0) break;
      apps.push({ unitIds: group.map((u) => u.id), discount });
    }
    return apps;
  },
};
