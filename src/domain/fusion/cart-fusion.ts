/**
 * The smart-cart fusion core: one instance per cart, fed every §1 event of that cart in order.
 *
 * Pipeline per input:
 *  1. hygiene — wrong cart, duplicate id, out-of-order, absurd values: a typed rejection and a
 *     counter, never a throw; the bad part of a partly bad input is dropped and counted.
 *  2. weight samples go through the ScaleChangeDetector (O(1) per sample). Between sessions it
 *     still tracks the load (tare, a bag left in the cart) but nothing is emitted.
 *  3. a settled change is associated with the sightings, scans and PLU entries around it in time
 *     (config windows), explained by the bounded hypothesis search in explain.ts, and decided by
 *     policy: posterior ≥ acceptThreshold → ok lines; otherwise the best guess becomes an unsure
 *     line and the cart screen asks (scan / choose / confirm-removal / plu).
 *  4. answers (an `answer` event, or the scan / PLU that was asked for) revise or void the lines
 *     and close the prompt; at session.end whatever is still unresolved becomes ReviewRequested.
 *
 * Pure and deterministic: no clock, no randomness; ids come from the injected generator.
 */
import { parseBarcode } from "../barcode/barcode";
import {
  type BasketEvent,
  type Evidence,
  type ItemAdded,
  type ItemRemoved,
  type LineStatus,
  type Prompt,
  type PromptRaised,
  summaryOnly,
} from "../basket/basket.events";
import type { Catalog, Product } from "../catalog/product";
import type { ReviewCause, ReviewChangeEvidence, ReviewEvidence } from "../events/review-evidence";
import type {
  AnswerEvent,
  BarcodeEvent,
  CartEvent,
  PluEvent,
  SessionEndEvent,
  SessionStartEvent,
  VisionEvent,
  WeightEvent,
} from "../events/sensor-events";
import { assertNever } from "../shared/errors";
import type { IdGenerator } from "../shared/ids";
import {
  type Candidate,
  type ChangeContext,
  type ExplainVariant,
  explainChange,
  explainChanges,
  explainedSightings,
  type Hypothesis,
  hypothesisLabel,
  sightingOwners,
} from "./explain";
import { DEFAULT_FUSION_CONFIG, type FusionConfig } from "./fusion.config";
import type { CartFusion, FusionCounters, IngestResult, RejectReason } from "./fusion.types";
import { type ScaleChange, ScaleChangeDetector } from "./scale-signal";

export interface CartFusionOptions {
  catalog: Catalog;
  config?: Partial<FusionConfig>;
  ids: IdGenerator;
  store: string;
  cart: string;
}

interface Sighting {
  /** the sensor event's id, for the review case's evidence */
  id?: string;
  t: number;
  dir: "in" | "out" | "unknown";
  candidates: { sku: string; p: number }[];
  used: boolean;
}
interface Scan {
  id?: string;
  t: number;
  code: string;
  sku: string;
  grams?: number;
  price?: number;
  used: boolean;
  /** the open question this read would answer, were it not the next item's (see answerByIdentity) */
  answers?: string;
}
interface Keyed {
  id?: string;
  t: number;
  plu: string;
  sku: string;
  used: boolean;
  answers?: string;
}
interface Line {
  lineId: string;
  sku: string;
  qty?: number;
  grams?: number;
  status: LineStatus;
  removal: boolean;
  voided: boolean;
  /** the confidence it was emitted with */
  confidence?: number;
  /** a weighed line: when its change settled, and whether a PLU or label named its product */
  weighedAt?: number;
  coded?: boolean;
  /** the decision it stands on (the change's, or the answer's): what its review case cites */
  decided: Decided;
}
interface OpenPrompt {
  prompt: Prompt;
  removal: boolean;
  ctx: ChangeContext;
  /** items of the same change already accepted as ok: an answer explains the rest */
  fixed: Item[];
  /**
   * scanned or keyed lines of the same change left unsure only because the rest of its weight is
   * unexplained (a remainder prompt): the answer about the rest settles them too
   */
  vouched?: string[];
  evidence: Evidence;
  /** the sensor event ids behind `evidence` */
  sources: Sources;
  at: number;
  /** how many changes had been decided in the session when it was raised */
  afterChange: number;
}
interface Unresolved {
  lineIds: string[];
  reason: string;
  decided: Decided;
}
/**
 * The ids of the sensor events behind an Evidence's sightings, scans and PLU entries, index for
 * index (undefined where the event had none). Kept beside it, not in it: line evidence goes on
 * every ItemAdded and its shape is the receipt's.
 */
interface Sources {
  vision: (string | undefined)[];
  scans: (string | undefined)[];
  plu: (string | undefined)[];
}
/** one decision as a review case cites it: its evidence and the ids behind it */
interface Decided {
  evidence: Evidence;
  sources: Sources;
}

type Item = { sku: string; qty?: number; grams?: number };

const NO_CHOICES = new Set(["no", "none", "nothing", "not-merchandise", "not_merchandise", "reject"]);
const YES_CHOICES = new Set(["yes", "confirm", "ok", "confirmed"]);

/** Create the fusion core for one cart. */
export function createCartFusion(opts: CartFusionOptions): CartFusion {
  return new CartFusionImpl(opts);
}

class CartFusionImpl implements CartFusion {
  readonly counters: FusionCounters = {
    accepted: 0,
    rejected: {},
    changes: 0,
    prompts: 0,
    reviews: 0,
    dropped: {},
    signal: {},
  };
  private readonly cfg: FusionConfig;
  private readonly catalog: Catalog;
  private readonly ids: IdGenerator;
  private readonly store: string;
  private readonly cart: string;
  private readonly detector: ScaleChangeDetector;
  private readonly byPluNumber = new Map<number, Product>();
  /** look-alikes of a product either way, by sku (lookalikesOf's cache) */
  private readonly alike = new Map<string, readonly string[]>();

  private lastLineT = Number.NEGATIVE_INFINITY;
  private lastSampleT = Number.NEGATIVE_INFINITY;
  private readonly seenIds = new Set<string>();
  private readonly idRing: (string | undefined)[];
  private idPos = 0;

  private session: string | undefined;
  private sightings: Sighting[] = [];
  private scans: Scan[] = [];
  private keyed: Keyed[] = [];
  /** the last barcode read and when (a double read of it is dropped) */
  private lastRead: { code: string; t: number } | undefined;
  private readonly lines = new Map<string, Line>();
  /** net units (unit goods) or grams (weighed goods) per sku, over lines that count */
  private readonly net = new Map<string, number>();
  private foreign: { key: string; grams: number; sd: number }[] = [];
  private foreignSeq = 0;
  private readonly prompts = new Map<string, OpenPrompt>();
  private unresolved: Unresolved[] = [];
  /** changes settled inside a batch, waiting for the lines up to their settling time */
  private pending: ScaleChange[] = [];
  /** changes decided so far (a prompt is about the newest until the next one) */
  private decidedChanges = 0;
  /** the change decided last in this session (a settling tail may follow it) */
  private lastChange: ScaleChange | undefined;
  /** a weighed line just added, whose grams follow the level while the produce settles */
  private settling: { lineId: string; base: number; until: number } | undefined;
  /** decisions made while ingesting a line that was then rejected: delivered with the next one */
  private carry: BasketEvent[] = [];
  private readonly maxWindowMs: number;
  /** unit products sorted by mean unit weight, for the unseen-merchandise candidates */
  private readonly byWeight: Product[];
  private readonly byWeightMean: Float64Array;
  private readonly maxUnitSd: number;
  /** the cart's weight fit so far: Σ z² (clipped) and how many lines identified beyond doubt */
  private spreadZ2 = 0;
  private spreadN = 0;
  /** changes of several units, all scanned: of one product, of several products */
  private togetherCounts = 0;
  private togetherMixes = 0;
  /** changes explained as merchandise beyond doubt without the blank sightings, and how many had one */
  private blankSeenN = 0;
  private blankSeenK = 0;
  /** one unit, scanned, explained beyond doubt: how many, and how many no sighting named */
  private missSeenN = 0;
  private missSeenK = 0;
  /**
   * what a unit of each sku charges, as a key (see chargeAgreement): as a counted unit, and as
   * weighed goods (one cache each: the key of a unit product depends on which it is asked as)
   */
  private readonly chargeKeys = new Map<string, string>();
  private readonly weighedChargeKeys = new Map<string, string>();

  constructor(opts: CartFusionOptions) {
    this.cfg = { ...DEFAULT_FUSION_CONFIG, ...opts.config };
    this.catalog = opts.catalog;
    this.ids = opts.ids;
    this.store = opts.store;
    this.cart = opts.cart;
    this.detector = new ScaleChangeDetector(this.cfg);
    this.idRing = new Array(Math.max(1, this.cfg.idMemory));
    for (const p of this.catalog.products) if (p.plu) this.byPluNumber.set(Number(p.plu), p);
    this.byWeight = this.catalog.products
      .filter((p) => p.soldBy === "unit" && p.weight && p.weight.mean > 0)
      .sort((a, b) => a.weight!.mean - b.weight!.mean || (a.sku < b.sku ? -1 : 1));
    this.byWeightMean = Float64Array.from(this.byWeight, (p) => p.weight!.mean);
    this.maxUnitSd = this.byWeight.reduce((m, p) => Math.max(m, p.weight!.sd), 0);
    this.maxWindowMs =
      Math.max(this.cfg.visionBeforeMs, this.cfg.scanBeforeMs, this.cfg.pluBeforeMs) + 60_000;
  }

  ingest(e: CartEvent): IngestResult {
    if (e.cart !== this.cart || e.store !== this.store) {
      return this.reject("wrong-cart", `event for ${e.store}/${e.cart}, this is ${this.store}/${this.cart}`);
    }
    if (typeof e.t !== "number" || !Number.isFinite(e.t))
      return this.reject("bad-value", "t is not a finite number");
    if (e.id !== undefined && this.seenIds.has(e.id))
      return this.reject("duplicate", `event id ${e.id} seen before`);
    if (e.t < this.lastLineT) {
      const shopperInput = e.type === "answer" || e.type === "plu" || e.type === "barcode";
      if (!shopperInput || this.lastLineT - e.t > this.cfg.shopperInputLateMs) {
        return this.reject("out-of-order", `t ${e.t} is before the previous event at ${this.lastLineT}`);
      }
      // a tap on the screen that overtook nothing but arrived late: take it now (deterministic:
      // the new time is the latest line time, itself an input)
      this.note("late-shopper-input");
      e = { ...e, t: this.lastLineT };
    }
    // changes that settled inside an earlier batch are decided once every line up to their
    // settling time has arrived (a sighting inside a batch's span comes after the batch line)
    const pre = this.pending.length > 0 ? this.flush(e.t) : undefined;
    let r: IngestResult;
    switch (e.type) {
      case "weight":
        r = this.onWeight(e);
        break;
      case "vision":
        r = this.onVision(e);
        break;
      case "barcode":
        r = this.onBarcode(e);
        break;
      case "plu":
        r = this.onPlu(e);
        break;
      case "answer":
        r = this.onAnswer(e);
        break;
      case "session.start":
        r = this.onSessionStart(e);
        break;
      case "session.end":
        r = this.onSessionEnd(e);
        break;
      default:
        return assertNever(e, "cart event");
    }
    if (pre !== undefined && pre.length > 0) {
      // decisions are never lost with a rejected line: they ride on the next accepted one
      this.carry.push(...pre);
    }
    if (r.outcome === "accepted" && this.carry.length > 0) {
      r.events = [...this.carry, ...r.events];
      r.settled = true;
      this.carry = [];
    }
    if (r.outcome === "accepted") {
      this.counters.accepted++;
      this.lastLineT = e.t;
      if (e.id !== undefined) this.rememberId(e.id);
    }
    return r;
  }

  // ---------------------------------------------------------------------------------------
  // input hygiene helpers

  private reject(reason: RejectReason, detail: string): IngestResult {
    this.counters.rejected[reason] = (this.counters.rejected[reason] ?? 0) + 1;
    return { outcome: "rejected", reason, detail, events: [] };
  }

  private drop(what: string, n = 1): void {
    const d = this.counters.dropped!;
    d[what] = (d[what] ?? 0) + n;
  }

  private note(what: string, n = 1): void {
    const s = this.counters.signal!;
    s[what] = (s[what] ?? 0) + n;
  }

  private rememberId(id: string): void {
    const old = this.idRing[this.idPos];
    if (old !== undefined) this.seenIds.delete(old);
    this.idRing[this.idPos] = id;
    this.seenIds.add(id);
    this.idPos = (this.idPos + 1) % this.idRing.length;
  }

  private badSample(g: number): boolean {
    return (
      typeof g !== "number" || !Number.isFinite(g) || g < -this.cfg.tareToleranceG || g >= this.cfg.maxLoadG
    );
  }

  // ---------------------------------------------------------------------------------------
  // weight

  private onWeight(e: WeightEvent): IngestResult {
    const events: BasketEvent[] = [];
    let settled = false;
    if (Array.isArray(e.grams)) {
      const hz = e.hz;
      if (typeof hz !== "number" || !Number.isFinite(hz) || hz <= 0 || hz > 1_000_000) {
        return this.reject("bad-value", "a batch of samples needs a positive finite hz");
      }
      const n = e.grams.length;
      if (n === 0) return this.reject("bad-value", "empty batch of samples");
      const step = 1000 / hz;
      let used = 0;
      let bad = 0;
      let overlap = 0;
      for (let i = 0; i < n; i++) {
        const g = e.grams[i];
        const t = e.t + i * step;
        if (this.badSample(g)) {
          bad++;
          continue;
        }
        if (t <= this.lastSampleT) {
          overlap++;
          continue;
        }
        used++;
        // a change settling after the batch's first sample waits for the lines inside its span
        if (this.sample(t, g, events, i > 0)) settled = true;
      }
      if (used === 0) {
        return bad > 0
          ? this.reject("bad-value", `all ${n} samples absurd (NaN, under tare, or ≥ max load)`)
          : this.reject("duplicate", "every sample of the batch was already received");
      }
      if (bad) this.drop("bad-sample", bad);
      if (overlap) this.drop("overlapping-sample", overlap);
      const r: IngestResult = { outcome: "accepted", events };
      if (bad || overlap) r.detail = `dropped ${bad} absurd and ${overlap} overlapping samples`;
      if (settled) r.settled = true;
      return r;
    }
    const g = e.grams;
    if (this.badSample(g)) return this.reject("bad-value", `absurd weight sample ${String(g)}`);
    if (e.t <= this.lastSampleT) {
      return e.t === this.lastSampleT
        ? this.reject("duplicate", `a sample at t ${e.t} was already received`)
        : this.reject("out-of-order", `sample at ${e.t} is before the previous sample`);
    }
    settled = this.sample(e.t, g, events);
    return settled ? { outcome: "accepted", events, settled } : { outcome: "accepted", events };
  }

