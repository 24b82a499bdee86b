/**
 * Two shoppers reaching for one shelf at once (a walk-out store as its devices send it): gate.in
 * for both, one second plate batches (visit-script.ts) with one bottle leaving `plate` at 3 s,
 * both shoppers' tracks at 5 Hz with their hands at that plate from 2.5 to 4 s, each track event
 * saying what the cameras recognise in the hand (the bottle, p 0.5: no hand is clearly the one),
 * gate.out for both at the end. Neither hand nor camera tells who took it: fusion charges the
 * nearest and sends both visits to review. Every event has an id (`…-t<n>` for tracks).
 */
import { type VisitPlate, visitScript } from "./visit-script";

export interface ContestedPick {
  gateIns: object[];
  /** plate batches and track events, in time order */
  events: object[];
  gateOuts: object[];
  /** the track events, for what the case's readings should name */
  tracks: { id: string; t: number; shopper: string; held?: { sku: string; p: number }[] }[];
}

export function contestedPick(o: {
  store: string;
  t0: number;
  plates: VisitPlate[];
  /** the plate the bottle leaves, with where it is (the layout's x, y, z) */
  plate: VisitPlate & { x: number; y: number; z: number };
  grams: number;
  sku: string;
  shoppers: [string, string];
}): ContestedPick {
  const seconds = 8;
  const scripts = o.shoppers.map((shopper) =>
    visitScript({
      store: o.store,
      session: `v-${shopper}`,
      shopper,
      t0: o.t0,
      plates: o.plates,
      pick: { plate: o.plate, grams: o.grams, atMs: 3000 },
      seconds,
    }),
  );
  const tracks: ContestedPick["tracks"] = [];
  const events: object[] = [];
  for (let s = 0; s < seconds; s++) {
    events.push(...scripts[0].plates[s]);
    for (let k = 0; k < 5; k++) {
      const ms = s * 1000 + k * 200;
      o.shoppers.forEach((shopper, i) => {
        const reaching = ms >= 2500 && ms < 4000;
        const side = i === 0 ? -1 : 1;
        const e = {
          v: 1,
          t: o.t0 + ms + 10 * i,
          type: "track",
          store: o.store,
          shopper,
          x: o.plate.x + side * 0.15,
          y: -0.35,
          id: `${shopper}-t${s * 5 + k}`,
          ...(reaching
            ? {
                hand: [o.plate.x + side * 0.02, o.plate.y, o.plate.z] as [number, number, number],
                held: [{ sku: o.sku, p: 0.5 }],
              }
            : {}),
        };
        events.push(e);
        tracks.push({ id: e.id, t: e.t, shopper, ...(reaching ? { held: [{ sku: o.sku, p: 0.5 }] } : {}) });
      });
    }
  }
  return {
    gateIns: scripts.map((x) => x.gateIn),
    events: events.sort((a, b) => (a as { t: number }).t - (b as { t: number }).t),
    gateOuts: scripts.map((x) => x.gateOut),
    tracks,
  };
}
