/**
 * Explanations for one settled weight change, scored into posteriors.
 *
 * A hypothesis is a small multiset of products (n units of one, or a few different ones at
 * once, optionally plus one weighed product, optionally plus an unidentified remainder), or "not
 * merchandise" (a bag, a coat, a hand), or "merchandise nothing identifies". Its unnormalised
 * score is
 *
 *   prior(H) · L(delta | H) · Π identity prior(k ∈ H) · V(H)
 *
 * - L for n units of products k: Gaussian with mean Σ n·mean_k and
 *   sd = sqrt(Σ n·sd_k² + scaleNoise² + sd(delta)²) (the unit spread adds per unit, the scale
 *   noise once); a weighed product without a label adds a flat density over its plausible range;
 *   a weight-embedded GS1 label is a Gaussian around the printed weight; the catch-alls and the
 *   remainder are flat over [0, foreignMaxG].
 * - identity prior: 1 for a seen, scanned or keyed product and for a basket line (removals draw
 *   only from the basket); 1/N for a catalog product only the weight suggests (camera missed it).
 * - V, the camera and scanner: each sighting is explained by the member it rates highest (factor
 *   p) or by none (max(1 − top p, visionFloorP)); a member no sighting explains costs its
 *   `uncovered` factor (visionMissP; unseenRemovalP for removals; 1 if scanned or keyed); a scan no
 *   member uses costs scanUnusedP (which is what exposes "scanned a cheap item, dropped an
 *   expensive one beside it"; a keyed PLU left unused by members holding a look-alike of it,
 *   pluLookalikeUnusedP: the code beats the camera); a sighting that showed no product costs merchandise
 *   blankSightingMerchP.
 * - prior: extraUnitPrior per unit beyond the first, extraProductPrior per product beyond the
 *   first; priorForeign and priorUnidentified for the catch-alls; a remainder is either not
 *   merchandise (priorForeign) or missed merchandise (priorUnidentified · visionMissP).
 *
 * The search is bounded: at most `maxCandidates` products, `maxUnits` units and `maxDistinct`
 * products per hypothesis, pruned as soon as the partial weight overshoots the delta by 6 sd, and
 * explanations further than 8 sd out are dropped before anything is allocated.
 */
import type { Product } from "../catalog/product";
import type { FusionConfig } from "./fusion.config";

export interface Candidate {
  product: Product;
  /** ranking score in (0, 1] (the best sighting p, 1 for a scan): which few enter the search */
  id: number;
  /** identity prior independent of the camera: 1 for a scan, a keyed PLU or a basket line; 1/N for a catalog product only the weight suggests */
  prior: number;
  /** factor when no sighting in the window shows it: visionMissP for an add, unseenRemovalP for a removal, 1 when scanned or keyed */
  uncovered: number;
  /** for removals: how many units (or grams) the basket holds */
  maxQty?: number;
  /** a weight read off a GS1 label (grams) */
  labelGrams?: number;
  labelSd?: number;
  /** nobody saw or scanned it: only its weight fits (policy never accepts these unasked) */
  weightOnly?: boolean;
}

/** A not-merchandise load known to be in the cart (a bag put in earlier). */
export interface ForeignLoad {
  key: string;
  grams: number;
  sd: number;
}

export interface ChangeContext {
  delta: number;
  sd: number;
  /** unit and weighed candidates */
  candidates: Candidate[];
  /**
   * top p of each associated sighting that showed merchandise (for the unexplained penalty);
   * `floor`, where set, in place of visionFloorP when no member explains it (a clear sighting of
   * a product not in the basket: visionFloorClearP)
   */
  sightings: { skus: string[]; p: number[]; floor?: number; alone?: boolean }[];
  /** skus of scans/PLUs in the window (each should be explained) */
  scanned: string[];
  /**
   * parallel to `scanned`, for a keyed PLU: its product's look-alikes (either listing the other).
   * An explanation that leaves the code unused while holding one of them pays
   * pluLookalikeUnusedP, not scanUnusedP: between look-alikes the keyed code beats the camera
   */
  keyedLookalikes?: (readonly string[] | undefined)[];
  /** sightings in the window that showed no product (a hand, a bag, a coat) */
  blank?: number;
  /** removal: loads in the cart that are not merchandise */
  foreign?: ForeignLoad[];
  /** factor on the sd of a unit explanation's weight (the cart's learned spread; 1 = as modelled) */
  spread?: number;
}