  /** one clean sample; returns true when it settled a change that was decided */
  /** decide the deferred changes that settled before `t` (all of them when t is +∞) */
  private flush(t: number): BasketEvent[] {
    const out: BasketEvent[] = [];
    while (this.pending.length > 0 && this.pending[0].endT < t) {
      const change = this.pending.shift()!;
      if (this.session !== undefined) this.decide(change, out);
    }
    return out;
  }

  private sample(t: number, g: number, out: BasketEvent[], defer = false): boolean {
    if (t - this.lastSampleT > this.cfg.gapMs && this.lastSampleT > Number.NEGATIVE_INFINITY)
      this.note("gap");
    this.lastSampleT = t;
    const transients = this.detector.transients;
    const change = this.detector.push(t, g);
    if (this.detector.transients !== transients) this.note("transients");
    if (!change) {
      // the weighed line's produce has had its time to settle, and nothing else has moved since
      if (this.settling && t >= this.settling.until && this.pending.length === 0) {
        const level = this.detector.restingLevel();
        if (!Number.isNaN(level)) this.settleWeighed(level, t, out);
      }
      return false;
    }
    if (this.session === undefined) {
      this.note("change-outside-session");
      return false;
    }
    this.counters.changes++;
    if (defer) {
      this.pending.push(change);
      return false;
    }
    this.decide(change, out);
    return true;
  }

  // ---------------------------------------------------------------------------------------
  // association and decision

  private decide(change: ScaleChange, out: BasketEvent[]): void {
    const cfg = this.cfg;
    const removal = change.delta < 0;
    const d = Math.abs(change.delta);
    const from = change.startT;
    const to = change.endT;
    this.prune(to);

    // sightings in the window whose direction fits
    const sightings: Sighting[] = [];
    for (const s of this.sightings) {
      // a sighting the other way still counts, weakly: the camera gets the direction wrong at times
      if (s.used || s.t < from - cfg.visionBeforeMs || s.t > to) continue;
      sightings.push(s);
    }
    // reads held back as late answers that are now too old to be this change's answer their question
    this.resolveLateAnswers(
      { scan: from - cfg.scanBeforeMs, plu: from - cfg.pluBeforeMs },
      change.startT,
      out,
    );
    const scans: Scan[] = [];
    const keyed: Keyed[] = [];
    if (!removal) {
      for (const s of this.scans) if (!s.used && s.t >= from - cfg.scanBeforeMs && s.t <= to) scans.push(s);
      for (const k of this.keyed) if (!k.used && k.t >= from - cfg.pluBeforeMs && k.t <= to) keyed.push(k);
    }

    // the settling tail of the change just decided: a load creeping on by a few grams in the
    // same direction right after it, with nothing seen, scanned or keyed of its own
    const last = this.lastChange;
    this.lastChange = change;
    if (
      last !== undefined &&
      from - last.endT <= cfg.tailMs &&
      Math.sign(change.delta) === Math.sign(last.delta) &&
      d <= cfg.tailMaxG &&
      scans.length === 0 &&
      keyed.length === 0 &&
      sightings.every((s) => s.candidates.length === 0)
    ) {
      this.note("settling-tail");
      return;
    }
    this.decidedChanges++;
    this.settleWeighed(change.before, change.endT, out);
    // a clear sighting reported going out at an addition, of nothing the cart holds, went in
    const goingIn = !removal && cfg.wrongWayUnheld ? this.unheldGoingOut(sightings) : undefined;
    const ctx = this.contextFor(change.delta, change.sd, sightings, scans, keyed, goingIn);
    const ecfg = this.explainConfig();
    // the cart's own weight spread, where it has learned a wider one, and how often its shoppers
    // put two products in together rather than two units of one, where that is more often than
    // the prior says, may only doubt; so does the upper end of what the one measured record
    // allows for that prior (extraProductPriorDoubt): a count from one sighting against fewer
    // units and a product the camera missed rests on it alone
    const spread = this.weightSpread();
    const together = Math.max(this.togetherPrior(), cfg.extraProductPriorDoubt);
    // (one search scores all three: the change's own explanations, the cart's spread, the doubt)
    const variants: ExplainVariant[] = [{ spread: ctx.spread, extraProductPrior: ecfg.extraProductPrior }];
    if (spread > 1) variants.push({ spread, extraProductPrior: ecfg.extraProductPrior });
    if (together > cfg.extraProductPrior) variants.push({ spread, extraProductPrior: together });
    const lists = explainChanges(ctx, ecfg, variants);
    const hyps = lists[0];
    const wide = spread > 1 ? lists[1] : undefined;
    const tw = together > cfg.extraProductPrior ? lists[variants.length - 1] : undefined;
    this.learnBlank(ctx, hyps);
    const best = hyps[0];
    const bestMerch = hyps.find((h) => h.kind === "merch");
    // (tw for the lines only: "did something else go in?" is asked as before)
    if (!removal) {
      this.learnSpread(best, change, sightings, scans);
      this.learnMiss(best, sightings, scans);
      this.learnTogether(best, scans);
    }
    for (const s of sightings) s.used = true;
    if (best.kind === "merch") {
      if (!removal) this.leaveSightingsForLater(best.items, sightings, ctx);
      // a read is one unit: reads beyond the explanation's units are left for the next change
      const room = new Map<string, number>();
      for (const i of best.items)
        room.set(i.sku, (room.get(i.sku) ?? 0) + (i.qty ?? Number.POSITIVE_INFINITY));
      for (const x of [...scans, ...keyed]) {
        const r = room.get(x.sku) ?? 0;
        if (r <= 0) continue;
        x.used = true;
        room.set(x.sku, r - 1);
      }
    }

    const evidence = this.evidence(change, sightings, scans, keyed, hyps);
    const sources: Sources = {
      vision: sightings.map((x) => x.id),
      scans: scans.map((x) => x.id),
      plu: keyed.map((x) => x.id),
    };
    const confident = best.posterior >= cfg.acceptThreshold;
    const hadPluOrLabel = keyed.length > 0 || scans.some((s) => s.grams !== undefined);

    if (best.kind === "foreign") {
      if (removal && best.foreignKey) this.foreign = this.foreign.filter((f) => f.key !== best.foreignKey);
      else if (!removal) this.foreign.push({ key: `f${++this.foreignSeq}`, grams: d, sd: change.sd });
      this.note(removal ? "foreign-removed" : "foreign-added");
      if (confident) return;
    }
    // the best merchandise explanation (if one is worth showing) becomes lines; each line is ok
    // when its own marginal posterior clears the threshold, unsure otherwise
    const guess =
      best.kind === "merch"
        ? best
        : bestMerch && bestMerch.posterior >= cfg.minGuessPosterior
          ? bestMerch
          : undefined;
    if (!guess) {
      if (removal) {
        if (best.kind !== "foreign") {
          this.unresolved.push({
            lineIds: [],
            reason: `weight −${Math.round(d)} g went out of the cart and nothing in the basket explains it`,
            decided: { evidence, sources },
          });
        }
        return;
      }
      evidence.summary = this.summary(change, best, sightings, scans, keyed, "unsure");
      const prompt = this.makePrompt(false, undefined, hyps, hadPluOrLabel, []);
      this.raise(prompt, false, ctx, [], evidence, sources, change.endT, out);
      return;
    }
    const marginals = guess.items.map((it) =>
      Math.min(marginal(hyps, it), wide ? marginal(wide, it) : 1, tw ? marginal(tw, it) : 1),
    );

    // a product only the weight speaks for (nobody saw or scanned it), or only a faint sighting
    // (best p under minIdentityP), is never accepted unasked: a bag that happens to weigh like
    // two chocolate bars must not be charged on the weight alone
    const support = new Map<string, number>();
    for (const c of ctx.candidates) if (!c.weightOnly) support.set(c.product.sku, c.id);
    // a sighting reported going out at an addition names its top as clearly as one going in: the
    // camera gets the direction wrong at times (wrongDirP prices that in the posterior, which must
    // still clear the threshold); its top supports the identity at its own calibrated weight
    if (!removal) this.wrongWaySupport(sightings, support);
    // ... unless the camera clearly saw merchandise go in that it took for another product (one
    // no line of the guess is; a look-alike of another weight, say): then something was bought,
    // and the weight says what (a bag seen is an empty hand or a faint sighting, not this)
    const guessSkus = new Set(guess.items.map((i) => i.sku));
    let misread = 0;
    // ... or listed at a lower rank by a sighting going in that clearly shows merchandise (a
    // look-alike confusion lists the true product lower), when the weight rules out every other
    // product it listed and every product nobody saw: then the weight, not the calibrated
    // camera, says which. Never on a sighting going out (that is evidence for a removal), and
    // only for a single product: in a mixture the weight cannot rule the others out alone
    const listed = new Set<string>();
    if (!removal) {
      const clear = Math.max(cfg.minIdentityP, cfg.visionConfusionMinP);
      const only = guess.items.length === 1 && !guess.remainder ? guess.items[0] : undefined;
      for (const v of sightings) {
        if (v.dir === "out" || maxP(v.candidates) < clear) continue;
        if (!v.candidates.some((c) => guessSkus.has(c.sku))) misread++;
        else if (
          only &&
          v.candidates.some((c) => c.sku === only.sku) &&
          this.weightSinglesOut(only, ctx, marginals[0])
        )
          listed.add(only.sku);
      }
    }
    // several units of a product that fewer crossings name than it has units (one sighting for
    // a handful, or fewer reads): the units beyond them rest on the weight alone, and a product
    // nobody saw that weighs like them is the same evidence ("3 × Skor" for one Skor sighting,
    // where one Skor and a Caramello of two Skors' weight went in together)
    const beyond = removal ? new Set<string>() : this.unitsBeyondCrossings(guess.items, ctx, scans, keyed);
    // look-alikes at the same price: the identity may be unsure while the charge is not
    const charge =
      cfg.chargeEquivalence && marginals.some((m) => m < cfg.acceptThreshold)
        ? this.chargeAgreement(guess, hyps, ctx)
        : undefined;
    // ... and only for what the camera clearly saw or the shopper scanned or keyed: a faint
    // sighting (a bag) or a weight alone never charges on equivalence
    const sureCharge = (c: { mass: number } | undefined): boolean => {
      if (c === undefined || c.mass < cfg.acceptThreshold) return false;
      const wideGuess = wide?.find((h) => h.kind === "merch" && sameItems(h, guess));
      const twGuess = tw?.find((h) => h.kind === "merch" && sameItems(h, guess));
      return (
        (!wide ||
          (wideGuess?.kind === "merch" &&
            this.chargeAgreement(wideGuess, wide, ctx).mass >= cfg.acceptThreshold)) &&
        (!tw ||
          (twGuess?.kind === "merch" &&
            this.chargeAgreement(twGuess, tw, ctx).mass >= cfg.acceptThreshold)) &&
        guess.items.every((it) => this.clearlyIdentified(it, removal, sightings, scans, keyed))
      );
    };
    const chargeSure = charge !== undefined && sureCharge(charge);
    // a line the camera's own share does not support (a look-alike listed lower, or unlisted) is
    // still charged unasked when the charge is sure: the clear sighting names a product of its
    // charge, and the explanations that charge the same carry the posterior
    // (chargeSureIdentifies; the lines keep their identity marginal as confidence)
    const unsupported = (it: Item) => (support.get(it.sku) ?? 0) < cfg.minIdentityP && !listed.has(it.sku);
    const idCharge =
      !removal && cfg.chargeEquivalence && cfg.chargeSureIdentifies && guess.items.some(unsupported)
        ? (charge ?? this.chargeAgreement(guess, hyps, ctx))
        : undefined;
    // ... and only where the camera itself supports the charge: some product of the line's charge
    // at calibrated weight minIdentityP (its top, say, when the weight picks the look-alike it
    // listed lower), not merely a raw p in the band (Quaker Oats seen at 0.48, 0.12 calibrated,
    // for four bottles of Pine-sol of its weight: hard seed 9972 s-000012)
    const chargeSupported = (it: Item) => {
      const weighed = it.grams !== undefined;
      const key = this.chargeKey(it.sku, weighed);
      for (const [sku, p] of support)
        if (p >= cfg.minIdentityP && this.chargeKey(sku, weighed) === key) return true;
      return false;
    };
    const chargeIdentifies =
      idCharge !== undefined &&
      guess.items.every((it) => !unsupported(it) || chargeSupported(it)) &&
      (idCharge === charge ? chargeSure : sureCharge(idCharge));
    const statuses: LineStatus[] = guess.items.map((it, i) => {
      if (marginals[i] < cfg.acceptThreshold && !chargeSure) return "unsure";
      if (beyond.has(it.sku)) return "unsure";
      if (removal || (support.get(it.sku) ?? 0) >= cfg.minIdentityP || listed.has(it.sku)) return "ok";
      if (chargeIdentifies) return "ok";
      if (misread > 0) {
        misread--;
        return "ok";
      }
      return "unsure";
    });
    // the lines may each be sure while the explanation as a whole is not: something else may
    // have gone in (or out) with them (a scanned cereal box and a chocolate bar seen beside it);
    // asked only where it can decide: every line sure, and the charge not sure on its own
    // (explanations that charge the same as the guess are no "something else")
    const linesOk = statuses.every((x) => x === "ok");
    let moreUnsure = false;
    if (linesOk && !chargeSure) {
      let otherMass = 0;
      for (const hs of wide ? [hyps, wide] : [hyps]) {
        let m = 0;
        for (const h of hs) {
          if (h.kind !== "merch" || h === guess || (hs === wide && sameItems(h, guess))) continue;
          if (h.items.some((i) => !guessSkus.has(i.sku))) m += h.posterior;
        }
        otherMass = Math.max(otherMass, m);
      }
      // ... and a product nobody saw that the guess's own weight spread hides (a 54 g bag of
      // M&M's beside a 445 ± 23 g can of Pringles): the search brings in only the closest few
      // unseen products, so their summed mass over the catalog is added here. It can only ask
      if (!removal && cfg.hiddenBesideDoubt) {
        const r = this.hiddenBesideRatio(guess, ctx) * guess.posterior;
        otherMass = Math.max(otherMass, (otherMass + r) / (1 + r));
      }
      moreUnsure = otherMass > 1 - cfg.acceptThreshold;
    }
    const allOk = linesOk && !moreUnsure;
    evidence.summary = this.summary(change, guess, sightings, scans, keyed, allOk ? "ok" : "unsure");
    const shown = chargeSure ? charge : chargeIdentifies ? idCharge : undefined;
    if (allOk && shown !== undefined && shown.alternatives.length > 0) {
      const identity = Math.min(...marginals);
      evidence.summary += `; charged as shown, identity unsure (${identity.toFixed(2)}): or ${shown.alternatives
        .map((x) => this.name(x))
        .join(", ")}, same charge (${shown.mass.toFixed(2)})`;
    }
    const lineIds = this.emitLines(
      guess.items,
      statuses,
      marginals,
      removal,
      change.endT,
      evidence,
      sources,
      out,
    );
    const weighedIdx = removal ? [] : guess.items.flatMap((it, i) => (it.grams !== undefined ? [i] : []));
    if (weighedIdx.length === 1)
      this.settling = { lineId: lineIds[weighedIdx[0]], base: change.after, until: change.endT + cfg.tailMs };
    if (!removal) {
      guess.items.forEach((it, i) => {
        if (it.grams === undefined) return;
        const l = this.lines.get(lineIds[i])!;
        l.weighedAt = change.endT;
        l.coded = keyed.some((k) => k.sku === it.sku) || scans.some((x) => x.sku === it.sku);
      });
    }
    // With a remainder the screen asks for a scan of the rest anyway. A scanned or keyed line
    // whose only doubt is that the scan may belong to a later item (the whole load being
    // something else) is not asked about again — asking the shopper to scan what they have just
    // scanned — the answer about the rest settles it; nor is "did something else go in?"
    const unsureIds = lineIds.filter((_, i) => statuses[i] === "unsure");
    const vouched =
      guess.remainder &&
      unsureIds.length > 0 &&
      guess.items.every((it, i) => statuses[i] === "ok" || this.doubtIsTheRest(it, hyps, scans, keyed))
        ? unsureIds
        : [];
    if (!allOk && !(guess.remainder && (unsureIds.length === 0 || vouched.length > 0))) {
      const fixed = guess.items.filter((_, i) => statuses[i] === "ok");
      const prompt =
        unsureIds.length === 0
          ? this.somethingElsePrompt(removal, guess)
          : this.makePrompt(removal, guess, hyps, hadPluOrLabel, unsureIds);
      this.raise(prompt, removal, ctx, fixed, evidence, sources, change.endT, out);
    }
    if (guess.remainder) this.raiseRemainder(guess, ctx, change.endT, evidence, sources, out, vouched);
  }

