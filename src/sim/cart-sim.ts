/**
 * One simulated cart: turns session plans into the sensor lines a real cart would send
 * (exchange-v1 §1) on a virtual clock, and keeps the truth.
 *
 * The scale: the true net load, plus a tare offset that drifts linearly over a session, plus the
 * response to each item landing — an exponential approach with a damped swing,
 * `Δ·(1 − e^(−t/τ)·((1−a) + a·cos 2πft))` — plus transients (a lean on the handle: a wobbling
 * plateau; a bump: a fast damped spike), plus white noise (more while the cart rolls), quantised
 * to the scale's resolution. Samples go out in half-second batches at `hz`: continuously while
 * the cart stands at a shelf, one batch per heartbeat while it rolls.
 *
 * The camera: each crossing of the rim may be missed, confused with a look-alike (or any product),
 * reported with the wrong direction; sightings of an empty hand happen at shelf stops. The
 * scanner: a read may be garbled (fails its check digit) or reported twice.
 *
 * In answering mode every line is handed to a sink (a CartStreams) as it is sent, so prompts
 * come back and the shopper answers them, just as on a real cart.
 */

import { makeVariableMeasureCode } from "../domain/barcode/barcode";
import type { BasketEvent, Prompt } from "../domain/basket/basket.events";
import type { Product } from "../domain/catalog/product";
import type { CartEvent, TruthLine, VisionCandidate } from "../domain/events/sensor-events";
import type { Action, AnswerStyle, SensorOverrides, SessionPlan, Unit } from "./actions";
import { rightTopDecides, WeightAmbiguity } from "./decidable";
import { PERSONAL_ITEM_G, type SimCatalog } from "./planner";
import type { ShopperProfile, SimMix } from "./profile";
import { type Rng, rngFor } from "./rng";

/** Receives every line as the cart sends it; returns the basket events it caused (answering mode). */
export type CartSink = (e: CartEvent) => BasketEvent[];

/** What the shopper knows when a prompt appears: the truth of the stops its lines came from. */
export interface PromptContext {
  prompt: Prompt;
  /** the actions (stops) whose lines the prompt is about, most recent last */
  actions: Action[];
  /** every unit really in the cart now */
  inCart: Unit[];
  /** what the prompt's lines say now (fusion's guesses) */
  lineSkus: string[];
  style: "right" | "wrong";
  rng: Rng;
  catalog: SimCatalog;
}
/** The shopper's reply to a prompt: answer lines, scans or PLU entries (without v/t/store/cart/id). */
export type PromptReply =
  | { type: "answer"; prompt: string; sku?: string; choice?: string }
  | { type: "barcode"; code: string }
  | { type: "plu"; plu: string };
export type PromptResponder = (ctx: PromptContext) => PromptReply[];

export interface SessionOutcome {
  truth: TruthLine & { decidable: boolean };
  /** why the evidence does not decide it, one entry per undecidable stop */
  undecidable: string[];
  prompts: number;
  answered: number;
}

interface Step {
  t: number;
  delta: number;
  tau: number;
  a: number;
  f: number;
}
interface Transient {
  kind: "lean" | "bump";
  t0: number;
  t1: number;
  grams: number;
  phase: number;
}
type Body = { type: CartEvent["type"] } & Record<string, unknown>;
type Pending = { t: number; ord: number; e: Body };

const BATCH_S = 1;
/** a prompt raised this long after the shopper's last action is about nothing they did */
const PROMPT_RECALL_MS = 15_000;

export function printedCode(gtin14: string): string {
  return gtin14.startsWith("0") ? gtin14.slice(1) : gtin14;
}

/** How the shopper treats one prompt: per prompt from the profile when the plan says "mixed". */
export function pickAnswerStyle(style: AnswerStyle, sh: ShopperProfile, r: Rng): "right" | "wrong" | "none" {
  return style === "mixed"
    ? r.weighted<"right" | "wrong" | "none">([
        ["right", sh.answerRightP],
        ["wrong", sh.answerWrongP],
        ["none", Math.max(0, 1 - sh.answerRightP - sh.answerWrongP)],
      ])
    : style;
}

export class CartSimulator {
  t: number;
  private seq = 0;
  private load = 0;
  private offset = 0;
  private driftPerMs = 0;
  private driftT0 = 0;
  private steps: Step[] = [];
  private transients: Transient[] = [];
  private out: CartEvent[] = [];
  private readonly amb: WeightAmbiguity;
  private readonly byLine = new Map<string, { stop: number; sku: string }>();
  private readonly openPrompts = new Map<string, { prompt: Prompt; at: number }>();
  /** when each stop of the session last moved the load (its last step or transient), ms */
  private stopTimes: number[] = [];
  private lastActionT = 0;
  private promptsSeen = 0;
  private answered = 0;
  /**
   * Answering mode: the session's answer seed (one draw from the answer generator at the session's
   * start), from which each stop's answers and the scale's samples while the shopper reads that
   * stop's prompts are drawn (`rngFor(answerSeed, "answers-i" / "scale-i")`), so whatever fusion
   * asked at earlier stops, stop i's camera, scale and answers are drawn alike (common random numbers
   * across fusions).
   */
  private answerSeed = 0;
  /** answering mode: ms the shopper spent reading prompts this session (the scale's drift pauses) */
  private answeringMs = 0;
  /** answering mode: while the shopper reads prompts, the drift's clock stands at this time */
  private driftHeldAt: number | undefined;

