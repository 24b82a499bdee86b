/**
 * Random shoppers: draws a session plan (a list of shelf stops) from the shopper profile.
 * Product choice is uniform over the catalog's simulable products; unit weights are drawn from
 * each product's own weight model (see profile.ts for the spread used).
 */
import type { Catalog, Product } from "../domain/catalog/product";
import type { Action, SessionPlan, Unit } from "./actions";
import type { SimMix } from "./profile";
import type { Rng } from "./rng";

/** what a shopper's personal item (a bag, a coat) weighs, grams: drawn uniformly in [min, max) */
export const PERSONAL_ITEM_G = { min: 150, max: 1500 } as const;

export interface SimCatalog {
  catalog: Catalog;
  /** unit products with a weight model */
  units: Product[];
  /** products sold by weight */
  weighed: Product[];
}

export function simCatalog(catalog: Catalog): SimCatalog {
  const units = catalog.products.filter((p) => p.soldBy === "unit" && p.weight && p.weight.mean > 0);
  const weighed = catalog.products.filter((p) => p.soldBy === "weight");
  if (units.length === 0) throw new Error("the catalog has no unit products with a weight model to simulate");
  return { catalog, units, weighed };
}

/** One real unit of a product: its weight drawn from the product's model (floored and widened per mix). */
export function drawUnit(p: Product, mix: SimMix, rng: Rng): Unit {
  const w = p.weight!;
  const sd = Math.max(w.sd * mix.sensors.unitSdFactor, mix.sensors.unitSdFloorG);
  const grams = Math.max(0.2 * w.mean, rng.normal(w.mean, sd));
  return { sku: p.sku, grams: Math.round(grams * 10) / 10 };
}

export function planSession(
  session: string,
  sc: SimCatalog,
  mix: SimMix,
  rng: Rng,
  account?: string,
): SessionPlan {
  const sh = mix.shoppers;
  const n = rng.int(sh.actionsMin, sh.actionsMax);
  const actions: Action[] = [];
  const inCart: Unit[] = [];
  const bags: string[] = [];
  const kinds = Object.entries(sh.actions) as [keyof typeof sh.actions, number][];
  const leanAt = rng.chance(sh.leanP) ? rng.int(0, n - 1) : -1;
  const bumpAt = rng.chance(sh.bumpP) ? rng.int(0, n - 1) : -1;
  for (let i = 0; i < n; i++) {
    let kind = rng.weighted(kinds);
    if (kind === "takeOut" && inCart.length === 0) kind = "one";
    if (kind === "produce" && sc.weighed.length === 0) kind = "one";
    switch (kind) {
      case "one":
      case "child": {
        const p = rng.pick(sc.units);
        const u = drawUnit(p, mix, rng);
        const child = kind === "child";
        actions.push({
          kind: "add",
          units: [u],
          together: true,
          scan: !child && rng.chance(sh.scanP),
          child,
        });
        inCart.push(u);
        break;
      }
      case "several": {
        const p = rng.pick(sc.units);
        const q = rng.int(2, 4);
        const units = Array.from({ length: q }, () => drawUnit(p, mix, rng));
        actions.push({ kind: "add", units, together: rng.chance(0.5), scan: rng.chance(sh.scanP) });
        inCart.push(...units);
        break;
      }
      case "two": {
        const p = rng.pick(sc.units);
        let q = rng.pick(sc.units);
        if (q.sku === p.sku && sc.units.length > 1) q = sc.units[(sc.units.indexOf(p) + 1) % sc.units.length];
        const units = [drawUnit(p, mix, rng), drawUnit(q, mix, rng)];
        actions.push({ kind: "add", units, together: true, scan: rng.chance(sh.scanP) });
        inCart.push(...units);
        break;
      }
      case "takeOut": {
        const first = inCart.splice(rng.int(0, inCart.length - 1), 1)[0];
        const units = [first];
        // sometimes two of the same product come out together
        const twin = inCart.findIndex((u) => u.sku === first.sku);
        if (twin >= 0 && rng.chance(0.2)) units.push(inCart.splice(twin, 1)[0]);
        actions.push({ kind: "remove", units });
        break;
      }
      case "produce": {
        const p = rng.pick(sc.weighed);
        const grams = Math.round(rng.uniform(150, 1600) * 10) / 10;
        let entry: "plu-before" | "plu-after" | "label" | "none";
        if (!p.plu) entry = "none";
        else if (rng.chance(sh.labelP)) entry = "label";
        else if (rng.chance(sh.forgetPluP)) entry = "none";
        else entry = rng.chance(0.85) ? "plu-before" : "plu-after";
        actions.push({ kind: "produce", sku: p.sku, grams, entry });
        break;
      }
      case "bag": {
        if (bags.length > 0 && rng.chance(0.3)) {
          actions.push({ kind: "bag-out", tag: bags.pop()! });
        } else {
          const tag = `bag${i}`;
          bags.push(tag);
          actions.push({
            kind: "bag",
            grams: Math.round(rng.uniform(PERSONAL_ITEM_G.min, PERSONAL_ITEM_G.max)),
            tag,
          });
        }
        break;
      }
    }
    if (i === leanAt)
      actions.push({ kind: "lean", grams: Math.round(rng.uniform(800, 4000)), seconds: rng.uniform(2, 6) });
    if (i === bumpAt)
      actions.push({ kind: "bump", grams: Math.round(rng.uniform(50, 400)) * (rng.chance(0.7) ? 1 : -1) });
  }
  return { session, account, actions, answers: "mixed" };
}