export type Hypothesis =
  | {
      kind: "merch";
      items: { sku: string; qty?: number; grams?: number }[];
      /** grams the items leave unexplained (something else went in with them) */
      remainder?: number;
      score: number;
      posterior: number;
      z: number;
    }
  | { kind: "foreign"; score: number; posterior: number; foreignKey?: string; z: number }
  | { kind: "unidentified"; score: number; posterior: number; z: number };

type Item = { sku: string; qty?: number; grams?: number };

const LOG_SQRT_2PI = 0.5 * Math.log(2 * Math.PI);

function gaussian(x: number, mean: number, sd: number): number {
  const z = (x - mean) / sd;
  return Math.exp(-0.5 * z * z - Math.log(sd) - LOG_SQRT_2PI);
}

type ExplainConfig = Pick<
  FusionConfig,
  | "scaleNoiseSdG"
  | "maxUnits"
  | "maxDistinct"
  | "maxCandidates"
  | "priorForeign"
  | "priorUnidentified"
  | "extraUnitPrior"
  | "extraProductPrior"
  | "visionMissP"
  | "visionFloorP"
  | "scanUnusedP"
  | "pluLookalikeUnusedP"
  | "foreignMaxG"
  | "weighedMaxG"
  | "weighedMinG"
  | "labelSdG"
  | "minChangeG"
  | "blankSightingMerchP"
>;

/**
 * Score every bounded explanation of `ctx.delta` (positive: added, negative: removed) and return
 * them best first with posteriors summing to 1.
 */
export function explainChange(ctx: ChangeContext, cfg: ExplainConfig): Hypothesis[] {
  return explainChanges(ctx, cfg, [{ spread: ctx.spread, extraProductPrior: cfg.extraProductPrior }])[0];
}

/** one way of scoring a change: the weight spread (ctx.spread) and extraProductPrior it is scored with */
export interface ExplainVariant {
  spread?: number;
  extraProductPrior: number;
}

/**
 * `explainChange` once for each variant (its spread in place of ctx.spread, its prior in place of
 * cfg.extraProductPrior), in one search: the prior is only a factor on each explanation's score,
 * and a wider spread only widens the weight fit of unit explanations and prunes the search later,
 * so the candidates, the camera evidence and the weighed explanations are the same for all. Each
 * list is exactly (bit for bit, in the same order) what `explainChange` returns for its variant.
 * Lists may share `items` arrays: read only. At most 30 variants (a bit each).
 */
