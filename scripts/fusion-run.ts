/**
 * What the fusion development scripts share: run a simulated store directory through the server's
 * fusion (`Replayer`) — its shoppers re-simulated with fusion in the loop, answering prompts (as
 * `skiplane eval --answering`), or with `replayed` the log as it is — and keep every session's
 * basket events, its receipt and the truth. Used by fusion-breakdown.ts and fusion-silent.ts.
 */
import { createReadStream, readFileSync } from "node:fs";
import { join } from "node:path";
import { createInterface } from "node:readline";
import type { BasketEvent } from "../src/domain/basket/basket.events";
import type { Catalog } from "../src/domain/catalog/product";
import type { CartEvent } from "../src/domain/events/sensor-events";
import { DEFAULT_STORE_SETTINGS } from "../src/domain/store/store-settings";
import { loadDirCatalog, readManifest, simulateAnswering } from "../src/eval/evaluate";
import { Replayer } from "../src/eval/replay";
import type { EvalReceipt } from "../src/eval/truth-file";
import type { TruthWithDecidable } from "../src/sim/simulator";

export interface FusionRun {
  catalog: Catalog;
  /** basket events per session, in order */
  events: Map<string, BasketEvent[]>;
  receipts: Map<string, EvalReceipt>;
  truths: TruthWithDecidable[];
}

export async function runFusion(
  dir: string,
  options: { threshold: number; replayed: boolean },
): Promise<FusionRun> {
  const catalog = loadDirCatalog(dir);
  const m = readManifest(dir);
  if (!m) throw new Error(`${dir}: sim.json missing`);
  const rp = new Replayer({
    catalog,
    settings: DEFAULT_STORE_SETTINGS,
    fusionConfig: { acceptThreshold: options.threshold },
    timing: false,
  });
  const events = new Map<string, BasketEvent[]>();
  const truths: TruthWithDecidable[] = [];
  const sink = (e: CartEvent): BasketEvent[] => {
    const r = rp.ingestCart(e);
    if (r.session !== undefined && r.events.length > 0) {
      const xs = events.get(r.session) ?? [];
      xs.push(...r.events);
      events.set(r.session, xs);
    }
    return r.events;
  };
  if (options.replayed) {
    // line by line: a 10,000-session hard log is larger than a Node string
    for await (const line of createInterface({ input: createReadStream(join(dir, "log.jsonl")) })) {
      if (!line) continue;
      const e = JSON.parse(line) as CartEvent;
      if ("cart" in e) sink(e);
    }
    for (const line of readFileSync(join(dir, "truth.jsonl"), "utf8").split("\n"))
      if (line) truths.push(JSON.parse(line) as TruthWithDecidable);
  } else {
    truths.push(...simulateAnswering(m, catalog, sink));
  }
  const receipts = new Map(rp.finish().map((r) => [r.session, r as EvalReceipt]));
  return { catalog, events, receipts, truths };
}
