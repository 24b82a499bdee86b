/** Small event builders for tests (pure; no clocks, sequential values). */
import type { Evidence, ItemAdded, ItemRemoved } from "./basket.events";

export const NO_EVIDENCE: Evidence = {
  vision: [],
  scans: [],
  plu: [],
  answers: [],
  hypotheses: [],
  summary: "test",
};

export function added(
  lineId: string,
  sku: string,
  n: { qty?: number; grams?: number },
  at = 1000,
  status: "ok" | "unsure" = "ok",
): ItemAdded {
  return {
    type: "ItemAdded",
    at,
    lineId,
    sku,
    ...n,
    confidence: status === "ok" ? 0.99 : 0.6,
    status,
    evidence: NO_EVIDENCE,
  };
}

export function removed(
  lineId: string,
  sku: string,
  n: { qty?: number; grams?: number },
  at = 2000,
): ItemRemoved {
  return {
    type: "ItemRemoved",
    at,
    lineId,
    sku,
    ...n,
    confidence: 0.95,
    status: "ok",
    evidence: NO_EVIDENCE,
  };
}
