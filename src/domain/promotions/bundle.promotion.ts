/**
 * Meal deal / bundle: one unit from each slot (e.g. a main, a snack, a drink) for a set price.
 * Each deal takes the dearest free unit for every slot in turn, and deals are made while the
 * set price is below what the units cost on their own.
 */
import { eligibleUnits, total } from "./promotion.helpers";
import {
  type ItemPromotionDefinition,
  type PromoApplication,
  type PromoUnit,
  type Selector,
  selects,
} from "./promotion.types";

export interface BundleArgs {
  slots: Selector[];
  price: number;
}

export const bundlePromotion: ItemPromotionDefinition<BundleArgs> = {
  scope: "items",
  code: "bundle",
  description: "Meal deal",
  args: {
    slots: { type: "slots", doc: "one {skus?, categories?} per part of the deal" },
    price: { type: "money", doc: "price of the whole deal" },
  },
  eligible: (u, a) => !u.weighed && a.slots.some((s) => selects(s, u)),
  check: (ctx, a) => a.slots.every((s) => eligibleUnits(ctx.units, s).length > 0),
  apply: (ctx, a) => {
    const taken = new Set<number>();
    const perSlot = a.slots.map((s) => eligibleUnits(ctx.units, s));
    const apps: PromoApplication[] = [];
    for (;;) {
      const deal: PromoUnit[] = [];
      for (const candidates of perSlot) {
        const u = candidates.find((c) => !taken.has(c.id) && !deal.includes(c));
        if (!u) return apps;
        deal.push(u);
      }
      const discount = total(deal) - a.price;
      if (discount <= 0) return apps;
      for (const u of deal) taken.add(u.id);
      apps.push({ unitIds: deal.map((u) => u.id), discount });
    }
  },
};
