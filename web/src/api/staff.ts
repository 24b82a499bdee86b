/**
 * The staff API: the operator dashboard and the review console, acting with an API key.
 * Every path is under /api/v1/stores/{store}: the core API (http-server.ts) plus the screens'
 * own reads (routes/web-routes.ts: products, the day's figures, a review case's context).
 */
import { request } from "./http";
import type { DayFigures, ProductInfo, ReviewCase, ReviewContext, Session, StoreStats } from "./types";

export const storePath = (store: string) => `/api/v1/stores/${encodeURIComponent(store)}`;

export interface CartInfo {
  store: string;
  cart: string;
  label?: string;
  revoked: boolean;
  online: boolean;
  createdAt: number;
}

/** Uncertain cases: confirm | correct | void. Disputes: reject (the charge stands) | uphold | correct. */
export interface DecisionBody {
  decision: "confirm" | "correct" | "void" | "uphold" | "reject";
  /** what the line really was (required for correct) */
  correction?: { lineId?: string; sku: string; qty?: number; grams?: number };
  note?: string;
}

export const staffApi = (store: string, key: string) => {
  const base = storePath(store);
  const get = <T>(path: string) => request<T>(`${base}${path}`, { key });
  return {
    sessions: (q: { open?: boolean; state?: string; limit?: number } = {}) => {
      const qs = new URLSearchParams();
      if (q.open !== undefined) qs.set("open", String(q.open));
      if (q.state !== undefined) qs.set("state", q.state);
      if (q.limit) qs.set("limit", String(q.limit));
      return get<Session[]>(`/sessions?${qs}`);
    },
    carts: () => get<CartInfo[]>("/carts"),
    // "today" is the viewer's day for both (minutes east of UTC)
    stats: () => get<StoreStats>(`/stats?tz=${-new Date().getTimezoneOffset()}`),
    day: () => get<DayFigures>(`/day?tz=${-new Date().getTimezoneOffset()}`),
    queue: () => get<ReviewCase[]>("/reviews?limit=200"),
    reviewCase: (caseId: string) => get<ReviewCase>(`/reviews/${encodeURIComponent(caseId)}`),
    reviewContext: (caseId: string) => get<ReviewContext>(`/reviews/${encodeURIComponent(caseId)}/context`),
    decide: (caseId: string, d: DecisionBody) =>
      request<ReviewCase>(`${base}/reviews/${encodeURIComponent(caseId)}/decision`, {
        key,
        method: "POST",
        body: d,
      }),
    products: () => get<ProductInfo[]>("/products"),
    exportUrl: () => `${base}/labels.jsonl`,
  };
};
export type StaffApi = ReturnType<typeof staffApi>;
