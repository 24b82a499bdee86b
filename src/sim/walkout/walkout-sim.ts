/**
 * Walk-out store simulator: several anonymous shoppers at once in a store with shelf weight
 * plates (by default the AutoCheckout store: its real planogram, 348 plates). Seeded and
 * deterministic (src/sim/rng.ts); writes §1 gate/track/plate events and §2 truth.
 *
 * Models and where their numbers come from:
 * - plate noise: per-sample sd per gondola from the real recording (median of 1-s windows:
 *   gondola 1 2.4 g, 2 0.45 g, 3 0.7 g, 4 0.5 g, 5 0.65 g), each plate × lognormal(0, 0.5), capped
 *   at 11 g (the worst real plate). Plates are sampled at `plateHz` (10 Hz by default, to keep logs
 *   small) as a scale that averages internally: sd / √(60 / plateHz), so a 100 ms mean is as noisy
 *   as at 60 Hz.
 * - plate gain error: 1 + N(0, 3 %) per plate (the two labelled real pick-ups read 7–9 % off the
 *   catalogue weight, part of which is the product's own spread).
 * - units: each unit's weight ~ N(mean, sd) of the catalogue; it rests 80–100 % on its plate and
 *   the rest on a neighbour (a pick-up spreads over neighbouring plates, as in the recording).
 * - touches: a hand pressing on a plate for 0.2–0.6 s before an item leaves or lands
 *   (+10…40 % of the item's weight, varying sample to sample between 0 and twice that), and
 *   pure browsing touches that change nothing.
 * - which item goes back: of 31 labelled put-backs by a shopper holding several products, 25 were
 *   of the product taken last; so 81 % the last one, else a unit of another product held.
 * - action mix from the 46 labelled cases of ground-truth-v14.json (≈ 22 % of labelled events
 *   are put-backs; a few events move two products): pick one 64 %, pick two of a kind 5 %,
 *   put back on the home plate 17 %, put back on a wrong plate 4 %, browse-touch 8 %,
 *   hand an item to another shopper 0.5 % (none of the 46 labelled cases shows one; invisible to
 *   shelves, so scored honestly as errors).
 * - crowding: 35 % of targets are chosen within 1.2 m of another shopper, so two shoppers are
 *   often within reach of one shelf. Checked against the labelled cases: in the 10 multi-shopper
 *   cases of ground-truth-v14.json, 74 of 100 events had another shopper's event on the same
 *   gondola within 5 s and 34 on the same shelf within 2 s, so this is not more crowded than the
 *   (staged) real cases.
 * - tracks at `trackHz`: body position with 8 cm noise; the nearest hand with 5 cm noise, seen in
 *   85 % of samples (occlusion).
 * - what the cameras recognise in a seen hand (`held`, on by default; `handRecognition: false`
 *   leaves it out and the rest of the log unchanged): hand-recognition.ts, its error model and
 *   the published figures behind its defaults. A hand holds the unit it is about to put back
 *   (until contact) or has just taken (after contact); in a hand-over the giver's hand holds the
 *   unit for the first half of the meeting, the receiver's for the second.
 * - hands throughout (`handsAlways: true`, off by default; docs/walkout.md "fifth pass"): every
 *   hand at every track sample, idle ones at the side and empty, a unit carried 1–3 s after it is
 *   taken or received and taken out 1 s before a put-back or hand-over, and hands held out to a
 *   neighbour with nothing passing (GESTURE_P) — estimates, no labelled source; own generator;
 *   bodies kept >= 0.45 m apart (personal space, PERSONAL_SPACE_M; `personalSpace: false` off).
 */
import type { Catalog } from "../../domain/catalog/product";
import type { StoreEvent, StoreLayout, TruthLine } from "../../domain/events/sensor-events";
import { createRng, rngFor } from "../rng";
import { DEFAULT_HAND_RECOGNITION, type HandRecognitionModel, HandRecognizer } from "./hand-recognition";

