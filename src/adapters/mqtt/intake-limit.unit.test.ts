import { describe, expect, it } from "vitest";
import { IntakeLimit } from "./intake-limit";

describe("IntakeLimit", () => {
  it("starts at once while there is room, then in arrival order as room is made", () => {
    const seen: { inFlight: [number, number][]; waited: number[] } = { inFlight: [], waited: [] };
    let now = 0;
    const limit = new IntakeLimit({
      maxMessages: 2,
      maxBytes: 100,
      now: () => now,
      observer: { inFlight: (m, b) => seen.inFlight.push([m, b]), waited: (s) => seen.waited.push(s) },
    });
    const started: string[] = [];
    limit.admit(10, () => started.push("a"));
    limit.admit(10, () => started.push("b"));
    limit.admit(10, () => started.push("c"));
    limit.admit(1, () => started.push("d")); // small, but behind c: no overtaking
    expect(started).toEqual(["a", "b"]);
    expect(limit.load).toEqual({ messages: 2, bytes: 20, waiting: 2 });
    now = 1500;
    limit.release(10);
    expect(started).toEqual(["a", "b", "c"]);
    limit.release(10);
    expect(started).toEqual(["a", "b", "c", "d"]);
    expect(seen.waited).toEqual([1.5, 1.5]);
    limit.release(10);
    limit.release(1);
    expect(limit.load).toEqual({ messages: 0, bytes: 0, waiting: 0 });
    expect(seen.inFlight.at(-1)).toEqual([0, 0]);
  });

  it("bounds bytes too, and lets a message larger than the bound in when nothing else is in flight", () => {
    const limit = new IntakeLimit({ maxMessages: 10, maxBytes: 100 });
    const started: string[] = [];
    limit.admit(60, () => started.push("a"));
    limit.admit(60, () => started.push("b"));
    expect(started).toEqual(["a"]);
    limit.release(60);
    expect(started).toEqual(["a", "b"]);
    limit.admit(500, () => started.push("huge"));
    expect(started).toEqual(["a", "b"]);
    limit.release(60);
    expect(started).toEqual(["a", "b", "huge"]);
    expect(limit.load).toEqual({ messages: 1, bytes: 500, waiting: 0 });
  });
  it("run: the work waits for room and gives it back when it settles, failed or not", async () => {
    const limit = new IntakeLimit({ maxMessages: 1, maxBytes: 100 });
    let finishA: (() => void) | undefined;
    let failB: ((e: Error) => void) | undefined;
    const started: string[] = [];
    const a = limit.run(10, () => {
      started.push("a");
      return new Promise<void>((r) => {
        finishA = r;
      });
    });
    const b = limit.run(10, () => {
      started.push("b");
      return new Promise<void>((_, reject) => {
        failB = reject;
      });
    });
    expect(started).toEqual(["a"]);
    expect(limit.load).toEqual({ messages: 1, bytes: 10, waiting: 1 });
    finishA?.();
    await a;
    expect(started).toEqual(["a", "b"]);
    failB?.(new Error("refused"));
    await expect(b).rejects.toThrow("refused");
    expect(limit.load).toEqual({ messages: 0, bytes: 0, waiting: 0 });
  });
});
