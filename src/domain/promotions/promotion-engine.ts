/**
 * Applies a store's promotions to a basket, best price for the shopper.
 *
 * Rule (docs/decisions/0002-promotion-combination.md): a unit can be discounted by at most one
 * item promotion (no stacking). The engine expands the basket into units in a canonical order
 * (sku, then price), asks every item promotion for its best applications on the units still
 * free, and tries the promotions in every order (up to MAX_EXHAUSTIVE competing promotions; a
 * greedy order by stand-alone saving beyond that), keeping the order with the largest total
 * saving (ties: the larger saving weighted by each line's discountWeight — with sales tax on top,
 * the saving on the more heavily taxed goods, which lowers the tax too — then the first order
 * tried, which is the store's listing order). Only promotions
 * whose eligible units overlap compete, so the orders are searched per group of competing
 * promotions: 6 unrelated promotions cost 6 runs, not 720 orders. Then at most one
 * order-level promotion (the best) applies to the subtotal left, spread over lines by largest
 * remainder. Because units are built from the sorted basket, the result does not depend on the
 * order items were added in.
 */

import { prorate } from "../money/money";
import { DomainError } from "../shared/errors";
import { checkArgs } from "./promotion.args";
import { promotionDefinition } from "./promotion.registry";
import type {
  ItemPromotionDefinition,
  OrderPromotionDefinition,
  PromoApplication,
  PromoUnit,
  StoredPromotion,
} from "./promotion.types";

export const MAX_EXHAUSTIVE = 6;

export interface PromoLine {
  sku: string;
  category?: string;
  /** unit price for unit goods; undefined for weighed lines */
  unitPrice?: number;
  qty: number;
  /** price of the whole line before promotions */
  amount: number;
  weighed: boolean;
  /**
   * What a unit of discount on this line is worth to the shopper, relative to other lines: with
   * sales tax on top it is 1 + the line's rate. Breaks ties between equal savings (default 1).
   */
  discountWeight?: number;
}

export interface LineDiscount {
  promotionId: string;
  label: string;
  /** positive minor units taken off this line */
  amount: number;
}

export interface AppliedPromotion {
  id: string;
  code: string;
  label: string;
  /** how many times it applied (order-level: 1) */
  times: number;
  /** total saving, positive minor units */
  amount: number;
}

export interface PromotionOutcome {
  /** per line (same index as the input), the discounts on it */
  perLine: LineDiscount[][];
  applied: AppliedPromotion[];
}

interface Resolved {
  id: string;
  label: string;
  stored: StoredPromotion;
  def: ItemPromotionDefinition<never> | OrderPromotionDefinition<never>;
}

/** Looks up and checks every stored promotion; throws INVALID_PROMOTION naming the field. */
export function resolvePromotions(promotions: readonly StoredPromotion[]): Resolved[] {
  return promotions.map((stored, i) => {
    const def = promotionDefinition(stored.code);
    const id = stored.id ?? `promo-${i + 1}`;
    if (!def) {
      throw new DomainError(
        "UNKNOWN_PROMOTION",
        `promotions[${i}].code: unknown promotion type "${stored.code}"`,
      );
    }
    const errs = checkArgs(def.args, stored.args);
    if (errs.length === 0 && def.validate) errs.push(...def.validate(stored.args as never));
    if (errs.length > 0) {
      throw new DomainError("INVALID_PROMOTION", errs.map((e) => `promotions[${i}].args.${e}`).join("; "), {
        errors: errs,
        index: i,
      });
    }
    return { id, label: stored.label ?? def.description, stored, def };
  });
}

function buildUnits(lines: readonly PromoLine[]): PromoUnit[] {
  const units: PromoUnit[] = [];
  lines.forEach((l, line) => {
    if (l.weighed) {
      if (l.amount > 0) {
        units.push({
          id: units.length,
          line,
          sku: l.sku,
          category: l.category,
          price: l.amount,
          weighed: true,
        });
      }
      return;
    }
    for (let k = 0; k < l.qty; k++) {
      units.push({
        id: units.length,
        line,
        sku: l.sku,
        category: l.category,
        price: l.unitPrice ?? 0,
        weighed: false,
      });
    }
  });
  return units;
}

type ItemPromo = Resolved & { def: ItemPromotionDefinition<never> };
type OrderPromo = Resolved & { def: OrderPromotionDefinition<never> };

interface OrderRun {
  total: number;
  /** the saving weighted by each line's discountWeight: the tie-breaker */
  weighted: number;
  result: { promo: ItemPromo; apps: PromoApplication[] }[];
}

function better(a: OrderRun, b: OrderRun): boolean {
  return a.total > b.total || (a.total === b.total && a.weighted > b.weighted + 1e-9);
}

function runOrder(
  order: readonly ItemPromo[],
  units: readonly PromoUnit[],
  weight: readonly number[],
): OrderRun {
  const taken = new Set<number>();
  const result: { promo: ItemPromo; apps: PromoApplication[] }[] = [];
  let total = 0;
  let weighted = 0;
  for (const promo of order) {
    const free = units.filter((u) => !taken.has(u.id));
    if (free.length === 0) break;
    const apps = promo.def.apply({ units: free }, promo.stored.args as never);
    for (const a of apps) {
      for (const id of a.unitIds) {
        if (taken.has(id)) throw new DomainError("PROMOTION_BUG", `${promo.id} claimed unit ${id} twice`);
        taken.add(id);
      }
      total += a.discount;
      let price = 0;
      let w = 0;
      for (const id of a.unitIds) {
        price += units[id].price;
        w += units[id].price * weight[units[id].line];
      }
      weighted += price > 0 ? (a.discount * w) / price : a.discount;
    }
    if (apps.length > 0) result.push({ promo, apps });
  }
  return { total, weighted, result };
}