  /** replace the sensor and shopper generators (the simulator gives each session its own) */
  setRng(rng: Rng, answerRng?: Rng): void {
    this.o.rng = rng;
    if (answerRng) this.o.answerRng = answerRng;
  }

  constructor(
    private readonly o: {
      store: string;
      cart: string;
      sc: SimCatalog;
      mix: SimMix;
      rng: Rng;
      /**
       * the shopper's own draws when answering (kept apart so answering never shifts the plan): one
       * draw per session seeds its stops' answer and answer-time scale generators
       */
      answerRng?: Rng;
      startT: number;
      sink?: CartSink;
      responder?: PromptResponder;
    },
  ) {
    this.t = o.startT;
    this.amb = new WeightAmbiguity(o.sc.units, o.mix.sensors);
  }

  /**
   * When each stop of the last session last moved the load (virtual ms), by stop index: the live
   * driver uses it to know which stop a prompt on the real screen is about.
   */
  stopActionTimes(): number[] {
    return [...this.stopTimes];
  }

  /** lines produced since the last call, in time order */
  takeLines(): CartEvent[] {
    const l = this.out;
    this.out = [];
    return l;
  }

  // ---------------------------------------------------------------- the scale
  private loadAt(t: number): number {
    const driftT = this.driftHeldAt ?? t - this.answeringMs;
    let v = this.load + this.offset + this.driftPerMs * (driftT - this.driftT0);
    for (const s of this.steps) {
      if (t < s.t) continue;
      const dt = (t - s.t) / 1000;
      v += s.delta * (1 - Math.exp(-dt / s.tau) * (1 - s.a + s.a * Math.cos(2 * Math.PI * s.f * dt)));
    }
    for (const x of this.transients) {
      if (t < x.t0 || t > x.t1 + 1500) continue;
      const dt = (t - x.t0) / 1000;
      if (x.kind === "bump") {
        v += x.grams * Math.exp(-dt / 0.12) * Math.cos(2 * Math.PI * 4 * dt);
      } else if (t <= x.t1 + 300) {
        const up = Math.min(1, dt / 0.3, (x.t1 + 300 - t) / 300);
        const wobble =
          1 + 0.02 * Math.sin(2 * Math.PI * 0.8 * dt + x.phase) + 0.01 * Math.sin(2 * Math.PI * 2.3 * dt);
        v += x.grams * Math.max(0, up) * wobble;
      }
    }
    return v;
  }

  private leanNoise(t: number): number {
    for (const x of this.transients)
      if (x.kind === "lean" && t >= x.t0 && t <= x.t1 + 300) return 0.005 * x.grams;
    return 0;
  }

  private quantise(g: number): number {
    const q = this.o.mix.sensors.quantumG;
    return Number((Math.round(g / q) * q).toFixed(3));
  }

  /** weight batches covering [from, to) */
  private samples(from: number, to: number, motion: boolean, into: Pending[], rng = this.o.rng): void {
    const s = this.o.mix.sensors;
    const dtMs = 1000 / s.hz;
    const per = Math.max(1, Math.round(s.hz * BATCH_S));
    const n = Math.max(1, Math.round((to - from) / dtMs));
    for (let i = 0; i < n; i += per) {
      const grams: number[] = [];
      const t0 = from + i * dtMs;
      for (let k = i; k < Math.min(n, i + per); k++) {
        const t = from + k * dtMs;
        const sd = motion ? s.motionNoiseSdG : s.noiseSdG;
        const extra = this.leanNoise(t);
        const noise = rng.normal(0, extra > 0 ? Math.hypot(sd, extra) : sd);
        grams.push(this.quantise(this.loadAt(t) + noise));
      }
      into.push({ t: Math.round(t0), ord: 0, e: { type: "weight", grams, hz: s.hz } });
    }
  }

  private foldSteps(): void {
    for (const s of this.steps) this.load += s.delta;
    this.steps = [];
    this.transients = [];
  }

  private step(t: number, delta: number, dropFactor = 1): void {
    const s = this.o.mix.sensors;
    this.lastActionT = t;
    this.steps.push({
      t,
      delta,
      tau: s.settleTauS * this.o.rng.uniform(0.7, 1.3),
      a: Math.min(0.95, this.o.rng.uniform(0, s.swingFrac) * dropFactor),
      f: s.swingHz * this.o.rng.uniform(0.8, 1.2),
    });
  }

