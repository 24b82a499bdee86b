/**
 * A log written with answering shoppers (fusion in the loop) replays to the same receipts:
 * prompt ids are per cart, so the answer lines find their prompts however the carts interleave.
 */
import { describe, expect, it } from "vitest";
import { loadDemoCatalog } from "../adapters/demo/demo-catalog";
import type { CartEvent, ReceiptLine } from "../domain/events/sensor-events";
import { DEFAULT_STORE_SETTINGS } from "../domain/store/store-settings";
import { HARD_MIX } from "../sim/profile";
import { simulate } from "../sim/simulator";
import { Replayer } from "./replay";

describe("answering log replay", () => {
  it("gives the receipts the shoppers saw in the loop", () => {
    const catalog = loadDemoCatalog();
    const live = new Replayer({ catalog, settings: DEFAULT_STORE_SETTINGS, timing: false });
    const lines: CartEvent[] = [];
    const summary = simulate(
      {
        catalog,
        mix: HARD_MIX,
        sessions: 24,
        seed: 5,
        carts: 4,
        answering: true,
        sink: (e) => live.ingest(e),
      },
      (e) => lines.push(e),
      () => {},
    );
    expect(summary.answered).toBeGreaterThan(0);
    expect(lines.some((l) => l.type === "answer")).toBe(true);
    const replay = new Replayer({ catalog, settings: DEFAULT_STORE_SETTINGS, timing: false });
    for (const l of lines) replay.ingest(l);
    const bySession = (rs: ReceiptLine[]) => [...rs].sort((a, b) => (a.session < b.session ? -1 : 1));
    expect(bySession(replay.finish())).toEqual(bySession(live.finish()));
    expect(replay.counters.rejected["unknown-prompt"] ?? 0).toBe(
      live.counters.rejected["unknown-prompt"] ?? 0,
    );
  });
});