export interface WalkoutSimOptions {
  catalog: Catalog;
  layout: StoreLayout;
  visits: number;
  seed: number;
  store: string;
  minShoppers?: number;
  maxShoppers?: number;
  plateHz?: number;
  trackHz?: number;
  /** ms since epoch of the first event */
  start?: number;
  /**
   * what the cameras recognise in a seen hand (the track event's `held`): on by default with
   * DEFAULT_HAND_RECOGNITION; `false` leaves the field out (every other line stays the same)
   */
  handRecognition?: Partial<HandRecognitionModel> | false;
  /**
   * the trackers report every shopper's hand at every track sample (walking, carrying, idle), not
   * only at a shelf or a hand-over, and shoppers sometimes hold out a hand to each other without
   * passing anything (`gestures`). Off by default (lead's decision, 2026-12-04: until the fusion
   * handles hands reported throughout, the default log stays the one of before, hands only at
   * shelves and hand-overs, so figures stay comparable across rounds); `true` turns it on (needs
   * hand recognition). Its draws have their own generator, so the default log is unchanged.
   */
  handsAlways?: boolean;
  /**
   * with handsAlways: bodies kept >= 0.45 m apart (PERSONAL_SPACE_M); on by default there, `false`
   * gives the hands-throughout log of 9e9848a (tests)
   */
  personalSpace?: boolean;
  /** every shelf action as it happens (tests and debugging) */
  trace?: (a: WalkoutTraceAction) => void;
}

/** a shelf action as `trace` reports it */
export interface WalkoutTraceAction {
  t: number;
  shopper: string;
  kind: string;
  skus: string[];
  gondola: number;
  shelf: number;
  plate: number;
}

export interface WalkoutSimSummary {
  visits: number;
  lines: number;
  storeSeconds: number;
  actions: Record<string, number>;
  maxInside: number;
  /** meetings of hands where nothing passed (handsAlways), begun */
  gestures: number;
}

const GONDOLA_SD: Record<number, number> = { 1: 2.4, 2: 0.45, 3: 0.7, 4: 0.5, 5: 0.65 };
const ACTIONS = [
  ["pick", 0.655],
  ["pick2", 0.05],
  ["putback", 0.17],
  ["putback-wrong", 0.04],
  ["touch", 0.08],
  ["handoff", 0.005],
] as const;
type ActionKind = (typeof ACTIONS)[number][0];
/** a put-back is not of the product taken last: 6 of 31 labelled cases (ground-truth-v14.json) */
const PUTBACK_NOT_LAST = 6 / 31;
/**
 * handsAlways (estimates, no labelled source: the AutoCheckout recording has no tracks): a unit
 * taken or received stays in the hand 1–3 s before it goes into the basket (the length of the
 * pause after a reach); a unit to be put back or handed over is taken out of the basket 1 s
 * before the shelf or the other shopper is reached
 */
const CARRY_MS = [1000, 3000] as const;
const PREHOLD_MS = 1000;
/**
 * handsAlways: after a reach, a shopper within 1.2 m of another holds out a hand to them (showing
 * what was just taken, or pointing) with this chance, 0.8–1.5 s, nothing passing. No data: an
 * estimate. It gives 25–40 such meetings per 300 visits against 2–7 hand-overs (seeds 1–8,
 * docs/walkout.md): showing or pointing taken as several times commoner than giving.
 */
const GESTURE_P = 0.05;
/**
 * handsAlways: people keep out of each other's intimate zone (< 0.45 m, Hall, The Hidden Dimension,
 * 1966) unless handing something over; the shoppers' bodies are kept at least this far apart
 * (centre to centre), so hands of shoppers standing side by side are not as close as before
 */
const PERSONAL_SPACE_M = 0.45;