  // ---------------------------------------------------------------- emission
  private emit(pending: Pending[], stopIndex: number): void {
    pending.sort((a, b) => a.t - b.t || a.ord - b.ord);
    for (const p of pending) this.send(p.t, p.e, stopIndex);
  }

  private send(t: number, e: Pending["e"], stopIndex: number): void {
    this.seq++;
    // key order: v, t, type, store, cart, id, then the type's fields
    const { type, ...rest } = e;
    const line = {
      v: 1,
      t,
      type,
      store: this.o.store,
      cart: this.o.cart,
      id: `${this.o.cart}-${this.seq}`,
      ...rest,
    } as unknown as CartEvent;
    this.out.push(line);
    if (!this.o.sink) return;
    for (const be of this.o.sink(line)) {
      if (be.type === "ItemAdded" || be.type === "ItemRemoved") {
        this.byLine.set(be.lineId, { stop: stopIndex, sku: be.sku });
      } else if (be.type === "LineRevised") {
        const l = this.byLine.get(be.lineId);
        if (l) l.sku = be.sku;
      } else if (be.type === "PromptRaised") {
        this.openPrompts.set(be.prompt.id, { prompt: be.prompt, at: be.at });
        this.promptsSeen++;
      } else if (be.type === "PromptClosed") {
        this.openPrompts.delete(be.promptId);
      }
    }
  }

  // ---------------------------------------------------------------- the camera and scanner
  private sighting(
    sku: string | undefined,
    dir: "in" | "out",
    ov: SensorOverrides | undefined,
    missP: number,
  ): { dir: "in" | "out" | "unknown"; candidates: VisionCandidate[]; top?: string } | undefined {
    const s = this.o.mix.sensors;
    const r = this.o.rng;
    if (ov?.unseen) return undefined;
    if (!ov?.seenAs && r.chance(missP)) return undefined;
    const seenDir = r.chance(s.wrongDirP)
      ? dir === "in"
        ? "out"
        : "in"
      : r.chance(s.unknownDirP)
        ? "unknown"
        : dir;
    if (sku === undefined) {
      // not merchandise: the camera sees a hand with something it does not know
      const candidates = r.chance(0.6)
        ? []
        : [{ sku: r.pick(this.o.sc.units).sku, p: round3(r.uniform(0.05, 0.35)) }];
      return { dir: seenDir, candidates, top: candidates[0]?.sku };
    }
    const p = this.o.sc.catalog.bySku.get(sku);
    const looks = (p?.lookalikes ?? []).filter((x) => this.o.sc.catalog.bySku.has(x));
    let top = sku;
    if (ov?.seenAs) top = ov.seenAs;
    else if (looks.length > 0 && r.chance(s.lookalikeConfusionP)) top = r.pick(looks);
    else if (r.chance(s.randomConfusionP)) top = r.pick(this.o.sc.units).sku;
    const candidates: VisionCandidate[] = [];
    if (top === sku) {
      const p1 = r.uniform(s.rightTopPMin, s.rightTopPMax);
      candidates.push({ sku, p: round3(p1) });
      if (looks.length > 0 && r.chance(0.5))
        candidates.push({ sku: r.pick(looks), p: round3(r.uniform(0.01, 1 - p1)) });
    } else {
      const p1 = r.uniform(s.confusedTopPMin, s.confusedTopPMax);
      candidates.push({ sku: top, p: round3(p1) });
      if (r.chance(0.8)) candidates.push({ sku, p: round3(r.uniform(0.05, Math.min(p1, 1 - p1 + 0.1))) });
    }
    return { dir: seenDir, candidates, top };
  }

  private scanLines(p: Product, t: number, into: Pending[]): boolean {
    const s = this.o.mix.sensors;
    const r = this.o.rng;
    if (!p.gtin) return false;
    let code = printedCode(p.gtin);
    let ok = true;
    if (r.chance(s.scanGarbleP)) {
      const i = r.int(0, code.length - 1);
      const d = (Number(code[i]) + r.int(1, 9)) % 10;
      code = code.slice(0, i) + d + code.slice(i + 1);
      ok = false;
    }
    into.push({ t: Math.round(t), ord: 1, e: { type: "barcode", code } });
    if (r.chance(s.scanDoubleP)) into.push({ t: Math.round(t + 80), ord: 1, e: { type: "barcode", code } });
    return ok;
  }

