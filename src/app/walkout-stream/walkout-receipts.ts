/**
 * Receipts for walk-out visits: a StoreEventHandler for replay/eval (src/eval/replay.ts). Each
 * visit's basket is priced with the shared priceBasket when the shopper leaves through the gate,
 * the same way a cart session is priced at session.end. Shelf decisions are kept for figures.
 */
import { basketContents } from "../../domain/basket/basket.state";
import type { Catalog } from "../../domain/catalog/product";
import type { ReceiptLine, StoreEvent } from "../../domain/events/sensor-events";
import { priceBasket } from "../../domain/pricing/price-basket";
import type { StoreSettings } from "../../domain/store/store-settings";
import type { ShelfDecision } from "../../domain/walkout/walkout.fusion";
import type { WalkoutStreams } from "./walkout-stream";

export interface WalkoutReceiptHandler {
  handle(e: StoreEvent): ReceiptLine[] | undefined;
  finish(): ReceiptLine[];
  readonly decisions: ShelfDecision[];
  readonly rejected: Record<string, number>;
  /** sessions still inside at the end of the log (no receipt) */
  unfinished: number;
}

export function walkoutReceiptHandler(
  streamsFor: (store: string) => WalkoutStreams,
  catalog: Catalog,
  settings: StoreSettings,
  options: { keepDecisions?: boolean } = {},
): WalkoutReceiptHandler {
  const stores = new Map<string, WalkoutStreams>();
  const get = (store: string) => {
    let s = stores.get(store);
    if (!s) {
      s = streamsFor(store);
      stores.set(store, s);
    }
    return s;
  };
  const h: WalkoutReceiptHandler = {
    decisions: [],
    rejected: {},
    unfinished: 0,
    handle(e) {
      const ws = get(e.store);
      const r = ws.ingest(e);
      if (r.outcome === "rejected") {
        const k = r.reason ?? "rejected";
        h.rejected[k] = (h.rejected[k] ?? 0) + 1;
        return undefined;
      }
      if (options.keepDecisions !== false && r.decisions) h.decisions.push(...r.decisions);
      if (!r.ended) return undefined;
      return r.ended.map(({ session }) => {
        const receipt = receiptOf(ws, session, catalog, settings);
        ws.release(session);
        return receipt;
      });
    },
    finish() {
      for (const ws of stores.values()) {
        const r = ws.flush();
        if (options.keepDecisions !== false && r.decisions) h.decisions.push(...r.decisions);
        h.unfinished += ws.openSessions().length;
      }
      return [];
    },
  };
  return h;
}

export function receiptOf(
  ws: WalkoutStreams,
  session: string,
  catalog: Catalog,
  settings: StoreSettings,
): ReceiptLine {
  const state = ws.basket(session)!;
  const c = basketContents(state);
  const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
  const items = [...c.items].sort((a, b) => cmp(a.sku, b.sku));
  const weighed = [...c.weighed].sort((a, b) => cmp(a.sku, b.sku) || a.grams - b.grams);
  const priced = priceBasket({ items, weighed }, catalog, settings);
  return {
    session,
    items,
    weighed,
    total: priced.total,
    currency: priced.currency,
    review: state.cases.size > 0 || state.resolvedCases.length > 0,
    prompts: 0,
  };
}