function keepApart(bodies: { x: number; y: number }[]): void {
  for (let i = 0; i < bodies.length; i++)
    for (let j = i + 1; j < bodies.length; j++) {
      const a = bodies[i];
      const b = bodies[j];
      const d = Math.hypot(b.x - a.x, b.y - a.y);
      if (d >= PERSONAL_SPACE_M) continue;
      const [ux, uy] = d > 1e-6 ? [(b.x - a.x) / d, (b.y - a.y) / d] : [1, 0];
      const push = (PERSONAL_SPACE_M - d) / 2;
      a.x -= ux * push;
      a.y -= uy * push;
      b.x += ux * push;
      b.y += uy * push;
    }
}

interface Unit {
  sku: string;
  w: number;
  parts: { plate: number; frac: number }[];
}

interface SimPlate {
  g: number;
  s: number;
  p: number;
  x: number;
  y: number;
  z: number;
  tare: number;
  gain: number;
  sd: number;
  /** true load from units, grams */
  load: number;
  /** transient hand pressure, grams, until `pressUntil` */
  press: number;
  pressFrom: number;
  pressUntil: number;
  homeSkus: string[];
}

interface Shopper {
  id: string;
  session: string;
  held: Unit[];
  actionsLeft: number;
  x: number;
  y: number;
  state: "walk" | "reach" | "dwell" | "hand" | "leave";
  partner?: Shopper;
  target?: { plate: number; x: number; y: number };
  action?: ActionKind;
  /** ms: when the current state ends */
  until: number;
  /** ms: contact time during a reach */
  contact: number;
  done: boolean;
  hand?: [number, number, number];
  /** reaches and hand-overs so far: names the current recognition episode */
  episode: number;
  /** ms: when the current hand-over began */
  handStart: number;
  /**
   * handsAlways: a unit carried in the hand after a pick-up or a hand-over until it goes into the
   * basket (`until`), read as part of the episode it came from
   */
  carry?: { unit: Unit; until: number; episode: string };
  /** handsAlways: a hand held out to another shopper, nothing passing (see `gestures`) */
  gesture?: { with: Shopper; until: number; episode: string; shows: boolean; unit?: Unit };
  /** handsAlways: which side the reported hand is on (±1) */
  side?: number;
}

const GATE = { x: -1.5, y: -2 };