  // ---------------------------------------------------------------- a session
  runSession(plan: SessionPlan): SessionOutcome {
    const r = this.o.rng;
    const s = this.o.mix.sensors;
    const items = new Map<string, number>();
    const weighed: { sku: string; grams: number }[] = [];
    const undecidable: string[] = [];
    const inCart: Unit[] = [];
    const bags = new Map<string, number>();
    this.byLine.clear();
    this.openPrompts.clear();
    this.stopTimes = [];
    this.promptsSeen = 0;
    this.answered = 0;
    this.answeringMs = 0;
    this.driftHeldAt = undefined;
    if (this.o.responder) this.answerSeed = Math.floor((this.o.answerRng ?? r).next() * 4294967296);

    // the shopper unlocks the cart; the scale re-zeroes
    this.foldSteps();
    this.load = 0;
    this.offset = r.normal(0, 0.3);
    this.driftT0 = this.t;
    this.driftPerMs = r.normal(0, s.driftSdGPerMin) / 60000;
    const start: Pending[] = [
      {
        t: this.t,
        ord: -1,
        e: {
          type: "session.start",
          session: plan.session,
          ...(plan.account ? { account: plan.account } : {}),
        },
      },
    ];
    this.samples(this.t + 50, this.t + 1550, false, start);
    this.emit(start, -1);
    this.t += 1550;

    plan.actions.forEach((action, index) => {
      const continuation = action.kind === "lean" || action.kind === "bump";
      if (!continuation) this.walk(r.uniform(4, 40));
      const pending: Pending[] = [];
      const stopStart = this.t;
      let c = stopStart + 1000; // pre-roll at rest
      const why = (kind: string, detail: string) =>
        undecidable.push(`${kind} (stop ${index + 1}: ${detail})`);
      // an empty hand seen at the stop (the camera's phantom sighting)
      let emptyHand = false;
      if (r.chance(s.phantomPerStop)) {
        const v = this.sighting(undefined, "in", undefined, 0);
        emptyHand = v !== undefined;
        if (v)
          pending.push({
            t: Math.round(stopStart + r.uniform(200, 900)),
            ord: 2,
            e: { type: "vision", dir: v.dir, candidates: v.candidates },
          });
      }
      switch (action.kind) {
        case "add": {
          const byProduct = new Map<string, Unit[]>();
          for (const u of action.units) byProduct.set(u.sku, [...(byProduct.get(u.sku) ?? []), u]);
          const identified = new Map<string, boolean>();
          // a sighting that lists the product (not first) narrows the weight check to its candidates
          const narrow = new Map<string, Product[]>();
          if (action.scan) {
            for (const u of action.units) {
              const ok = this.scanLines(this.product(u.sku), c, pending);
              if (ok) identified.set(u.sku, true);
              c += r.uniform(600, 1500);
            }
            c += r.uniform(300, 1200);
          }
          const missP = action.child ? s.childMissP : s.visionMissP;
          let sighted = false;
          // units dropped one after another: what the camera showed of each unit (its own crossing)
          const apart: { unit: Unit; seenRight: boolean; sighted: boolean; narrow?: Product[] }[] = [];
          const drop = action.child ? 2 : 1;
          if (action.together) {
            // one hand (or two) over the rim: one sighting per product, one weight step
            let k = 0;
            for (const [sku] of byProduct) {
              const v = this.sighting(sku, "in", action.sensors, missP);
              if (v) {
                sighted = true;
                pending.push({
                  t: Math.round(c - 250 + k * 120),
                  ord: 2,
                  e: { type: "vision", dir: v.dir, candidates: v.candidates },
                });
                if (this.cameraDecides(sku, byProduct.get(sku)!.length, v)) identified.set(sku, true);
                else this.narrowTo(narrow, sku, v.candidates);
              }
              k++;
            }
            const total = action.units.reduce((a, u) => a + u.grams, 0);
            this.step(c, total, drop);
            c += 200;
          } else {
            for (const u of action.units) {
              const v = this.sighting(u.sku, "in", action.sensors, missP);
              const own = new Map<string, Product[]>();
              let seenRight = false;
              if (v) {
                sighted = true;
                pending.push({
                  t: Math.round(c - 200),
                  ord: 2,
                  e: { type: "vision", dir: v.dir, candidates: v.candidates },
                });
                seenRight = this.cameraDecides(u.sku, 1, v);
                if (!seenRight) this.narrowTo(own, u.sku, v.candidates);
              }
              apart.push({ unit: u, seenRight, sighted: v !== undefined, narrow: own.get(u.sku) });
              this.step(c, u.grams, drop);
              c += r.uniform(600, 1200);
            }
          }
          for (const [sku, us] of byProduct) {
            items.set(sku, (items.get(sku) ?? 0) + us.length);
            inCart.push(...us);
          }
          const grams = action.units.reduce((a, u) => a + u.grams, 0);
          // decidable: each product identified by a scan or the camera, or by a unique weight;
          // two unidentified products at once are not told apart by their sum
          const unknown = [...byProduct.keys()].filter((sku) => !identified.get(sku));
          const parts = [...byProduct].map(([sku, us]) => ({ product: this.product(sku), qty: us.length }));
          // several units crossing together: one sighting for all, so one unit of a product that
          // weighs the same, its sighting missed, is the same evidence (not for units the scanner
          // read: a read is one unit, and the other product's read would be its own code)
          const sameWeight =
            action.together && missP > 0
              ? this.unitBeyondSightingAmbiguous(byProduct, action.scan === true)
              : undefined;
          if (!action.together) {
            // one after another: each unit crosses the rim on its own and is decided on its own
            // evidence, as the issue words it ("an item neither scanned nor seen right, with a
            // product of the same weight"): a clear sighting of the first unit does not name a
            // later unit the camera missed or showed in the look-alike band
            apart.forEach(({ unit, seenRight, sighted: seen, narrow: own }, i) => {
              if (identified.get(unit.sku) || seenRight) return;
              const n = `unit ${i + 1} of ${apart.length}`;
              if (!this.amb.uniqueFor(unit.sku, 1, own))
                why(
                  "unidentified, weight ambiguous",
                  `${unit.sku} (${n}, one after another) not scanned nor seen first, and its weight matches another product`,
                );
              else if (!seen && this.personalItemCouldBe(unit.grams, emptyHand))
                why(
                  "personal item or unseen product",
                  `${unit.sku} (${n}, one after another) neither scanned nor seen: a personal item of its weight gives the same evidence`,
                );
            });
          } else if (!this.amb.countsDecided(parts))
            why(
              "count ambiguous",
              `one more unit of ${[...byProduct.keys()].join(" or ")} weighs within noise`,
            );
          else if (unknown.length > 1)
            why("several unidentified at once", `${unknown.join(" + ")} neither scanned nor seen`);
          else if (
            unknown.length === 1 &&
            !this.amb.uniqueFor(unknown[0], byProduct.get(unknown[0])!.length, narrow.get(unknown[0]))
          )
            why(
              "unidentified, weight ambiguous",
              `${unknown[0]} not scanned nor seen first, and its weight matches another product`,
            );
          else if (sameWeight)
            why(
              "count or unseen look-alike",
              `${byProduct.get(sameWeight.sku)!.length} × ${sameWeight.sku} seen once: ${byProduct.get(sameWeight.sku)!.length - 1} × ${sameWeight.sku} + ${sameWeight.alt} unseen weighs the same`,
            );
          else if (
            unknown.length === byProduct.size &&
            !sighted &&
            this.personalItemCouldBe(grams, emptyHand)
          )
            why(
              "personal item or unseen product",
              `${unknown[0]} neither scanned nor seen${emptyHand ? " (an empty hand seen)" : ""}: a personal item of its weight gives the same evidence`,
            );
          break;
        }
        case "remove": {
          const byProduct = new Map<string, Unit[]>();
          for (const u of action.units) byProduct.set(u.sku, [...(byProduct.get(u.sku) ?? []), u]);
          const pool = uniqueProducts(inCart.map((u) => this.product(u.sku)));
          // what stays in the basket: the products another unit taken out could have been
          const others = inCart.filter((u) => !action.units.includes(u));
          const total = action.units.reduce((a, u) => a + u.grams, 0);
          this.step(c, -total, 0.5);
          for (const [sku, us] of byProduct) {
            const v = this.sighting(sku, "out", action.sensors, s.visionMissP);
            if (v)
              pending.push({
                t: Math.round(c + 250),
                ord: 2,
                e: { type: "vision", dir: v.dir, candidates: v.candidates },
              });
            items.set(sku, (items.get(sku) ?? 0) - us.length);
            for (const u of us) inCart.splice(inCart.indexOf(u), 1);
            const listed = v?.candidates.some((x) => x.sku === sku);
            const seenPool = listed ? this.sightingCouldBe(v!.candidates, pool) : pool;
            // several units taken out together cross the rim as one sighting (or none), as when
            // they go in: one of them may be a unit of another product in the basket that weighs
            // the same, its sighting missed ("Units beyond one sighting", for removals)
            const twin =
              us.length >= 2 && s.visionMissP > 0
                ? this.amb.sameUnitWeight(sku, (p) => others.some((u) => u.sku === p.sku))
                : undefined;
            if (
              !(v && this.cameraDecides(sku, us.length, v)) &&
              !this.amb.uniqueFor(sku, us.length, seenPool)
            ) {
              why(
                "removal ambiguous",
                `${sku} taken out unseen, and its weight matches something else in the basket`,
              );
            } else if (twin)
              why(
                "count or unseen look-alike",
                `${us.length} × ${sku} taken out, seen once: ${us.length - 1} × ${sku} + ${twin.sku} from the basket, unseen, weighs the same`,
              );
          }
          c += 200;
          break;
        }
        case "produce": {
          const p = this.product(action.sku);
          let identified = false;
          const keyed = action.pluCode ?? p.plu;
          if (action.entry === "plu-before" && keyed) {
            pending.push({ t: Math.round(c), ord: 1, e: { type: "plu", plu: keyed } });
            c += r.uniform(2000, 6000);
            identified = keyed === p.plu;
          } else if (action.entry === "label" && p.plu) {
            // the deli scale printed the label: its own ±1 g error, rounded to the gram
            const labelGrams = Math.round(action.grams + r.normal(0, 1));
            const code = makeVariableMeasureCode("23", p.plu, labelGrams);
            pending.push({ t: Math.round(c), ord: 1, e: { type: "barcode", code } });
            c += r.uniform(800, 2500);
            identified = true;
          }
          const v = this.sighting(action.sku, "in", action.sensors, s.visionMissP);
          if (v) {
            pending.push({
              t: Math.round(c - 250),
              ord: 2,
              e: { type: "vision", dir: v.dir, candidates: v.candidates },
            });
            if (this.cameraNamesProduce(action.sku, v)) identified = true;
          }
          this.step(c, action.grams);
          if (action.entry === "plu-after" && keyed) {
            c += r.uniform(2000, 5000);
            pending.push({ t: Math.round(c), ord: 1, e: { type: "plu", plu: keyed } });
            if (keyed === p.plu) identified = true;
          }
          c += 200;
          weighed.push({ sku: action.sku, grams: action.grams });
          if (!identified)
            why(
              "produce unidentified",
              `${action.sku} weighed without a PLU or label and not recognised by the camera`,
            );
          break;
        }
        case "bag": {
          const v = this.sighting(undefined, "in", action.sensors, s.visionMissP);
          if (v)
            pending.push({
              t: Math.round(c - 250),
              ord: 2,
              e: { type: "vision", dir: v.dir, candidates: v.candidates },
            });
          this.step(c, action.grams, 1.5);
          bags.set(action.tag, action.grams);
          c += 200;
          // unseen: only the weight speaks, and it may weigh like merchandise; seen: the camera shows a hand with something it does not know, drawn as the empty
          // hand it shows at a stop now and then (phantomPerStop): beside a product the camera
          // missed, that is the same evidence, so a bag weighing like merchandise is not decided
          if (!v && this.amb.matchesAnyProduct(action.grams))
            why(
              "personal item unseen",
              `a personal item of ${action.grams} g went in unseen and weighs like merchandise`,
            );
          else if (v && this.emptyHandBesideMissedProduct() && this.amb.matchesAnyProduct(action.grams))
            why(
              "personal item or unseen product",
              `a personal item of ${action.grams} g seen as a hand with nothing the camera knows, as an empty hand beside a product it missed, and it weighs like merchandise`,
            );
          break;
        }
        case "bag-out": {
          const g = bags.get(action.tag);
          if (g === undefined) break;
          bags.delete(action.tag);
          const v = this.sighting(undefined, "out", action.sensors, s.visionMissP);
          if (v)
            pending.push({
              t: Math.round(c + 250),
              ord: 2,
              e: { type: "vision", dir: v.dir, candidates: v.candidates },
            });
          this.step(c, -g, 0.5);
          c += 200;
          break;
        }
        case "lean": {
          this.transients.push({
            kind: "lean",
            t0: c,
            t1: c + action.seconds * 1000,
            grams: action.grams,
            phase: r.uniform(0, 6.28),
          });
          c += action.seconds * 1000 + 300;
          break;
        }
        case "bump": {
          this.transients.push({ kind: "bump", t0: c, t1: c, grams: action.grams, phase: 0 });
          this.lastActionT = c;
          c += 300;
          break;
        }
      }
      // post-roll: the basket settles while the shopper looks at the shelf (long enough for 8 τ)
      const post = Math.max(2000, 8 * s.settleTauS * 1300 + 1000);
      const stopEnd = c + post;
      this.stopTimes[index] = this.lastActionT;
      this.samples(stopStart, stopEnd, false, pending);
      this.emit(pending, index);
      this.t = Math.round(stopEnd);
      this.answerPrompts(plan.answers, plan.actions, inCart, index);
    });

    this.walk(r.uniform(10, 60));
    const end: Pending[] = [{ t: this.t, ord: 0, e: { type: "session.end" } }];
    this.emit(end, -1);
    this.t += 1000;

    const truth: TruthLine & { decidable: boolean } = {
      session: plan.session,
      items: [...items]
        .filter(([, q]) => q > 0)
        .map(([sku, qty]) => ({ sku, qty }))
        .sort((a, b) => cmp(a.sku, b.sku)),
      weighed,
      decidable: undecidable.length === 0,
    };
    return { truth, undecidable, prompts: this.promptsSeen, answered: this.answered };
  }

