/**
 * The promotion types the product knows. A new type is a new `*.promotion.ts` file and one line
 * here; the engine never changes.
 */
import type { PromotionDefinition } from "./promotion.types";

const DEFINITIONS: readonly PromotionDefinition[] = [];

const BY_CODE = new Map<string, PromotionDefinition>(DEFINITIONS.map((d) => [d.code, d]));

export function promotionDefinition(code: string): PromotionDefinition | undefined {
  return BY_CODE.get(code);
}

export function promotionDefinitions(): readonly PromotionDefinition[] {
  return DEFINITIONS;
}
