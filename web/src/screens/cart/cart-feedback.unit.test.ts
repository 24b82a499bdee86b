import { describe, expect, it } from "vitest";
import type { ScreenLine } from "../../api/types";
import { basketChange, freshSkus } from "./cart-feedback";

const cola = (qty: number, status: "ok" | "unsure" = "ok"): ScreenLine => ({
  sku: "cola-330",
  name: "Cola 330 ml can",
  qty,
  amount: 129 * qty,
  status,
});
const chips: ScreenLine = { sku: "chips-salt", name: "Sea Salt", qty: 1, amount: 199, status: "unsure" };

describe("basketChange", () => {
  it("reports an accepted addition", () => {
    expect(basketChange([], [cola(1)])).toEqual({
      kind: "added",
      sku: "cola-330",
      name: "Cola 330 ml can",
      status: "ok",
    });
    expect(basketChange([cola(1)], [cola(2)])?.kind).toBe("added");
  });
  it("prefers an unsure addition over an accepted one", () => {
    expect(basketChange([], [cola(1), chips])).toMatchObject({ sku: "chips-salt", status: "unsure" });
  });
  it("reports a line confirmed after a prompt", () => {
    expect(basketChange([chips], [{ ...chips, status: "ok" }])).toMatchObject({ kind: "confirmed" });
  });
  it("reports a removal", () => {
    expect(basketChange([cola(2)], [cola(1)])).toMatchObject({ kind: "removed", sku: "cola-330" });
    expect(basketChange([cola(1)], [])).toMatchObject({ kind: "removed" });
  });
  it("is null when nothing changed", () => {
    expect(basketChange([cola(1)], [cola(1)])).toBeNull();
  });
  it("weighed lines compare grams", () => {
    const banana = (grams: number): ScreenLine => ({
      sku: "banana",
      name: "Bananas",
      grams,
      amount: 100,
      status: "ok",
    });
    expect(basketChange([banana(500)], [banana(700)])?.kind).toBe("added");
    expect(freshSkus([banana(500)], [banana(700)])).toEqual(new Set(["banana"]));
  });
});
