/**
 * A receipt line's evidence in plain words, for the shopper: what the scale, the camera, the
 * scanner and their own answers said. One short sentence per observation, no jargon, no
 * probabilities beyond "fairly sure"/"sure".
 */
import type { Evidence } from "../../api/types";

function certainty(p: number): string {
  if (p >= 0.9) return "was sure it was";
  if (p >= 0.6) return "thought it was";
  return "could not tell; its best guess was";
}

export function evidenceInWords(e: Evidence, nameOf: (sku: string) => string): string[] {
  const out: string[] = [];
  if (e.change && e.shelf) {
    // walk-out store: the shelf's weight plates, not a cart's scale
    const d = Math.round(e.change.delta);
    const where = `gondola ${e.shelf.gondola}, shelf ${e.shelf.shelf}`;
    out.push(
      d <= 0
        ? `The shelf (${where}) got ${-d} g lighter when the item was taken.`
        : `The shelf (${where}) got ${d} g heavier when an item was put back.`,
    );
    const n = e.shoppers?.length ?? 0;
    if (n === 1) out.push("You were the only shopper within reach.");
    else if (n > 1) out.push(`${n} shoppers were within reach; the cameras saw you nearest.`);
  } else if (e.change) {
    const d = Math.round(e.change.delta);
    out.push(
      d >= 0
        ? `The cart's scale went up by ${d} g.`
        : `The cart's scale went down by ${-d} g (something was taken out).`,
    );
  }
  for (const v of e.vision) {
    const best = v.candidates[0];
    if (e.shelf) {
      // walk-out store: the ceiling cameras read what was in the shopper's hand, there is no rim
      out.push(
        best
          ? `The cameras saw the item in your hand and ${certainty(best.p)} ${nameOf(best.sku)}.`
          : "The cameras saw something in your hand but did not recognise it.",
      );
      continue;
    }
    const where =
      v.dir === "in" ? "go into the cart" : v.dir === "out" ? "come out of the cart" : "cross the rim";
    out.push(
      best
        ? `The camera saw an item ${where} and ${certainty(best.p)} ${nameOf(best.sku)}.`
        : `The camera saw something ${where} but did not recognise it.`,
    );
  }
  for (const s of e.scans) {
    out.push(
      s.sku
        ? `You scanned the barcode ${s.code}: ${nameOf(s.sku)}${s.grams ? `, ${Math.round(s.grams)} g` : ""}.`
        : `You scanned the barcode ${s.code}, which the store does not know.`,
    );
  }
  for (const p of e.plu) out.push(`You keyed produce code ${p.plu}${p.sku ? ` (${nameOf(p.sku)})` : ""}.`);
  for (const a of e.answers) {
    if (a.sku) out.push(`You told the cart it was ${nameOf(a.sku)}.`);
    else if (a.choice === "yes") out.push("You confirmed it.");
    else if (a.choice === "no") out.push("You said no.");
    else if (a.choice === "none") out.push("You said it was none of the suggestions.");
    else if (a.choice === "not-merchandise") out.push("You said it was your own item, not from the store.");
  }
  return out;
}

/**
 * A name for a sku the receipt has no line for (the camera's guess of another product): the
 * sku's words, capitalised — "pepperidge-farm-holiday-milano-cookies" → "Pepperidge Farm Holiday
 * Milano Cookies" — rather than the raw sku in a sentence meant for a shopper.
 */
export function skuAsName(sku: string): string {
  return sku
    .split(/[-_]+/)
    .filter(Boolean)
    .map((w) => w.charAt(0).toUpperCase() + w.slice(1))
    .join(" ");
}
