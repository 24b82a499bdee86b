/** The shopper's receipt, reached by its unguessable token (no account, no key). */
import { request } from "./http";
import type { Receipt } from "./types";

const path = (token: string) => `/api/v1/receipts/${encodeURIComponent(token)}`;

export function fetchReceipt(token: string): Promise<Receipt> {
  return request<Receipt>(path(token));
}

export function disputeLine(token: string, lineId: string, reason: string): Promise<unknown> {
  return request(`${path(token)}/disputes`, { method: "POST", body: { lineId, reason } });
}
