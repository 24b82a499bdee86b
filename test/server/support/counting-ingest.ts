/**
 * A small real ingest handler for edge tests before (and apart from) the application layer: it
 * keeps each cart's accepted events in order, dedupes by event id, and shows the count of
 * events as the screen total. Not a mock: it does the job a store service does, minus fusion.
 */

import type { CartIngestOutcome, CartIngestPort } from "../../../src/adapters/mqtt/cart-gateway";
import type { ScreenState } from "../../../src/adapters/schemas/cart-protocol.schema";
import type { CartEvent } from "../../../src/domain/events/sensor-events";

export class CountingIngest implements CartIngestPort {
  readonly events = new Map<string, CartEvent[]>();
  private readonly seen = new Set<string>();
  private readonly seq = new Map<string, number>();

  async ingest(store: string, cart: string, events: CartEvent[]): Promise<CartIngestOutcome> {
    const key = `${store}/${cart}`;
    const list = this.events.get(key) ?? [];
    this.events.set(key, list);
    const rejected: CartIngestOutcome["rejected"] = [];
    let duplicates = 0;
    let changed = false;
    events.forEach((e, index) => {
      if (e.id && this.seen.has(`${key}/${e.id}`)) {
        duplicates++;
        return;
      }
      if (e.type === "answer") {
        rejected.push({ index, reason: "unknown-prompt", detail: `no open prompt ${e.prompt}` });
        return;
      }
      if (e.id) this.seen.add(`${key}/${e.id}`);
      list.push(e);
      changed = true;
    });
    const seq = (this.seq.get(key) ?? 0) + (changed ? 1 : 0);
    this.seq.set(key, seq);
    const screen: ScreenState = {
      session: "s-1",
      state: "shopping",
      currency: "USD",
      total: list.length,
      lines: [],
      seq,
    };
    return { rejected, duplicates, screen, settled: events.some((e) => e.type === "weight") };
  }

  of(store: string, cart: string): CartEvent[] {
    return this.events.get(`${store}/${cart}`) ?? [];
  }
}
