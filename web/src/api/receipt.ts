/** The shopper's receipt, reached by its unguessable token (no account, no key). */
import { request } from "./http";
import type { Evidence, Receipt } from "./types";

const path = (token: string) => `/api/v1/receipt/${encodeURIComponent(token)}`;

export function fetchReceipt(token: string): Promise<Receipt> {
  return request<Receipt>(path(token));
}

export interface ReceiptEvidence {
  lines: Record<string, Evidence>;
  /** people who changed a line after the sensors: the shopper on the cart screen, a reviewer */
  checked?: Record<string, { by: string; change: string; at: number }[]>;
  /** lines that no longer count (left out of the receipt): voided by a reviewer or the shopper */
  removed?: {
    lineId: string;
    sku: string;
    name: string;
    qty?: number;
    grams?: number;
    by: string;
    reason?: string;
  }[];
}

/** Each line's full evidence (routes/web-routes.ts), for "what the cart saw". */
export function fetchReceiptEvidence(token: string): Promise<ReceiptEvidence> {
  return request(`${path(token)}/evidence`);
}

export function disputeLine(token: string, lineId: string, reason: string): Promise<{ caseId: string }> {
  return request(`${path(token)}/disputes`, { method: "POST", body: { lineId, reason } });
}
