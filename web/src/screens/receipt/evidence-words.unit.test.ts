import { describe, expect, it } from "vitest";
import type { Evidence } from "../../api/types";
import { evidenceInWords, skuAsName } from "./evidence-words";

const names: Record<string, string> = {
  "cola-330": "Cola 330 ml can",
  "cola-zero-330": "Cola Zero 330 ml can",
};
const nameOf = (s: string) => names[s] ?? s;
const base: Evidence = { vision: [], scans: [], plu: [], answers: [], hypotheses: [], summary: "" };

describe("evidenceInWords", () => {
  it("says what the scale and the camera saw", () => {
    const e: Evidence = {
      ...base,
      change: { startT: 0, endT: 1, before: 0, after: 349.4, delta: 349.4, sd: 1.2 },
      vision: [{ t: 0, dir: "in", candidates: [{ sku: "cola-330", p: 0.95 }] }],
    };
    expect(evidenceInWords(e, nameOf)).toEqual([
      "The cart's scale went up by 349 g.",
      "The camera saw an item go into the cart and was sure it was Cola 330 ml can.",
    ]);
  });
  it("says a removal and an unsure sighting", () => {
    const e: Evidence = {
      ...base,
      change: { startT: 0, endT: 1, before: 700, after: 350, delta: -350, sd: 1 },
      vision: [{ t: 0, dir: "out", candidates: [{ sku: "cola-zero-330", p: 0.5 }] }],
    };
    expect(evidenceInWords(e, nameOf)).toEqual([
      "The cart's scale went down by 350 g (something was taken out).",
      "The camera saw an item come out of the cart and could not tell; its best guess was Cola Zero 330 ml can.",
    ]);
  });
  it("says the shopper's own scans, codes and answers", () => {
    const e: Evidence = {
      ...base,
      scans: [
        { t: 0, code: "05449000000996", sku: "cola-330" },
        { t: 1, code: "123" },
      ],
      plu: [{ t: 2, plu: "4011", sku: "banana" }],
      answers: [
        { t: 3, prompt: "p-1", sku: "cola-330" },
        { t: 4, prompt: "p-2", choice: "none" },
      ],
    };
    expect(evidenceInWords(e, nameOf)).toEqual([
      "You scanned the barcode 05449000000996: Cola 330 ml can.",
      "You scanned the barcode 123, which the store does not know.",
      "You keyed produce code 4011 (banana).",
      "You told the cart it was Cola 330 ml can.",
      "You said it was none of the suggestions.",
    ]);
  });

  it("says what the shelf plates and the cameras saw in a walk-out store", () => {
    const e: Evidence = {
      ...base,
      change: { startT: 0, endT: 1, before: 4300, after: 3762, delta: -538, sd: 0.8 },
      shelf: { gondola: 1, shelf: 5, plates: [3, 4] },
      shoppers: [
        { shopper: "track-7", distance: 0.1 },
        { shopper: "track-9", distance: 0.6 },
      ],
    };
    expect(evidenceInWords(e, nameOf)).toEqual([
      "The shelf (gondola 1, shelf 5) got 538 g lighter when the item was taken.",
      "2 shoppers were within reach; the cameras saw you nearest.",
    ]);
  });

  it("says what the cameras saw in the hand at a shelf, not at a cart's rim", () => {
    // seen on a walk-out receipt: "The camera saw an item cross the rim and thought it was
    // pepperidge-farm-holiday-milano-cookies." under Honey Roasted Cashews
    const e: Evidence = {
      ...base,
      change: { startT: 0, endT: 1, before: 900, after: 696, delta: -204, sd: 0.8 },
      shelf: { gondola: 3, shelf: 4, plates: [2] },
      shoppers: [{ shopper: "track-7", distance: 0.1 }],
      vision: [
        { t: 0, dir: "unknown", candidates: [{ sku: "pepperidge-farm-holiday-milano-cookies", p: 0.7 }] },
      ],
    };
    const lines = evidenceInWords(e, (s) => names[s] ?? skuAsName(s));
    expect(lines[2]).toBe(
      "The cameras saw the item in your hand and thought it was Pepperidge Farm Holiday Milano Cookies.",
    );
    expect(lines.join(" ")).not.toContain("rim");
  });
});

describe("skuAsName", () => {
  it("turns a sku's words into a name", () => {
    expect(skuAsName("pepperidge-farm-holiday-milano-cookies")).toBe(
      "Pepperidge Farm Holiday Milano Cookies",
    );
    expect(skuAsName("2-snickers_almond")).toBe("2 Snickers Almond");
  });
});
