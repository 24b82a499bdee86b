/**
 * The walk-out store's view (routes/walkout-routes.ts): shoppers inside with their running
 * basket, the ones who just left with their receipt link, and the store's devices (a cart store
 * answers 404: the dashboard learns the kind from `/day` instead). A shopper's shape is
 * the server's own type, imported type-only (like api/types.ts) so nothing server-side reaches
 * the bundle.
 */
import type { ShopperView } from "../../../src/app/walkout-stream/walkout-service";
import { ApiError, request } from "./http";
import { staffApi, storePath } from "./staff";

export type ShopperLine = ShopperView["lines"][number];

export interface Shopper extends ShopperView {
  /** the shopper's receipt link once the visit is settled */
  receiptLink?: string;
}

export interface DeviceInfo {
  device: string;
  label?: string;
  revoked: boolean;
  online: boolean;
  createdAt: number;
}

export interface WalkoutView {
  store: string;
  kind: "walkout";
  /** every shopper inside, counted by the server (the rows stop at 200 sessions) */
  inside: number;
  /** what is in every inside shopper's basket, minor units (absent from an older server) */
  insideTotal?: number;
  shoppers: Shopper[];
  devices: DeviceInfo[];
}

export function walkoutView(store: string, key: string): Promise<WalkoutView> {
  return request<WalkoutView>(`${storePath(store)}/walkout?recent=20`, { key });
}

/**
 * "walkout" or "carts": what kind of store this is, as the day's figures say (every store has
 * them). Not by asking for the walk-out view: a cart store answers that with a 404, which showed
 * up as a failed request in the browser's console and the server's log on every dashboard load.
 */
export async function storeKind(store: string, key: string): Promise<"walkout" | "carts"> {
  return (await staffApi(store, key).day()).kind ?? "carts";
}

/** A walk-out case's shelf weight around the change (404 for a cart store: null). */
export async function shelfTrace(
  store: string,
  key: string,
  caseId: string,
): Promise<{ t: number; grams: number }[] | null> {
  try {
    const r = await request<{ trace: { t: number; grams: number }[] }>(
      `${storePath(store)}/reviews/${encodeURIComponent(caseId)}/shelf`,
      { key },
    );
    return r.trace.length > 1 ? r.trace : null;
  } catch (e) {
    if (e instanceof ApiError && e.status === 404) return null;
    throw e;
  }
}
