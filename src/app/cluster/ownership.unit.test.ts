import { describe, expect, it } from "vitest";
import type { LeaseGrant, LeaseRow, LeaseStore } from "./lease-store";
import { type LossReason, Ownership, preferredNode } from "./ownership";

/** Leases in memory on one shared clock: the lease store's semantics, for the use case. */
class MemoryLeases implements LeaseStore {
  readonly rows = new Map<string, { owner: string; epoch: number; expires: number }>();
  readonly seen = new Map<string, number>();
  constructor(readonly time: { now: number }) {}
  async heartbeat(node: string, windowMs: number) {
    this.seen.set(node, this.time.now);
    return [...this.seen.entries()]
      .filter(([, t]) => t > this.time.now - windowMs)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([n, t]) => ({ node: n, ageMs: this.time.now - t }));
  }
  async tryAcquire(partition: string, node: string, ttlMs: number): Promise<LeaseGrant | undefined> {
    const r = this.rows.get(partition);
    if (r && r.owner !== "" && r.expires >= this.time.now) return undefined;
    const epoch = (r?.epoch ?? 0) + 1;
    this.rows.set(partition, { owner: node, epoch, expires: this.time.now + ttlMs });
    return { partition, epoch };
  }
  async renew(node: string, held: readonly LeaseGrant[], ttlMs: number) {
    const out = new Set<string>();
    for (const h of held) {
      const r = this.rows.get(h.partition);
      if (r && r.owner === node && r.epoch === h.epoch) {
        r.expires = this.time.now + ttlMs;
        out.add(h.partition);
      }
    }
    return out;
  }
  async release(partition: string, node: string, epoch: number) {
    const r = this.rows.get(partition);
    if (r && r.owner === node && r.epoch === epoch) {
      r.owner = "";
      r.expires = this.time.now;
    }
  }
  async list(partitions: readonly string[]): Promise<LeaseRow[]> {
    return partitions.flatMap((p) => {
      const r = this.rows.get(p);
      return r
        ? [{ partition: p, owner: r.owner, epoch: r.epoch, remainingMs: r.expires - this.time.now }]
        : [];
    });
  }
  async leave(node: string) {
    this.seen.delete(node);
  }
}

const STORES = ["st-01", "st-02", "st-03", "st-04", "st-05", "st-06"];

function cluster() {
  const time = { now: 0 };
  const leases = new MemoryLeases(time);
  const events: string[] = [];
  const node = (name: string, clock = { now: () => time.now }) => {
    const o = new Ownership({
      node: name,
      leases,
      partitions: () => STORES,
      clock,
      ttlMs: 3000,
      marginMs: 500,
      listener: {
        acquired: async (p, e) => void events.push(`${name} +${p}@${e}`),
        lost: async (p, e, why: LossReason) => void events.push(`${name} -${p}@${e} ${why}`),
      },
    });
    return o;
  };
  const advance = (ms: number) => {
    time.now += ms;
  };
  return { time, leases, events, node, advance };
}

function owners(nodes: Ownership[]): Map<string, string[]> {
  const m = new Map<string, string[]>();
  for (const p of STORES)
    m.set(
      p,
      nodes.filter((n) => n.holds(p)).map((n) => n.status().node),
    );
  return m;
}

describe("Ownership", () => {
  it("two nodes split the stores by rendezvous hashing; each store has exactly one owner", async () => {
    const c = cluster();
    const a = c.node("a");
    const b = c.node("b");
    for (let i = 0; i < 3; i++) {
      await a.tick();
      await b.tick();
      c.advance(1000);
    }
    for (const [p, o] of owners([a, b])) {
      expect(o).toEqual([preferredNode(p, ["a", "b"])]);
    }
    expect(a.status().held.length + b.status().held.length).toBe(STORES.length);
  });

  it("a node that stops renewing loses its stores after the lease; the other takes them with a higher epoch", async () => {
    const c = cluster();
    const a = c.node("a");
    const b = c.node("b");
    for (let i = 0; i < 2; i++) {
      await a.tick();
      await b.tick();
      c.advance(1000);
    }
    const aStores = a.status().held.map((h) => h.partition);
    expect(aStores.length).toBeGreaterThan(0);
    // a dies: only b ticks from now on
    for (let i = 0; i < 6; i++) {
      c.advance(1000);
      await b.tick();
    }
    for (const p of STORES) expect(b.holds(p)).toBe(true);
    for (const p of aStores) expect(c.leases.rows.get(p)?.epoch).toBe(2);
    // never handed to the dead node while it was still in the live window
    expect(c.events.some((e) => e.startsWith("b -"))).toBe(false);
  });

  it("a paused node distrusts its lease by its own clock before the database says so", async () => {
    const c = cluster();
    const a = c.node("a");
    await a.tick(); // announces itself
    await a.tick(); // takes its stores
    expect(a.holds("st-01")).toBe(true);
    c.advance(2600); // past ttl − margin, before the lease's expiry in the store
    expect(a.holds("st-01")).toBe(false);
    expect(c.leases.rows.get("st-01")?.expires).toBeGreaterThan(c.time.now);
    // on its next round it drops everything first (and then takes the stores back as new tenures
    // only if they are free: here they still are its own, unexpired, so it just steps down)
    await a.tick();
    const drops = c.events.filter((e) => e.startsWith("a -"));
    expect(drops).toHaveLength(STORES.length);
    expect(drops.every((e) => e.endsWith("expired"))).toBe(true);
    for (const p of STORES) expect(a.holds(p)).toBe(false);
  });

  it("a woken node whose store moved on gets nothing back by renewal", async () => {
    const c = cluster();
    const a = c.node("a");
    const b = c.node("b");
    await a.tick();
    await a.tick();
    const held = a.status().held.map((h) => h.partition);
    expect(held).toEqual(STORES);
    // a sleeps; b takes over after expiry
    c.advance(3500);
    await b.tick();
    c.advance(3500);
    await b.tick();
    for (const p of STORES) expect(b.holds(p)).toBe(true);
    // a wakes: its renewals fail or its leases are stale; it must not hold anything old
    await a.tick();
    for (const p of STORES) {
      const row = c.leases.rows.get(p);
      if (a.holds(p)) expect(row?.owner).toBe("a");
      expect(owners([a, b]).get(p)?.length).toBe(1);
    }
    expect(c.events.some((e) => e.startsWith("a -") && (e.endsWith("expired") || e.endsWith("taken")))).toBe(
      true,
    );
  });

  it("a joining node gets its share once settled: the others hand stores back (released, then taken)", async () => {
    const c = cluster();
    const a = c.node("a");
    await a.tick(); // announces itself
    await a.tick(); // takes its stores
    expect(a.status().held.length).toBe(STORES.length);
    const b = c.node("b");
    // not at once: b must have been live for 2 TTLs first (no flapping on a flickering node)
    await b.tick();
    await a.tick();
    await b.tick();
    await a.tick();
    expect(a.status().held.length).toBe(STORES.length);
    for (let i = 0; i < 10; i++) {
      c.advance(1000);
      await b.tick();
      await a.tick();
    }
    await b.tick();
    for (const [p, o] of owners([a, b])) expect(o).toEqual([preferredNode(p, ["a", "b"])]);
    expect(c.events.some((e) => e.endsWith("rebalanced"))).toBe(true);
  });

  it("stepDown gives the store back at once", async () => {
    const c = cluster();
    const a = c.node("a");
    await a.tick(); // announces itself
    await a.tick(); // takes its stores
    await a.stepDown("st-03");
    expect(a.holds("st-03")).toBe(false);
    expect(c.leases.rows.get("st-03")?.owner).toBe("");
  });
});
