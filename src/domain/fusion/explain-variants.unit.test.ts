import { describe, expect, it } from "vitest";
import type { Product } from "../catalog/product";
import { type Candidate, type ChangeContext, explainChange, explainChanges } from "./explain";
import { DEFAULT_FUSION_CONFIG } from "./fusion.config";
import { rng } from "./synthetic.test-support";

// explainChanges scores one change several ways in one search (the cart's spread, the doubting
// extraProductPrior): each list must be exactly what explainChange gives for that way alone,
// since lines, prompts and the confidences on them are decided from these numbers
describe("explainChanges", () => {
  const u = rng(7);
  const unit = (i: number): Product => ({
    sku: `u${i}`,
    name: `unit ${i}`,
    soldBy: "unit",
    price: 100 + (i % 5),
    weight: { mean: 40 + Math.floor(u() * 400), sd: 0.5 + u() * 6 },
    taxClass: "grocery",
    ageRestricted: false,
    lookalikes: [],
  });
  const weighed = (i: number): Product => ({
    sku: `w${i}`,
    name: `weighed ${i}`,
    plu: `${4000 + i}`,
    soldBy: "weight",
    pricePerKg: 300,
    taxClass: "grocery",
    ageRestricted: false,
    lookalikes: [],
  });

  function randomChange(k: number): ChangeContext {
    const removal = k % 3 === 0;
    const candidates: Candidate[] = [];
    const nUnits = 1 + Math.floor(u() * 9);
    for (let i = 0; i < nUnits; i++) {
      const seen = u() < 0.6;
      candidates.push({
        product: unit(k * 20 + i),
        id: seen ? 0.3 + u() * 0.7 : 0.01,
        prior: seen ? 1 : 0.01,
        uncovered: seen ? 1 : DEFAULT_FUSION_CONFIG.visionMissP,
        ...(removal ? { maxQty: 1 + Math.floor(u() * 4) } : {}),
        ...(seen ? {} : { weightOnly: true }),
      });
    }
    for (let i = 0; i < Math.floor(u() * 3); i++) {
      const label = u() < 0.4;
      candidates.push({
        product: weighed(k * 20 + i),
        id: u(),
        prior: 1,
        uncovered: 1,
        ...(label ? { labelGrams: 100 + u() * 900 } : {}),
        ...(removal ? { maxQty: 200 + u() * 800 } : {}),
      });
    }
    // a delta near a combination of the units (a few of them, a few sd off), or anywhere
    const units = candidates.filter((c) => c.product.soldBy === "unit");
    let d = 0;
    for (let n = 1 + Math.floor(u() * 4); n > 0; n--)
      d += units[Math.floor(u() * units.length)].product.weight!.mean;
    if (u() < 0.3) d += (u() - 0.5) * 200;
    d = Math.max(10, d + (u() - 0.5) * 20);
    const sightings = [];
    for (let s = Math.floor(u() * 4); s > 0; s--) {
      const a = candidates[Math.floor(u() * candidates.length)].product.sku;
      const b = candidates[Math.floor(u() * candidates.length)].product.sku;
      sightings.push({ skus: [a, b], p: [0.4 + u() * 0.6, u() * 0.3] });
    }
    return {
      delta: removal ? -d : d,
      sd: 0.5 + u() * 3,
      candidates,
      sightings,
      scanned: u() < 0.3 ? [units[0].product.sku] : [],
      blank: u() < 0.2 ? 1 : 0,
      ...(removal ? { foreign: [{ key: "f1", grams: d + (u() - 0.5) * 10, sd: 5 }] } : {}),
    };
  }

  it("gives for each spread and extraProductPrior exactly what explainChange gives for it", () => {
    let spreadsDiffer = 0;
    for (let k = 0; k < 300; k++) {
      const ctx = randomChange(k);
      const spread = k % 4 === 0 ? 1 : 1 + u() * 2;
      const variants = [
        { extraProductPrior: DEFAULT_FUSION_CONFIG.extraProductPrior },
        { spread, extraProductPrior: DEFAULT_FUSION_CONFIG.extraProductPrior },
        { spread, extraProductPrior: DEFAULT_FUSION_CONFIG.extraProductPriorDoubt },
        { extraProductPrior: 0.05 },
      ];
      const lists = explainChanges(ctx, DEFAULT_FUSION_CONFIG, variants);
      variants.forEach((v, i) => {
        const alone = explainChange(
          { ...ctx, spread: v.spread },
          { ...DEFAULT_FUSION_CONFIG, extraProductPrior: v.extraProductPrior },
        );
        expect(lists[i]).toStrictEqual(alone);
      });
      if (lists[0].length !== lists[1].length) spreadsDiffer++;
    }
    // (the wider spread reaches explanations the modelled one does not)
    expect(spreadsDiffer).toBeGreaterThan(20);
  });
});