export function simulateWalkout(
  o: WalkoutSimOptions,
  emit: (e: StoreEvent) => void,
  truthOut: (t: TruthLine) => void,
): WalkoutSimSummary {
  const rng = createRng(o.seed);
  const plateHz = o.plateHz ?? 10;
  const trackHz = o.trackHz ?? 5;
  const minS = o.minShoppers ?? 2;
  const maxS = o.maxShoppers ?? 4;
  const dt = 1000 / plateHz;
  const t0 = o.start ?? Date.UTC(2026, 0, 5, 9, 0, 0);
  const store = o.store;
  const noiseScale = 1 / Math.sqrt(60 / plateHz);
  const recognizer =
    o.handRecognition === false
      ? undefined
      : new HandRecognizer(o.catalog, rngFor(o.seed, "hand-recognition"), {
          ...DEFAULT_HAND_RECOGNITION,
          ...o.handRecognition,
        });
  const handsAlways = recognizer !== undefined && o.handsAlways === true;
  const personalSpace = o.personalSpace !== false;
  const hrng = rngFor(o.seed, "hands-always");
  let gestures = 0;
  const holds = (sh: Shopper, u: Unit | undefined) => u !== undefined && sh.held.includes(u);

  // plates and stock
  const plates: SimPlate[] = o.layout.plates.map((p) => ({
    g: p.gondola,
    s: p.shelf,
    p: p.plate,
    x: p.x,
    y: p.y,
    z: p.z,
    tare: rng.uniform(400, 2500),
    gain: 1 + rng.normal(0, 0.03),
    sd:
      Math.min(11, Math.max(0.2, (GONDOLA_SD[p.gondola] ?? 0.7) * Math.exp(rng.normal(0, 0.5)))) * noiseScale,
    load: 0,
    press: 0,
    pressFrom: 0,
    pressUntil: 0,
    homeSkus: p.skus.filter((s) => o.catalog.bySku.get(s)?.weight),
  }));
  const index = new Map(plates.map((p, i) => [`${p.g}/${p.s}/${p.p}`, i]));
  const neighbour = (i: number, side: number): number | undefined => {
    const p = plates[i];
    return index.get(`${p.g}/${p.s}/${p.p + side}`);
  };
  const stock: Unit[][] = plates.map(() => []);
  const place = (u: Unit, i: number) => {
    const main = rng.uniform(0.8, 1);
    const nb = neighbour(i, rng.chance(0.5) ? -1 : 1);
    u.parts =
      nb === undefined
        ? [{ plate: i, frac: 1 }]
        : [
            { plate: i, frac: main },
            { plate: nb, frac: 1 - main },
          ];
    for (const part of u.parts) plates[part.plate].load += u.w * part.frac;
    stock[i].push(u);
  };
  const unitOf = (sku: string): Unit => {
    const w = o.catalog.bySku.get(sku)!.weight!;
    return { sku, w: Math.max(1, rng.normal(w.mean, w.sd)), parts: [] };
  };
  plates.forEach((p, i) => {
    for (const sku of p.homeSkus) {
      const n = rng.int(2, 5);
      for (let k = 0; k < n; k++) place(unitOf(sku), i);
    }
  });
  const take = (u: Unit, i: number) => {
    for (const part of u.parts) plates[part.plate].load -= u.w * part.frac;
    stock[i].splice(stock[i].indexOf(u), 1);
  };

  const actions: Record<string, number> = {};
  const truths = new Map<string, Unit[]>();
  const inside: Shopper[] = [];
  let started = 0;
  let finished = 0;
  let maxInside = 0;
  let lines = 0;
  let t = t0;
  let nextArrival = t0;
  const pending: StoreEvent[] = [];
  let batchStart = t0;
  const batch: number[][] = plates.map(() => []);
  const out = (e: StoreEvent) => {
    pending.push(e);
  };

  const chooseTarget = (sh: Shopper, kind: ActionKind): number | undefined => {
    const others = inside.filter((x) => x !== sh && x.target);
    const crowd = others.length > 0 && rng.chance(0.35);
    const near = (i: number) =>
      others.some((x) => Math.abs(plates[i].x - x.target!.x) < 1.2 && Math.abs(plates[i].z - 1) < 2);
    const eligible = (i: number) => {
      if (kind === "pick" || kind === "pick2" || kind === "touch")
        return stock[i].length >= (kind === "pick2" ? 2 : 1);
      return true;
    };
    if (kind === "putback") {
      const u = sh.held[sh.held.length - 1];
      const homes = plates.map((_, i) => i).filter((i) => plates[i].homeSkus.includes(u.sku));
      return homes.length ? rng.pick(homes) : undefined;
    }
    for (let tries = 0; tries < 40; tries++) {
      const i = rng.int(0, plates.length - 1);
      if (!eligible(i)) continue;
      if (crowd && !near(i) && tries < 30) continue;
      if (kind === "putback-wrong" && plates[i].homeSkus.includes(sh.held[sh.held.length - 1].sku)) continue;
      return i;
    }
    return undefined;
  };

  const startAction = (sh: Shopper) => {
    if (sh.actionsLeft <= 0) {
      sh.state = "leave";
      sh.target = undefined;
      sh.until = t + (Math.hypot(sh.x - GATE.x, sh.y - GATE.y) / 1.0) * 1000;
      return;
    }
    let kind = rng.weighted(ACTIONS.map(([k, w]) => [k, w] as const));
    if ((kind === "putback" || kind === "putback-wrong" || kind === "handoff") && sh.held.length === 0)
      kind = "pick";
    if (kind === "handoff") {
      // walk up to another shopper and hand them the last item taken (hands meet mid-air)
      const other = inside.find(
        (x) => x !== sh && !x.done && x.state !== "leave" && Math.hypot(x.x - sh.x, x.y - sh.y) < 2.5,
      );
      if (!other) {
        sh.actionsLeft--;
        sh.state = "dwell";
        sh.until = t + 500;
        return;
      }
      const dx = sh.x - other.x;
      const dy = sh.y - other.y;
      const d = Math.max(0.01, Math.hypot(dx, dy));
      sh.target = { plate: -1, x: other.x + (dx / d) * 0.6, y: other.y + (dy / d) * 0.6 };
      sh.partner = other;
      sh.action = kind;
      sh.state = "walk";
      sh.until = t + (Math.hypot(sh.target.x - sh.x, sh.target.y - sh.y) / 1.0) * 1000 + 200;
      return;
    }
    // which held unit goes back: the product taken last in 25 of 31 labelled put-backs whose
    // shopper held several products (ground-truth-v14.json), else one of the others; it is moved
    // to the end of `held`, where the put-back takes it from
    let moved: { unit: Unit; from: number } | undefined;
    if (kind === "putback" || kind === "putback-wrong") {
      const last = sh.held[sh.held.length - 1].sku;
      const others = sh.held.map((u, k) => [u, k] as const).filter(([u]) => u.sku !== last);
      if (others.length > 0 && rng.chance(PUTBACK_NOT_LAST)) {
        const [unit, from] = rng.pick(others);
        sh.held.splice(from, 1);
        sh.held.push(unit);
        moved = { unit, from };
      }
    }
    const i = chooseTarget(sh, kind);
    if (i === undefined) {
      if (moved) {
        sh.held.pop();
        sh.held.splice(moved.from, 0, moved.unit);
      }
      sh.actionsLeft--;
      sh.state = "dwell";
      sh.until = t + 500;
      return;
    }
    const p = plates[i];
    sh.target = { plate: i, x: p.x + rng.normal(0, 0.12), y: -0.45 + rng.normal(0, 0.05) };
    sh.action = kind;
    sh.state = "walk";
    sh.until = t + (Math.hypot(sh.target.x - sh.x, sh.target.y - sh.y) / 1.0) * 1000 + 200;
  };

  const doContact = (sh: Shopper) => {
    const i = sh.target!.plate;
    const p = plates[i];
    const kind = sh.action!;
    actions[kind] = (actions[kind] ?? 0) + 1;
    const before = sh.held.length;
    const heldSku = sh.held[sh.held.length - 1]?.sku;
    switch (kind) {
      case "pick":
      case "pick2": {
        const n = kind === "pick2" ? 2 : 1;
        for (let k = 0; k < n && stock[i].length; k++) {
          const u = stock[i][stock[i].length - 1];
          take(u, i);
          sh.held.push(u);
        }
        break;
      }
      case "putback":
      case "putback-wrong": {
        const u = sh.held.pop();
        if (u) place(u, i);
        break;
      }
      case "touch":
        break;
      case "handoff":
        break;
    }
    p.press = 0;
    if (o.trace) {
      const skus =
        kind === "pick" || kind === "pick2"
          ? sh.held.slice(before).map((u) => u.sku)
          : heldSku && kind !== "touch"
            ? [heldSku]
            : [];
      o.trace({ t, shopper: sh.id, kind, skus, gondola: p.g, shelf: p.s, plate: p.p });
    }
  };

  while (finished < o.visits) {
    // arrivals: keep between minS and maxS shoppers inside
    if (started < o.visits && t >= nextArrival) {
      const want = rng.int(minS, maxS);
      if (inside.length < want) {
        started++;
        const id = `shp-${String(started).padStart(6, "0")}`;
        const sh: Shopper = {
          id,
          session: `s-${String(started).padStart(6, "0")}`,
          held: [],
          actionsLeft: rng.int(2, 7),
          x: GATE.x,
          y: GATE.y,
          state: "dwell",
          until: t + 500,
          contact: 0,
          done: false,
          episode: 0,
          handStart: 0,
        };
        inside.push(sh);
        maxInside = Math.max(maxInside, inside.length);
        out({ v: 1, t, type: "gate.in", store, session: sh.session, shopper: id });
      }
      nextArrival = t + rng.uniform(1000, 8000);
    }

    // shoppers
    for (const sh of [...inside]) {
      switch (sh.state) {
        case "walk": {
          const tg = sh.target!;
          const left = Math.max(0, sh.until - t);
          const f = left <= dt ? 1 : dt / left;
          sh.x += (tg.x - sh.x) * f;
          sh.y += (tg.y - sh.y) * f;
          sh.hand = undefined;
          if (t >= sh.until && tg.plate < 0) {
            sh.state = "hand";
            sh.episode++;
            sh.handStart = t;
            sh.until = t + rng.uniform(800, 1500);
            break;
          }
          if (t >= sh.until) {
            sh.state = "reach";
            sh.episode++;
            sh.contact = t + rng.uniform(300, 700);
            sh.until = sh.contact + rng.uniform(400, 800);
            const p = plates[tg.plate];
            const w =
              sh.action === "putback" || sh.action === "putback-wrong"
                ? (sh.held[sh.held.length - 1]?.w ?? 100)
                : (stock[tg.plate][stock[tg.plate].length - 1]?.w ?? 100);
            // a hand rests on the shelf just before the item leaves or lands (0.2–0.6 s)
            p.press = w * rng.uniform(0.1, 0.4);
            p.pressFrom = sh.contact - rng.uniform(200, 600);
            p.pressUntil = sh.contact;
          }
          break;
        }
        case "reach": {
          const p = plates[sh.target!.plate];
          sh.hand = [p.x, p.y, p.z];
          if (sh.contact > 0 && t >= sh.contact) {
            doContact(sh);
            sh.contact = 0;
          }
          if (t >= sh.until) {
            sh.state = "dwell";
            sh.hand = undefined;
            sh.actionsLeft--;
            sh.until = t + rng.uniform(1000, 3000);
            if (handsAlways) {
              const top = sh.held[sh.held.length - 1];
              if ((sh.action === "pick" || sh.action === "pick2") && top)
                sh.carry = {
                  unit: top,
                  until: t + hrng.uniform(CARRY_MS[0], CARRY_MS[1]),
                  episode: `${sh.id}/${sh.episode}`,
                };
              const other = inside.find(
                (x) =>
                  x !== sh &&
                  !x.done &&
                  (x.state === "dwell" || x.state === "walk") &&
                  !x.gesture &&
                  Math.hypot(x.x - sh.x, x.y - sh.y) < 1.2,
              );
              if (other && !sh.gesture && hrng.chance(GESTURE_P)) {
                gestures++;
                const g = {
                  until: t + hrng.uniform(800, 1500),
                  episode: `${sh.id}/g${gestures}`,
                };
                sh.gesture = { ...g, with: other, shows: true, unit: sh.carry?.unit };
                other.gesture = { ...g, with: sh, shows: false };
              }
            }
          }
          break;
        }
        case "hand": {
          const o2 = sh.partner!;
          // the receiver may have walked on: the giver keeps within arm's length (0.6 m between
          // bodies, 1.2 m/s), so the hands meet where both can reach, not midway across an aisle
          const gap = Math.hypot(o2.x - sh.x, o2.y - sh.y);
          if (gap > 0.6) {
            const step = Math.min(gap - 0.6, 1.2 * (dt / 1000));
            sh.x += ((o2.x - sh.x) / gap) * step;
            sh.y += ((o2.y - sh.y) / gap) * step;
          }
          const mid: [number, number, number] = [(sh.x + o2.x) / 2, (sh.y + o2.y) / 2, 1.05];
          sh.hand = mid;
          if (!o2.done) o2.hand = [mid[0] + 0.05, mid[1], mid[2]];
          if (t >= sh.until) {
            const u = sh.held.pop();
            if (u && !o2.done) {
              o2.held.push(u);
              if (handsAlways)
                o2.carry = {
                  unit: u,
                  until: t + hrng.uniform(CARRY_MS[0], CARRY_MS[1]),
                  episode: `${sh.id}/${sh.episode}`,
                };
              actions.handoff = (actions.handoff ?? 0) + 1;
              o.trace?.({
                t,
                shopper: sh.id,
                kind: `handoff→${o2.id}`,
                skus: [u.sku],
                gondola: 0,
                shelf: 0,
                plate: 0,
              });
            } else if (u) sh.held.push(u);
            sh.hand = undefined;
            if (o2.state !== "reach" && o2.state !== "hand") o2.hand = undefined;
            sh.partner = undefined;
            sh.state = "dwell";
            sh.actionsLeft--;
            sh.until = t + rng.uniform(500, 1500);
          }
          break;
        }
        case "dwell":
          if (t >= sh.until) startAction(sh);
          break;
        case "leave": {
          const left = Math.max(0, sh.until - t);
          const f = left <= dt ? 1 : dt / left;
          sh.x += (GATE.x - sh.x) * f;
          sh.y += (GATE.y - sh.y) * f;
          if (t >= sh.until) {
            out({ v: 1, t, type: "gate.out", store, shopper: sh.id });
            truths.set(sh.session, sh.held);
            const counts = new Map<string, number>();
            for (const u of sh.held) counts.set(u.sku, (counts.get(u.sku) ?? 0) + 1);
            truthOut({
              session: sh.session,
              items: [...counts]
                .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
                .map(([sku, qty]) => ({ sku, qty })),
              weighed: [],
            });
            sh.done = true;
            inside.splice(inside.indexOf(sh), 1);
            finished++;
          }
          break;
        }
      }
    }

    // handsAlways: personal space — bodies kept >= PERSONAL_SPACE_M apart (pushed apart evenly)
    if (handsAlways && personalSpace) keepApart(inside.filter((x) => !x.done));

    // the receiver of a hand-over holds out a hand while it happens
    for (const sh of inside) {
      if (sh.state === "hand" && sh.partner && !sh.partner.done && sh.hand) {
        sh.partner.hand = [sh.hand[0] + 0.05, sh.hand[1], sh.hand[2]];
      }
    }

    // tracks
    const trackEvery = Math.max(1, Math.round(plateHz / trackHz));
    if (Math.round((t - t0) / dt) % trackEvery === 0) {
      // what each seen hand truly holds, and the episode it belongs to (hand-recognition.ts)
      const inHand = (sh: Shopper): { episode: string; sku?: string } => {
        const giver = inside.find((g) => g.state === "hand" && g.partner === sh);
        const over = (g: Shopper) => t >= g.handStart + 0.5 * (g.until - g.handStart);
        if (giver)
          return {
            episode: `${giver.id}/${giver.episode}`,
            sku: over(giver) ? giver.held[giver.held.length - 1]?.sku : undefined,
          };
        const episode = `${sh.id}/${sh.episode}`;
        if (sh.state === "hand")
          return { episode, sku: over(sh) ? undefined : sh.held[sh.held.length - 1]?.sku };
        if (sh.state !== "reach") return { episode };
        const before = sh.contact > 0;
        const top = sh.held[sh.held.length - 1]?.sku;
        switch (sh.action) {
          case "pick":
          case "pick2":
            return { episode, sku: before ? undefined : top };
          case "putback":
          case "putback-wrong":
            return { episode, sku: before ? top : undefined };
          default:
            return { episode };
        }
      };
      // handsAlways: where a hand not at a shelf or a hand-over is, and what it truly holds
      const idleHand = (sh: Shopper): { at: [number, number, number]; episode: string; sku?: string } => {
        sh.side ??= hrng.chance(0.5) ? 1 : -1;
        const g = sh.gesture;
        if (g && t < g.until && !g.with.done && Math.hypot(g.with.x - sh.x, g.with.y - sh.y) < 1.2) {
          const mid: [number, number, number] = [(sh.x + g.with.x) / 2, (sh.y + g.with.y) / 2, 1.05];
          // the one showing holds out what it just took (if still held), the other an empty hand
          const shown = g.unit && holds(sh, g.unit) ? g.unit.sku : undefined;
          return g.shows
            ? { at: mid, episode: g.episode, sku: shown }
            : { at: [mid[0] + 0.05, mid[1], mid[2]], episode: g.episode };
        }
        if (g) sh.gesture = undefined;
        const c = sh.carry;
        if (c && t < c.until && holds(sh, c.unit))
          return { at: [sh.x + 0.15 * sh.side, sh.y, 1.0], episode: c.episode, sku: c.unit.sku };
        sh.carry = undefined;
        if (
          sh.state === "walk" &&
          t >= sh.until - PREHOLD_MS &&
          (sh.action === "putback" || sh.action === "putback-wrong" || sh.action === "handoff")
        ) {
          const top = sh.held[sh.held.length - 1];
          return {
            at: [sh.x + 0.15 * sh.side, sh.y, 1.0],
            episode: `${sh.id}/${sh.episode + 1}`,
            sku: top?.sku,
          };
        }
        return { at: [sh.x + 0.2 * sh.side, sh.y, 0.85], episode: `${sh.id}/idle${sh.episode}` };
      };
      for (const sh of inside) {
        const e: StoreEvent = {
          v: 1,
          t,
          type: "track",
          store,
          shopper: sh.id,
          x: round(sh.x + rng.normal(0, 0.08), 3),
          y: round(sh.y + rng.normal(0, 0.08), 3),
        };
        if (sh.hand && rng.chance(0.85)) {
          e.hand = [
            round(sh.hand[0] + rng.normal(0, 0.05), 3),
            round(sh.hand[1] + rng.normal(0, 0.05), 3),
            round(sh.hand[2] + rng.normal(0, 0.05), 3),
          ];
          if (recognizer) {
            const h = inHand(sh);
            const held = recognizer.read(sh.id, h.episode, h.sku);
            if (held) e.held = held;
          }
        } else if (handsAlways && !sh.hand && recognizer) {
          // every hand, all the time (pose estimation on every frame): carried, held out, or idle
          const r = idleHand(sh);
          if (hrng.chance(0.85)) {
            e.hand = [
              round(r.at[0] + hrng.normal(0, 0.05), 3),
              round(r.at[1] + hrng.normal(0, 0.05), 3),
              round(r.at[2] + hrng.normal(0, 0.05), 3),
            ];
            const held = recognizer.read(sh.id, r.episode, r.sku);
            if (held) e.held = held;
          }
        }
        out(e);
      }
    }

    // plate samples for this tick, emitted per second
    const tickInSecond = Math.round((t - t0) / dt) % plateHz;
    if (tickInSecond === 0) batchStart = t;
    plates.forEach((p, i) => {
      // hand pressure is never steady: it wanders between 0 and 2× its level
      const press = t >= p.pressFrom && t < p.pressUntil ? p.press * rng.uniform(0, 2) : 0;
      const v = p.gain * (p.tare + p.load + press) + rng.normal(0, p.sd);
      batch[i].push(round(v, 1));
    });
    if (tickInSecond === plateHz - 1) {
      plates.forEach((p, i) => {
        emit({
          v: 1,
          t: batchStart,
          type: "plate",
          store,
          gondola: p.g,
          shelf: p.s,
          plate: p.p,
          grams: batch[i],
          hz: plateHz,
        });
        lines++;
        batch[i] = [];
      });
      for (const e of pending) {
        emit(e);
        lines++;
      }
      pending.length = 0;
    }
    t += dt;
  }
  for (const e of pending) {
    emit(e);
    lines++;
  }
  return { visits: finished, lines, storeSeconds: (t - t0) / 1000, actions, maxInside, gestures };
}

function round(x: number, d: number): number {
  const f = 10 ** d;
  return Math.round(x * f) / f;
}