export function explainChanges(
  ctx: ChangeContext,
  cfg: ExplainConfig,
  variants: readonly ExplainVariant[],
): Hypothesis[][] {
  const removal = ctx.delta < 0;
  const d = Math.abs(ctx.delta);
  const baseVar = cfg.scaleNoiseSdG * cfg.scaleNoiseSdG + ctx.sd * ctx.sd;
  const nv = variants.length;
  // (loops: Float64Array.from with a mapping function is a slow builtin in V8, ~0.7 % of the
  // multi-unit phase's profile)
  const spread2 = new Float64Array(nv);
  const extraProductPriors = new Float64Array(nv);
  for (let v = 0; v < nv; v++) {
    spread2[v] = (variants[v].spread ?? 1) ** 2;
    extraProductPriors[v] = variants[v].extraProductPrior;
  }
  const allVariants = 2 ** nv - 1;
  const units: Candidate[] = [];
  const weighed: Candidate[] = [];
  for (const c of ctx.candidates) {
    if (c.product.soldBy === "unit" && c.product.weight) units.push(c);
    else if (c.product.soldBy === "weight") weighed.push(c);
  }
  units.sort((a, b) => b.id - a.id);
  if (units.length > cfg.maxCandidates) units.length = cfg.maxCandidates;
  weighed.sort((a, b) => b.id - a.id);
  if (weighed.length > cfg.maxCandidates) weighed.length = cfg.maxCandidates;

  const priors = new Float64Array(nv);
  const outs: Hypothesis[][] = variants.map(() => []);
  const counts = new Int32Array(units.length);
  const flatWeighed = 1 / Math.max(1, cfg.weighedMaxG - cfg.weighedMinG);
  const flatForeign = 1 / cfg.foreignMaxG;

  // The camera and scanner evidence for a set of products: each sighting is explained by the
  // member it rates highest (factor p) or by none (max(1 − top p, visionFloorP)); a member no
  // sighting explains costs its `uncovered` factor; a scan no member uses costs scanUnusedP; a
  // sighting of no product at all costs merchandise blankSightingMerchP.
  // Each sighting is one crossing of the rim and each scan one unit read, so a member explains
  // at most as many sightings, and uses at most as many scans, as it has units: two clear
  // sightings of Snickers are not "1 × Snickers + 1 × a look-alike nobody saw" (the second
  // sighting would be the look-alike's confusion, which its calibrated share prices), and four
  // scans of a bar are not three bars and a look-alike. Sightings are assigned best first.
  const blankMerch = cfg.blankSightingMerchP ** (ctx.blank ?? 0);
  const covered = new Uint8Array(units.length + weighed.length + 1);
  const room = new Float64Array(units.length + weighed.length + 1);
  const order = sightingOrder(ctx.sightings);
  // (the members are the first `n` of memberList, with memberCap units each: buffers every leaf
  // reuses, so that scoring a leaf allocates nothing)
  const memberList: Candidate[] = new Array(units.length + weighed.length + 1);
  const memberCap = new Float64Array(units.length + weighed.length + 1);
  // a keyed code (scanned[j]) left unused by members that hold a look-alike of its product
  const keyedForLookalike = (j: number, n: number): boolean => {
    const alike = ctx.keyedLookalikes?.[j];
    if (!alike) return false;
    for (let m = 0; m < n; m++) if (alike.includes(memberList[m].product.sku)) return true;
    return false;
  };
  const visionFactor = (n: number, merch = true): number => {
    let f = merch ? blankMerch : 1;
    covered.fill(0, 0, n);
    for (let m = 0; m < n; m++) room[m] = memberCap[m];
    for (const k of order) {
      const s = ctx.sightings[k];
      let top = 0;
      let best = 0;
      let who = -1;
      for (let i = 0; i < s.skus.length; i++) {
        const p = s.p[i];
        if (p > top) top = p;
        if (p <= best) continue;
        for (let m = 0; m < n; m++) {
          if (room[m] > 0 && memberList[m].product.sku === s.skus[i]) {
            best = p;
            who = m;
            break;
          }
        }
      }
      if (who >= 0) {
        f *= best;
        covered[who] = 1;
        room[who]--;
      } else f *= s.alone && s.floor !== undefined ? s.floor : Math.max(1 - top, s.floor ?? cfg.visionFloorP);
    }
    for (let m = 0; m < n; m++) if (!covered[m]) f *= memberList[m].uncovered;
    for (let m = 0; m < n; m++) room[m] = memberCap[m];
    for (let j = 0; j < ctx.scanned.length; j++) {
      const sku = ctx.scanned[j];
      let used = false;
      for (let m = 0; m < n; m++) {
        if (room[m] > 0 && memberList[m].product.sku === sku) {
          room[m]--;
          used = true;
          break;
        }
      }
      if (!used) f *= keyedForLookalike(j, n) ? cfg.pluLookalikeUnusedP : cfg.scanUnusedP;
    }
    return f;
  };
  // the members of the current unit combination (plus one more) and how many units each has
  // (a weighed product: any number of crossings), into memberList; returns how many
  const members = (extra?: Candidate): number => {
    let n = 0;
    for (let i = 0; i < units.length; i++)
      if (counts[i] > 0) {
        memberList[n] = units[i];
        memberCap[n++] = counts[i];
      }
    if (extra) {
      memberList[n] = extra;
      memberCap[n++] = Number.POSITIVE_INFINITY;
    }
    return n;
  };

  const items = (): { sku: string; qty?: number; grams?: number }[] => {
    const r: { sku: string; qty?: number; grams?: number }[] = [];
    for (let i = 0; i < units.length; i++)
      if (counts[i] > 0) r.push({ sku: units[i].product.sku, qty: counts[i] });
    return r;
  };
  // a Gaussian explanation further out than this many sd is negligible next to the flat
  // catch-alls (e^-32 against ~1e-5): skip it before allocating anything
  const MAX_Z = 8;

  // each variant's prior of an explanation of so many units of so many products, into `priors`
  const setPriors = (totalUnits: number, distinct: number): true => {
    const base =
      (1 - cfg.priorForeign - cfg.priorUnidentified) * cfg.extraUnitPrior ** Math.max(0, totalUnits - 1);
    const extra = Math.max(0, distinct - 1);
    for (let v = 0; v < nv; v++) priors[v] = base * extraProductPriors[v] ** extra;
    return true;
  };

  // each variant's leaves are those its own search reaches (`alive`: a bit per variant)
  const leaf = (
    totalUnits: number,
    distinct: number,
    mean: number,
    varUnits: number,
    idProd: number,
    alive: number,
  ) => {
    // (the variants' priors are set at the first explanation the leaf scores: most score none)
    let priced = false;
    if (totalUnits > 0) {
      // the camera's factor for these members: the same in every variant, computed once if needed
      let vf = 0;
      let vfDone = false;
      let its: Item[] | undefined;
      let its2: Item[] | undefined;
      const rest = d - mean;
      // the weight fit of the last spread scored (variants of one spread share it)
      let fitFor = Number.NaN;
      let sd = 0;
      let zz = 0;
      let lik = 0;
      for (let v = 0; v < nv; v++) {
        if (!(alive & (1 << v))) continue;
        if (spread2[v] !== fitFor) {
          fitFor = spread2[v];
          sd = Math.sqrt(spread2[v] * (varUnits + baseVar));
          zz = Math.abs(d - mean) / sd;
          lik = zz > MAX_Z ? 0 : gaussian(d, mean, sd);
        }
        if (lik > 0 && !vfDone) {
          vf = visionFactor(members());
          vfDone = true;
        }
        if (lik > 0 && !priced) priced = setPriors(totalUnits, distinct);
        const score = lik > 0 ? priors[v] * lik * idProd * vf : 0;
        if (score > 0) {
          if (!its) its = items();
          outs[v].push({ kind: "merch", items: its, score, posterior: 0, z: zz });
        }
        // ... plus something nobody identified (a cheap item scanned, an expensive one dropped beside it)
        if (
          !removal &&
          totalUnits === distinct &&
          rest >= cfg.minChangeG + 3 * sd &&
          rest < cfg.foreignMaxG
        ) {
          if (!vfDone) {
            vf = visionFactor(members());
            vfDone = true;
          }
          if (!priced) priced = setPriors(totalUnits, distinct);
          const s2 =
            priors[v] *
            extraProductPriors[v] *
            (cfg.priorForeign + cfg.priorUnidentified * cfg.visionMissP) *
            flatForeign *
            idProd *
            vf;
          if (s2 > 0) {
            if (!its2) its2 = items();
            outs[v].push({
              kind: "merch",
              items: its2,
              remainder: Math.round(rest * 10) / 10,
              score: s2,
              posterior: 0,
              z: 0,
            });
          }
        }
      }
    }
    if (removal || distinct >= cfg.maxDistinct) return;
    // plus one weighed product (adds only: removals of weighed lines are handled below)
    for (const w of weighed) {
      const rest = d - mean;
      let lik: number;
      let grams: number;
      let z = 0;
      if (w.labelGrams !== undefined) {
        const sd = Math.sqrt(varUnits + baseVar + (w.labelSd ?? cfg.labelSdG) ** 2);
        z = Math.abs(rest - w.labelGrams) / sd;
        if (z > MAX_Z) continue;
        lik = gaussian(rest, w.labelGrams, sd);
        grams = rest;
      } else {
        if (rest < cfg.weighedMinG || rest > cfg.weighedMaxG) continue;
        lik = flatWeighed;
        grams = rest;
      }
      const sku = w.product.sku;
      const vf = visionFactor(members(w));
      if (!priced) priced = setPriors(totalUnits, distinct);
      let its: Item[] | undefined;
      for (let v = 0; v < nv; v++) {
        if (!(alive & (1 << v))) continue;
        const score = priors[v] * (totalUnits > 0 ? extraProductPriors[v] : 1) * lik * idProd * w.prior * vf;
        if (score > 0) {
          if (!its) {
            its = items();
            its.push({ sku, grams: Math.round(grams * 10) / 10 });
          }
          outs[v].push({ kind: "merch", items: its, score, posterior: 0, z });
        }
      }
    }
  };

  // depth-first over unit counts, pruned on weight overshoot. A visit scores the combination in
  // `counts` (the units of `from` on all 0), then visits it with n units of one more unit
  // candidate i ≥ from, the last first: the leaves come in lexicographic order of the counts,
  // the first candidate's slowest (the order the lists keep between equal posteriors), one call
  // each, with no chain of calls for the candidates left at 0.
  const limitSd = 6;
  const visit = (
    from: number,
    totalUnits: number,
    distinct: number,
    mean: number,
    varUnits: number,
    idProd: number,
    alive: number,
  ) => {
    leaf(totalUnits, distinct, mean, varUnits, idProd, alive);
    if (distinct >= cfg.maxDistinct) return;
    for (let i = units.length - 1; i >= from; i--) {
      const c = units[i];
      const w = c.product.weight!;
      const cap = Math.min(cfg.maxUnits - totalUnits, c.maxQty ?? cfg.maxUnits);
      // a variant whose search stops at n units of c reaches no more of them (its own loop
      // breaks); variants of one spread stop together
      let on = alive;
      for (let n = 1; n <= cap; n++) {
        const m = mean + n * w.mean;
        const v = varUnits + n * w.sd * w.sd;
        let overFor = Number.NaN;
        let over = false;
        for (let x = 0; x < nv; x++) {
          if (!(on & (1 << x))) continue;
          if (spread2[x] !== overFor) {
            overFor = spread2[x];
            over = m - limitSd * Math.sqrt(spread2[x] * (v + baseVar)) > d;
          }
          if (over) on &= ~(1 << x);
        }
        if (on === 0) break;
        counts[i] = n;
        visit(i + 1, totalUnits + n, distinct + 1, m, v, idProd * c.prior, on);
      }
      counts[i] = 0;
    }
  };
  visit(0, 0, 0, 0, 0, 1, allVariants);

  // the explanations below do not depend on extraProductPrior: the same score in every list
  const everywhere = (h: Hypothesis) => {
    outs[0].push(h);
    for (let v = 1; v < nv; v++) outs[v].push({ ...h });
  };
  // removals of whole weighed lines
  if (removal) {
    for (const w of weighed) {
      const grams = w.maxQty ?? 0;
      if (grams <= 0) continue;
      const sku = w.product.sku;
      const sd = Math.sqrt(baseVar + cfg.labelSdG * cfg.labelSdG);
      memberList[0] = w;
      memberCap[0] = Number.POSITIVE_INFINITY;
      const score =
        (1 - cfg.priorForeign - cfg.priorUnidentified) * gaussian(d, grams, sd) * w.prior * visionFactor(1);
      if (score > 0)
        everywhere({
          kind: "merch",
          items: [{ sku, grams }],
          score,
          posterior: 0,
          z: Math.abs(d - grams) / sd,
        });
    }
  }

  // not merchandise
  if (removal && ctx.foreign) {
    for (const f of ctx.foreign) {
      const sd = Math.sqrt(baseVar + f.sd * f.sd);
      const score = cfg.priorForeign * gaussian(d, f.grams, sd) * visionFactor(0, false);
      if (score > 0)
        everywhere({
          kind: "foreign",
          foreignKey: f.key,
          score,
          posterior: 0,
          z: Math.abs(d - f.grams) / sd,
        });
    }
  }
  if (d < cfg.foreignMaxG) {
    everywhere({
      kind: "foreign",
      score: cfg.priorForeign * flatForeign * visionFactor(0, false),
      posterior: 0,
      z: 0,
    });
  }
  // merchandise nobody identified: needs something seen or scanned to be likely
  let seen = cfg.visionMissP;
  for (const s of ctx.sightings) for (const p of s.p) if (p > seen) seen = p;
  const scanPenalty = cfg.scanUnusedP ** ctx.scanned.length;
  everywhere({
    kind: "unidentified",
    score: cfg.priorUnidentified * flatForeign * seen * scanPenalty * blankMerch,
    posterior: 0,
    z: 0,
  });

  for (const out of outs) normaliseBestFirst(out);
  return outs;
}

