/**
 * Scoring receipts against the truth (exchange-v1 §2): the figures an operator needs.
 *
 * - right: unit items match exactly, and weighed goods match per product with a weight within
 *   max(5 g, 2 %) of the truth (several weighed lines of one product are compared as their sum).
 * - right with no human: right and not sent to review (the shopper answering a prompt is the
 *   cart working as designed; it is counted apart as prompts per session, and `rightUntouched`
 *   also excludes answered prompts).
 * - silent error (the issue's definition): charged wrongly (see charge-right below), not sent to
 *   review, and the wrong charge was not asked about — no prompt was answered in the session, or
 *   a unit charged that was not taken (or a weighed line charged wrongly) is of a charge no
 *   answered prompt's line had. A unit taken and not charged has no line to tell; an answered
 *   prompt in its session counts for it (truth.jsonl has no per-line truth). Without `asked` on
 *   the receipt, only "no prompt answered" counts. Beside it: silent charge errors by session
 *   (charged wrongly and no prompt of the session answered) and silent errors by SKU (not right,
 *   not reviewed, no prompt answered — the identity, which inventory needs).
 * - charged wrong, not reviewed: charged wrongly and not sent to review, asked about or not — the
 *   shopper pays wrongly; beside the silent errors, it also counts wrong charges after an answer.
 * - needless review: sent to review although the simulator says the evidence decides it;
 *   undecidable-not-reviewed: the evidence could not decide it, yet no one looked.
 * - item precision/recall: units matched per product (min of the two counts); a weighed line
 *   counts as one item, matched when product and weight are right.
 * - money: each receipt's total against the truth priced by the same pricing; over- and
 *   under-charged summed separately.
 * - charge-right (beside, never instead of, the figures above): the shopper is charged right —
 *   the unit items match once each product is read as what one unit charges (unit price, tax
 *   class, age restriction, category; a product a promotion names charges as itself), weighed
 *   goods as for `right`. A receipt that swapped two look-alikes of the same price is
 *   charge-right and still wrong.
 */
import type { Catalog } from "../domain/catalog/product";
import { priceBasket } from "../domain/pricing/price-basket";
import type { StoreSettings } from "../domain/store/store-settings";
import type { EvalReceipt, EvalTruth } from "./truth-file";

export interface EvalFigures {
  sessions: number;
  receipts: number;
  /** truth sessions with no receipt (counted wrong) */
  missingReceipts: number;
  /** receipts for sessions the truth does not have (not scored) */
  receiptsWithoutTruth: number;
  right: number;
  rightNoHuman: number;
  rightUntouched: number;
  wrong: number;
  /** charged wrongly, not reviewed, the wrong charge not asked about (see the header) */
  silentErrors: number;
  /** not right by SKU, not reviewed, no prompt answered in the session */
  skuSilentErrors: number;
  reviews: number;
  needlessReviews: number;
  decidable: number | null;
  undecidable: number | null;
  undecidableNotReviewed: number | null;
  /** of those, how many were charged wrongly */
  undecidableNotReviewedWrong: number | null;
  prompts: number;
  answered: number;
  /** charged right (identity may differ among products that charge the same), see the header */
  chargeRight: number;
  chargeRightNoHuman: number;
  /** charged wrongly, not reviewed, no prompt answered in the session */
  chargeSilentErrors: number;
  /**
   * charged wrongly and not reviewed, asked about or not: what the shopper pays wrongly, whatever
   * the reason (silent errors plus wrong charges after an answer — the shopper's own wrong answer,
   * or an answer fusion read as confirming more than was said)
   */
  chargedWrongNotReviewed: number;
  items: { tp: number; fp: number; fn: number; precision: number; recall: number; f1: number };
  money: { currency: string; trueSales: number; overcharged: number; undercharged: number };
  latencyMs: { n: number; p50: number; p99: number; max: number } | null;
  // rates
  pctRightNoHuman: number;
  pctRight: number;
  silentPer1000: number;
  skuSilentPer1000: number;
  reviewsPer1000: number;
  promptsPerSession: number;
  needlessReviewsPer1000: number;
  undecidableNotReviewedPer1000: number | null;
  pctChargeRightNoHuman: number;
  chargeSilentPer1000: number;
  chargedWrongNotReviewedPer1000: number;
}

