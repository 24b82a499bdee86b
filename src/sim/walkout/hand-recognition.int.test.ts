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

function sim(visits: number, handRecognition?: false) {
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
    expect(JSON.stringify(on.events.map(strip))).toBe(JSON.stringify(off.events));
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