  /**
   * How often this cart's camera reports a sighting of no product (empty, or faint: under
   * visionConfusionMinP) beside merchandise — a hand with nothing in it at the shelf, a glare —
   * over the changes it explained as merchandise beyond doubt *without* those sightings (best
   * explanation merchandise, no remainder, posterior ≥ 0.99 with blankSightingMerchP taken as 1, so
   * the count does not select on what it measures). A personal item crossing the rim shows as such
   * a sighting with probability blankSightingBagP, so the cart's blankSightingMerchP is the ratio
   * of the two: the upper 95 % bound (Wilson) of its rate over blankSightingBagP, never above the
   * configured value (an assumption the cart may only narrow with its own evidence; 20 changes
   * with none give the bound 0.12, so a new cart keeps the configured 0.1).
   */
  private learnedBlankMerchP(): number {
    const cfg = this.cfg;
    if (cfg.blankSightingBagP <= 0 || this.blankSeenN === 0) return cfg.blankSightingMerchP;
    const n = this.blankSeenN;
    const p = this.blankSeenK / n;
    const z = 1.645;
    const ub =
      (p + (z * z) / (2 * n) + z * Math.sqrt((p * (1 - p)) / n + (z * z) / (4 * n * n))) / (1 + (z * z) / n);
    return Math.min(cfg.blankSightingMerchP, ub / cfg.blankSightingBagP);
  }

  /** a product's look-alikes, either way (it lists them, or they list it); undefined when none */
  private lookalikesOf(sku: string): readonly string[] | undefined {
    let out = this.alike.get(sku);
    if (out === undefined) {
      const set = new Set(this.catalog.bySku.get(sku)?.lookalikes ?? []);
      for (const p of this.catalog.products) if (p.lookalikes?.includes(sku)) set.add(p.sku);
      set.delete(sku);
      out = [...set];
      this.alike.set(sku, out);
    }
    return out.length > 0 ? out : undefined;
  }

  /** the configuration explanations are scored with: the cart's own blankSightingMerchP */
  private explainConfig(): FusionConfig {
    const b = this.learnedBlankMerchP();
    return b === this.cfg.blankSightingMerchP ? this.cfg : { ...this.cfg, blankSightingMerchP: b };
  }

  /** one observation for learnedBlankMerchP: an addition that is merchandise beyond doubt */
  private learnBlank(ctx: ChangeContext, hyps: Hypothesis[]): void {
    if (this.cfg.blankSightingBagP <= 0 || ctx.delta < 0) return;
    const blank = ctx.blank ?? 0;
    // (with no such sighting the factor does not enter: the change's own explanation)
    const h = blank > 0 ? explainChange(ctx, { ...this.cfg, blankSightingMerchP: 1 })[0] : hyps[0];
    if (h.kind !== "merch" || h.remainder || h.posterior < 0.99) return;
    this.blankSeenN++;
    if (blank > 0) this.blankSeenK++;
  }

  /**
   * How often this cart's camera misses a unit crossing the rim, as the "did something else go
   * in?" doubt takes it (hiddenBesideRatio): over single units the shopper scanned and the cart
   * explained beyond doubt (the scan, not the camera, names them, so the sample does not select
   * on sightings), the share no sighting in the change's window named at any rank; the upper end
   * of its one-sided Wilson interval at visionMissLearnZ, never above visionMissP (the configured
   * rate is an assumption the cart may only narrow with its own evidence, as learnedBlankMerchP).
   */
  private learnedMissP(): number {
    const cfg = this.cfg;
    const z = cfg.visionMissLearnZ;
    if (z <= 0 || this.missSeenN === 0) return cfg.visionMissP;
    const n = this.missSeenN;
    const p = this.missSeenK / n;
    const ub =
      (p + (z * z) / (2 * n) + z * Math.sqrt((p * (1 - p)) / n + (z * z) / (4 * n * n))) / (1 + (z * z) / n);
    return Math.min(cfg.visionMissP, ub);
  }

  /** one observation for learnedMissP: a single unit, scanned once, explained beyond doubt */
  private learnMiss(best: Hypothesis, sightings: Sighting[], scans: Scan[]): void {
    if (this.cfg.visionMissLearnZ <= 0 || best.kind !== "merch" || best.remainder || best.posterior < 0.99)
      return;
    if (best.items.length !== 1 || best.items[0].qty !== 1) return;
    const sku = best.items[0].sku;
    if (
      scans.length !== 1 ||
      scans[0].sku !== sku ||
      scans[0].grams !== undefined ||
      scans[0].price !== undefined
    )
      return;
    this.missSeenN++;
    if (!sightings.some((v) => v.candidates.some((c) => c.sku === sku))) this.missSeenK++;
  }

  /** the factor on unit explanations' weight sd this cart has learned (weightSpreadPriorN) */
  private weightSpread(): number {
    const n0 = this.cfg.weightSpreadPriorN;
    if (n0 <= 0) return 1;
    const k = Math.sqrt((n0 + this.spreadZ2) / (n0 + this.spreadN));
    return Math.min(this.cfg.weightSpreadMax, Math.max(1, k));
  }

  /**
   * The prior of a second product beside the first (extraProductPrior), against a second unit of
   * the first, as this cart's shoppers show it: over changes whose every unit was scanned and that
   * were explained beyond doubt, the changes of two or more products against those of two or more
   * units of one product, with `togetherPriorN` pseudo-observations at the configured value.
   */
  private togetherPrior(): number {
    const n0 = this.cfg.togetherPriorN;
    if (n0 <= 0) return this.cfg.extraProductPrior;
    return (this.togetherMixes + n0 * this.cfg.extraProductPrior) / (this.togetherCounts + n0);
  }

  /**
   * A change of several units, every one of them scanned, explained beyond doubt: the reads say
   * what went in together — several units of one product, or several products. Where scanning is
   * independent of what the shopper puts in, these changes are a fair sample of the cart's drops;
   * the weight and the camera never enter, so the count they decide cannot teach itself.
   */
  private learnTogether(best: Hypothesis, scans: Scan[]): void {
    if (this.cfg.togetherPriorN <= 0 || best.kind !== "merch" || best.remainder || best.posterior < 0.99)
      return;
    let units = 0;
    for (const it of best.items) {
      if (it.qty === undefined) return;
      let reads = 0;
      for (const s of scans) if (s.sku === it.sku && s.grams === undefined && s.price === undefined) reads++;
      if (reads !== it.qty) return;
      units += it.qty;
    }
    if (units < 2 || scans.length !== units) return;
    if (best.items.length === 1) this.togetherCounts++;
    else this.togetherMixes++;
  }

  /**
   * One unit scanned and seen as itself, explained beyond doubt: how far its weight fell from
   * the catalog's, in the model's sd, is one observation of the cart's weight fit — a worn
   * scale, a slow settle, lots that vary more than the catalog's few weighings.
   */
  private learnSpread(best: Hypothesis, change: ScaleChange, sightings: Sighting[], scans: Scan[]): void {
    if (this.cfg.weightSpreadPriorN <= 0 || best.kind !== "merch" || best.remainder) return;
    if (best.items.length !== 1 || best.items[0].qty !== 1 || best.posterior < 0.99) return;
    const sku = best.items[0].sku;
    const w = this.catalog.bySku.get(sku)?.weight;
    if (!w || scans.length !== 1 || scans[0].sku !== sku || scans[0].grams !== undefined) return;
    if (!sightings.some((v) => v.dir === "in" && topSku(v.candidates) === sku)) return;
    const sd = Math.sqrt(w.sd * w.sd + this.cfg.scaleNoiseSdG ** 2 + change.sd * change.sd);
    const z = Math.min(4, Math.abs(change.delta - w.mean) / sd);
    this.spreadZ2 += z * z;
    this.spreadN++;
  }

  /**
   * A sighting is one crossing of the rim. One that names a product of the explanation but is
   * beyond its units (three sightings of a bar, two bars in this change) is the crossing of a
   * unit still to come — dropped one after another, the next bar's sighting can come before this
   * change settles — so it is left for the next change instead of being used up here.
   */
  private leaveSightingsForLater(items: readonly Item[], sightings: Sighting[], ctx: ChangeContext): void {
    const explained = explainedSightings(ctx, items);
    const skus = new Set(items.map((i) => i.sku));
    const topOf = (s: Sighting) => s.candidates.reduce((a, b) => (b.p > a.p ? b : a)).sku;
    // how many crossings of each product are beyond the explanation's units ...
    const extra = new Map<string, number>();
    let k = 0;
    for (const s of sightings) {
      if (s.candidates.length === 0) continue;
      if (explained[k++] || s.dir === "out") continue;
      const top = topOf(s);
      if (skus.has(top)) extra.set(top, (extra.get(top) ?? 0) + 1);
    }
    // ... and the latest that many sightings of it are the units still to come
    for (let i = sightings.length - 1; i >= 0 && extra.size > 0; i--) {
      const s = sightings[i];
      if (s.candidates.length === 0 || s.dir === "out") continue;
      const top = topOf(s);
      const n = extra.get(top) ?? 0;
      if (n <= 0) continue;
      s.used = false;
      if (n === 1) extra.delete(top);
      else extra.set(top, n - 1);
    }
  }

  /**
   * A weighed line is charged by the gram, and the detector commits a change with a few grams of
   * creep still to come (about 2 × stableTrendMaxG; on the hard mix's slower settle, more): the
   * baseline then follows that creep as drift, or a settling tail commits it. So the line takes
   * the level once the produce has settled — `tailMs` after its change, or where the next change
   * starts — if it moved on in the same direction by at most `tailMaxG`. Before, weighed lines
   * came out 5–8 g light on the hard mix: charged wrongly by the scorer's max(5 g, 2 %) rule.
   */
  private settleWeighed(level: number, at: number, out: BasketEvent[]): void {
    const s = this.settling;
    if (!s) return;
    this.settling = undefined;
    const l = this.lines.get(s.lineId);
    const extra = level - s.base;
    if (!l || l.voided || l.grams === undefined || extra < 0.5 || extra > this.cfg.tailMaxG) return;
    this.applyNet(l, -1);
    l.grams = Math.round((l.grams + extra) * 10) / 10;
    this.applyNet(l, 1);
    for (const p of this.prompts.values())
      if (p.prompt.lineIds.includes(l.lineId)) p.ctx = { ...p.ctx, delta: p.ctx.delta + extra };
    out.push({
      type: "LineRevised",
      at,
      lineId: l.lineId,
      sku: l.sku,
      grams: l.grams,
      status: l.status,
      confidence: l.confidence ?? 1,
      by: "fusion",
      note: `settled ${extra.toFixed(1)} g more`,
    });
  }

  /**
   * Is `it` scanned or keyed for this change, and does no merchandise explanation without it
   * carry more than 1 − threshold? Then what doubts it is only "the scan is for a later item,
   * this load is something else" — which the question about the unexplained rest settles.
   */
  private doubtIsTheRest(it: Item, hyps: Hypothesis[], scans: Scan[], keyed: Keyed[]): boolean {
    if (!scans.some((s) => s.sku === it.sku) && !keyed.some((k) => k.sku === it.sku)) return false;
    let without = 0;
    for (const h of hyps)
      if (h.kind === "merch" && !h.items.some((i) => i.sku === it.sku)) without += h.posterior;
    return without <= 1 - this.cfg.acceptThreshold;
  }

