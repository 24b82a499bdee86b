/**
 * The promotion types the product knows. A new type is a new `*.promotion.ts` file and one line
 * here; the engine never changes.
 */
import { amountOffPromotion } from "./amount-off.promotion";
import { bundlePromotion } from "./bundle.promotion";
import { buyXGetYPromotion } from "./buy-x-get-y.promotion";
import { minimumSpendPromotion } from "./minimum-spend.promotion";
import { multiBuyPromotion } from "./multi-buy.promotion";
import { percentOffPromotion } from "./percent-off.promotion";
import type { PromotionDefinition } from "./promotion.types";

const DEFINITIONS: readonly PromotionDefinition[] = [
  multiBuyPromotion,
  buyXGetYPromotion,
  percentOffPromotion,
  amountOffPromotion,
  bundlePromotion,
  minimumSpendPromotion,
] as unknown as PromotionDefinition[];

const BY_CODE = new Map<string, PromotionDefinition>(DEFINITIONS.map((d) => [d.code, d]));

export function promotionDefinition(code: string): PromotionDefinition | undefined {
  return BY_CODE.get(code);
}

export function promotionDefinitions(): readonly PromotionDefinition[] {
  return DEFINITIONS;
}