  /** between sessions: the shopper unloads at the car, the cart waits in the corral (nobody's samples) */
  betweenSessions(idleS: number): void {
    const r = this.o.rng;
    const pending: Pending[] = [];
    const from = this.t;
    let c = from + 1000;
    const total = this.load + this.steps.reduce((a, x) => a + x.delta, 0);
    const k = total > 1 ? r.int(2, 5) : 0;
    for (let i = 0; i < k; i++) {
      this.step(c, -total / k, 0.5);
      c += r.uniform(1500, 4000);
    }
    this.samples(from, c + 2000, k > 0, pending);
    this.emit(pending, -1);
    this.t = Math.round(c + 2000);
    this.foldSteps();
    this.walk(idleS);
  }

  private walk(seconds: number): void {
    this.foldSteps();
    const s = this.o.mix.sensors;
    const end = this.t + seconds * 1000;
    const pending: Pending[] = [];
    for (let t = this.t + s.heartbeatS * 1000; t < end - 1000; t += s.heartbeatS * 1000) {
      this.samples(Math.round(t), Math.round(t + BATCH_S * 1000), true, pending);
    }
    this.emit(pending, -1);
    this.t = Math.round(end);
  }

  private answerPrompts(style: AnswerStyle, actions: Action[], inCart: Unit[], stopIndex: number): void {
    if (!this.o.responder) return;
    const r = rngFor(this.answerSeed, `answers-${stopIndex}`);
    const scale = rngFor(this.answerSeed, `scale-${stopIndex}`);
    const sh = this.o.mix.shoppers;
    for (let round = 0; round < 3 && this.openPrompts.size > 0; round++) {
      const open = [...this.openPrompts.values()];
      const pending: Pending[] = [];
      let c = this.t;
      for (const { prompt, at } of open) {
        const pick = pickAnswerStyle(style, sh, r);
        this.openPrompts.delete(prompt.id);
        if (pick === "none") continue;
        const stops = [
          ...new Set(
            prompt.lineIds
              .map((l) => this.byLine.get(l)?.stop)
              .filter((x): x is number => x !== undefined && x >= 0),
          ),
        ].sort((a, b) => a - b);
        if (stops.length === 0) {
          // no line to go by: the shopper thinks of what they last did, if it was just now
          for (let i = Math.min(stopIndex, this.stopTimes.length - 1); i >= 0; i--) {
            const st = this.stopTimes[i];
            if (st === undefined || st > at) continue;
            if (at - st <= PROMPT_RECALL_MS) stops.push(i);
            break;
          }
        }
        const replies = this.o.responder({
          prompt,
          actions: stops.map((i) => actions[i]).filter((a) => a !== undefined),
          inCart: [...inCart],
          lineSkus: prompt.lineIds
            .map((l) => this.byLine.get(l)?.sku)
            .filter((x): x is string => x !== undefined),
          style: pick,
          rng: r,
          catalog: this.o.sc,
        });
        if (replies.length > 0) this.answered++;
        c += r.uniform(sh.answerDelayMinS, sh.answerDelayMaxS) * 1000;
        for (const reply of replies) {
          pending.push({ t: Math.round(c), ord: 1, e: reply });
          c += 300;
        }
      }
      if (pending.length === 0) break;
      // the scale keeps sending while the shopper reads the screen (from its own generator, with
      // the drift held, so the time spent answering shifts later stops without changing them)
      const end = Math.round(c + 500);
      this.driftHeldAt = this.t - this.answeringMs;
      this.samples(this.t, c + 500, false, pending, scale);
      this.driftHeldAt = undefined;
      this.emit(pending, stopIndex);
      this.answeringMs += end - this.t;
      this.t = end;
    }
  }