  /**
   * The posterior mass of the explanations that charge what `guess` charges (per unit: price, tax
   * class, age restriction, category; the same quantities; weighed goods by product), and the
   * products they name that the guess does not. A guess with an unexplained remainder, or naming
   * a charge-distinct sku, agrees with nothing but itself.
   *
   * Only the guess with look-alikes swapped in counts: each of its items replaced by itself or a
   * look-alike (catalog `lookalikes`) of the same charge, in the same quantity. Not another
   * composition that happens to cost the same ("3 × A" against "1 × A + 2 × B" at one price):
   * there the unit count rests on a loose weight fit, and the truth is as often one A and
   * something the camera missed (simulator seeds 11: the sessions charged wrongly unasked after
   * a0b0120 were such splits). Nor a product only the weight suggests (nobody saw or scanned
   * it): it is never accepted unasked, so it does not vouch for a charge either.
   */
  private chargeAgreement(
    guess: Extract<Hypothesis, { kind: "merch" }>,
    hyps: Hypothesis[],
    ctx: ChangeContext,
  ): { mass: number; alternatives: string[] } {
    const own = this.chargeSignature(guess);
    if (own === undefined) return { mass: guess.posterior, alternatives: [] };
    const inGuess = new Set(guess.items.map((i) => i.sku));
    const weightOnly = new Set<string>();
    for (const c of ctx.candidates) if (c.weightOnly) weightOnly.add(c.product.sku);
    const alternatives: string[] = [];
    let mass = 0;
    for (const h of hyps) {
      if (h.kind !== "merch") continue;
      if (
        h !== guess &&
        (this.chargeSignature(h) !== own ||
          h.items.some((i) => weightOnly.has(i.sku)) ||
          !this.lookalikeSwap(guess.items, h.items))
      )
        continue;
      mass += h.posterior;
      for (const i of h.items)
        if (!inGuess.has(i.sku) && !alternatives.includes(i.sku)) alternatives.push(i.sku);
    }
    return { mass: Math.min(1, mass), alternatives };
  }

  /** can `other` be made from `items` by replacing each with itself or a same-charge look-alike, quantity kept */
  private lookalikeSwap(items: readonly Item[], other: readonly Item[]): boolean {
    if (items.length !== other.length) return false;
    const used = new Array<boolean>(other.length).fill(false);
    const fits = (a: Item, b: Item): boolean => {
      if ((a.grams !== undefined) !== (b.grams !== undefined)) return false;
      if (a.grams === undefined && a.qty !== b.qty) return false;
      if (a.sku === b.sku) return true;
      const weighed = a.grams !== undefined;
      if (this.chargeKey(a.sku, weighed) !== this.chargeKey(b.sku, weighed)) return false;
      return this.lookalikesOf(a.sku)?.includes(b.sku) ?? false;
    };
    const match = (k: number): boolean => {
      if (k === items.length) return true;
      for (let j = 0; j < other.length; j++) {
        if (used[j] || !fits(items[k], other[j])) continue;
        used[j] = true;
        if (match(k + 1)) return true;
        used[j] = false;
      }
      return false;
    };
    return match(0);
  }

  /**
   * Does the weight rule out, for `it`, every other candidate of the change (listed by a
   * sighting, an unlisted look-alike, or a product only the weight suggests) at any unit count:
   * none lies within `listedExcludeZ` sd of the delta. Then a lower-listed product is decided
   * by the weight, whatever small share the calibrated camera gave it.
   *
   * For several units the weight must also rule out fewer of them beside a product nobody saw
   * of the weight left over: the sighting is one crossing, and the units beyond it rest on the
   * weight alone ("3 × bar" for a sighting that listed the bar lower, where one bar and an
   * unseen product of two bars' weight fit as well).
   *
   * One unit whose line's posterior (`post`) is at least `listedSureP`: products only the weight
   * suggests (nobody saw them) no longer hold it, at any count — they are in that posterior
   * already ("2 × Quart Freezer" for one Lysol spray a confusion listed lower, at 0.9945);
   * listed products, look-alikes and weighed goods still do.
   */
  private weightSinglesOut(it: Item, ctx: ChangeContext, post: number): boolean {
    const cfg = this.cfg;
    if (it.grams !== undefined) return false;
    const noise2 = ctx.sd * ctx.sd + cfg.scaleNoiseSdG * cfg.scaleNoiseSdG;
    const sure = (it.qty ?? 1) === 1 && post >= cfg.listedSureP;
    for (const c of ctx.candidates) {
      if (c.product.sku === it.sku) continue;
      const w = c.product.weight;
      if (!w) return false; // weighed goods fit any weight
      if (sure && c.weightOnly) continue;
      for (let n = 1; n <= cfg.maxUnits; n++) {
        const z = Math.abs(ctx.delta - n * w.mean) / Math.sqrt(n * w.sd * w.sd + noise2);
        if (z <= cfg.listedExcludeZ) return false;
      }
    }
    const own = this.catalog.bySku.get(it.sku)?.weight;
    for (let m = 1; own && m < (it.qty ?? 1); m++) {
      const rest = ctx.delta - m * own.mean;
      const v = noise2 + m * own.sd * own.sd;
      if (this.someUnitFits(rest, v, cfg.listedExcludeZ, (p) => p.sku === it.sku)) return false;
    }
    return true;
  }

  /**
   * The weight's likelihood under "the units kept beside one unit of a product nobody saw" over its
   * likelihood under the count itself, summed over the unit products (other than those `skip`
   * names) that weigh `rest` within `unseenBesideZ` sd: Gaussian densities, the count's spread
   * `v0` and its offset `off` (delta − its mean), each product's own spread added to `v`.
   */
  private unseenBesideRatio(
    off: number,
    v0: number,
    rest: number,
    v: number,
    skip: (p: Product) => boolean,
  ): number {
    const z = this.cfg.unseenBesideZ;
    const half = z * (this.maxUnitSd + Math.sqrt(v));
    const zOwn2 = (off * off) / v0;
    let sum = 0;
    for (
      let i = this.firstMeanAtLeast(rest - half);
      i < this.byWeight.length && this.byWeightMean[i] <= rest + half;
      i++
    ) {
      const p = this.byWeight[i];
      const s2 = v + p.weight!.sd * p.weight!.sd;
      const z2 = ((rest - p.weight!.mean) * (rest - p.weight!.mean)) / s2;
      if (skip(p) || z2 > z * z) continue;
      // the ratio of two Gaussian densities, in logs (the count alone may be far out)
      sum += Math.exp(0.5 * (zOwn2 - z2)) * Math.sqrt(v0 / s2);
    }
    return sum;
  }

  /**
   * Is there a unit product, other than those `skip` names, whose one unit weighs `rest` within
   * `z` sd (its own spread added to `v`)? The catalog's units by mean weight, searched only in
   * the window the widest unit spread allows.
   */
  private someUnitFits(rest: number, v: number, z: number, skip: (p: Product) => boolean): boolean {
    const half = z * (this.maxUnitSd + Math.sqrt(v));
    for (
      let i = this.firstMeanAtLeast(rest - half);
      i < this.byWeight.length && this.byWeightMean[i] <= rest + half;
      i++
    ) {
      const p = this.byWeight[i];
      const pw = p.weight!;
      if (!skip(p) && Math.abs(rest - pw.mean) <= z * Math.sqrt(v + pw.sd * pw.sd)) return true;
    }
    return false;
  }

  /**
   * The products of `items` with more units than crossings name them (sightings the explanation
   * assigns to them, reads of them) for which k fewer units beside one unit of another product
   * nobody saw (k = 1 … units − max(crossings, 1)) fit the change's weight within `unseenBesideZ`
   * sd, the other products of `items` kept: a sighting is one crossing (units dropped together
   * cross once) and a read one unit, so the units beyond them rest on the weight alone, and the
   * product the camera missed is the same evidence. In place of one unit (k = 1) a product of the
   * same charge (unit price, tax class, age, category) is left out: it would charge the same.
   * Such products ask only when, summed over them, the weight is at least `unseenBesideMinRatio`
   * as likely under "fewer units beside one of them" as under the count (`unseenBesideRatio`): a
   * jar of salsa (1,350 ± 25 g) weighs like two bottles of cleaner (1,369 ± 1 g) within 1 sd, but
   * its spread makes 2,053 g 13 times likelier under three bottles than under one and the jar.
   */
  private unitsBeyondCrossings(
    items: readonly Item[],
    ctx: ChangeContext,
    scans: Scan[],
    keyed: Keyed[],
  ): Set<string> {
    const cfg = this.cfg;
    const out = new Set<string>();
    if (cfg.unseenBesideZ <= 0 || items.some((i) => i.grams !== undefined)) return out;
    const owners = sightingOwners(ctx, items);
    let mean = 0;
    let v0 = ctx.sd * ctx.sd + cfg.scaleNoiseSdG * cfg.scaleNoiseSdG;
    for (const it of items) {
      const w = this.catalog.bySku.get(it.sku)?.weight;
      if (!w) return out;
      mean += (it.qty ?? 1) * w.mean;
      v0 += (it.qty ?? 1) * w.sd * w.sd;
    }
    for (const it of items) {
      const qty = it.qty ?? 1;
      if (qty < 2) continue;
      const own = this.catalog.bySku.get(it.sku)!.weight!;
      let crossings = 0;
      for (const o of owners) if (o === it.sku) crossings++;
      for (const s of scans) if (s.sku === it.sku) crossings++;
      for (const k of keyed) if (k.sku === it.sku) crossings++;
      if (crossings >= qty) continue;
      const key = this.chargeKey(it.sku, false);
      for (let k = 1; k <= qty - Math.max(crossings, 1) && !out.has(it.sku); k++) {
        // the weight left for the product nobody saw, and the spread of the units kept
        const rest = ctx.delta - (mean - k * own.mean);
        const v = v0 - k * own.sd * own.sd;
        const skip = (p: Product) => p.sku === it.sku || (k === 1 && this.chargeKey(p.sku, false) === key);
        const fits =
          cfg.unseenBesideMinRatio > 0
            ? this.unseenBesideRatio(ctx.delta - mean, v0, rest, v, skip) >= cfg.unseenBesideMinRatio
            : this.someUnitFits(rest, v, cfg.unseenBesideZ, skip);
        if (fits) out.add(it.sku);
      }
    }
    return out;
  }

  /** a scan or PLU of the item, or a sighting in its direction that rates a product of its charge clearly */
  private clearlyIdentified(
    it: Item,
    removal: boolean,
    sightings: Sighting[],
    scans: Scan[],
    keyed: Keyed[],
  ): boolean {
    if (scans.some((s) => s.sku === it.sku) || keyed.some((k) => k.sku === it.sku)) return true;
    const key = this.chargeKey(it.sku, it.grams !== undefined);
    const clear = Math.max(this.cfg.minIdentityP, this.cfg.visionConfusionMinP);
    const against = removal ? "in" : "out";
    for (const v of sightings) {
      if (v.dir === against) continue;
      for (const c of v.candidates)
        if (c.p >= clear && this.chargeKey(c.sku, it.grams !== undefined) === key) return true;
    }
    return false;
  }

  private chargeSignature(h: Extract<Hypothesis, { kind: "merch" }>): string | undefined {
    if (h.remainder) return undefined;
    const keys: string[] = [];
    const qty = new Map<string, number>();
    for (const i of h.items) {
      const key = this.chargeKey(i.sku, i.grams !== undefined);
      if (key === undefined) return undefined;
      qty.set(key, (qty.get(key) ?? 0) + (i.qty ?? 1));
    }
    for (const [k, n] of qty) keys.push(`${k}×${n}`);
    return keys.sort().join(",");
  }

  private chargeKey(sku: string, weighed: boolean): string {
    const cache = weighed ? this.weighedChargeKeys : this.chargeKeys;
    let k = cache.get(sku);
    if (k === undefined) {
      const p = this.catalog.bySku.get(sku);
      k =
        !p || this.cfg.chargeDistinctSkus.includes(sku)
          ? `sku:${sku}`
          : weighed || p.soldBy === "weight"
            ? `w:${sku}`
            : `u:${p.price}|${p.taxClass}|${p.ageRestricted ? 1 : 0}|${p.category ?? ""}`;
      cache.set(sku, k);
    }
    return k;
  }

  private raise(
    prompt: Prompt,
    removal: boolean,
    ctx: ChangeContext,
    fixed: Item[],
    evidence: Evidence,
    sources: Sources,
    at: number,
    out: BasketEvent[],
    vouched: string[] = [],
  ): void {
    const open: OpenPrompt = {
      prompt,
      removal,
      ctx,
      fixed,
      evidence: copyEvidence(evidence),
      sources: { vision: sources.vision.slice(), scans: sources.scans.slice(), plu: sources.plu.slice() },
      at,
      afterChange: this.decidedChanges,
    };
    if (vouched.length > 0) open.vouched = vouched;
    this.prompts.set(prompt.id, open);
    this.counters.prompts++;
    out.push({
      type: "PromptRaised",
      at,
      prompt: { ...prompt, lineIds: [...prompt.lineIds] },
    } satisfies PromptRaised);
  }

  /**
   * The identified items leave part of the weight unexplained: never accept that silently. The
   * screen asks for a scan of the rest; its context is the remainder alone, so the answer adds
   * lines for it without touching the identified ones.
   */
  private raiseRemainder(
    h: Extract<Hypothesis, { kind: "merch" }>,
    ctx: ChangeContext,
    at: number,
    evidence: Evidence,
    sources: Sources,
    out: BasketEvent[],
    vouched: string[],
  ): void {
    const used = new Set(h.items.map((i) => i.sku));
    const grams = Math.round(h.remainder ?? 0);
    const rest: ChangeContext = {
      delta: h.remainder ?? 0,
      sd: ctx.sd,
      candidates: ctx.candidates.filter((c) => !used.has(c.product.sku)),
      sightings: [],
      scanned: [],
    };
    const names = h.items.map((i) => this.name(i.sku)).join(", ");
    const prompt: Prompt = {
      id: this.ids("prompt"),
      kind: "scan",
      text: `Something else (about ${grams} g) went in with ${names}. Please scan it.`,
      lineIds: [],
    };
    const ev = { ...evidence, summary: `${evidence.summary}; ${grams} g left unexplained` };
    this.raise(prompt, false, rest, [], ev, sources, at, out, vouched);
  }

  /**
   * Products whose weight (n units) fits the change although nobody saw or scanned them: the
   * camera misses items. Each enters with identity prior 1 / (unit products in the catalog) and,
   * being unseen, costs visionMissP, so they matter only when the sightings do not explain the
   * weight. Bounded: the closest few.
   */
  private unseenCandidates(d: number, sd: number, into: Map<string, Candidate>): void {
    const cfg = this.cfg;
    const k = cfg.unseenCandidates;
    if (k <= 0 || this.byWeight.length === 0) return;
    const prior = 1 / this.byWeight.length;
    const best: { z: number; p: Product }[] = [];
    const noise2 = sd * sd + cfg.scaleNoiseSdG * cfg.scaleNoiseSdG;
    for (let n = 1; n <= cfg.maxUnits; n++) {
      const target = d / n;
      const halfWidth = 6 * (this.maxUnitSd + Math.sqrt(noise2) / n);
      for (
        let i = this.firstMeanAtLeast(target - halfWidth);
        i < this.byWeight.length && this.byWeightMean[i] <= target + halfWidth;
        i++
      ) {
        const p = this.byWeight[i];
        const w = p.weight!;
        const z = Math.abs(d - n * w.mean) / Math.sqrt(n * w.sd * w.sd + noise2);
        if (z > 5) continue;
        best.push({ z, p });
      }
    }
    this.addClosestUnseen(best, k, prior, into);
  }

