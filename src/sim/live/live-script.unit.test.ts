import { describe, expect, it } from "vitest";
import { loadDemoCatalog } from "../../adapters/demo/demo-catalog";
import type { CartEvent } from "../../domain/events/sensor-events";
import type { Action } from "../actions";
import { CartSimulator } from "../cart-sim";
import { simCatalog } from "../planner";
import { STANDARD_MIX } from "../profile";
import { rngFor } from "../rng";
import { dueAt, rebatch, sessionScript } from "./live-script";
import { decidePrompt, stopsForPrompt } from "./prompt-reply";

const base = { v: 1 as const, store: "s", cart: "c" };

describe("rebatch", () => {
  it("cuts a 1-s batch into 5-sample messages and keeps a sighting after the piece it falls in", () => {
    const lines = [
      { ...base, t: 1000, type: "weight", grams: Array.from({ length: 20 }, (_, i) => i), hz: 20 },
      { ...base, t: 1300, type: "vision", dir: "in", candidates: [] },
      { ...base, t: 2000, type: "session.end" },
    ] as CartEvent[];
    const out = rebatch(lines, 5);
    expect(out.map((e) => `${e.type}@${e.t}`)).toEqual([
      "weight@1000",
      "weight@1250",
      "vision@1300",
      "weight@1500",
      "weight@1750",
      "session.end@2000",
    ]);
    expect(out.filter((e) => e.type === "weight").flatMap((e) => (e as { grams: number[] }).grams)).toEqual(
      Array.from({ length: 20 }, (_, i) => i),
    );
    expect(dueAt(out[0])).toBe(1200); // the last of its 5 samples
    expect(dueAt(out[2])).toBe(1300);
  });
});

describe("sessionScript", () => {
  const sc = simCatalog(loadDemoCatalog());
  const sim = () =>
    new CartSimulator({
      store: "demo",
      cart: "demo-cart-01",
      sc,
      mix: STANDARD_MIX,
      rng: rngFor(1, "x"),
      startT: 0,
    });

  it("is session k of the seeded simulator, from the given start, with run-unique ids in time order", () => {
    const a = sessionScript({
      sim: sim(),
      sc,
      mix: STANDARD_MIX,
      seed: 7,
      k: 3,
      session: "live-x-0004",
      startT: 1_700_000_000_000,
      perMessage: 5,
      idPrefix: "demo-cart-01.x.3.0",
    });
    const b = sessionScript({
      sim: sim(),
      sc,
      mix: STANDARD_MIX,
      seed: 7,
      k: 3,
      session: "live-y-0004",
      startT: 1_800_000_000_000,
      perMessage: 5,
      idPrefix: "demo-cart-01.y.3.0",
    });
    expect(a.plan.actions).toEqual(b.plan.actions);
    expect(a.lines[0].event).toMatchObject({
      type: "session.start",
      session: "live-x-0004",
      t: 1_700_000_000_000,
    });
    expect(a.lines.at(-1)!.event.type).toBe("session.end");
    const ids = a.lines.map((l) => l.event.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids.every((id) => id?.startsWith("demo-cart-01.x.3.0-"))).toBe(true);
    for (let i = 1; i < a.lines.length; i++)
      expect(a.lines[i].event.t).toBeGreaterThanOrEqual(a.lines[i - 1].event.t);
    for (const l of a.lines)
      if (l.event.type === "weight") expect((l.event.grams as number[]).length).toBeLessThanOrEqual(5);
    expect(a.stopTimes).toHaveLength(a.plan.actions.length);
  });
});

describe("what a prompt is about", () => {
  const actions: Action[] = [
    { kind: "add", units: [{ sku: "rolo", grams: 50 }], together: true, scan: false },
    { kind: "produce", sku: "bananas", grams: 600, entry: "none" },
    { kind: "remove", units: [{ sku: "rolo", grams: 50 }] },
    { kind: "add", units: [{ sku: "ketchup", grams: 400 }], together: true, scan: false },
  ];
  const times = [10_000, 40_000, 70_000, 100_000];

  it("the latest stop that fits: an option it names, a removal, produce for a PLU question", () => {
    const choose = { id: "p", kind: "choose" as const, text: "?", options: [{ sku: "rolo", name: "Rolo" }] };
    expect(stopsForPrompt(choose, actions, times, 105_000)).toEqual([2]);
    expect(stopsForPrompt({ id: "p", kind: "confirm-removal", text: "?" }, actions, times, 105_000)).toEqual([
      2,
    ]);
    expect(stopsForPrompt({ id: "p", kind: "plu", text: "?" }, actions, times, 105_000)).toEqual([1]);
  });

  it("else what was just done, else nothing; stops not yet played do not count", () => {
    const scan = { id: "p", kind: "scan" as const, text: "?" };
    expect(stopsForPrompt(scan, actions, times, 105_000)).toEqual([3]);
    expect(stopsForPrompt(scan, actions, times, 200_000)).toEqual([]);
    expect(stopsForPrompt({ id: "p", kind: "confirm-removal", text: "?" }, actions, times, 60_000)).toEqual(
      [],
    );
  });

  it("answers like the offline shopper: the right option, or nothing when ignored", () => {
    const sc = simCatalog(loadDemoCatalog());
    const [x, y] = sc.units;
    const acts: Action[] = [{ kind: "add", units: [{ sku: x.sku, grams: 1 }], together: true, scan: false }];
    const prompt = {
      id: "p-1",
      kind: "choose" as const,
      text: "Which one did you add?",
      options: [
        { sku: y.sku, name: y.name },
        { sku: x.sku, name: x.name },
      ],
    };
    const d = decidePrompt({
      prompt,
      actions: acts,
      stopTimes: [1000],
      at: 3000,
      lineSkus: [],
      answers: "right",
      shoppers: STANDARD_MIX.shoppers,
      catalog: sc,
      rng: rngFor(1, "a"),
    });
    expect(d.replies).toEqual([{ type: "answer", prompt: "p-1", choice: x.sku }]);
    const none = decidePrompt({
      prompt,
      actions: acts,
      stopTimes: [1000],
      at: 3000,
      lineSkus: [],
      answers: "none",
      shoppers: STANDARD_MIX.shoppers,
      catalog: sc,
      rng: rngFor(1, "a"),
    });
    expect(none).toMatchObject({ style: "none", replies: [] });
  });
});