  /**
   * Units of one product dropped together cross the rim as one sighting or none. Is one of them,
   * for all the evidence says, a unit of another product of the same weight whose own sighting
   * the camera missed? The first such product of the stop and its twin, or undefined.
   * A scanned drop (`scanned`) logs one read per unit of a product with a barcode, so those units
   * are told apart by their reads; a product without one (`gtin` absent) is scanned with nothing
   * read, after the same dwell at the scanner, so its units are ambiguous as unscanned ones are,
   * but only with a twin that has no barcode either (a twin with one would have left its read).
   */
  private unitBeyondSightingAmbiguous(
    byProduct: Map<string, Unit[]>,
    scanned: boolean,
  ): { sku: string; alt: string } | undefined {
    for (const [sku, us] of byProduct) {
      if (us.length < 2) continue;
      if (scanned && this.product(sku).gtin) continue;
      const alt = this.amb.sameUnitWeight(sku, scanned ? (p) => !p.gtin : undefined);
      if (alt) return { sku, alt: alt.sku };
    }
    return undefined;
  }

  /**
   * Can a hand with nothing the camera knows (a blank or faint sighting) come beside merchandise
   * the camera missed? Only when the camera shows empty hands at stops and misses products.
   */
  private emptyHandBesideMissedProduct(): boolean {
    const s = this.o.mix.sensors;
    return s.phantomPerStop > 0 && (s.visionMissP > 0 || s.childMissP > 0);
  }

