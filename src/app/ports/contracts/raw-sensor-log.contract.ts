/** The contract every RawSensorLog adapter passes (SQLite and PostgreSQL). */
import { describe, expect, it } from "vitest";
import type { CartEvent } from "../../../domain/events/sensor-events";
import type { RawSensorLog } from "../raw-sensor-log";
import { uniqueStore } from "./event-store.contract";

export interface RawSensorLogContractOptions {
  newLog: () => RawSensorLog | Promise<RawSensorLog>;
}

const DAY = 86_400_000;
const T0 = Date.UTC(2026, 10, 20, 10);

function weight(store: string, cart: string, t: number, grams: number, id?: string): CartEvent {
  return { v: 1, t, type: "weight", store, cart, grams, ...(id ? { id } : {}) };
}

export function runRawSensorLogContract({ newLog }: RawSensorLogContractOptions): void {
  describe("raw sensor log contract", () => {
    it("stores an event once: a redelivery is not new and keeps its place", async () => {
      const log = await newLog();
      const store = uniqueStore();
      const e = weight(store, "c1", T0, 12.5, "e-1");
      const first = await log.append({ store, cart: "c1", session: "s1", receivedAt: T0 + 3, event: e });
      const again = await log.append({
        store,
        cart: "c1",
        session: "s1",
        receivedAt: T0 + 900,
        event: { ...e },
      });
      expect(first.isNew).toBe(true);
      expect(again).toEqual({ isNew: false, key: first.key, seq: first.seq });
      expect(await log.count(store)).toBe(1);
      const [entry] = await log.readCart(store, "c1");
      expect(entry).toMatchObject({
        store,
        cart: "c1",
        session: "s1",
        receivedAt: T0 + 3,
        event: e,
        seq: first.seq,
      });
    });

    it("dedupes events without an id by content", async () => {
      const log = await newLog();
      const store = uniqueStore();
      const a = weight(store, "c1", T0, 10);
      expect((await log.append({ store, cart: "c1", receivedAt: T0, event: a })).isNew).toBe(true);
      expect((await log.append({ store, cart: "c1", receivedAt: T0, event: { ...a } })).isNew).toBe(false);
      expect(
        (await log.append({ store, cart: "c1", receivedAt: T0, event: weight(store, "c1", T0, 11) })).isNew,
      ).toBe(true);
    });

    it("accepts one of many concurrent redeliveries", async () => {
      const log = await newLog();
      const store = uniqueStore();
      const e = weight(store, "c1", T0, 1, "dup");
      const rs = await Promise.all(
        Array.from({ length: 8 }, () => log.append({ store, cart: "c1", receivedAt: T0, event: e })),
      );
      expect(rs.filter((r) => r.isNew)).toHaveLength(1);
      expect(new Set(rs.map((r) => r.seq)).size).toBe(1);
    });

    it("reads one cart's events in order, by session and after a point, never another cart's or store's", async () => {
      const log = await newLog();
      const store = uniqueStore();
      const other = uniqueStore();
      const seqs: number[] = [];
      for (let i = 0; i < 5; i++) {
        const session = i < 2 ? "s1" : "s2";
        const r = await log.append({
          store,
          cart: "c1",
          session,
          receivedAt: T0,
          event: weight(store, "c1", T0 + i, i, `c1-${i}`),
        });
        seqs.push(r.seq);
        await log.append({
          store,
          cart: "c2",
          session: "s9",
          receivedAt: T0,
          event: weight(store, "c2", T0 + i, i, `c1-${i}`),
        });
        await log.append({
          store: other,
          cart: "c1",
          session,
          receivedAt: T0,
          event: weight(other, "c1", T0 + i, i, `c1-${i}`),
        });
      }
      expect([...seqs].sort((x, y) => x - y)).toEqual(seqs);
      const all = await log.readCart(store, "c1");
      expect(all.map((e) => e.event.id)).toEqual(["c1-0", "c1-1", "c1-2", "c1-3", "c1-4"]);
      expect((await log.readCart(store, "c1", { session: "s2" })).map((e) => e.event.id)).toEqual([
        "c1-2",
        "c1-3",
        "c1-4",
      ]);
      expect((await log.readCart(store, "c1", { afterSeq: seqs[3] })).map((e) => e.event.id)).toEqual([
        "c1-4",
      ]);
      expect((await log.readCart(store, "c1", { limit: 2 })).map((e) => e.event.id)).toEqual([
        "c1-0",
        "c1-1",
      ]);
      expect(await log.count(store)).toBe(10);
    });

    it("gives a session's events for replay with the idle lead-in since the previous session", async () => {
      const log = await newLog();
      const store = uniqueStore();
      const add = (t: number, id: string, session?: string) =>
        log.append({ store, cart: "c", session, receivedAt: T0, event: weight(store, "c", t, 0, id) });
      await add(T0 - 100_000, "old-idle");
      await add(T0 - 90_000, "s1-a", "s1");
      await add(T0 - 80_000, "s1-b", "s1");
      await add(T0 - 70_000, "idle-far");
      await add(T0 - 20_000, "idle-1");
      await add(T0 - 10_000, "idle-2");
      await add(T0, "s2-a", "s2");
      await add(T0 + 5, "s2-b", "s2");
      expect((await log.readForReplay(store, "c", "s2", 30_000)).map((e) => e.event.id)).toEqual([
        "idle-1",
        "idle-2",
        "s2-a",
        "s2-b",
      ]);
      expect((await log.readForReplay(store, "c", "s1", 60_000)).map((e) => e.event.id)).toEqual([
        "old-idle",
        "s1-a",
        "s1-b",
      ]);
      expect(await log.readForReplay(store, "c", "nope", 60_000)).toEqual([]);
      expect(await log.latestSession(store, "c")).toBe("s2");
      expect(await log.latestSession(store, "other")).toBeUndefined();
    });

    it("keeps fractional times and array samples exactly", async () => {
      const log = await newLog();
      const store = uniqueStore();
      const e: CartEvent = {
        v: 1,
        t: T0 + 0.25,
        type: "weight",
        store,
        cart: "c",
        grams: [1.5, 2.25, -0.125],
        hz: 50,
        id: "w",
      };
      await log.append({ store, cart: "c", receivedAt: T0, event: e });
      expect((await log.readCart(store, "c"))[0].event).toEqual(e);
    });

    it("deletes whole days before the cutoff by retention", async () => {
      const log = await newLog();
      const store = uniqueStore();
      for (let d = 0; d < 4; d++) {
        await log.append({
          store,
          cart: "c",
          receivedAt: T0,
          event: weight(store, "c", T0 - d * DAY, d, `d${d}`),
        });
      }
      const cutoff = T0 - 2 * DAY + 1000; // keeps the day of T0-2d (and later), drops T0-3d
      const { deleted } = await log.deleteBefore(cutoff);
      expect(deleted).toBeGreaterThanOrEqual(1);
      expect((await log.readCart(store, "c")).map((e) => e.event.id).sort()).toEqual(["d0", "d1", "d2"]);
      // A redelivery of a kept event is still recognised after retention ran.
      const again = await log.append({
        store,
        cart: "c",
        receivedAt: T0,
        event: weight(store, "c", T0, 0, "d0"),
      });
      expect(again.isNew).toBe(false);
    });
  });
}
