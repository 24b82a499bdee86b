/**
 * The staff API: the operator dashboard and the review console, acting with an API key.
 * Every path is under /api/v1/stores/{store}.
 */
import { request } from "./http";
import type { ProductInfo, ReviewCase, Session, StoreStats } from "./types";

export const storePath = (store: string) => `/api/v1/stores/${encodeURIComponent(store)}`;

export interface CartInfo {
  cart: string;
  label?: string;
  revoked?: boolean;
  online?: boolean;
  lastSeen?: number;
}

export const staffApi = (store: string, key: string) => {
  const base = storePath(store);
  const get = <T>(path: string, signal?: AbortSignal) => request<T>(`${base}${path}`, { key, signal });
  const post = <T>(path: string, body: unknown) =>
    request<T>(`${base}${path}`, { key, method: "POST", body });
  return {
    sessions: (q: { open?: boolean; limit?: number } = {}) => {
      const qs = new URLSearchParams();
      if (q.open !== undefined) qs.set("open", String(q.open));
      if (q.limit) qs.set("limit", String(q.limit));
      return get<{ sessions: Session[] } | Session[]>(`/sessions?${qs}`).then(unwrap<Session>("sessions"));
    },
    carts: () => get<{ carts: CartInfo[] } | CartInfo[]>("/carts").then(unwrap<CartInfo>("carts")),
    stats: () => get<StoreStats>("/stats"),
    queue: () => get<{ cases: ReviewCase[] } | ReviewCase[]>("/reviews").then(unwrap<ReviewCase>("cases")),
    reviewCase: (caseId: string) => get<ReviewCase>(`/reviews/${encodeURIComponent(caseId)}`),
    decide: (
      caseId: string,
      d: {
        decision: "confirm" | "correct" | "void" | "uphold" | "reject";
        lines?: { lineId: string; sku: string; qty?: number; grams?: number }[];
        note?: string;
      },
    ) => post<unknown>(`/reviews/${encodeURIComponent(caseId)}/decision`, d),
    products: () =>
      get<{ products: ProductInfo[] } | ProductInfo[]>("/products").then(unwrap<ProductInfo>("products")),
    exportUrl: () => `${base}/reviews/export.jsonl`,
  };
};
export type StaffApi = ReturnType<typeof staffApi>;

function unwrap<T>(field: string) {
  return (r: unknown): T[] =>
    Array.isArray(r) ? (r as T[]) : (((r as Record<string, unknown>)[field] as T[]) ?? []);
}
