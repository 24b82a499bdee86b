/**
 * Which product, and how many, explain a shelf change: a small Bayesian comparison.
 *
 * Hypotheses: n × one sku (n = 1…maxQty) and, for "several hands at once", one each of two
 * different skus (two shoppers taking from neighbouring plates at the same moment). Likelihood of the measured |Δ| under expected weight E:
 *   N(|Δ|; E, V),  V = Σ n·sd_unit² + sd_change² + (gainRel·E)² .
 * `gainRel` is the plate calibration error: on the real AutoCheckout recording the two labelled
 * pick-ups read 7 % and 9 % off their catalogue weights, so weight alone cannot separate two
 * products 5 % apart — location must. Location prior: the share of the change's mass (in the
 * change's direction) on plates where the sku is believed to be, (share + ε)^κ with κ = 2 (each
 * plate's load is a separate vote; κ sharpens a 0.8/0.2 split into 0.94/0.06).
 * For put-backs the candidates are the items that the shoppers within reach hold; an item put
 * back away from its home plates is allowed (wrong plate) with a lower prior — including on the
 * plate next to its home (the neighbour rule below is for pick-ups and for skus nobody holds).
 * Camera evidence (optional, decision 0106): the likelihood that the actor's hand held each sku,
 * from what the ceiling cameras recognised in it (hand-sightings.ts); it multiplies the
 * hypotheses of that sku (a pair: the mean of its two), and `unknown` gets the likelihood of a
 * product the cameras did not name. Bounded (≈ 14 : 1 at most), so it breaks weight ties and
 * never overturns a clear weight answer.
 * An "unknown" hypothesis stands for anything the catalogue does not explain: its likelihood is
 * that of a 3.5σ miss, so it wins only when nothing fits.
 */
import type { Catalog } from "../catalog/product";
import type { PlateBelief } from "./plate-belief";
import type { ShelfChange } from "./shelf-detector";

export interface IdentifyConfig {
  gainRel: number;
  maxQty: number;
  kappa: number;
  eps: number;
  pairPrior: number;
  wrongPlatePrior: number;
  notHeldPrior: number;
  unknownZ: number;
}

export const DEFAULT_IDENTIFY_CONFIG: IdentifyConfig = {
  gainRel: 0.06,
  maxQty: 4,
  kappa: 2,
  eps: 0.02,
  pairPrior: 0.05,
  wrongPlatePrior: 0.15,
  notHeldPrior: 0.02,
  unknownZ: 3.5,
};

const QTY_PRIOR = [0, 1, 0.3, 0.1, 0.04, 0.02, 0.01];

export interface IdentifiedItem {
  sku: string;
  qty: number;
}

export interface Hypothesis {
  items: IdentifiedItem[];
  /** expected |Δ|, grams; 0 for unknown */
  expected: number;
  posterior: number;
  label: string;
}

export interface IdentifyInput {
  change: ShelfChange;
  belief: PlateBelief;
  catalog: Catalog;
  /** put-backs: skus held by the shoppers within reach, with a prior weight (units held × a weight in (0, 1]) */
  held?: ReadonlyMap<string, number>;
  /**
   * the plates' gain as learned so far (plate-calibration.ts): expected weights are scaled by
   * `factor` and `relSd` replaces `gainRel`; absent, the gain is 1 ± `gainRel`
   */
  gain?: { factor: number; relSd: number };
  /** likelihood that the actor's hand held `sku`, from the cameras (absent: no camera evidence) */
  camera?: (sku: string) => number;
  /**
   * pick-ups: products that lie on the change's plates only as an item put back in doubt
   * (plate-belief.ts `doubtOn`): `prior` = how likely the put-back found it to be this product
   * (instead of 1), and one unit of it is expected to weigh `mean` ± `sd` — what the put-back
   * believed that item weighs whatever it is, so the weight, already counted when it was put back,
   * is not counted again to tell its products apart (the same unit weighed twice).
   */
  doubt?: ReadonlyMap<string, { prior: number; mean: number; sd: number }>;
}