export interface WrongExample {
  session: string;
  review: boolean;
  prompts: number;
  answered: number;
  decidable?: boolean;
  missing?: boolean;
  /** what differs: "+sku×n" charged but not taken, "−sku×n" taken but not charged, weights */
  diff: string[];
}

export interface ScoreResult {
  figures: EvalFigures;
  silentExamples: WrongExample[];
  needlessExamples: WrongExample[];
  wrongExamples: WrongExample[];
}

export function weightOk(truthG: number, gotG: number): boolean {
  return Math.abs(truthG - gotG) <= Math.max(5, 0.02 * truthG);
}

function sumBy<T extends { sku: string }>(xs: T[], f: (x: T) => number): Map<string, number> {
  const m = new Map<string, number>();
  for (const x of xs) m.set(x.sku, (m.get(x.sku) ?? 0) + f(x));
  return m;
}

/** compare one receipt with its truth: the differences (empty when right) and item counts */
export function compare(
  t: { items: { sku: string; qty: number }[]; weighed: { sku: string; grams: number }[] },
  r: { items: { sku: string; qty: number }[]; weighed: { sku: string; grams: number }[] },
): { diff: string[]; tp: number; fp: number; fn: number } {
  const diff: string[] = [];
  let tp = 0;
  let fp = 0;
  let fn = 0;
  const tq = sumBy(t.items, (x) => x.qty);
  const rq = sumBy(r.items, (x) => x.qty);
  for (const sku of [...new Set([...tq.keys(), ...rq.keys()])].sort()) {
    const a = tq.get(sku) ?? 0;
    const b = rq.get(sku) ?? 0;
    tp += Math.min(a, b);
    if (b > a) {
      fp += b - a;
      diff.push(`+${sku}×${b - a}`);
    } else if (a > b) {
      fn += a - b;
      diff.push(`−${sku}×${a - b}`);
    }
  }
  const tg = sumBy(t.weighed, (x) => x.grams);
  const rg = sumBy(r.weighed, (x) => x.grams);
  for (const sku of [...new Set([...tg.keys(), ...rg.keys()])].sort()) {
    const a = tg.get(sku);
    const b = rg.get(sku);
    if (a !== undefined && b !== undefined && weightOk(a, b)) tp++;
    else {
      if (b !== undefined) fp++;
      if (a !== undefined) fn++;
      diff.push(
        `${sku}: ${a === undefined ? "none" : `${round1(a)} g`} taken, ${b === undefined ? "none" : `${round1(b)} g`} charged`,
      );
    }
  }
  return { diff, tp, fp, fn };
}

/**
 * What one unit of a product charges, as a key: products with the same key cost the shopper the
 * same. A product a promotion names keeps its own key (the promotion may apply to it alone).
 */
export function chargeKeyOf(catalog: Catalog, settings: StoreSettings): (sku: string) => string {
  const promoted = JSON.stringify(settings.promotions ?? []);
  const keys = new Map<string, string>();
  return (sku) => {
    let k = keys.get(sku);
    if (k === undefined) {
      const p = catalog.bySku.get(sku);
      k =
        !p || p.soldBy !== "unit" || promoted.includes(`"${sku}"`)
          ? `sku:${sku}`
          : `${p.price}|${p.taxClass}|${p.ageRestricted ? 1 : 0}|${p.category ?? ""}`;
      keys.set(sku, k);
    }
    return k;
  };
}

/** is the receipt charged right: unit items equal by charge key, weighed goods as `compare` */
export function chargeRight(
  t: { items: { sku: string; qty: number }[]; weighed: { sku: string; grams: number }[] },
  r: { items: { sku: string; qty: number }[]; weighed: { sku: string; grams: number }[] },
  key: (sku: string) => string,
): boolean {
  const byKey = (xs: { sku: string; qty: number }[]) => {
    const m = new Map<string, number>();
    for (const x of xs) m.set(key(x.sku), (m.get(key(x.sku)) ?? 0) + x.qty);
    return m;
  };
  const a = byKey(t.items);
  const b = byKey(r.items);
  if (a.size !== b.size) return false;
  for (const [k, n] of a) if (b.get(k) !== n) return false;
  return compare({ items: [], weighed: t.weighed }, { items: [], weighed: r.weighed }).diff.length === 0;
}