  /**
   * Products nobody saw that fit what is left of the weight beside n units of a product seen or
   * scanned, when more units of it fit the whole change ("3 × bar", or "1 × bar + something the
   * camera missed"). `unseenCandidates` looks
   * only for products whose units make up the whole change, so "3 × bar" for one bar seen and a
   * weight of three had no competitor but an unseen look-alike of the bar, or a remainder flat
   * over [0, foreignMaxG] — while the catalog holds many products of the weight left over. Each
   * enters like any unseen candidate (identity prior 1 / N, visionMissP); bounded: the closest
   * `unseenCandidates`.
   */
  private unseenBeside(d: number, sd: number, into: Map<string, Candidate>): void {
    const cfg = this.cfg;
    // only into room the search has left: never in place of a candidate it had before (an
    // unlisted look-alike with a small calibrated share ranks below an unseen product)
    let units = 0;
    for (const c of into.values()) if (c.product.soldBy === "unit" && c.product.weight) units++;
    const k = Math.min(cfg.unseenCandidates, cfg.maxCandidates - units);
    if (k <= 0 || this.byWeight.length === 0) return;
    const prior = 1 / this.byWeight.length;
    const noise2 = sd * sd + cfg.scaleNoiseSdG * cfg.scaleNoiseSdG;
    const best: { z: number; p: Product }[] = [];
    for (const c of [...into.values()]) {
      if (c.weightOnly || c.product.soldBy !== "unit" || !c.product.weight) continue;
      const w = c.product.weight;
      // only where a count of it fits the whole change (the question is "n of it, or fewer and
      // something else"); a scanned cola beside an unseen 1,180 g load stays "cola + 1,180 g
      // unidentified", which asks for a scan of the rest
      let most = 0;
      for (let n = 2; n <= cfg.maxUnits; n++)
        if (Math.abs(d - n * w.mean) <= 5 * Math.sqrt(noise2 + n * w.sd * w.sd)) most = n;
      for (let n = 1; n < most; n++) {
        const rest = d - n * w.mean;
        if (rest < cfg.minChangeG) break;
        const v = noise2 + n * w.sd * w.sd;
        const halfWidth = 6 * (this.maxUnitSd + Math.sqrt(v));
        for (
          let i = this.firstMeanAtLeast(rest - halfWidth);
          i < this.byWeight.length && this.byWeightMean[i] <= rest + halfWidth;
          i++
        ) {
          const p = this.byWeight[i];
          const pw = p.weight!;
          const z = Math.abs(rest - pw.mean) / Math.sqrt(v + pw.sd * pw.sd);
          if (z > 5) continue;
          best.push({ z, p });
        }
      }
    }
    this.addClosestUnseen(best, k, prior, into);
  }

  /**
   * The mass of "the guess + one unit of a product nobody saw or scanned", summed over the unit
   * products of the catalog that are not candidates already, relative to the guess's own score:
   * each such explanation scores as the search would score it (identity prior 1 / N,
   * visionMissP, extraUnitPrior · extraProductPrior, the two weights' spreads added), so the
   * sum is what the bounded search (the closest `unseenCandidates`) leaves out. It is large only
   * where the guess's spread is wide enough to hold a whole product and the weight lies on that
   * side of it; for a guess of units only, no remainder, within the search's bounds. Where the
   * shopper scanned every unit of the guess, a product with a barcode beside them would have
   * been scanned too: it counts at `hiddenBesideScannedP` (one without a barcode in full).
   */
  private hiddenBesideRatio(guess: Extract<Hypothesis, { kind: "merch" }>, ctx: ChangeContext): number {
    const cfg = this.cfg;
    if (guess.remainder || guess.items.length + 1 > cfg.maxDistinct || this.byWeight.length === 0) return 0;
    let units = 0;
    let mean = 0;
    let v = ctx.sd * ctx.sd + cfg.scaleNoiseSdG * cfg.scaleNoiseSdG;
    for (const it of guess.items) {
      const w = this.catalog.bySku.get(it.sku)?.weight;
      if (it.qty === undefined || !w) return 0;
      units += it.qty;
      mean += it.qty * w.mean;
      v += it.qty * w.sd * w.sd;
    }
    if (units + 1 > cfg.maxUnits) return 0;
    const d = Math.abs(ctx.delta);
    const rest = d - mean;
    const own = Math.sqrt(v);
    const zOwn = rest / own;
    const cands = new Set(ctx.candidates.map((c) => c.product.sku));
    // every unit of the guess read: a product with a barcode beside them went in unscanned too
    const reads = new Map<string, number>();
    for (const sku of ctx.scanned) reads.set(sku, (reads.get(sku) ?? 0) + 1);
    const allRead = guess.items.every((it) => (reads.get(it.sku) ?? 0) >= (it.qty ?? 1));
    const scannedP = allRead ? cfg.hiddenBesideScannedP : 1;
    const halfWidth = 8 * (this.maxUnitSd + own);
    let sum = 0;
    for (
      let i = this.firstMeanAtLeast(rest - halfWidth);
      i < this.byWeight.length && this.byWeightMean[i] <= rest + halfWidth;
      i++
    ) {
      const p = this.byWeight[i];
      if (cands.has(p.sku)) continue;
      const w = p.weight!;
      const s2 = v + w.sd * w.sd;
      const z2 = ((rest - w.mean) * (rest - w.mean)) / s2;
      // the ratio of two Gaussian densities, in logs (the guess alone may be far out)
      sum += Math.exp(0.5 * (zOwn * zOwn - z2)) * (own / Math.sqrt(s2)) * (p.gtin ? scannedP : 1);
    }
    return (cfg.extraUnitPrior * cfg.extraProductPrior * this.learnedMissP() * sum) / this.byWeight.length;
  }

  /** Index of the first product (by unit weight) whose mean is at least `mean`. */
  private firstMeanAtLeast(mean: number): number {
    let lo = 0;
    let hi = this.byWeight.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.byWeightMean[mid] < mean) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** The k closest fits (smallest z, then SKU) not already candidates, as unseen weight-only candidates. */
  private addClosestUnseen(
    best: { z: number; p: Product }[],
    k: number,
    prior: number,
    into: Map<string, Candidate>,
  ): void {
    const miss = this.cfg.visionMissP;
    best.sort((a, b) => a.z - b.z || (a.p.sku < b.p.sku ? -1 : 1));
    let added = 0;
    for (const b of best) {
      if (added >= k) break;
      if (into.has(b.p.sku)) continue;
      into.set(b.p.sku, { product: b.p, id: miss * prior, prior, uncovered: miss, weightOnly: true });
      added++;
    }
  }

  /**
   * The clear sightings (top p at least minIdentityP and visionConfusionMinP) reported going out,
   * in an addition's window, none of whose listed products the cart holds: no line of them, sure
   * or unsure, that is not a removal or voided. Nothing they name was in the cart to go out, so
   * the camera saw the item going in and got the direction wrong (wrongDirP is the rate of that,
   * not of a clear sighting of nothing); `wrongWayUnheld` counts them as going in. A sighting
   * naming a product the cart holds keeps its discount: that product may have gone out.
   */
  private unheldGoingOut(sightings: Sighting[]): Set<Sighting> {
    const clear = Math.max(this.cfg.minIdentityP, this.cfg.visionConfusionMinP);
    const out = new Set<Sighting>();
    for (const v of sightings) {
      if (v.dir !== "out" || v.candidates.length === 0 || maxP(v.candidates) < clear) continue;
      let held = false;
      for (const l of this.lines.values()) {
        if (l.removal || l.voided) continue;
        if (v.candidates.some((c) => c.sku === l.sku)) {
          held = true;
          break;
        }
      }
      if (!held) out.add(v);
    }
    return out;
  }

  /**
   * What a sighting reported going out says of its top candidate at an addition: its calibrated
   * weight, as if it had gone in. Only the top (the product the camera named), never one it listed
   * lower (those are seen only going in: "listed by a clear sighting").
   */
  private wrongWaySupport(sightings: Sighting[], support: Map<string, number>): void {
    for (const v of sightings) {
      if (v.dir !== "out" || v.candidates.length === 0) continue;
      const top = topSku(v.candidates);
      if (top === undefined || !support.has(top)) continue;
      const skus: string[] = [];
      const ps: number[] = [];
      this.sightingWeights(v.candidates, skus, ps);
      const w = ps[skus.indexOf(top)] ?? 0;
      if (w > support.get(top)!) support.set(top, w);
    }
  }

  /**
   * What one sighting says about each product: with a calibration table, the top candidate is
   * the true product with P(top-1 right | p) from the table (its own table when it has
   * look-alikes); otherwise the true product is listed lower (visionListedShare, shared by the
   * lower candidates' p) or an unlisted look-alike of a listed one (the rest, shared). Without
   * a table each listed product gets p^visionSharpness and an unlisted look-alike p · lookalikeP.
   */
  private sightingWeights(raw: { sku: string; p: number }[], skus: string[], ps: number[]): void {
    const cfg = this.cfg;
    const candidates = raw.length > 1 ? raw.slice().sort((a, b) => b.p - a.p) : raw;
    const first = candidates[0];
    const hasLook = (this.catalog.bySku.get(first.sku)?.lookalikes?.length ?? 0) > 0;
    const table = hasLook ? cfg.visionCalibrationLookalike : cfg.visionCalibration;
    const unlisted: string[] = [];
    for (const c of candidates) {
      for (const l of this.catalog.bySku.get(c.sku)?.lookalikes ?? []) {
        if (!this.catalog.bySku.has(l) || unlisted.includes(l)) continue;
        if (candidates.some((x) => x.sku === l)) continue;
        unlisted.push(l);
      }
    }
    if (table.length === 0) {
      for (const c of candidates) {
        skus.push(c.sku);
        ps.push(c.p ** cfg.visionSharpness);
      }
      const n = skus.length;
      for (const l of unlisted) {
        let from = 0;
        for (let i = 0; i < n; i++)
          if (this.catalog.bySku.get(skus[i])?.lookalikes?.includes(l)) from = Math.max(from, ps[i]);
        skus.push(l);
        ps.push(from * cfg.lookalikeP);
      }
      return;
    }
    const q = interpolate(table, first.p);
    let lowerSum = 0;
    for (let i = 1; i < candidates.length; i++) lowerSum += candidates[i].p;
    const listed = candidates.length > 1 ? cfg.visionListedShare : 0;
    // a faint top (under the least p of the confusions the table was fitted on) is no confusion
    // of merchandise: the lower candidates keep their own p
    const confusion = first.p >= cfg.visionConfusionMinP;
    skus.push(first.sku);
    ps.push(q);
    for (let i = 1; i < candidates.length; i++) {
      skus.push(candidates[i].sku);
      const share = lowerSum > 0 ? ((1 - q) * listed * candidates[i].p) / lowerSum : 0;
      ps.push(confusion ? share : Math.min(share, candidates[i].p));
    }
    for (const l of unlisted) {
      skus.push(l);
      // (a faint top vouches for its unlisted look-alikes no more than for itself: else a bag
      // seen as "Flap Tie Bags 0.20" made Tall Kitchen Bags, of the bag's weight, a product the
      // camera saw at 0.8 and charged it unasked — standard seed 21)
      const share = ((1 - q) * (1 - listed)) / unlisted.length;
      ps.push(confusion ? share : Math.min(share, first.p));
    }
  }