/**
 * Posteriors from the scores, then the list best first, ties in list order (a stable sort by
 * posterior, as `out.sort((a, b) => b.posterior - a.posterior)` was: posteriors are finite, so
 * that is one order). The sort compares indices into an array of the posteriors: read off
 * hypotheses of several shapes, each comparison boxed new numbers (most of a decision's garbage).
 */
function normaliseBestFirst(out: Hypothesis[]): void {
  const n = out.length;
  let total = 0;
  for (let i = 0; i < n; i++) total += out[i].score;
  const post = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    if (total > 0 && Number.isFinite(total)) out[i].posterior = out[i].score / total;
    post[i] = out[i].posterior;
  }
  const order = new Uint32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  order.sort((i, j) => (post[i] > post[j] ? -1 : post[i] < post[j] ? 1 : i - j));
  const was = out.slice();
  for (let i = 0; i < n; i++) out[i] = was[order[i]];
}

/**
 * Which of `ctx.sightings` the explanation `items` accounts for, assigned as `explainChange`
 * scores them (best first, each to the member it rates highest that still has a unit left).
 */
export function explainedSightings(
  ctx: ChangeContext,
  items: readonly { sku: string; qty?: number }[],
): boolean[] {
  return sightingOwners(ctx, items).map((x) => x !== undefined);
}