/**
 * Was every wrong charge of a receipt asked about (a prompt answered in its session)? Each unit
 * charged beyond the truth (by charge key) must be of a charge an answered prompt's line had
 * (`asked`), and a weighed line charged wrongly must be of an asked product; units taken and
 * not charged count as asked (no line tells which prompt was about them). Without `asked`,
 * nothing is known to have been asked about.
 */
export function wrongChargeAsked(
  t: { items: { sku: string; qty: number }[]; weighed: { sku: string; grams: number }[] },
  r: EvalReceipt,
  key: (sku: string) => string,
): boolean {
  if (!r.asked || (r.answered ?? 0) === 0) return false;
  const askedKeys = new Set(r.asked.map(key));
  const taken = new Map<string, number>();
  for (const x of t.items) taken.set(key(x.sku), (taken.get(key(x.sku)) ?? 0) + x.qty);
  const charged = new Map<string, number>();
  for (const x of r.items) charged.set(key(x.sku), (charged.get(key(x.sku)) ?? 0) + x.qty);
  for (const [k, n] of charged) if (n > (taken.get(k) ?? 0) && !askedKeys.has(k)) return false;
  const tg = sumBy(t.weighed, (x) => x.grams);
  for (const [sku, g] of sumBy(r.weighed, (x) => x.grams)) {
    const want = tg.get(sku);
    if ((want === undefined || !weightOk(want, g)) && !r.asked.includes(sku)) return false;
  }
  return true;
}

function round1(x: number): number {
  return Math.round(x * 10) / 10;
}

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i];
}