function* permutations<T>(items: readonly T[]): Generator<T[]> {
  if (items.length <= 1) {
    yield [...items];
    return;
  }
  for (let i = 0; i < items.length; i++) {
    const rest = [...items.slice(0, i), ...items.slice(i + 1)];
    for (const p of permutations(rest)) yield [items[i], ...p];
  }
}

/** Groups promotions whose eligible units overlap (connected components), in listing order. */
function competingGroups(promos: readonly ItemPromo[], units: readonly PromoUnit[]): ItemPromo[][] {
  const parent = promos.map((_p, i) => i);
  const find = (i: number): number => {
    while (parent[i] !== i) {
      parent[i] = parent[parent[i]];
      i = parent[i];
    }
    return i;
  };
  const owner = new Map<number, number>();
  promos.forEach((p, i) => {
    for (const u of units) {
      if (!p.def.eligible(u, p.stored.args as never)) continue;
      const o = owner.get(u.id);
      if (o === undefined) owner.set(u.id, i);
      else parent[find(i)] = find(o);
    }
  });
  const groups = new Map<number, ItemPromo[]>();
  promos.forEach((p, i) => {
    const root = find(i);
    const g = groups.get(root);
    if (g) g.push(p);
    else groups.set(root, [p]);
  });
  return [...groups.values()];
}

/** The order of the group's promotions that saves the most (ties: the first order tried). */
function bestItemOrder(group: readonly ItemPromo[], units: readonly PromoUnit[], weight: readonly number[]) {
  let best = runOrder(group, units, weight);
  if (group.length <= 1) return best;
  if (group.length <= MAX_EXHAUSTIVE) {
    for (const order of permutations(group)) {
      const r = runOrder(order, units, weight);
      if (better(r, best)) best = r;
    }
    return best;
  }
  const alone = group.map((p) => ({ p, saving: runOrder([p], units, weight).total }));
  alone.sort((a, b) => b.saving - a.saving);
  const greedy = runOrder(
    alone.map((a) => a.p),
    units,
    weight,
  );
  return better(greedy, best) ? greedy : best;
}

export function applyPromotions(
  lines: readonly PromoLine[],
  promotions: readonly StoredPromotion[],
): PromotionOutcome {
  const perLine: LineDiscount[][] = lines.map(() => []);
  const applied: AppliedPromotion[] = [];
  if (promotions.length === 0) return { perLine, applied };
  const resolved = resolvePromotions(promotions);
  const units = buildUnits(lines);

  // 1. item promotions: best order, searched separately within each group of promotions that
  //    compete for units (promotions with disjoint eligible units cannot affect each other)
  const itemPromos = resolved.filter(
    (r): r is ItemPromo => r.def.scope === "items" && r.def.check({ units }, r.stored.args as never),
  );
  const weight = lines.map((l) => l.discountWeight ?? 1);
  const best = { total: 0, result: [] as { promo: ItemPromo; apps: PromoApplication[] }[] };
  for (const group of competingGroups(itemPromos, units)) {
    const r = bestItemOrder(group, units, weight);
    best.total += r.total;
    best.result.push(...r.result);
  }

  const lineNet = lines.map((l) => l.amount);
  const add = (line: number, promo: Resolved, amount: number) => {
    if (amount === 0) return;
    lineNet[line] -= amount;
    const existing = perLine[line].find((d) => d.promotionId === promo.id);
    if (existing) existing.amount += amount;
    else perLine[line].push({ promotionId: promo.id, label: promo.label, amount });
  };
  // report in the store's listing order, whatever order won
  const byPromo = new Map(best.result.map((r) => [r.promo.id, r]));
  for (const promo of itemPromos) {
    const r = byPromo.get(promo.id);
    if (!r) continue;
    let amount = 0;
    for (const app of r.apps) {
      const shares = prorate(
        app.discount,
        app.unitIds.map((id) => units[id].price),
      );
      app.unitIds.forEach((id, k) => {
        add(units[id].line, promo, shares[k]);
      });
      amount += app.discount;
    }
    applied.push({ id: promo.id, code: promo.stored.code, label: promo.label, times: r.apps.length, amount });
  }

  // 2. at most one order-level promotion, the best
  const subtotal = lineNet.reduce((a, b) => a + b, 0);
  const ctx = {
    subtotal,
    lines: lines.map((l, i) => ({ sku: l.sku, category: l.category, net: lineNet[i] })),
  };
  let bestOrder: { promo: OrderPromo; amount: number } | undefined;
  for (const r of resolved) {
    if (r.def.scope !== "order") continue;
    const promo = r as OrderPromo;
    if (!promo.def.check(ctx, promo.stored.args as never)) continue;
    const amount = Math.min(Math.max(0, promo.def.apply(ctx, promo.stored.args as never)), subtotal);
    if (amount > 0 && (!bestOrder || amount > bestOrder.amount)) bestOrder = { promo, amount };
  }
  if (bestOrder) {
    const shares = prorate(bestOrder.amount, [...lineNet]);
    shares.forEach((s, i) => {
      add(i, bestOrder.promo, s);
    });
    applied.push({
      id: bestOrder.promo.id,
      code: bestOrder.promo.stored.code,
      label: bestOrder.promo.label,
      times: 1,
      amount: bestOrder.amount,
    });
  }
  return { perLine, applied };
}