/** The member of `items` each of `ctx.sightings` is assigned to, as `explainedSightings` assigns them. */
export function sightingOwners(
  ctx: ChangeContext,
  items: readonly { sku: string; qty?: number }[],
): (string | undefined)[] {
  const room = new Map<string, number>();
  for (const it of items) room.set(it.sku, (room.get(it.sku) ?? 0) + (it.qty ?? Number.POSITIVE_INFINITY));
  const out = new Array<string | undefined>(ctx.sightings.length).fill(undefined);
  for (const k of sightingOrder(ctx.sightings)) {
    const s = ctx.sightings[k];
    let best = 0;
    let who: string | undefined;
    for (let i = 0; i < s.skus.length; i++) {
      if (s.p[i] <= best || !((room.get(s.skus[i]) ?? 0) > 0)) continue;
      best = s.p[i];
      who = s.skus[i];
    }
    if (who === undefined) continue;
    room.set(who, room.get(who)! - 1);
    out[k] = who;
  }
  return out;
}

/** sightings best first (by their top p), the order in which they are assigned to members */
function sightingOrder(sightings: ChangeContext["sightings"]): number[] {
  const top = sightings.map((s) => s.p.reduce((a, b) => Math.max(a, b), 0));
  return top.map((_, i) => i).sort((a, b) => top[b] - top[a] || a - b);
}

/** A short human label for a hypothesis, e.g. "2 × cola-330 + banana 612 g". */
export function hypothesisLabel(h: Hypothesis, name: (sku: string) => string): string {
  if (h.kind === "foreign") return h.foreignKey ? "not merchandise (taken back out)" : "not merchandise";
  if (h.kind === "unidentified") return "unidentified merchandise";
  const label = h.items
    .map((i) =>
      i.grams !== undefined ? `${name(i.sku)} ${Math.round(i.grams)} g` : `${i.qty} × ${name(i.sku)}`,
    )
    .join(" + ");
  return h.remainder ? `${label} + ${Math.round(h.remainder)} g unidentified` : label;
}
