/** The contract every EventStore adapter passes (SQLite and PostgreSQL). */
import { describe, expect, it } from "vitest";
import type { BasketEvent } from "../../../domain/basket/basket.events";
import { type EventStore, sessionStreamId } from "../event-store";

export interface EventStoreContractOptions {
  newStore: () => EventStore | Promise<EventStore>;
}

let seq = 0;
/** Store ids unique to each test, so factories may share one database. */
export function uniqueStore(prefix = "st"): string {
  return `${prefix}-${process.pid}-${Date.now().toString(36)}-${++seq}`;
}

const opened = (session: string, store: string): BasketEvent => ({
  type: "SessionOpened",
  at: 1,
  session,
  store,
});
const cancelled = (reason: string): BasketEvent => ({ type: "SessionCancelled", at: 2, reason });
const meta = { source: "workflow" as const };

export function runEventStoreContract({ newStore }: EventStoreContractOptions): void {
  describe("event store contract", () => {
    it("appends to a new stream and reads it back in order, with meta and time", async () => {
      const es = await newStore();
      const store = uniqueStore();
      const id = sessionStreamId(store, "s1");
      const r = await es.append(id, [opened("s1", store), cancelled("a"), cancelled("b")], {
        expectedVersion: 0,
        meta: { source: "cart", causation: "raw-1" },
        recordedAt: 1_700_000_000_123,
      });
      expect(r).toMatchObject({ status: "appended", version: 3, lastPosition: 3 });
      const { version, events } = await es.readStream(id);
      expect(version).toBe(3);
      expect(events.map((e) => e.version)).toEqual([1, 2, 3]);
      expect(events.map((e) => e.data)).toEqual([opened("s1", store), cancelled("a"), cancelled("b")]);
      expect(events[0]).toMatchObject({
        streamId: id,
        store,
        type: "SessionOpened",
        meta: { source: "cart", causation: "raw-1" },
        recordedAt: 1_700_000_000_123,
      });
      expect((await es.readStream(id, 2)).events.map((e) => e.version)).toEqual([2, 3]);
      expect(await es.streamVersion(id)).toBe(3);
      expect(await es.streamVersion(sessionStreamId(store, "nope"))).toBe(0);
    });

    it("refuses a stale expected version and writes nothing", async () => {
      const es = await newStore();
      const store = uniqueStore();
      const id = sessionStreamId(store, "s1");
      await es.append(id, [opened("s1", store)], { expectedVersion: 0, meta, recordedAt: 1 });
      await es.append(id, [cancelled("x")], { expectedVersion: 1, meta, recordedAt: 1 });
      const stale = await es.append(id, [cancelled("y")], { expectedVersion: 1, meta, recordedAt: 1 });
      expect(stale).toEqual({ status: "conflict", expected: 1, actual: 2 });
      const exists = await es.append(id, [opened("s1", store)], { expectedVersion: 0, meta, recordedAt: 1 });
      expect(exists).toEqual({ status: "conflict", expected: 0, actual: 2 });
      const ahead = await es.append(sessionStreamId(store, "s2"), [cancelled("z")], {
        expectedVersion: 4,
        meta,
        recordedAt: 1,
      });
      expect(ahead).toEqual({ status: "conflict", expected: 4, actual: 0 });
      expect((await es.readStream(id)).events.map((e) => e.data)).toEqual([
        opened("s1", store),
        cancelled("x"),
      ]);
      expect(await es.storePosition(store)).toBe(2);
    });

    it("lets exactly one of many concurrent writers with the same expected version win", async () => {
      const es = await newStore();
      const store = uniqueStore();
      const id = sessionStreamId(store, "race");
      await es.append(id, [opened("race", store)], { expectedVersion: 0, meta, recordedAt: 1 });
      const results = await Promise.all(
        Array.from({ length: 12 }, (_, i) =>
          es.append(id, [cancelled(`w${i}`), cancelled(`w${i}b`)], {
            expectedVersion: 1,
            meta,
            recordedAt: 1,
          }),
        ),
      );
      expect(results.filter((r) => r.status === "appended")).toHaveLength(1);
      expect(results.filter((r) => r.status === "conflict")).toHaveLength(11);
      const { events } = await es.readStream(id);
      expect(events).toHaveLength(3);
      const winner = (events[1].data as { reason: string }).reason;
      expect((events[2].data as { reason: string }).reason).toBe(`${winner}b`);
    });

    it("creates a new stream once when many writers race to create it", async () => {
      const es = await newStore();
      const store = uniqueStore();
      const id = sessionStreamId(store, "new");
      const results = await Promise.all(
        Array.from({ length: 8 }, () =>
          es.append(id, [opened("new", store)], { expectedVersion: 0, meta, recordedAt: 1 }),
        ),
      );
      expect(results.filter((r) => r.status === "appended")).toHaveLength(1);
      expect(await es.streamVersion(id)).toBe(1);
    });

    it("appends unconditionally with expectedVersion any", async () => {
      const es = await newStore();
      const store = uniqueStore();
      const id = sessionStreamId(store, "s");
      await Promise.all(
        Array.from({ length: 5 }, (_, i) =>
          es.append(id, [cancelled(String(i))], { expectedVersion: "any", meta, recordedAt: 1 }),
        ),
      );
      const { events, version } = await es.readStream(id);
      expect(version).toBe(5);
      expect(events.map((e) => e.version)).toEqual([1, 2, 3, 4, 5]);
    });

    it("orders a store's events by gap-free position and never mixes stores", async () => {
      const es = await newStore();
      const a = uniqueStore("a");
      const b = uniqueStore("b");
      const writes: Promise<unknown>[] = [];
      for (let i = 0; i < 6; i++) {
        writes.push(
          es.append(sessionStreamId(a, `s${i % 3}`), [cancelled(`a${i}`)], {
            expectedVersion: "any",
            meta,
            recordedAt: i,
          }),
        );
        writes.push(
          es.append(sessionStreamId(b, "only"), [cancelled(`b${i}`)], {
            expectedVersion: "any",
            meta,
            recordedAt: i,
          }),
        );
      }
      await Promise.all(writes);
      const evA = await es.readStore(a, 0, 100);
      expect(evA.map((e) => e.position)).toEqual([1, 2, 3, 4, 5, 6]);
      expect(evA.every((e) => e.store === a && e.streamId.startsWith(`${a}/`))).toBe(true);
      expect((await es.readStore(a, 4, 100)).map((e) => e.position)).toEqual([5, 6]);
      expect((await es.readStore(a, 0, 2)).map((e) => e.position)).toEqual([1, 2]);
      expect(await es.storePosition(b)).toBe(6);
      expect(await es.storePosition(uniqueStore("none"))).toBe(0);
    });

    it("treats an empty append as a version check", async () => {
      const es = await newStore();
      const store = uniqueStore();
      const id = sessionStreamId(store, "s");
      expect((await es.append(id, [], { expectedVersion: 0, meta, recordedAt: 1 })).status).toBe("appended");
      expect(await es.append(id, [], { expectedVersion: 3, meta, recordedAt: 1 })).toEqual({
        status: "conflict",
        expected: 3,
        actual: 0,
      });
    });
  });
}
