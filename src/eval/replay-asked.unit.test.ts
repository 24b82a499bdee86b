/**
 * Replay notes which products the shopper was asked about (`asked` on the receipt), so the
 * scorer can tell a wrong charge nobody asked about from one the shopper answered.
 */
import { describe, expect, it } from "vitest";
import type { CartEvent } from "../domain/events/sensor-events";
import { Timeline, testCatalog } from "../domain/fusion/synthetic.test-support";
import { DEFAULT_STORE_SETTINGS } from "../domain/store/store-settings";
import { Replayer } from "./replay";
import type { EvalReceipt } from "./truth-file";

const replay = (events: CartEvent[]) => {
  const rp = new Replayer({ catalog: testCatalog(), settings: DEFAULT_STORE_SETTINGS, timing: false });
  const raised: string[] = [];
  for (const e of events)
    for (const be of rp.ingest(e)) if (be.type === "PromptRaised") raised.push(be.prompt.id);
  return { receipts: rp.finish() as EvalReceipt[], raised };
};

describe("replay: what the shopper was asked about", () => {
  // a cola seen clearly (accepted) and chips between two look-alikes of different price (asked)
  const shop = () =>
    new Timeline(7)
      .hold(1000)
      .start()
      .hold(600)
      .see("in", ["cola-330", 0.95])
      .step(349.2)
      .hold(800)
      .see("in", ["chips-salt", 0.7], ["chips-vinegar", 0.25])
      .step(160.5)
      .hold(800);

  it("lists every product an answered prompt's line was, and nothing else", () => {
    const { raised } = replay(shop().end().events);
    expect(raised).toHaveLength(1);
    const { receipts } = replay(shop().answer(raised[0], { sku: "chips-vinegar" }).hold(200).end().events);
    expect(receipts).toMatchObject([{ answered: 1, asked: ["chips-salt", "chips-vinegar"] }]);
  });

  it("writes no `asked` when nothing was answered", () => {
    const { receipts } = replay(shop().end().events);
    expect(receipts[0].answered).toBeUndefined();
    expect(receipts[0].asked).toBeUndefined();
  });
});