export function identifyChange(
  input: IdentifyInput,
  cfg: IdentifyConfig = DEFAULT_IDENTIFY_CONFIG,
): Hypothesis[] {
  const { change, belief, catalog } = input;
  const sign = change.delta < 0 ? -1 : 1;
  const mag = Math.abs(change.delta);
  // mass in the direction of the change, per plate
  const mass = change.plates.map((p) => ({ plate: p.plate, m: Math.max(0, sign * p.delta) }));
  const total = mass.reduce((a, x) => a + x.m, 0) || 1;
  const loc = new Map<string, number>();
  for (const { plate, m } of mass) {
    for (const sku of belief.skusOn(change.gondola, change.shelf, plate)) {
      loc.set(sku, (loc.get(sku) ?? 0) + m / total);
    }
  }
  // neighbours of the cluster: a small chance the planogram is off by a plate
  const all = belief.platesOf(change.gondola, change.shelf);
  const lo = Math.min(...change.plates.map((p) => p.plate));
  const hi = Math.max(...change.plates.map((p) => p.plate));
  for (const p of all.filter((p) => p === lo - 1 || p === hi + 1)) {
    for (const sku of belief.skusOn(change.gondola, change.shelf, p)) if (!loc.has(sku)) loc.set(sku, 0);
  }

  // per-sku factor beyond location: put-backs favour what the shoppers within reach hold
  const prior = new Map<string, number>();
  if (sign < 0) {
    for (const sku of loc.keys()) prior.set(sku, input.doubt?.get(sku)?.prior ?? 1);
  } else {
    const held = input.held ?? new Map<string, number>();
    for (const sku of loc.keys()) prior.set(sku, Math.max(held.get(sku) ?? 0, cfg.notHeldPrior));
    for (const [sku, w] of held) if (!loc.has(sku)) prior.set(sku, cfg.wrongPlatePrior * w);
  }
  // location: the share of the change's mass on plates believed to hold the hypothesis' skus;
  // each sku explains at most its expected part of the weight (a pair whose second product sits
  // on a plate that barely moved is unlikely); a held item away from its home plates may be
  // anywhere (its share counts as its whole part)
  // A held item with a home plate in or next to the cluster may also have been put back on the
  // wrong plate — next to its home, say — and that reading is no less likely than a put-back
  // anywhere else (`wrongPlatePrior`, whole part): its location factor is the larger of the two.
  // (Before, a held item whose home was the neighbouring plate got share 0, (ε)^κ ≈ 0.0004 —
  // about 400 times less than the same item put back three plates away.)
  const heldHere = (sku: string) => sign > 0 && loc.has(sku) && (input.held?.get(sku) ?? 0) > 0;
  const shareOf = (items: { sku: string; part: number }[], away: boolean) => {
    let x = 0;
    for (const it of items) {
      const here = loc.has(it.sku) && !(away && heldHere(it.sku));
      x += Math.min(here ? loc.get(it.sku)! : 1, it.part);
    }
    return (Math.min(1, x) + cfg.eps) ** cfg.kappa;
  };
  const share = (items: { sku: string; part: number }[]) => {
    const home = shareOf(items, false);
    return items.some((it) => heldHere(it.sku))
      ? Math.max(home, cfg.wrongPlatePrior * shareOf(items, true))
      : home;
  };
  const cands = [...prior.entries()]
    .map(([sku, pr]) => ({ sku, pr, w: catalog.bySku.get(sku)?.weight }))
    .filter((c): c is { sku: string; pr: number; w: { mean: number; sd: number } } => !!c.w && c.w.mean > 0);

  const scored: { items: IdentifiedItem[]; expected: number; logp: number }[] = [];
  const score = (items: IdentifiedItem[], pr: number) => {
    let e = 0;
    let v = change.sd * change.sd;
    for (const it of items) {
      const d = items.length === 1 && it.qty === 1 ? input.doubt?.get(it.sku) : undefined;
      const w = d ?? catalog.bySku.get(it.sku)!.weight!;
      e += it.qty * w.mean;
      v += it.qty * w.sd * w.sd;
    }
    const gain = input.gain ?? { factor: 1, relSd: cfg.gainRel };
    const seen = e * gain.factor;
    v = v * gain.factor ** 2 + (gain.relSd * seen) ** 2;
    const z2 = (mag - seen) ** 2 / v;
    const cam = input.camera
      ? Math.log(items.reduce((a, it) => a + input.camera!(it.sku), 0) / items.length)
      : 0;
    scored.push({ items, expected: e, logp: Math.log(pr) + cam - 0.5 * z2 - 0.5 * Math.log(v) });
  };
  for (const c of cands) {
    const sh = share([{ sku: c.sku, part: 1 }]);
    for (let n = 1; n <= cfg.maxQty; n++) score([{ sku: c.sku, qty: n }], c.pr * sh * QTY_PRIOR[n]);
  }
  for (let i = 0; i < cands.length; i++) {
    for (let j = i + 1; j < cands.length; j++) {
      score(
        [
          { sku: cands[i].sku, qty: 1 },
          { sku: cands[j].sku, qty: 1 },
        ],
        cands[i].pr *
          cands[j].pr *
          share([
            { sku: cands[i].sku, part: cands[i].w.mean / (cands[i].w.mean + cands[j].w.mean) },
            { sku: cands[j].sku, part: cands[j].w.mean / (cands[i].w.mean + cands[j].w.mean) },
          ]) *
          cfg.pairPrior,
      );
    }
  }
  // unknown: as likely as a `unknownZ`σ miss of a product of this size
  const vu = change.sd * change.sd + (cfg.gainRel * mag) ** 2 + 4;
  const unknownLogp =
    -0.5 * cfg.unknownZ ** 2 - 0.5 * Math.log(vu) + (input.camera ? Math.log(input.camera("")) : 0);
  const maxLog = Math.max(unknownLogp, ...scored.map((s) => s.logp));
  let z = Math.exp(unknownLogp - maxLog);
  for (const s of scored) z += Math.exp(s.logp - maxLog);
  const out: Hypothesis[] = scored.map((s) => ({
    items: s.items,
    expected: s.expected,
    posterior: Math.exp(s.logp - maxLog) / z,
    label: s.items.map((i) => `${i.qty}× ${i.sku}`).join(" + "),
  }));
  out.push({ items: [], expected: 0, posterior: Math.exp(unknownLogp - maxLog) / z, label: "unknown" });
  out.sort((a, b) => b.posterior - a.posterior);
  return out;
}
