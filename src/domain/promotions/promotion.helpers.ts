/** Small shared pieces of the promotion definitions. */
import { type PromoUnit, type Selector, selects } from "./promotion.types";

/** Units matching a selector, most expensive first (ties by canonical id: deterministic). */
export function eligibleUnits(
  units: readonly PromoUnit[],
  sel: Selector,
  includeWeighed = false,
): PromoUnit[] {
  return units
    .filter((u) => (includeWeighed || !u.weighed) && selects(sel, u))
    .sort((a, b) => b.price - a.price || a.id - b.id);
}

/** Groups units by the receipt line they belong to, keeping the input order of lines. */
export function byLine(units: readonly PromoUnit[]): PromoUnit[][] {
  const m = new Map<number, PromoUnit[]>();
  for (const u of units) {
    const g = m.get(u.line);
    if (g) g.push(u);
    else m.set(u.line, [u]);
  }
  return [...m.values()];
}

export function total(units: readonly PromoUnit[]): number {
  let s = 0;
  for (const u of units) s += u.price;
  return s;
}
