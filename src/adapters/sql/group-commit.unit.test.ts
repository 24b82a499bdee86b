import { describe, expect, it } from "vitest";
import { GroupCommit } from "./group-commit";

describe("GroupCommit", () => {
  it("writes the requests of one turn in one write and answers each its own results, in order", async () => {
    const writes: number[][] = [];
    const g = new GroupCommit<number, number>((items) => {
      writes.push([...items]);
      return items.map((x) => x * 10);
    });
    const [a, b, c] = await Promise.all([g.submit([1, 2]), g.submit([3]), g.submit([4, 5, 6])]);
    expect(writes).toEqual([[1, 2, 3, 4, 5, 6]]);
    expect(a).toEqual([10, 20]);
    expect(b).toEqual([30]);
    expect(c).toEqual([40, 50, 60]);
    expect(g.stats).toEqual({ writes: 1, items: 6, requests: 3 });
  });

  it("resolves only after the write has finished (durable before acknowledged)", async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => {
      release = r;
    });
    let committed = false;
    const g = new GroupCommit<number, number>(async (items) => {
      await gate;
      committed = true;
      return items;
    });
    let done = false;
    const p = g.submit([1]).then(() => {
      done = true;
      expect(committed).toBe(true);
    });
    await new Promise((r) => setTimeout(r, 20));
    expect(done).toBe(false);
    release();
    await p;
    expect(done).toBe(true);
  });

  it("a failing batch is retried request by request: only the bad request fails", async () => {
    const g = new GroupCommit<number, number>((items) => {
      if (items.includes(13)) throw new Error("bad row");
      return items;
    });
    const results = await Promise.allSettled([g.submit([1]), g.submit([13]), g.submit([2, 3])]);
    expect(results.map((r) => r.status)).toEqual(["fulfilled", "rejected", "fulfilled"]);
    expect((results[2] as PromiseFulfilledResult<number[]>).value).toEqual([2, 3]);
  });

  it("splits at maxItems and keeps the order of writes", async () => {
    const writes: number[][] = [];
    const g = new GroupCommit<number, number>(
      (items) => {
        writes.push([...items]);
        return items;
      },
      { maxItems: 3 },
    );
    await Promise.all([g.submit([1, 2]), g.submit([3]), g.submit([4, 5]), g.submit([6])]);
    expect(writes).toEqual([
      [1, 2, 3],
      [4, 5, 6],
    ]);
  });

  it("waits for a busy connection and for delayMs", async () => {
    let ready = false;
    const writes: number[][] = [];
    const g = new GroupCommit<number, number>(
      (items) => {
        writes.push([...items]);
        return items;
      },
      { ready: () => ready, delayMs: 5 },
    );
    const p = g.submit([1]);
    await new Promise((r) => setTimeout(r, 30));
    expect(writes).toEqual([]);
    const q = g.submit([2]);
    ready = true;
    await Promise.all([p, q]);
    expect(writes).toEqual([[1, 2]]);
  });
});
