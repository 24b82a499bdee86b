import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { BasketEvent } from "./basket.events";
import { added, removed } from "./basket.fixtures";
import { basketContents, foldBasket, initialBasketState } from "./basket.state";

const open: BasketEvent = { type: "SessionOpened", at: 1, session: "s-1", store: "st-1", cart: "c-1" };

describe("basket state fold", () => {
  it("given an open session, when items are added and one removed, then nets per sku are kept", () => {
    const s = foldBasket([
      open,
      added("line_1", "cola", { qty: 2 }),
      added("line_2", "chips", { qty: 1 }),
      added("line_3", "banana", { grams: 612 }),
      removed("line_4", "cola", { qty: 1 }),
    ]);
    const c = basketContents(s);
    expect(s.phase).toBe("shopping");
    expect(c.items).toEqual([
      { sku: "cola", qty: 1 },
      { sku: "chips", qty: 1 },
    ]);
    expect(c.weighed).toEqual([{ sku: "banana", grams: 612 }]);
    expect(c.lines.map((l) => l.kind)).toEqual(["add", "add", "add", "remove"]);
  });

  it("never counts a negative quantity", () => {
    const c = basketContents(
      foldBasket([open, removed("line_1", "cola", { qty: 2 }), added("line_2", "chips", { qty: 1 })]),
    );
    expect(c.items).toEqual([{ sku: "chips", qty: 1 }]);
  });

  it("a revision replaces the line and records who made it", () => {
    const s = foldBasket([
      open,
      added("line_1", "chips-salt", { qty: 1 }, 1000, "unsure"),
      {
        type: "LineRevised",
        at: 1500,
        lineId: "line_1",
        sku: "chips-vinegar",
        qty: 2,
        status: "ok",
        confidence: 1,
        by: "shopper",
      },
    ]);
    const c = basketContents(s);
    expect(c.items).toEqual([{ sku: "chips-vinegar", qty: 2 }]);
    expect(c.unsureLineIds).toEqual([]);
    expect(c.lines[0].history.map((h) => [h.by, h.change])).toEqual([
      ["fusion", "added"],
      ["shopper", "revised"],
    ]);
  });

  it("a voided line stops counting but stays with its history", () => {
    const c = basketContents(
      foldBasket([
        open,
        added("line_1", "cola", { qty: 1 }),
        { type: "LineVoided", at: 3, lineId: "line_1", by: "reviewer", reason: "own bag" },
      ]),
    );
    expect(c.items).toEqual([]);
    expect(c.lines[0].voided).toBe(true);
  });

  it("tracks prompts and review cases", () => {
    const s = foldBasket([
      open,
      added("line_1", "chips-salt", { qty: 1 }, 1000, "unsure"),
      {
        type: "PromptRaised",
        at: 2,
        prompt: { id: "p-1", kind: "choose", text: "Which?", lineIds: ["line_1"] },
      },
      {
        type: "ReviewRequested",
        at: 3,
        caseId: "case_1",
        kind: "uncertain",
        lineIds: ["line_1"],
        reason: "look-alike",
      },
    ]);
    let c = basketContents(s);
    expect(c.openPrompts.map((p) => p.id)).toEqual(["p-1"]);
    expect(c.openCases).toEqual([
      { caseId: "case_1", kind: "uncertain", lineIds: ["line_1"], reason: "look-alike" },
    ]);
    expect(c.unsureLineIds).toEqual(["line_1"]);
    const s2 = foldBasket(
      [
        { type: "PromptClosed", at: 4, promptId: "p-1", outcome: "expired" },
        { type: "ReviewResolved", at: 5, caseId: "case_1", decision: "confirm", by: "rev-1" },
      ],
      s,
    );
    c = basketContents(s2);
    expect(c.openPrompts).toEqual([]);
    expect(c.openCases).toEqual([]);
    expect(s2.resolvedCases[0].decision).toBe("confirm");
    expect(s2.promptsRaised).toBe(1);
  });

  it("throws ILLEGAL_TRANSITION for a lifecycle event out of order", () => {
    expect(() => foldBasket([{ type: "CheckoutStarted", at: 1 }])).toThrow(/not allowed/);
  });

  it("incremental nets equal a recount from scratch, whatever the events", () => {
    const skus = ["a", "b", "c"];
    const ev = fc.oneof(
      fc.record({
        k: fc.constant("add"),
        sku: fc.constantFrom(...skus),
        qty: fc.integer({ min: 1, max: 3 }),
      }),
      fc.record({ k: fc.constant("rm"), sku: fc.constantFrom(...skus), qty: fc.integer({ min: 1, max: 3 }) }),
      fc.record({
        k: fc.constant("rev"),
        line: fc.nat(20),
        sku: fc.constantFrom(...skus),
        qty: fc.integer({ min: 1, max: 3 }),
      }),
      fc.record({ k: fc.constant("void"), line: fc.nat(20) }),
    );
    fc.assert(
      fc.property(fc.array(ev, { maxLength: 40 }), (ops) => {
        const events: BasketEvent[] = [open];
        let n = 0;
        for (const o of ops) {
          if (o.k === "add") events.push(added(`line_${++n}`, o.sku, { qty: o.qty }));
          else if (o.k === "rm") events.push(removed(`line_${++n}`, o.sku, { qty: o.qty }));
          else if (o.k === "rev")
            events.push({
              type: "LineRevised",
              at: 5,
              lineId: `line_${o.line}`,
              sku: o.sku,
              qty: o.qty,
              status: "ok",
              confidence: 1,
              by: "reviewer",
            });
          else
            events.push({ type: "LineVoided", at: 6, lineId: `line_${o.line}`, by: "reviewer", reason: "x" });
        }
        const s = foldBasket(events);
        const recount = new Map<string, number>();
        for (const l of s.lines.values()) {
          if (l.voided) continue;
          recount.set(l.sku, (recount.get(l.sku) ?? 0) + (l.kind === "add" ? 1 : -1) * (l.qty ?? 0));
        }
        const expected = [...recount].filter(([, q]) => q > 0).sort();
        const got = basketContents(s)
          .items.map((i) => [i.sku, i.qty] as [string, number])
          .sort();
        expect(got).toEqual(expected);
      }),
    );
  });
});

describe("initial state", () => {
  it("starts idle and empty", () => {
    const c = basketContents(initialBasketState());
    expect(initialBasketState().phase).toBe("idle");
    expect(c.items).toEqual([]);
  });
});
