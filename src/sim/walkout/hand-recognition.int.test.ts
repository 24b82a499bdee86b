/**
 * The walk-out simulator's hand recognition (the track events' `held`, decision 0106): on by
 * default, off leaves every other line as it was, and its readings are as wrong as the model says
 * (not a perfect oracle, not noise). Reads the AutoCheckout store from ../shared/data.
 */
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { parseCatalog } from "../../adapters/files/catalog-file";
import { readAutocheckoutStore } from "../../adapters/importers/autocheckout";
import type { StoreEvent } from "../../domain/events/sensor-events";
import { simulateWalkout } from "./walkout-sim";

const DATA = process.env.SKIPLANE_DATA_DIR ?? resolve(__dirname, "../../../../shared/data");
const store = readAutocheckoutStore(join(DATA, "autocheckout-cps-test-01"));
const parsed = parseCatalog(store.catalog);
if (!parsed.ok) throw new Error("catalog");
const catalog = parsed.catalog;

function sim(visits: number, handRecognition?: false, handsAlways?: false) {
  const events: StoreEvent[] = [];
  const actions: { t: number; shopper: string; kind: string; skus: string[] }[] = [];
  simulateWalkout(
    {
      catalog,
      layout: store.layout,
      visits,
      seed: 3,
      store: "sim",
      ...(handRecognition === false ? { handRecognition } : {}),
      ...(handsAlways === false ? { handsAlways } : {}),
      trace: (a) => actions.push(a),
    },
    (e) => events.push(e),
    () => {},
  );
  return { events, actions };
}

describe("walk-out simulator: what the cameras recognise in a hand", () => {
  const on = sim(30);

  it("turned off, the log is the same line for line, without `held`", () => {
    const off = sim(30, false);
    const strip = (e: StoreEvent) => {
      if (e.type !== "track" || !e.held) return e;
      const { held: _, ...rest } = e;
      return rest;
    };
    expect(off.events.some((e) => e.type === "track" && e.held)).toBe(false);
    // hands only at shelves and hand-overs (the simulator before hands were reported throughout)
    const atShelves = sim(30, undefined, false);
    expect(JSON.stringify(atShelves.events.map(strip))).toBe(JSON.stringify(off.events));
    // hands throughout (the default): the same lines, with hands (and their readings) added
    // only to track samples that had no hand
    expect(on.events).toHaveLength(off.events.length);
    const added = on.events.map((e, i) => {
      const was = off.events[i];
      if (e.type !== "track" || was.type !== "track" || was.hand) return strip(e);
      const { hand: _, held: __, ...rest } = e;
      return rest;
    });
    expect(JSON.stringify(added)).toBe(JSON.stringify(off.events));
  });

  it("reports every shopper's hand throughout, empty or carrying, with a stated visibility", () => {
    const tracks = on.events.filter((e) => e.type === "track");
    const withHand = tracks.filter((e) => e.type === "track" && e.hand).length;
    expect(withHand / tracks.length).toBeGreaterThan(0.8);
    expect(withHand / tracks.length).toBeLessThan(0.9);
    // 1–3 s after a pick-up the unit is still carried (read as it, mostly); 4 s after, in the basket
    let carried = 0;
    let later = 0;
    for (const a of on.actions.filter((x) => x.kind === "pick")) {
      for (const e of tracks) {
        if (e.type !== "track" || e.shopper !== a.shopper || !e.held?.length) continue;
        if (e.held[0].sku !== a.skus[0]) continue;
        if (e.t > a.t + 900 && e.t <= a.t + 1700) carried++;
        if (e.t > a.t + 4500 && e.t <= a.t + 5500) later++;
      }
    }
    expect(carried).toBeGreaterThan(30);
    expect(later).toBeLessThan(carried / 5);
  });

  it("reads only seen hands, and names the product just taken mostly but not always", () => {
    const tracks = on.events.filter((e) => e.type === "track");
    expect(tracks.every((e) => e.type !== "track" || !e.held || e.hand)).toBe(true);
    // readings right after each pick-up: the hand holds the unit just taken
    let right = 0;
    let read = 0;
    let unread = 0;
    for (const a of on.actions.filter((x) => x.kind === "pick")) {
      for (const e of tracks) {
        if (e.type !== "track" || e.shopper !== a.shopper || !e.hand || e.t <= a.t || e.t > a.t + 300)
          continue;
        if (!e.held) unread++;
        else if (e.held.length > 0) {
          read++;
          if (e.held[0].sku === a.skus[0]) right++;
        }
      }
    }
    expect(read).toBeGreaterThan(30);
    expect(unread).toBeGreaterThan(0);
    expect(right / read).toBeGreaterThan(0.7);
    expect(right / read).toBeLessThan(0.97);
  });
});