  /**
   * Merchandise of `grams` went in and the camera saw none of it (at most an empty hand), nothing
   * scanned: is that the evidence a personal item could give? A personal item is seen as a hand
   * with nothing the camera knows (the empty hand's sighting), or missed like anything else; it
   * weighs what the planner's personal items weigh.
   */
  private personalItemCouldBe(grams: number, emptyHand: boolean): boolean {
    const s = this.o.mix.sensors;
    if (grams < PERSONAL_ITEM_G.min || grams >= PERSONAL_ITEM_G.max) return false;
    return emptyHand ? true : s.visionMissP > 0;
  }

  /**
   * Does this sighting decide the product by itself? Its top must be right, and it must not look
   * like a confusion: a confused top is drawn from p < `confusedTopPMax` (see `sighting`), so a
   * right top below that is the same evidence as a look-alike confusion (`rightTopDecides`) — it
   * decides only when no look-alike weighs the same (then the weight tells them apart).
   */
  private cameraDecides(
    sku: string,
    qty: number,
    v: { top?: string; candidates: VisionCandidate[] },
  ): boolean {
    if (v.top !== sku) return false;
    if (rightTopDecides(v.candidates[0]?.p ?? 0, this.o.mix.sensors)) return true;
    const self = this.o.sc.catalog.bySku.get(sku);
    const looks = (self?.lookalikes ?? [])
      .map((x) => this.o.sc.catalog.bySku.get(x))
      .filter((x): x is Product => !!x?.weight);
    if (!self?.weight || looks.length === 0) return true;
    return this.amb.uniqueFor(sku, qty, [self, ...looks]);
  }

