import { describe, expect, it } from "vitest";
import type { Product } from "../catalog/product";
import { type Candidate, explainChange, explainChanges, hypothesisLabel } from "./explain";
import { DEFAULT_FUSION_CONFIG } from "./fusion.config";

// Explanations of equal posterior keep the order the search reaches them in: the counts of the
// unit candidates in lexicographic order, the first candidate's slowest. Which of them is first
// decides the guess (and so the lines), and the order of the sum of scores decides the
// posteriors' last bits: the search and its sort may be made faster, never reordered.
describe("explainChange: order of equal explanations", () => {
  const unit = (sku: string): Product => ({
    sku,
    name: sku,
    soldBy: "unit",
    price: 100,
    weight: { mean: 100, sd: 2 },
    taxClass: "grocery",
    ageRestricted: false,
    lookalikes: [],
  });
  const candidate = (sku: string): Candidate => ({
    product: unit(sku),
    id: 0.5,
    prior: 1,
    uncovered: DEFAULT_FUSION_CONFIG.visionMissP,
  });
  // three products alike in weight and evidence, 200 g in: every pair of units fits alike
  const ctx = {
    delta: 200,
    sd: 1,
    candidates: ["a", "b", "c"].map(candidate),
    sightings: [],
    scanned: [],
  };

  it("lists ties in lexicographic order of the counts, the first candidate slowest", () => {
    const hyps = explainChange(ctx, DEFAULT_FUSION_CONFIG);
    const groups = new Map<number, string[]>();
    for (const h of hyps) {
      if (h.kind !== "merch") continue;
      const label = hypothesisLabel(h, (s) => s);
      groups.set(h.posterior, [...(groups.get(h.posterior) ?? []), label]);
    }
    const orders = [...groups.values()].filter((g) => g.length > 1);
    expect(orders).toContainEqual(["2 × c", "2 × b", "2 × a"]);
    expect(orders).toContainEqual(["1 × b + 1 × c", "1 × a + 1 × c", "1 × a + 1 × b"]);
    expect(orders).toContainEqual([
      "1 × c + 100 g unidentified",
      "1 × b + 100 g unidentified",
      "1 × a + 100 g unidentified",
    ]);
  });

  it("orders every variant's list the same way", () => {
    const variants = [
      { extraProductPrior: DEFAULT_FUSION_CONFIG.extraProductPrior },
      { spread: 1.5, extraProductPrior: DEFAULT_FUSION_CONFIG.extraProductPriorDoubt },
    ];
    for (const list of explainChanges(ctx, DEFAULT_FUSION_CONFIG, variants)) {
      const twoProducts = list.flatMap((h) =>
        h.kind === "merch" && h.items.length === 2 && !h.remainder ? [hypothesisLabel(h, (s) => s)] : [],
      );
      expect(twoProducts).toEqual(["1 × b + 1 × c", "1 × a + 1 × c", "1 × a + 1 × b"]);
    }
  });
});