export function score(
  truths: EvalTruth[],
  receipts: EvalReceipt[],
  pricing: { catalog: Catalog; settings: StoreSettings },
  latencies: number[] = [],
  keepExamples = 25,
): ScoreResult {
  const bySession = new Map(receipts.map((r) => [r.session, r]));
  const truthSessions = new Set(truths.map((t) => t.session));
  const hasDecidable = truths.length > 0 && truths.every((t) => typeof t.decidable === "boolean");
  const f: EvalFigures = {
    sessions: truths.length,
    receipts: receipts.length,
    missingReceipts: 0,
    receiptsWithoutTruth: receipts.filter((r) => !truthSessions.has(r.session)).length,
    right: 0,
    rightNoHuman: 0,
    rightUntouched: 0,
    wrong: 0,
    silentErrors: 0,
    skuSilentErrors: 0,
    reviews: 0,
    needlessReviews: 0,
    decidable: hasDecidable ? 0 : null,
    undecidable: hasDecidable ? 0 : null,
    undecidableNotReviewed: hasDecidable ? 0 : null,
    undecidableNotReviewedWrong: hasDecidable ? 0 : null,
    prompts: 0,
    answered: 0,
    chargeRight: 0,
    chargeRightNoHuman: 0,
    chargeSilentErrors: 0,
    chargedWrongNotReviewed: 0,
    items: { tp: 0, fp: 0, fn: 0, precision: 0, recall: 0, f1: 0 },
    money: { currency: pricing.catalog.currency, trueSales: 0, overcharged: 0, undercharged: 0 },
    latencyMs: null,
    pctRightNoHuman: 0,
    pctRight: 0,
    silentPer1000: 0,
    skuSilentPer1000: 0,
    reviewsPer1000: 0,
    promptsPerSession: 0,
    needlessReviewsPer1000: 0,
    undecidableNotReviewedPer1000: null,
    pctChargeRightNoHuman: 0,
    chargeSilentPer1000: 0,
    chargedWrongNotReviewedPer1000: 0,
  };
  const keyOf = chargeKeyOf(pricing.catalog, pricing.settings);
  const silentExamples: WrongExample[] = [];
  const needlessExamples: WrongExample[] = [];
  const wrongExamples: WrongExample[] = [];
  for (const t of truths) {
    const truthTotal = priceBasket(t, pricing.catalog, pricing.settings).total;
    f.money.trueSales += truthTotal;
    const r = bySession.get(t.session);
    if (t.decidable === true) f.decidable!++;
    if (t.decidable === false) f.undecidable!++;
    if (!r) {
      f.missingReceipts++;
      f.wrong++;
      f.items.fn += t.items.reduce((a, x) => a + x.qty, 0) + t.weighed.length;
      f.money.undercharged += truthTotal;
      if (wrongExamples.length < keepExamples)
        wrongExamples.push({
          session: t.session,
          review: false,
          prompts: 0,
          answered: 0,
          missing: true,
          diff: ["no receipt"],
        });
      continue;
    }
    const answered = r.answered ?? 0;
    f.prompts += r.prompts;
    f.answered += answered;
    const c = compare(t, r);
    f.items.tp += c.tp;
    f.items.fp += c.fp;
    f.items.fn += c.fn;
    if (r.total > truthTotal) f.money.overcharged += r.total - truthTotal;
    else f.money.undercharged += truthTotal - r.total;
    const ok = c.diff.length === 0;
    const ex: WrongExample = {
      session: t.session,
      review: r.review,
      prompts: r.prompts,
      answered,
      ...(t.decidable !== undefined ? { decidable: t.decidable } : {}),
      diff: c.diff,
    };
    if (ok) f.right++;
    else {
      f.wrong++;
      if (wrongExamples.length < keepExamples) wrongExamples.push(ex);
    }
    const charged = ok || chargeRight(t, r, keyOf);
    if (charged) f.chargeRight++;
    if (charged && !r.review) f.chargeRightNoHuman++;
    if (!charged && !r.review && answered === 0) f.chargeSilentErrors++;
    if (!charged && !r.review) f.chargedWrongNotReviewed++;
    if (!charged && !r.review && (answered === 0 || !wrongChargeAsked(t, r, keyOf))) {
      f.silentErrors++;
      if (silentExamples.length < keepExamples) silentExamples.push(ex);
    }
    if (ok && !r.review) f.rightNoHuman++;
    if (ok && !r.review && answered === 0) f.rightUntouched++;
    if (r.review) f.reviews++;
    if (!ok && !r.review && answered === 0) f.skuSilentErrors++;
    if (r.review && t.decidable === true) {
      f.needlessReviews++;
      if (needlessExamples.length < keepExamples) needlessExamples.push(ex);
    }
    if (t.decidable === false && !r.review) {
      f.undecidableNotReviewed!++;
      if (!ok) f.undecidableNotReviewedWrong!++;
    }
  }
  const n = Math.max(1, f.sessions);
  const { tp, fp, fn } = f.items;
  f.items.precision = tp + fp > 0 ? tp / (tp + fp) : 1;
  f.items.recall = tp + fn > 0 ? tp / (tp + fn) : 1;
  f.items.f1 =
    f.items.precision + f.items.recall > 0
      ? (2 * f.items.precision * f.items.recall) / (f.items.precision + f.items.recall)
      : 0;
  f.pctRight = (100 * f.right) / n;
  f.pctRightNoHuman = (100 * f.rightNoHuman) / n;
  f.silentPer1000 = (1000 * f.silentErrors) / n;
  f.skuSilentPer1000 = (1000 * f.skuSilentErrors) / n;
  f.pctChargeRightNoHuman = (100 * f.chargeRightNoHuman) / n;
  f.chargeSilentPer1000 = (1000 * f.chargeSilentErrors) / n;
  f.chargedWrongNotReviewedPer1000 = (1000 * f.chargedWrongNotReviewed) / n;
  f.reviewsPer1000 = (1000 * f.reviews) / n;
  f.promptsPerSession = f.prompts / n;
  f.needlessReviewsPer1000 = (1000 * f.needlessReviews) / n;
  f.undecidableNotReviewedPer1000 =
    f.undecidableNotReviewed === null ? null : (1000 * f.undecidableNotReviewed) / n;
  if (latencies.length > 0) {
    const s = [...latencies].sort((a, b) => a - b);
    f.latencyMs = { n: s.length, p50: percentile(s, 50), p99: percentile(s, 99), max: s[s.length - 1] };
  }
  return { figures: f, silentExamples, needlessExamples, wrongExamples };
}