  private contextFor(
    delta: number,
    sd: number,
    sightings: Sighting[],
    scans: Scan[],
    keyed: Keyed[],
    goingIn?: ReadonlySet<Sighting>,
  ): ChangeContext {
    const cfg = this.cfg;
    const removal = delta < 0;
    const d = Math.abs(delta);
    const cands = new Map<string, Candidate>();
    const seen = new Map<string, number>();
    const ctxSightings: ChangeContext["sightings"] = [];
    const against = removal ? "in" : "out";
    let blank = 0;
    const calibrated = cfg.visionCalibration.length > 0 && cfg.visionCalibrationLookalike.length > 0;
    for (const s of sightings) {
      if (s.candidates.length === 0) {
        if (s.dir !== against) blank++;
        continue;
      }
      // a calibrated camera shows merchandise with a top p of at least visionConfusionMinP; a
      // fainter sighting is a hand with something it does not know (a bag, a coat), which is
      // evidence against merchandise it does not list, like an empty sighting
      if (calibrated && s.dir !== against && maxP(s.candidates) < cfg.visionConfusionMinP) blank++;
      const skus: string[] = [];
      const ps: number[] = [];
      const f = s.dir === against && !goingIn?.has(s) ? cfg.wrongDirP : 1;
      this.sightingWeights(s.candidates, skus, ps);
      for (let i = 0; i < skus.length; i++) {
        ps[i] *= f;
        if ((seen.get(skus[i]) ?? 0) < ps[i]) seen.set(skus[i], ps[i]);
      }
      // a clear sighting going in (a top above every confusion the camera's tables were fitted
      // on) of a product not in the basket is no confusion of another crossing and no item going
      // out seen the wrong way: where an explanation leaves it unexplained, it pays the camera's
      // rate of such sightings from nothing (visionFloorClearP), not visionFloorP
      // so is one crossing at the same moment as a sighting of other products (within
      // visionTogetherMs): units of one product crossing together show as one sighting, so the
      // second sighting is a second product's crossing, not a unit of the first confused
      const top = maxP(s.candidates);
      const together = top >= cfg.visionConfusionMinP && crossesWithOther(s, sightings, against, cfg);
      const clear =
        !removal &&
        s.dir !== against &&
        (top >= cfg.visionConfusionMaxP || together) &&
        !skus.some((k) => (this.net.get(k) ?? 0) > 0);
      const alone = clear && together && top >= cfg.visionTogetherAloneMinP;
      ctxSightings.push(
        clear ? { skus, p: ps, floor: cfg.visionFloorClearP, ...(alone ? { alone } : {}) } : { skus, p: ps },
      );
    }
    const scanned: string[] = [];
    if (!removal) {
      for (const [sku, p] of seen) {
        cands.set(sku, {
          product: this.catalog.bySku.get(sku)!,
          id: p,
          prior: 1,
          uncovered: cfg.visionMissP,
        });
      }
      for (const s of scans) {
        scanned.push(s.sku);
        const c: Candidate = { product: this.catalog.bySku.get(s.sku)!, id: 1, prior: 1, uncovered: 1 };
        if (s.grams !== undefined) c.labelGrams = s.grams;
        else if (s.price !== undefined) {
          const ppk = c.product.pricePerKg ?? 0;
          if (ppk > 0) {
            c.labelGrams = (s.price / ppk) * 1000;
            c.labelSd = Math.max(cfg.labelSdG, c.labelGrams * cfg.priceLabelRelSd);
          }
        }
        cands.set(s.sku, c);
      }
      this.unseenCandidates(d, sd, cands);
      this.unseenBeside(d, sd, cands);
      // (a keyed code's look-alikes, either way: between them the code beats the camera)
      const keyedLookalikes: (readonly string[] | undefined)[] = scanned.map(() => undefined);
      for (const k of keyed) {
        scanned.push(k.sku);
        keyedLookalikes.push(this.lookalikesOf(k.sku));
        if (!cands.has(k.sku) || cands.get(k.sku)!.labelGrams === undefined) {
          cands.set(k.sku, { product: this.catalog.bySku.get(k.sku)!, id: 1, prior: 1, uncovered: 1 });
        }
      }
      const ctx: ChangeContext = {
        delta,
        sd,
        candidates: [...cands.values()],
        sightings: ctxSightings,
        scanned,
        blank,
      };
      if (keyed.length > 0) ctx.keyedLookalikes = keyedLookalikes;
      return ctx;
    }
    // removal: only what is in the basket, ranked by sighting and by how well a whole number of
    // units fits, so the bounded search sees the plausible few even in a basket of hundreds (the
    // best maxCandidates kept as they come, best first: nothing allocated for the others)
    const ranked: { product: Product; id: number; amount: number; key: number }[] = [];
    for (const [sku, amount] of this.net) {
      if (amount <= 0) continue;
      const product = this.catalog.bySku.get(sku);
      if (!product) continue;
      const id = seen.get(sku) ?? cfg.unseenRemovalP;
      let fit = 1;
      if (product.soldBy === "unit" && product.weight) {
        const w = product.weight;
        if (w.mean > d + 6 * (w.sd + sd + cfg.scaleNoiseSdG)) continue;
        const n = Math.min(amount, Math.max(1, Math.round(d / w.mean)));
        const s = Math.sqrt(n * w.sd * w.sd + sd * sd + cfg.scaleNoiseSdG * cfg.scaleNoiseSdG);
        const z = (d - n * w.mean) / s;
        fit = Math.max(Math.exp(-0.5 * z * z), 1e-3);
      } else if (product.soldBy === "weight") {
        const s = Math.sqrt(sd * sd + cfg.labelSdG * cfg.labelSdG);
        const z = (d - amount) / s;
        fit = Math.max(Math.exp(-0.5 * z * z), 1e-3);
      } else continue;
      const key = id * fit;
      let at = ranked.length;
      while (at > 0 && rankedBefore(key, sku, ranked[at - 1].key, ranked[at - 1].product.sku)) at--;
      if (at >= cfg.maxCandidates) continue;
      ranked.splice(at, 0, { product, id, amount, key });
      if (ranked.length > cfg.maxCandidates) ranked.length = cfg.maxCandidates;
    }
    return {
      delta,
      sd,
      candidates: ranked.map((r) => ({
        product: r.product,
        id: r.id,
        prior: 1,
        uncovered: cfg.unseenRemovalP,
        maxQty: r.amount,
      })),
      sightings: ctxSightings,
      scanned,
      blank,
      foreign: this.foreign,
    };
  }

  private emitLines(
    items: Item[],
    statuses: LineStatus[],
    confidences: number[],
    removal: boolean,
    at: number,
    evidence: Evidence,
    sources: Sources,
    out: BasketEvent[],
  ): string[] {
    const ids: string[] = [];
    const decided: Decided = { evidence, sources };
    for (let i = 0; i < items.length; i++) {
      const it = items[i];
      const status = statuses[i];
      const lineId = this.ids("line");
      ids.push(lineId);
      const line: Line = {
        lineId,
        sku: it.sku,
        status,
        removal,
        voided: false,
        confidence: confidences[i],
        decided,
      };
      if (it.grams !== undefined) line.grams = it.grams;
      else line.qty = it.qty;
      this.lines.set(lineId, line);
      this.applyNet(line, 1);
      const ev = {
        type: removal ? "ItemRemoved" : "ItemAdded",
        at,
        lineId,
        sku: it.sku,
        ...(it.grams !== undefined ? { grams: it.grams } : { qty: it.qty }),
        confidence: confidences[i],
        status,
        evidence,
      } as ItemAdded | ItemRemoved;
      out.push(ev);
    }
    return ids;
  }

  private applyNet(line: Line, sign: 1 | -1): void {
    const amount = (line.grams ?? line.qty ?? 0) * (line.removal ? -1 : 1) * sign;
    this.net.set(line.sku, (this.net.get(line.sku) ?? 0) + amount);
  }

  /** the lines are sure, but something else may have gone in (or out) with them */
  private somethingElsePrompt(removal: boolean, guess: Extract<Hypothesis, { kind: "merch" }>): Prompt {
    const names = guess.items.map((i) => this.name(i.sku)).join(", ");
    return {
      id: this.ids("prompt"),
      kind: "scan",
      text: removal
        ? `Did you take something else out with ${names}? Please scan it, or answer no.`
        : `Did something else go in with ${names}? Please scan it, or answer no.`,
      lineIds: [],
    };
  }

  private makePrompt(
    removal: boolean,
    guess: Extract<Hypothesis, { kind: "merch" }> | undefined,
    hyps: Hypothesis[],
    hadPluOrLabel: boolean,
    lineIds: string[],
  ): Prompt {
    const id = this.ids("prompt");
    const option = (sku: string) => ({ sku, name: this.name(sku) });
    if (removal) {
      const skus: string[] = [];
      for (const h of hyps) {
        if (h.kind !== "merch") continue;
        const s = h.items[0].sku;
        if (!skus.includes(s)) skus.push(s);
        if (skus.length === 2) break;
      }
      const what = guess ? hypothesisLabel(guess, (s) => this.name(s)) : "an item";
      return {
        id,
        kind: "confirm-removal",
        text: `Did you take ${what} out of the cart?`,
        options: skus.map(option),
        lineIds,
      };
    }
    if (guess) {
      // Loose produce is identified by its code, not by a picture: ask for the PLU on the keypad
      // (the shopper reads it off the sticker) before offering look-alike buttons.
      const weighed = guess.items.find((i) => i.grams !== undefined);
      if (weighed && !hadPluOrLabel) {
        return { id, kind: "plu", text: "Please key the produce code for what you just added.", lineIds };
      }
      const second = hyps.find(
        (h) =>
          h !== guess &&
          h.kind === "merch" &&
          h.items.length === guess.items.length &&
          h.items[0].sku !== guess.items[0].sku,
      );
      // a runner-up worth a button on the screen (a third of what is worth guessing on its own)
      if (second && second.kind === "merch" && second.posterior >= this.cfg.minGuessPosterior / 3) {
        return {
          id,
          kind: "choose",
          text: "Which one did you add?",
          options: [option(guess.items[0].sku), option(second.items[0].sku)],
          lineIds,
        };
      }
    }
    return { id, kind: "scan", text: "Please scan the item you just added.", lineIds };
  }

  // ---------------------------------------------------------------------------------------
  // evidence

  private name(sku: string): string {
    return this.catalog.bySku.get(sku)?.name ?? sku;
  }

  private evidence(
    change: ScaleChange,
    sightings: Sighting[],
    scans: Scan[],
    keyed: Keyed[],
    hyps: Hypothesis[],
  ): Evidence {
    const r2 = (x: number) => Math.round(x * 100) / 100;
    return {
      change: {
        startT: change.startT,
        endT: change.endT,
        before: r2(change.before),
        after: r2(change.after),
        delta: r2(change.delta),
        sd: r2(change.sd),
      },
      vision: sightings.map((s) => ({ t: s.t, dir: s.dir, candidates: s.candidates.slice() })),
      scans: scans.map((s) => {
        const x: Evidence["scans"][number] = { t: s.t, code: s.code, sku: s.sku };
        if (s.grams !== undefined) x.grams = s.grams;
        if (s.price !== undefined) x.price = s.price;
        return x;
      }),
      plu: keyed.map((k) => ({ t: k.t, plu: k.plu, sku: k.sku })),
      answers: [],
      hypotheses: hyps.slice(0, this.cfg.keepHypotheses).map((h) => ({
        label: hypothesisLabel(h, (s) => this.name(s)),
        posterior: Math.round(h.posterior * 10000) / 10000,
      })),
      summary: "",
    };
  }

  private summary(
    change: ScaleChange,
    h: Hypothesis,
    sightings: Sighting[],
    scans: Scan[],
    keyed: Keyed[],
    status: LineStatus,
  ): string {
    const sign = change.delta >= 0 ? "+" : "−";
    let s = `Weight ${sign}${Math.round(Math.abs(change.delta))} g`;
    if (h.kind === "merch") {
      const parts = h.items.map((i) => {
        if (i.grams !== undefined) return `${this.name(i.sku)} ${Math.round(i.grams)} g (weighed)`;
        const w = this.catalog.bySku.get(i.sku)?.weight;
        const q = i.qty ?? 1;
        return w
          ? `${q} × ${this.name(i.sku)} (${Math.round(q * w.mean)} ± ${Math.max(1, Math.round(Math.sqrt(q) * w.sd))} g)`
          : `${q} × ${this.name(i.sku)}`;
      });
      s += `${change.delta < 0 ? " matched taking out " : " matched "}${parts.join(" + ")}`;
      if (h.remainder) s += ` + ${Math.round(h.remainder)} g nothing identified`;
    } else if (h.kind === "foreign") s += " looked like something that is not merchandise";
    else s += " matched nothing the sensors identified";
    const seen = sightings
      .filter((v) => v.candidates.length > 0)
      .map((v) => `${this.name(v.candidates[0].sku)} ${v.candidates[0].p.toFixed(2)}`);
    if (seen.length) s += `; camera saw ${seen.join(", ")}`;
    if (scans.length) s += `; scanned ${scans.map((x) => this.name(x.sku)).join(", ")}`;
    if (keyed.length) s += `; PLU ${keyed.map((k) => k.plu).join(", ")} keyed`;
    if (status === "unsure") s += `; unsure (${h.posterior.toFixed(2)}), asked the shopper`;
    return s;
  }

  // ---------------------------------------------------------------------------------------
  // other inputs

  private prune(now: number): void {
    const horizon = now - this.maxWindowMs;
    if (this.sightings.length > 64) this.sightings = this.sightings.filter((s) => !s.used && s.t >= horizon);
    if (this.scans.length > 64) this.scans = this.scans.filter((s) => !s.used && s.t >= horizon);
    if (this.keyed.length > 64) this.keyed = this.keyed.filter((s) => !s.used && s.t >= horizon);
  }

  private onVision(e: VisionEvent): IngestResult {
    if (this.session === undefined)
      return this.reject("no-open-session", "camera sighting outside a session");
    if (e.dir !== "in" && e.dir !== "out" && e.dir !== "unknown")
      return this.reject("bad-value", "dir must be in, out or unknown");
    if (!Array.isArray(e.candidates)) return this.reject("bad-value", "candidates must be an array");
    const candidates: { sku: string; p: number }[] = [];
    let unknown = 0;
    let bad = 0;
    for (const c of e.candidates) {
      if (!c || typeof c.p !== "number" || !Number.isFinite(c.p) || c.p < 0 || c.p > 1) {
        bad++;
        continue;
      }
      if (!this.catalog.bySku.has(c.sku)) {
        unknown++;
        continue;
      }
      candidates.push({ sku: c.sku, p: c.p });
    }
    if (unknown) this.drop("unknown-candidate", unknown);
    if (bad) this.drop("bad-candidate", bad);
    const sighting: Sighting = { t: e.t, dir: e.dir, candidates, used: false };
    if (typeof e.id === "string") sighting.id = e.id;
    this.sightings.push(sighting);
    if (this.sightings.length > 256) this.prune(e.t);
    const r: IngestResult = { outcome: "accepted", events: [] };
    if (unknown || bad) r.detail = `dropped ${unknown} unknown and ${bad} malformed candidates`;
    return r;
  }

  private onBarcode(e: BarcodeEvent): IngestResult {
    if (this.session === undefined) return this.reject("no-open-session", "scan outside a session");
    if (typeof e.code !== "string") return this.reject("bad-value", "code must be a string");
    const parsed = parseBarcode(e.code, this.cfg.variableMeasure);
    let product: Product | undefined;
    let grams: number | undefined;
    let price: number | undefined;
    switch (parsed.kind) {
      case "invalid":
        return this.reject("bad-value", `barcode ${e.code}: ${parsed.reason}`);
      case "gtin":
        product = this.catalog.byGtin.get(parsed.gtin14);
        break;
      case "variable":
        product = this.byPluNumber.get(Number(parsed.itemRef));
        if (parsed.measure === "weight") grams = parsed.value;
        else price = parsed.value;
        break;
      default:
        return assertNever(parsed, "barcode");
    }
    if (!product) return this.reject("unknown-product", `no product for barcode ${e.code}`);
    const events: BasketEvent[] = [];
    // the same code again within scanRepeatMs is the scanner reporting one read twice: each read
    // counts as a unit (and a scan may answer a prompt), so the repeat is dropped
    const prev = this.lastRead;
    this.lastRead = { code: e.code, t: e.t };
    if (prev && prev.code === e.code && e.t - prev.t < this.cfg.scanRepeatMs) {
      this.drop("double-read");
      return { outcome: "accepted", events, detail: "the same code read again at once: one read" };
    }
    const id = typeof e.id === "string" ? e.id : undefined;
    const answered = this.answerByIdentity(product, e.t, events, this.openFor(["scan", "choose", "plu"]), {
      code: e.code,
      grams,
      id,
    });
    if (answered === true) return { outcome: "accepted", events };
    const scan: Scan = { t: e.t, code: e.code, sku: product.sku, used: false };
    if (id !== undefined) scan.id = id;
    if (typeof answered === "string") scan.answers = answered;
    if (grams !== undefined) scan.grams = grams;
    if (price !== undefined) scan.price = price;
    this.scans.push(scan);
    if (this.scans.length > 256) this.prune(e.t);
    return { outcome: "accepted", events };
  }

