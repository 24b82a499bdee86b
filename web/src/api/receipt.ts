/** The shopper's receipt, reached by its unguessable token (no account, no key). */
import { request } from "./http";
import type { Evidence, Receipt } from "./types";

const path = (token: string) => `/api/v1/receipt/${encodeURIComponent(token)}`;

export function fetchReceipt(token: string): Promise<Receipt> {
  return request<Receipt>(path(token));
}

/** Each line's full evidence (routes/web-routes.ts), for "what the cart saw". */
export function fetchReceiptEvidence(token: string): Promise<{ lines: Record<string, Evidence> }> {
  return request(`${path(token)}/evidence`);
}

export function disputeLine(token: string, lineId: string, reason: string): Promise<{ caseId: string }> {
  return request(`${path(token)}/disputes`, { method: "POST", body: { lineId, reason } });
}