  /**
   * Does this sighting decide a weighed product? As for units, a right top under
   * `confusedTopPMax` is the same evidence as a look-alike confusion; and the weight never tells
   * one produce from another (any weight fits), so with a look-alike in the catalog only a top
   * that `rightTopDecides` decides. (Before, any right top did: organic for plain bananas at 0.70–0.85
   * was counted decidable although nothing in the evidence tells them apart.)
   */
  private cameraNamesProduce(sku: string, v: { top?: string; candidates: VisionCandidate[] }): boolean {
    if (v.top !== sku) return false;
    if (rightTopDecides(v.candidates[0]?.p ?? 0, this.o.mix.sensors)) return true;
    const looks = this.o.sc.catalog.bySku.get(sku)?.lookalikes ?? [];
    return !looks.some((x) => this.o.sc.catalog.bySku.has(x));
  }

  private narrowTo(narrow: Map<string, Product[]>, sku: string, candidates: VisionCandidate[]): void {
    if (!candidates.some((c) => c.sku === sku)) return;
    narrow.set(sku, this.sightingCouldBe(candidates));
  }

  /**
   * The products (of `pool`) a sighting that lists candidates can be of, by how `sighting` draws
   * them. A right top is drawn from `rightTopPMin` up, perhaps with a look-alike after it; a
   * confused top from `confusedTopPMin` to `confusedTopPMax`, with the true product after it now
   * and then (80 %). So:
   * - a top under `rightTopPMin` with a candidate after it is a confusion of that candidate: the
   *   sighting is of it alone (before, the top competed in the weight test, and "X at 0.60, Y"
   *   was undecided where X weighs like Y although X cannot be what went in);
   * - a top listed alone under `confusedTopPMax` may be right, or a look-alike of it confused and
   *   not listed: the top and every product whose look-alikes include it (before, only the top,
   *   so the weight decided against the top alone what the look-alike band's rule,
   *   `cameraDecides`, had just called the same evidence as that confusion);
   * - otherwise, the candidates it lists.
   */
  private sightingCouldBe(candidates: VisionCandidate[], pool: Product[] = this.o.sc.units): Product[] {
    const sensors = this.o.mix.sensors;
    const top = candidates[0];
    const skus = new Set(candidates.map((c) => c.sku));
    // a top under rightTopPMin is never right (right tops are drawn from rightTopPMin up): it is a
    // confusion, and a confusion lists after its top only the true product
    if (candidates.length >= 2 && top.p < sensors.rightTopPMin)
      return pool.filter((p) => p.sku === candidates[1].sku && !!p.weight);
    if (candidates.length === 1 && top.p < sensors.confusedTopPMax)
      for (const p of this.o.sc.units) if (p.lookalikes?.includes(top.sku)) skus.add(p.sku);
    return pool.filter((p) => skus.has(p.sku) && !!p.weight);
  }

  private product(sku: string): Product {
    const p = this.o.sc.catalog.bySku.get(sku);
    if (!p) throw new Error(`unknown sku in simulation: ${sku}`);
    return p;
  }
}

function uniqueProducts(ps: Product[]): Product[] {
  return [...new Map(ps.map((p) => [p.sku, p])).values()];
}
function round3(x: number): number {
  return Math.round(x * 1000) / 1000;
}
function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
