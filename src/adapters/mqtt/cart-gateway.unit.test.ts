import { describe, expect, it } from "vitest";
import type { CartEvent } from "../../domain/events/sensor-events";
import type { ScreenState } from "../schemas/cart-protocol.schema";
import { CartGateway, type CartIngestOutcome } from "./cart-gateway";
import { eventsTopic } from "./topics";

const w = (i: number) => ({
  v: 1,
  t: 1_000 + i,
  type: "weight",
  store: "s",
  cart: "c",
  grams: i,
  id: `e${i}`,
});
const msg = (...ids: number[]) => Buffer.from(JSON.stringify(ids.map(w)));

describe("CartGateway coalescing", () => {
  it("ingests a cart's waiting messages together, in order, and completes them after the ingest", async () => {
    const calls: string[][] = [];
    let release!: () => void;
    const first = new Promise<void>((r) => {
      release = r;
    });
    const gateway = new CartGateway({
      ingest: {
        async ingest(_s, _c, events: CartEvent[]): Promise<CartIngestOutcome> {
          calls.push(events.map((e) => e.id ?? ""));
          if (calls.length === 1) await first;
          return { rejected: [] };
        },
      },
    });
    const topic = eventsTopic("s", "c");
    const done: number[] = [];
    const p0 = gateway.handleMessage(topic, msg(1)).then(() => done.push(0));
    await new Promise((r) => setTimeout(r, 5));
    // the first is being ingested; these two wait and go together
    const ps = [msg(2, 3), msg(4)].map((p, i) =>
      gateway.handleMessage(topic, p).then(() => done.push(i + 1)),
    );
    await new Promise((r) => setTimeout(r, 10));
    expect(done).toEqual([]);
    release();
    await Promise.all([p0, ...ps]);
    expect(calls).toEqual([["e1"], ["e2", "e3", "e4"]]);
    expect(done).toEqual([0, 1, 2]);
  });

  it("a failed ingest fails every message of the batch (none is acknowledged)", async () => {
    const gateway = new CartGateway({
      ingest: {
        async ingest() {
          throw new Error("database down");
        },
      },
    });
    const topic = eventsTopic("s", "c");
    const r = await Promise.allSettled([
      gateway.handleMessage(topic, msg(1)),
      gateway.handleMessage(topic, msg(2)),
    ]);
    expect(r.map((x) => x.status)).toEqual(["rejected", "rejected"]);
  });

  it("after a failed ingest the cart's messages already waiting behind it fail too, unprocessed (order survives)", async () => {
    const calls: string[][] = [];
    let fail!: (err: Error) => void;
    const gateway = new CartGateway({
      ingest: {
        async ingest(_s, _c, events: CartEvent[]): Promise<CartIngestOutcome> {
          calls.push(events.map((e) => e.id ?? ""));
          if (calls.length === 1) await new Promise<void>((_, reject) => (fail = reject));
          return { rejected: [] };
        },
      },
    });
    const topic = eventsTopic("s", "c");
    const first = gateway.handleMessage(topic, msg(1));
    await new Promise((r) => setTimeout(r, 5));
    const behind = gateway.handleMessage(topic, msg(2));
    fail(new Error("database down"));
    const r = await Promise.allSettled([first, behind]);
    expect(r.map((x) => x.status)).toEqual(["rejected", "rejected"]);
    expect(calls).toEqual([["e1"]]);
    // a message arriving afterwards (the redelivery) is processed
    await gateway.handleMessage(topic, msg(1));
    expect(calls).toEqual([["e1"], ["e1"]]);
  });

  it("answers a refusal on the errors topic with the id of the event that carried it", async () => {
    const errors: { id?: string; reason: string }[] = [];
    const gateway = new CartGateway({
      maxCoalesce: 8,
      ingest: {
        async ingest(_s, _c, events: CartEvent[]) {
          const i = events.findIndex((e) => e.id === "e3");
          return { rejected: i >= 0 ? [{ index: i, reason: "out-of-order" }] : [] };
        },
      },
    });
    gateway.attach({
      publishScreen: async () => {},
      publishError: async (_s, _c, e) => {
        errors.push(e);
      },
    });
    const topic = eventsTopic("s", "c");
    await Promise.all([gateway.handleMessage(topic, msg(1)), gateway.handleMessage(topic, msg(2, 3))]);
    expect(errors).toEqual([{ id: "e3", reason: "out-of-order" }]);
  });

  it("publishes a screen only when it changed: not for a sample that changes nothing, nor for a new seq with the same content", async () => {
    const screens: ScreenState[] = [];
    // what the application answers, message by message
    const answers: ScreenState[] = [
      { state: "shopping", currency: "USD", total: 0, lines: [], seq: 2 },
      { state: "shopping", currency: "USD", total: 0, lines: [], seq: 2 }, // nothing changed
      { state: "shopping", currency: "USD", total: 0, lines: [], seq: 3 }, // seq only
      {
        state: "shopping",
        currency: "USD",
        total: 129,
        lines: [{ sku: "cola", name: "Cola", qty: 1, amount: 129, status: "ok" }],
        seq: 4,
      },
      { state: "shopping", currency: "USD", total: 129, lines: [], seq: 4 }, // a redelivery's answer
    ];
    const gateway = new CartGateway({
      maxCoalesce: 1,
      ingest: {
        async ingest() {
          return { rejected: [], screen: answers.shift() };
        },
      },
    });
    gateway.attach({
      publishScreen: async (_s, _c, screen) => {
        screens.push(screen);
      },
      publishError: async () => {},
    });
    const topic = eventsTopic("s", "c");
    for (let i = 1; i <= 5; i++) await gateway.handleMessage(topic, msg(i));
    expect(screens.map((s) => [s.seq, s.total])).toEqual([
      [2, 0],
      [4, 129],
    ]);
  });
});