  private onPlu(e: PluEvent): IngestResult {
    if (this.session === undefined) return this.reject("no-open-session", "PLU outside a session");
    if (typeof e.plu !== "string" || !/^\d{4,5}$/.test(e.plu.trim())) {
      return this.reject("bad-value", `PLU ${String(e.plu)} is not 4 or 5 digits`);
    }
    const product = this.catalog.byPlu.get(e.plu.trim()) ?? this.byPluNumber.get(Number(e.plu));
    if (!product) return this.reject("unknown-product", `no product with PLU ${e.plu}`);
    const events: BasketEvent[] = [];
    const id = typeof e.id === "string" ? e.id : undefined;
    const answered = this.answerByIdentity(product, e.t, events, this.openFor(["plu", "scan", "choose"]), {
      plu: e.plu,
      id,
    });
    if (answered === true) return { outcome: "accepted", events };
    if (this.codeAfterWeighing(product, e.t, events)) return { outcome: "accepted", events };
    const k: Keyed = { t: e.t, plu: e.plu, sku: product.sku, used: false };
    if (id !== undefined) k.id = id;
    if (typeof answered === "string") k.answers = answered;
    this.keyed.push(k);
    if (this.keyed.length > 256) this.prune(e.t);
    return { outcome: "accepted", events };
  }

  /**
   * A scan or PLU while the screen asks for one: it answers the newest open add-prompt whose
   * weight it explains. Otherwise it is ordinary evidence for the next change.
   */
  private answerByIdentity(
    product: Product,
    t: number,
    out: BasketEvent[],
    open: OpenPrompt[],
    raw: { code?: string; plu?: string; grams?: number; readAt?: number; id?: string },
    late = false,
  ): boolean | string {
    const weighed = product.soldBy === "weight";
    for (let i = open.length - 1; i >= 0; i--) {
      const p = open[i];
      // which identities can answer which question: a choice only among its options; a PLU
      // prompt only with produce; a scan prompt with a unit product (or a weight label) that fits
      const kind = p.prompt.kind;
      if (kind === "choose" && !p.prompt.options?.some((o) => o.sku === product.sku)) continue;
      if (kind === "plu" && !weighed) continue;
      // (a keyed code of produce answers a scan question only right after the change it asks
      // about: weigh, then key, as for a weighed line — pluAfterScanPromptMs)
      if (
        kind === "scan" &&
        weighed &&
        raw.grams === undefined &&
        !(raw.plu !== undefined && t - p.at <= this.cfg.pluAfterScanPromptMs)
      )
        continue;
      // (the product must explain the weight: "it + N g unidentified" fits anything, and the
      // scan of the next item, made while an earlier question was still open, used to answer
      // it that way — the item then charged twice, standard seed 21 replayed)
      const res = this.forced(p, product.sku, raw.grams);
      if (!res || res.remainder || res.z > this.cfg.answerMaxZ) continue;
      // once something else has gone in or out since the question, a plain scan or code may as
      // well be the shopper's next item (scan, then drop): it waits — used by the next change,
      // it was that item's; else it answers once it is too old to be one (the scan of the next
      // roll of paper towels answered a bag's question 75 s old as "6 × Premium paper towels",
      // standard seed 7, replayed). An `answer` event answers at once.
      if (!late && p.afterChange !== this.decidedChanges) return p.prompt.id;
      const readAt = raw.readAt ?? t;
      if (raw.code) {
        p.evidence.scans.push({ t: readAt, code: raw.code, sku: product.sku });
        p.sources.scans.push(raw.id);
      }
      if (raw.plu) {
        p.evidence.plu.push({ t: readAt, plu: raw.plu, sku: product.sku });
        p.sources.plu.push(raw.id);
      }
      this.applyAnswer(p, res.items, "ok", t, out, product.sku, undefined, res.posterior, res.doubt);
      return true;
    }
    return false;
  }

  /**
   * Reads and codes held back as possible late answers (answerByIdentity) that no change used:
   * those older than `before` answer their question now, if it is still open and they still fit.
   */
  private resolveLateAnswers(before: { scan: number; plu: number }, at: number, out: BasketEvent[]): void {
    for (const x of [...this.scans, ...this.keyed]) {
      if (x.answers === undefined || x.used || x.t >= ("code" in x ? before.scan : before.plu)) continue;
      const p = this.prompts.get(x.answers);
      x.answers = undefined;
      if (!p) continue;
      const product = this.catalog.bySku.get(x.sku)!;
      const raw =
        "code" in x
          ? { code: x.code, grams: x.grams, readAt: x.t, id: x.id }
          : { plu: x.plu, readAt: x.t, id: x.id };
      if (this.answerByIdentity(product, at, out, [p], raw, true) === true) x.used = true;
    }
  }

  /** the open questions about an addition that a scan or a code of one of `kinds` may answer, oldest first */
  private openFor(kinds: Prompt["kind"][]): OpenPrompt[] {
    return [...this.prompts.values()].filter((p) => !p.removal && kinds.includes(p.prompt.kind));
  }

  /**
   * Weigh, then key: a PLU keyed within `pluAfterMs` after the newest weighed line settled, when
   * that line has no code of its own, names that line's product — it confirms the line, or
   * corrects it to the keyed look-alike (organic for plain bananas: the code beats the camera).
   * Left as evidence for the next change, such a code made the next item (or a bag) "weighed
   * bananas" and charged it by the gram (simulator, standard seed 21: 7 of the 12 sessions charged
   * wrongly unasked at threshold 0.95).
   */
  private codeAfterWeighing(product: Product, t: number, out: BasketEvent[]): boolean {
    if (product.soldBy !== "weight") return false;
    let last: Line | undefined;
    for (const l of this.lines.values())
      if (l.weighedAt !== undefined && !l.voided && (!last || l.weighedAt >= last.weighedAt!)) last = l;
    if (!last || last.coded || t - last.weighedAt! > this.cfg.pluAfterMs) return false;
    if (last.sku !== product.sku && !this.lookalikesOf(last.sku)?.includes(product.sku)) return false;
    last.coded = true;
    if (last.sku === product.sku && last.status === "ok") return true;
    this.applyNet(last, -1);
    last.sku = product.sku;
    last.status = "ok";
    this.applyNet(last, 1);
    out.push({
      type: "LineRevised",
      at: t,
      lineId: last.lineId,
      sku: product.sku,
      grams: last.grams,
      status: "ok",
      confidence: 1,
      by: "shopper",
      note: `PLU ${product.plu ?? ""} keyed after weighing: ${product.name}`,
    });
    return true;
  }

  /**
   * Re-explain a prompt's change with `sku` known to be part of it: the likeliest explanation
   * that contains it, and the other products of that explanation whose posterior given the
   * answer (over the explanations containing `sku`) is under the accept threshold — `doubt`, by
   * sku, with that posterior. The shopper named `sku` only: the rest is no surer for the answer.
   */
  private forced(
    p: OpenPrompt,
    sku: string,
    labelGrams?: number,
  ):
    | { items: Item[]; z: number; posterior: number; remainder: boolean; doubt: Map<string, number> }
    | undefined {
    const product = this.catalog.bySku.get(sku);
    if (!product) return undefined;
    const ctx: ChangeContext = {
      ...p.ctx,
      candidates: p.ctx.candidates.filter((c) => c.product.sku !== sku),
      // (the answer names what went in, it is no further unit: a product scanned with the change
      // and scanned again to answer is still one read of it)
      scanned: p.ctx.scanned.includes(sku) ? p.ctx.scanned : [...p.ctx.scanned, sku],
    };
    const existing = p.ctx.candidates.find((c) => c.product.sku === sku);
    // the shopper named it: identity is settled, the weight still has to fit
    const cand: Candidate = existing
      ? { ...existing, id: 1, prior: 1, uncovered: 1, weightOnly: false }
      : { product, id: 1, prior: 1, uncovered: 1 };
    if (labelGrams !== undefined) cand.labelGrams = labelGrams;
    if (p.removal) {
      const have = this.net.get(sku) ?? 0;
      // the prompt's own unsure removal lines are already counted against the basket
      let mine = 0;
      for (const id of p.prompt.lineIds) {
        const l = this.lines.get(id);
        if (l && !l.voided && l.sku === sku) mine += l.grams ?? l.qty ?? 0;
      }
      cand.maxQty = have + mine;
      if (cand.maxQty <= 0) return undefined;
    }
    ctx.candidates = [cand, ...ctx.candidates];
    const hyps = explainChange(ctx, this.explainConfig());
    // the answer says only that `sku` went in (or out): the explanations consistent with it,
    // renormalised, say how sure the rest of the likeliest one is
    const given = hyps.filter((x) => x.kind === "merch" && x.items.some((i) => i.sku === sku));
    const h = given[0];
    if (h?.kind !== "merch") return undefined;
    let mass = 0;
    for (const x of given) mass += x.posterior;
    const doubt = new Map<string, number>();
    for (const it of h.items) {
      if (it.sku === sku) continue;
      const m = mass > 0 ? Math.min(1, marginal(given, it) / mass) : 0;
      if (m < this.cfg.acceptThreshold) doubt.set(it.sku, m);
    }
    return { items: h.items, z: h.z, posterior: h.posterior, remainder: (h.remainder ?? 0) > 0, doubt };
  }

  private onAnswer(e: AnswerEvent): IngestResult {
    if (this.session === undefined) return this.reject("no-open-session", "answer outside a session");
    const p = typeof e.prompt === "string" ? this.prompts.get(e.prompt) : undefined;
    if (!p) return this.reject("unknown-prompt", `no open prompt ${String(e.prompt)}`);
    const events: BasketEvent[] = [];
    const answer: Evidence["answers"][number] = { t: e.t, prompt: e.prompt };
    if (e.sku !== undefined) answer.sku = e.sku;
    if (e.choice !== undefined) answer.choice = e.choice;
    let sku = e.sku;
    const choice = typeof e.choice === "string" ? e.choice.trim().toLowerCase() : undefined;
    if (sku === undefined && choice !== undefined && !NO_CHOICES.has(choice) && !YES_CHOICES.has(choice)) {
      // a choice may name an option by sku
      const opt = p.prompt.options?.find((o) => o.sku.toLowerCase() === choice);
      if (!opt) return this.reject("bad-value", `choice ${e.choice} is not an option of prompt ${e.prompt}`);
      sku = opt.sku;
    }
    if (sku !== undefined) {
      if (!this.catalog.bySku.has(sku)) return this.reject("unknown-product", `no product ${sku}`);
      const res = this.forced(p, sku);
      if (!res && p.removal) {
        return this.reject("bad-value", `${sku} is not in the basket, so it cannot have been taken out`);
      }
      p.evidence.answers.push(answer);
      if (res) {
        const status: LineStatus = res.z <= this.cfg.answerMaxZ ? "ok" : "unsure";
        this.applyAnswer(p, res.items, status, e.t, events, sku, e.choice, res.posterior, res.doubt);
      } else {
        // the answer cannot explain the weight at all: take it, but leave the line for review
        const product = this.catalog.bySku.get(sku)!;
        const d = Math.abs(p.ctx.delta);
        const item: Item =
          product.soldBy === "weight" ? { sku, grams: Math.round(d * 10) / 10 } : { sku, qty: 1 };
        this.applyAnswer(p, [item], "unsure", e.t, events, sku, e.choice, 0);
      }
      return { outcome: "accepted", events };
    }
    if (choice === undefined) return this.reject("bad-value", "an answer needs a sku or a choice");
    p.evidence.answers.push(answer);
    const live = p.prompt.lineIds.filter((id) => this.lines.get(id)?.voided === false);
    if (NO_CHOICES.has(choice) && !p.removal && this.answerUnderflows(live, [])) {
      // "not merchandise" for what was taken out again since: the removal would be of nothing
      this.unresolved.push({
        lineIds: live,
        reason: "the shopper said it is not merchandise, but it was taken out again as merchandise",
        decided: { evidence: p.evidence, sources: p.sources },
      });
    } else if (NO_CHOICES.has(choice)) {
      for (const id of p.prompt.lineIds)
        this.voidLine(id, e.t, "shopper said it is not merchandise", "shopper", events);
      this.settleVouched(p, e.t, events, "nothing else went in with it, said the shopper");
      // (a "did something else go in?" answered no leaves the accepted lines as they are)
      if (!p.removal && p.fixed.length === 0) {
        this.foreign.push({ key: `f${++this.foreignSeq}`, grams: Math.abs(p.ctx.delta), sd: p.ctx.sd });
      } else if (!p.removal && p.fixed.some((i) => i.grams !== undefined)) {
        // beside a weighed product accepted with it, what the voided line weighed is either
        // something that is not merchandise or more of that product (a sighting of nothing that
        // went in): the answer cannot say which, and the product's weight rests on it
        this.unresolved.push({
          lineIds: [],
          reason:
            "the shopper said it is not merchandise beside a weighed product: what it weighed may be that product's",
          decided: { evidence: p.evidence, sources: p.sources },
        });
      }
    } else {
      // confirmed as shown
      this.confirmLines(p.prompt.lineIds, e.t, events, "confirmed on the cart screen");
      if (p.prompt.lineIds.length === 0) {
        this.unresolved.push({
          lineIds: [],
          reason: "shopper confirmed an item the sensors could not identify",
          decided: { evidence: p.evidence, sources: p.sources },
        });
      }
    }
    this.prompts.delete(p.prompt.id);
    events.push({
      type: "PromptClosed",
      at: e.t,
      promptId: p.prompt.id,
      outcome: "answered",
      choice: e.choice,
    });
    return { outcome: "accepted", events };
  }

  private voidLine(
    id: string,
    at: number,
    reason: string,
    by: "shopper" | "fusion",
    out: BasketEvent[],
  ): void {
    const l = this.lines.get(id);
    if (!l || l.voided) return;
    this.applyNet(l, -1);
    l.voided = true;
    out.push({ type: "LineVoided", at, lineId: id, by, reason });
  }

  /** the scanned lines a question about the rest stood for are settled by its answer */
  private settleVouched(p: OpenPrompt, at: number, out: BasketEvent[], note: string): void {
    const open = (p.vouched ?? []).filter((id) => this.lines.get(id)?.status !== "ok");
    this.confirmLines(open, at, out, note);
  }

  /** the shopper's answer makes these lines certain, as they stand (voided ones stay voided) */
  private confirmLines(ids: readonly string[], at: number, out: BasketEvent[], note: string): void {
    for (const id of ids) {
      const l = this.lines.get(id);
      if (!l || l.voided) continue;
      l.status = "ok";
      out.push({
        type: "LineRevised",
        at,
        lineId: id,
        sku: l.sku,
        ...(l.grams !== undefined ? { grams: l.grams } : { qty: l.qty }),
        status: "ok",
        confidence: 1,
        by: "shopper",
        note,
      });
    }
  }

