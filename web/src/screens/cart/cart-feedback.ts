/**
 * What just changed in the basket, for the cart screen's big "added / not sure / removed"
 * sign. The screen state (§5) is a snapshot; comparing two snapshots line by line (keyed by sku)
 * tells which item the last update was about and whether it was accepted.
 */
import type { ScreenLine } from "../../api/types";

export type Feedback =
  | { kind: "added"; sku: string; name: string; status: "ok" | "unsure" }
  | { kind: "confirmed"; sku: string; name: string }
  | { kind: "removed"; sku: string; name: string };

function amountOf(l: ScreenLine): number {
  return l.grams ?? l.qty ?? 1;
}

function bySku(lines: ScreenLine[]): Map<string, { amount: number; unsure: boolean; line: ScreenLine }> {
  const m = new Map<string, { amount: number; unsure: boolean; line: ScreenLine }>();
  for (const l of lines) {
    const cur = m.get(l.sku);
    m.set(l.sku, {
      amount: (cur?.amount ?? 0) + amountOf(l),
      unsure: (cur?.unsure ?? false) || l.status === "unsure",
      line: l,
    });
  }
  return m;
}

/** The most telling change from `prev` to `next`, or null when the lines are the same. */
export function basketChange(prev: ScreenLine[], next: ScreenLine[]): Feedback | null {
  const a = bySku(prev);
  const b = bySku(next);
  let best: Feedback | null = null;
  for (const [sku, n] of b) {
    const o = a.get(sku);
    if (!o || n.amount > o.amount) {
      // an unsure addition matters most: the shopper has to look
      const f: Feedback = { kind: "added", sku, name: n.line.name, status: n.unsure ? "unsure" : "ok" };
      if (f.status === "unsure") return f;
      best = f;
    } else if (o.unsure && !n.unsure && !best) {
      best = { kind: "confirmed", sku, name: n.line.name };
    }
  }
  if (best) return best;
  for (const [sku, o] of a) {
    const n = b.get(sku);
    if (!n || n.amount < o.amount) return { kind: "removed", sku, name: o.line.name };
  }
  return null;
}

/** Skus whose lines grew or appeared (to flash them in the list). */
export function freshSkus(prev: ScreenLine[], next: ScreenLine[]): Set<string> {
  const a = bySku(prev);
  const out = new Set<string>();
  for (const [sku, n] of bySku(next)) {
    const o = a.get(sku);
    if (!o || n.amount > o.amount || (o.unsure && !n.unsure)) out.add(sku);
  }
  return out;
}
