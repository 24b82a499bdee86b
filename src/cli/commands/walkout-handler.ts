/**
 * Wiring for walk-out replays (not a command): loads layout.json and builds the replay's store
 * event handler (src/eval/replay.ts `storeHandler`) on WalkoutStreams. Used by `replay --layout`.
 */
import { loadLayoutFile } from "../../adapters/files/layout-file";
import { type WalkoutReceiptHandler, walkoutReceiptHandler } from "../../app/walkout-stream/walkout-receipts";
import { WalkoutStreams } from "../../app/walkout-stream/walkout-stream";
import type { Catalog } from "../../domain/catalog/product";
import { sequentialIds } from "../../domain/shared/ids";
import type { StoreSettings } from "../../domain/store/store-settings";

export function walkoutHandlerFromLayout(
  layoutPath: string,
  catalog: Catalog,
  settings: StoreSettings,
): WalkoutReceiptHandler {
  const layout = loadLayoutFile(layoutPath);
  return walkoutReceiptHandler(
    (store) => new WalkoutStreams({ catalog, layout, ids: sequentialIds(), store }),
    catalog,
    settings,
  );
}

/** one line of walk-out figures for the replay summary */
export function walkoutSummary(h: WalkoutReceiptHandler): string {
  const picks = h.decisions.filter((d) => d.kind === "pick").length;
  const putbacks = h.decisions.filter((d) => d.kind === "putback").length;
  const ignored = h.decisions.filter((d) => d.kind === "ignored").length;
  const ambiguous = h.decisions.filter((d) => d.ambiguous).length;
  return (
    `walk-out: ${h.decisions.length} shelf changes (${picks} pick-ups, ${putbacks} put-backs, ` +
    `${ignored} ignored, ${ambiguous} with several shoppers in reach); ` +
    `${h.unfinished} visit(s) still inside at the end; rejected ${JSON.stringify(h.rejected)}`
  );
}