  /** would replacing the add lines `ids` by `items` take some product's net quantity below zero? */
  private answerUnderflows(ids: string[], items: Item[]): boolean {
    const net = new Map<string, number>();
    for (const id of ids) {
      const l = this.lines.get(id)!;
      net.set(l.sku, (net.get(l.sku) ?? 0) - (l.grams ?? l.qty ?? 0));
    }
    for (const it of items) net.set(it.sku, (net.get(it.sku) ?? 0) + (it.grams ?? it.qty ?? 0));
    for (const [sku, d] of net) if (d < 0 && (this.net.get(sku) ?? 0) + d < -1e-9) return true;
    return false;
  }

  /**
   * Map the answered explanation onto the prompt's lines: revise, void the extras, add the rest.
   * A product in `doubt` (not the one the shopper named, and not sure given the answer) gets an
   * unsure line with that posterior, whatever `status`: it goes to review like any other doubt.
   */
  private applyAnswer(
    p: OpenPrompt,
    items: Item[],
    status: LineStatus,
    at: number,
    out: BasketEvent[],
    sku: string,
    choice: string | undefined,
    posterior: number,
    doubt: ReadonlyMap<string, number> = new Map(),
  ): void {
    items = withoutFixed(items, p.fixed);
    const existing = p.prompt.lineIds.filter((id) => {
      const l = this.lines.get(id);
      return l !== undefined && !l.voided;
    });
    const note = `answered on the cart screen: ${this.name(sku)}`;
    if (!p.removal && this.answerUnderflows(existing, items)) {
      // the guessed product was taken out again since: the answer would leave a removal of
      // something the basket no longer holds (a negative quantity); a person sorts it out
      this.unresolved.push({
        lineIds: existing,
        reason: `the shopper's answer contradicts a later removal of what the line guessed: ${this.name(sku)}`,
        decided: { evidence: p.evidence, sources: p.sources },
      });
      this.prompts.delete(p.prompt.id);
      const closed: BasketEvent = {
        type: "PromptClosed",
        at,
        promptId: p.prompt.id,
        outcome: "answered",
        sku,
      };
      if (choice !== undefined) closed.choice = choice;
      out.push(closed);
      return;
    }
    const confidence = status === "ok" ? 1 : posterior;
    for (let i = 0; i < items.length; i++) {
      const it = items[i];
      const doubted = doubt.get(it.sku);
      const st: LineStatus = doubted === undefined ? status : "unsure";
      const conf = doubted === undefined ? confidence : doubted;
      if (i < existing.length) {
        const l = this.lines.get(existing[i])!;
        this.applyNet(l, -1);
        l.sku = it.sku;
        l.qty = it.grams !== undefined ? undefined : it.qty;
        l.grams = it.grams;
        l.status = st;
        l.decided = { evidence: p.evidence, sources: p.sources };
        this.applyNet(l, 1);
        out.push({
          type: "LineRevised",
          at,
          lineId: l.lineId,
          sku: it.sku,
          ...(it.grams !== undefined ? { grams: it.grams } : { qty: it.qty }),
          status: st,
          confidence: conf,
          by: doubted === undefined ? "shopper" : "fusion",
          note: doubted === undefined ? note : `${note}; ${this.name(it.sku)} not named (${conf.toFixed(2)})`,
        });
      } else {
        const line =
          doubted === undefined ? note : `${note}; ${this.name(it.sku)} not named (${conf.toFixed(2)})`;
        const ev = { ...copyEvidence(p.evidence), summary: `${p.evidence.summary}; ${line}` };
        this.emitLines([it], [st], [conf], p.removal, at, ev, p.sources, out);
      }
    }
    for (let i = items.length; i < existing.length; i++) {
      this.voidLine(existing[i], at, "the shopper's answer explains the weight without it", "shopper", out);
    }
    if (status === "ok" && !items.some((it) => doubt.has(it.sku)))
      this.settleVouched(p, at, out, `the rest was ${this.name(sku)}, said the shopper`);
    this.prompts.delete(p.prompt.id);
    const closed: BasketEvent = { type: "PromptClosed", at, promptId: p.prompt.id, outcome: "answered", sku };
    if (choice !== undefined) closed.choice = choice;
    out.push(closed);
  }

  // ---------------------------------------------------------------------------------------
  // session lifecycle (fusion's part of it: resetting its state, and review of leftovers)

  /**
   * A load still changing at exit: no change was decided, so no explanation was weighed. Its
   * case cites the grams not yet settled and the sightings, scans and codes no change used since
   * the last one decided — what it would have been explained with.
   */
  private pendingChange(pending: number, at: number, summary: string): ReviewChangeEvidence {
    const since = this.lastChange?.endT ?? Number.NEGATIVE_INFINITY;
    const d: Decided = { evidence: summaryOnly(summary), sources: { vision: [], scans: [], plu: [] } };
    for (const s of this.sightings) {
      if (s.used || s.t <= since) continue;
      d.evidence.vision.push({ t: s.t, dir: s.dir, candidates: s.candidates });
      d.sources.vision.push(s.id);
    }
    for (const s of this.scans) {
      if (s.used || s.t <= since) continue;
      const x: Evidence["scans"][number] = { t: s.t, code: s.code, sku: s.sku };
      if (s.grams !== undefined) x.grams = s.grams;
      if (s.price !== undefined) x.price = s.price;
      d.evidence.scans.push(x);
      d.sources.scans.push(s.id);
    }
    for (const k of this.keyed) {
      if (k.used || k.t <= since) continue;
      d.evidence.plu.push({ t: k.t, plu: k.plu, sku: k.sku });
      d.sources.plu.push(k.id);
    }
    return { ...caseChange(d, []), pending: { delta: Math.round(pending * 100) / 100, at } };
  }

  private onSessionStart(e: SessionStartEvent): IngestResult {
    if (this.session !== undefined)
      return this.reject("session-already-open", `session ${this.session} is open`);
    if (typeof e.session !== "string" || e.session.length === 0)
      return this.reject("bad-value", "session id missing");
    this.session = e.session;
    // the cart's load at the start is the tare, whatever happened to it between sessions
    // (a cart re-zeroes when it is unlocked: its first stable level is the tare, even a few grams
    // off the level it rested at in the corral)
    if (this.detector.pendingDelta() !== 0) this.note("rebased-at-start");
    this.detector.rebase();
    this.sightings = [];
    this.scans = [];
    this.keyed = [];
    this.lastRead = undefined;
    this.lines.clear();
    this.net.clear();
    this.foreign = [];
    this.prompts.clear();
    this.unresolved = [];
    this.lastChange = undefined;
    this.settling = undefined;
    return { outcome: "accepted", events: [] };
  }

  private onSessionEnd(e: SessionEndEvent): IngestResult {
    if (this.session === undefined)
      return this.reject("no-open-session", "session.end without an open session");
    // whatever settled in the last batch is decided first, so its prompts can expire into review
    const events: BasketEvent[] = this.flush(Number.POSITIVE_INFINITY);
    const all = Number.POSITIVE_INFINITY;
    this.resolveLateAnswers({ scan: all, plu: all }, e.t, events);
    const resting = this.detector.restingLevel();
    this.settleWeighed(Number.isNaN(resting) ? this.detector.baseline : resting, e.t, events);
    // each case carries what fusion decided it on (ReviewRequested.evidence, version 1)
    const review = (
      lineIds: string[],
      reason: string,
      cause: ReviewCause,
      changes: ReviewChangeEvidence[],
    ) => {
      this.counters.reviews++;
      const evidence: ReviewEvidence = { v: 1, cause, changes };
      events.push({
        type: "ReviewRequested",
        at: e.t,
        caseId: this.ids("case"),
        kind: "uncertain",
        lineIds,
        reason,
        evidence,
      });
    };
    const covered = new Set<string>();
    for (const p of this.prompts.values()) {
      events.push({ type: "PromptClosed", at: e.t, promptId: p.prompt.id, outcome: "expired" });
      const about = [...p.prompt.lineIds, ...(p.vouched ?? [])];
      for (const id of about) covered.add(id);
      const lineIds = about.filter((id) => !this.lines.get(id)?.voided);
      review(lineIds, `unanswered ${p.prompt.kind} prompt: ${p.evidence.summary}`, "prompt-expired", [
        caseChange(p, lineIds),
      ]);
    }
    for (const u of this.unresolved) for (const id of u.lineIds) covered.add(id);
    const unsure: string[] = [];
    // (lines of one change cite it once: the lines an answer revised and those it added alike)
    const byChange = new Map<unknown, { d: Decided; ids: string[] }>();
    for (const l of this.lines.values()) {
      if (l.voided || l.status !== "unsure" || covered.has(l.lineId)) continue;
      unsure.push(l.lineId);
      const c = l.decided.evidence.change;
      const key = c ? `${c.startT}:${c.endT}` : l.decided;
      const same = byChange.get(key);
      if (same) same.ids.push(l.lineId);
      else byChange.set(key, { d: l.decided, ids: [l.lineId] });
    }
    if (unsure.length) {
      const changes = [...byChange.values()].map((x) => caseChange(x.d, x.ids));
      review(unsure, "lines still unsure after the shopper's answer", "unsure-after-answer", changes);
    }
    for (const u of this.unresolved)
      review(u.lineIds, u.reason, "unresolved", [caseChange(u.decided, u.lineIds)]);
    const pending = this.detector.pendingDelta();
    if (pending !== 0) {
      const reason = `the load was still changing at exit (${pending >= 0 ? "+" : "−"}${Math.round(Math.abs(pending))} g unexplained)`;
      review([], reason, "load-at-exit", [this.pendingChange(pending, e.t, reason)]);
    }
    this.session = undefined;
    this.prompts.clear();
    this.unresolved = [];
    this.sightings = [];
    this.scans = [];
    this.keyed = [];
    return { outcome: "accepted", events };
  }
}

/**
 * One decision as its review case cites it: a copy (the event goes out; the prompt's evidence
 * object is fusion's own), each sighting, scan and code with the id of the event it came from.
 */
function caseChange(d: Decided, lineIds: readonly string[]): ReviewChangeEvidence {
  const e = d.evidence;
  const withId = <T extends object>(id: string | undefined, x: T): T & { id?: string } =>
    id === undefined ? x : { id, ...x };
  const out: ReviewChangeEvidence = {
    lineIds: [...lineIds],
    ...(e.change ? { change: { ...e.change } } : {}),
    vision: e.vision.map((v, i) =>
      withId(d.sources.vision[i], { t: v.t, dir: v.dir, candidates: v.candidates.map((c) => ({ ...c })) }),
    ),
    scans: e.scans.map((x, i) => withId(d.sources.scans[i], { ...x })),
    plu: e.plu.map((x, i) => withId(d.sources.plu[i], { ...x })),
    answers: e.answers.map((a) => ({ ...a })),
    hypotheses: e.hypotheses.map((h) => ({ ...h })),
    summary: e.summary,
  };
  return out;
}

/**
 * Does a removal candidate of ranking key `key` come before one of `otherKey` (higher key first,
 * then by sku)? The order of `(a, b) => b.key - a.key || (a.sku < b.sku ? -1 : 1)`, which
 * ranked them before (a NaN difference falls through to the sku, as `||` did).
 */
function rankedBefore(key: number, sku: string, otherKey: number, otherSku: string): boolean {
  const dk = otherKey - key;
  return dk < 0 || (!(dk > 0) && sku < otherSku);
}

function topSku(cs: { sku: string; p: number }[]): string | undefined {
  let best: { sku: string; p: number } | undefined;
  for (const c of cs) if (!best || c.p > best.p) best = c;
  return best?.sku;
}

/** the same products in the same quantities (grams aside) and the same remainder, or none */
function sameItems(h: Hypothesis, g: Extract<Hypothesis, { kind: "merch" }>): boolean {
  if (h.kind !== "merch" || h.items.length !== g.items.length || !h.remainder !== !g.remainder) return false;
  return g.items.every((i, k) => h.items[k].sku === i.sku && h.items[k].qty === i.qty);
}

function maxP(cs: { p: number }[]): number {
  let m = 0;
  for (const c of cs) if (c.p > m) m = c.p;
  return m;
}

/** piecewise-linear lookup in rising [x, y] points, clamped at the ends */
function interpolate(points: readonly (readonly [number, number])[], x: number): number {
  if (x <= points[0][0]) return points[0][1];
  for (let i = 1; i < points.length; i++) {
    const [x1, y1] = points[i];
    if (x <= x1) {
      const [x0, y0] = points[i - 1];
      return x1 === x0 ? y1 : y0 + ((y1 - y0) * (x - x0)) / (x1 - x0);
    }
  }
  return points[points.length - 1][1];
}

/** posterior mass of the hypotheses that contain this item (same sku; same qty for unit goods) */
function marginal(hyps: Hypothesis[], item: Item): number {
  let m = 0;
  for (const h of hyps) {
    if (h.kind !== "merch") continue;
    for (const i of h.items) {
      if (i.sku !== item.sku) continue;
      if (item.grams !== undefined ? i.grams !== undefined : i.qty === item.qty) m += h.posterior;
      break;
    }
  }
  return Math.min(1, m);
}

/** evidence objects go out inside events; whatever is kept to extend later is a copy */
function copyEvidence(e: Evidence): Evidence {
  return {
    ...e,
    vision: e.vision.slice(),
    scans: e.scans.slice(),
    plu: e.plu.slice(),
    answers: e.answers.slice(),
    hypotheses: e.hypotheses.slice(),
  };
}

/** the answered explanation minus the items of the same change that were already accepted */
function withoutFixed(items: Item[], fixed: Item[]): Item[] {
  if (fixed.length === 0) return items;
  const out: Item[] = [];
  for (const it of items) {
    const f = fixed.find((x) => x.sku === it.sku);
    if (!f) out.push(it);
    else if (it.qty !== undefined && f.qty !== undefined && it.qty > f.qty)
      out.push({ ...it, qty: it.qty - f.qty });
  }
  return out;
}

/**
 * Another sighting of this change going in (or of unknown direction), showing merchandise (top p
 * at least visionConfusionMinP) and naming none of the products `s` names, within
 * visionTogetherMs of `s`: two products crossing the rim together (0 turns it off).
 */
function crossesWithOther(
  s: Sighting,
  sightings: readonly Sighting[],
  against: string,
  cfg: FusionConfig,
): boolean {
  if (cfg.visionTogetherMs <= 0) return false;
  for (const o of sightings) {
    if (o === s || o.dir === against || Math.abs(o.t - s.t) > cfg.visionTogetherMs) continue;
    if (maxP(o.candidates) < cfg.visionConfusionMinP) continue;
    if (o.candidates.some((c) => s.candidates.some((x) => x.sku === c.sku))) continue;
    return true;
  }
  return false;
}
