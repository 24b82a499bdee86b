/**
 * Every window, threshold, prior and noise figure the fusion core uses. Nothing in the fusion
 * files is a magic number: the evaluation sweeps these (acceptThreshold above all), and
 * docs/fusion-model.md says where each default comes from.
 */
import { DEFAULT_VARIABLE_MEASURE, type VariableMeasureScheme } from "../barcode/barcode";

export interface FusionConfig {
  // --- the scale as a signal ---------------------------------------------------------------
  /** sd of one scale sample at rest, grams (shelf recording: median 0.68 g, p90 2.8 g over 1 s) */
  scaleNoiseSdG: number;
  /** scale resolution, grams; adds q²/12 to the variance of every level estimate */
  scaleQuantumG: number;
  /** length of the moving window whose mean/variance decide "stable", ms */
  stableWindowMs: number;
  /** fewest samples in the window before it may count as stable */
  minStableSamples: number;
  /** the window is stable only while its sd stays at or under this, grams */
  stableSdMaxG: number;
  /** ... and while its older and newer halves differ by at most this (a load still settling), grams */
  stableTrendMaxG: number;
  /** a new level must stay stable this long before the change is committed, ms */
  settleMs: number;
  /** stable-to-stable changes smaller than this are drift and are folded into the baseline, grams */
  minChangeG: number;
  /** a silence longer than this between samples restarts the window (no averaging across it), ms */
  gapMs: number;
  /** the net load may read this far under zero (tare error) before a sample is absurd, grams */
  tareToleranceG: number;
  /** loads at or above this are absurd (1000 kg), grams */
  maxLoadG: number;
  /**
   * how fast the zero may wander (a random walk, sd per √second), grams: the baseline follows
   * the rested level by a Kalman step with this drift, so a window that passes as stable while
   * the cart rolls barely moves it (load-cell creep is ~0.3–1.5 g/min; 0.1 g/√s follows that
   * within a few seconds)
   */
  baselineDriftGPerSqrtS: number;
  /** floor on the sd of a measured delta (residual drift between the two levels), grams */
  deltaSdFloorG: number;
  /**
   * The detector learns its scale's settle time constant from where its changes come to rest
   * (scale-signal.ts, "the settled level") and commits a change at the fitted asymptote once this
   * many have; until then, and at 0, at the window's mean, about 1 g (standard simulator) to 2 g
   * (hard) short of where the load ends. 20, the default since decision 0132, together with
   * extraProductPrior 0.6: alone it cut hard reviews and prompts but unmasked counts priced by the
   * old 0.3 (hard seed 11 silent 8 → 10); with the prior, silent sessions summed over the four
   * dev sets fell 58 → 48 and on the fresh check sets 35 → 27 (docs/evaluation.md, session 8;
   * docs/fusion-model.md §1, §8). 0 commits at the window's mean
   */
  settleLearnN: number;
  /** where a change came to rest is read from stable windows starting at least this long after its commit, ms */
  settleRestMs: number;

  // --- association -------------------------------------------------------------------------
  /**
   * a change of at most tailMaxG starting within tailMs of the previous change's settling, in the
   * same direction and with no sighting, scan or PLU of its own, is that change's settling tail
   * (the detector commits once the level's drift is under stableTrendMaxG, which leaves about
   * 2 × stableTrendMaxG still to come): nothing is decided on it
   */
  tailMs: number;
  tailMaxG: number;
  /** camera sightings this long before the change started still belong to it, ms */
  visionBeforeMs: number;
  /** barcode scans this long before the change started belong to it (scan, then drop in), ms */
  scanBeforeMs: number;
  /** PLU entries this long before the change started belong to it, ms */
  pluBeforeMs: number;
  /**
   * A PLU keyed this soon after a weighed line settled, when that line has no code of its own and
   * is the keyed product or its look-alike, is that line's code (weigh, then key), not evidence
   * for the next change, ms
   */
  pluAfterMs: number;
  /**
   * A PLU of produce keyed this soon after a change whose "scan the item" question is still open,
   * with no change since, answers that question when the produce explains the change's weight
   * (weigh, then key: the camera missed the produce, or named a product of its weight). 0: a scan
   * question takes no keyed code, which then waits as evidence for the next change (decision
   * 0134, docs/evaluation.md session 12, helper 99), ms
   */
  pluAfterScanPromptMs: number;
  /**
   * Shopper inputs (answers, keyed codes, scans) may arrive up to this late behind the scale
   * stream: the cart screen and the sensors can publish on different connections, so a tap can
   * reach the server after samples stamped a moment later. Within this tolerance the input is
   * taken at the latest time seen instead of being refused as out of order, ms.
   */
  shopperInputLateMs: number;
  /**
   * a read of the code the scanner read less than this before is the same read reported twice
   * (a double read), not a second unit: a shopper cannot scan the next unit that fast, and
   * scanners suppress repeats of one symbol for about this long ("same symbol timeout", commonly
   * 0.5–1 s). Each read counts as one unit, so a double read would otherwise add one, ms
   */
  scanRepeatMs: number;

  // --- explanation search (bounded) --------------------------------------------------------
  /** most units in one change */
  maxUnits: number;
  /** most different products in one change */
  maxDistinct: number;
  /** most candidate products entering the combination search */
  maxCandidates: number;
  /** hypotheses kept in the evidence, best first */
  keepHypotheses: number;

  // --- priors and likelihoods --------------------------------------------------------------
  /**
   * The cart learns how well its changes fit the catalog's unit weights: over lines identified
   * beyond doubt (one unit, scanned and seen as itself, posterior ≥ 0.99), the mean of z² (z =
   * (delta − mean) / the model's sd, |z| clipped at 4) with this many pseudo-observations at 1.
   * Where it is above 1 (never more than weightSpreadMax), a line is accepted only if the
   * explanations with unit sds widened by its square root accept it too: the learned spread
   * can only doubt. 0 turns the learning off.
   */
  weightSpreadPriorN: number;
  weightSpreadMax: number;
  /**
   * The cart learns how often its shoppers put two products in together rather than two units of
   * one: over changes whose every unit was scanned, explained beyond doubt, the changes of several
   * products against those of several units of one, with this many pseudo-observations at
   * extraProductPrior. Where the learned ratio is above extraProductPrior, a line is accepted only
   * if the explanations with it accept it too: like the learned spread, it can only doubt (a
   * count from one sighting against fewer units and a product the camera missed). 0 turns it off,
   * the default: at 10 it cut hard silent errors on 10,000 sessions (9.4 → 8.5 per 1,000) but
   * raised them on one 2,000-session set (hard seed 11, 8 → 9) and cost reviews and prompts
   * (docs/evaluation.md, session 6; measured with extraProductPrior 0.3, the default then).
   */
  togetherPriorN: number;
  /**
   * extraProductPrior as the doubt takes it: a line is accepted only if it clears the threshold
   * with this prior as well (like the learned together-prior, it can only doubt; the larger of
   * the two is used). extraProductPrior's one measured source, 3 two-product pick-ups against 5
   * of several units of one (AutoCheckout), puts the ratio at 0.6 with a Wilson 95 % interval of
   * 0.16–2.27; this is the upper end. A count from one sighting ("3 × bar") against fewer units
   * and a product the camera missed is decided by that prior alone, so a count is charged
   * unasked only if it holds at every ratio the record allows (docs/fusion-model.md §3,
   * "Priors"; session 9, decision 0132: standard 10,000 sessions silent 2.2 | 3.0 → 1.7 | 2.0
   * per 1,000). 0 turns it off.
   */
  extraProductPriorDoubt: number;
  /** prior that a change is not merchandise (bag, coat, hand) */
  priorForeign: number;
  /** prior that a change is merchandise the evidence does not identify */
  priorUnidentified: number;
  /** prior factor for each unit beyond the first (Occam: fewer units is likelier) */
  extraUnitPrior: number;
  /**
   * prior factor for each product beyond the first in one change: at the same unit count, "X + Y"
   * against "2 × X". 0.6, the default since decision 0132 (with settleLearnN 20): the AutoCheckout
   * labels (scripts/together-prior.ts) have 3 pick-ups of two products against 5 of several units
   * of one (0.6, 8 events, 95 %: 0.16–2.27); 0.3 before, an assumption. Together they lowered
   * pooled silent errors on dev and check sets (docs/evaluation.md, session 8)
   */
  extraProductPrior: number;
  /** probability the camera misses an item crossing the rim */
  visionMissP: number;
  /** the least weight a sighting of merchandise keeps against "not merchandise" */
  visionFloorP: number;
  /**
   * the least weight a clear sighting going in at an addition (top p ≥ visionConfusionMaxP) keeps
   * when an explanation leaves it unexplained and none of the products it lists is in the basket
   * (in place of visionFloorP): above every confusion's p it is no other crossing confused, and
   * with nothing of it in the basket no item going out seen the wrong way, so only a sighting of
   * nothing explains it. 0.01: "A + B" seen clearly against "2 × A" with B's sighting from nothing
   * (decision 0134, docs/evaluation.md session 10); visionFloorP turns it off
   */
  visionFloorClearP: number;
  /**
   * two sightings going in this close in time that name no product in common are two products
   * crossing the rim together (units of one product crossing together show as one sighting): a
   * sighting in the confusion band (top p ≥ visionConfusionMinP) with another such beside it is
   * then no unit of another product confused, and pays visionFloorClearP like a clear one where
   * an explanation leaves it unexplained (none of its products in the basket), ms. 0: off
   */
  visionTogetherMs: number;
  /**
   * such a sighting (crossing with another) with top p at least this pays visionFloorClearP alone
   * where an explanation leaves it unexplained, not max(1 − q, floor): 1 − q is the calibrated
   * share of its listed-lower products and look-alikes, which an explanation holding none of
   * them does not claim. 1: off
   */
  visionTogetherAloneMinP: number;
  /**
   * Camera calibration: each candidate's p is used as p^visionSharpness. 1 takes the camera's
   * scores as calibrated probabilities; above 1 trusts a camera whose top candidate is right more
   * often than its p says. Fit it on a labelled replay (the evaluation's sweep), never guess it.
   */
  visionSharpness: number;
  /**
   * Camera calibration table: [raw top-1 p, P(top-1 is the true product)] points, rising, read
   * by linear interpolation (clamped at the ends), for a top candidate without look-alikes in
   * the catalog. A sighting then counts for the product it lists first with that probability;
   * the rest goes to the products it lists lower (visionListedShare of it, shared by their p) and
   * to unlisted look-alikes. Fitted on a labelled log (`scripts/fusion-calibrate.ts`); empty: the
   * raw p is used as if calibrated (p^visionSharpness).
   */
  visionCalibration: readonly (readonly [number, number])[];
  /** the same for a top candidate that has look-alikes in the catalog (a camera confuses those) */
  visionCalibrationLookalike: readonly (readonly [number, number])[];
  /**
   * when the top candidate is wrong and the sighting lists candidates below it, the probability
   * the true product is among them (the rest goes to unlisted look-alikes; a top listed alone
   * gives it all to them). 0.974 since session 11: fitted before over every wrong top, those
   * listing nothing lower as well (0.732), it gave an unlisted look-alike a quarter of a confusion
   * that named the product lower (decision 0134, docs/evaluation.md session 11)
   */
  visionListedShare: number;
  /**
   * the least top p at which a wrong top is a confusion of merchandise (the lowest p of the
   * confusions the table was fitted on); under it the lower candidates keep their own p
   */
  visionConfusionMinP: number;
  /**
   * the greatest top p among the confusions the tables were fitted on (the simulated camera's
   * confused tops are drawn under 0.85): a top at or above it is the product crossing, or a
   * sighting of nothing, never a confusion of another crossing
   */
  visionConfusionMaxP: number;
  /**
   * factor on merchandise for each sighting of no product (empty, or a top p under
   * visionConfusionMinP) in a change's window: how often such a sighting comes with merchandise
   * against how often with a personal item. An assumption (0.1); with blankSightingBagP > 0 the
   * ceiling of what each cart learns
   */
  blankSightingMerchP: number;
  /**
   * probability a personal item (bag, coat) put in or taken out shows as a sighting of no product;
   * each cart divides its own rate of such sightings beside merchandise by it to narrow
   * blankSightingMerchP (cart-fusion.ts, learnedBlankMerchP). Fitted on the simulator's labelled
   * plans (scripts/fusion-fit-blank.ts, seeds 901 + 902: 0.906): refit on a real cart's log.
   * 0, the default: off (measured on, it raised standard silent errors on 10,000 sessions:
   * items nobody saw, with an empty hand beside them, taken as not merchandise; docs/fusion-model.md §3)
   */
  blankSightingBagP: number;
  /** factor on a sighting's p when it went the other way (the camera got the direction wrong) */
  wrongDirP: number;
  /**
   * at an addition, a clear sighting reported going out none of whose listed products the cart
   * holds (no line of it, sure or unsure) counts as going in, undiscounted by `wrongDirP`:
   * nothing it names was there to go out, so it is the item going in seen the wrong way
   * (docs/fusion-model.md §4)
   */
  wrongWayUnheld: boolean;
  /** factor on a sighting's p for a look-alike of a listed product that the camera did not list */
  lookalikeP: number;
  /** how many catalog products matching the weight enter as unseen candidates (camera missed them) */
  unseenCandidates: number;
  /**
   * "Did something else go in?" also counts the guess + one product nobody saw, summed over the
   * whole catalog rather than the closest `unseenCandidates` (a light product hidden inside a
   * wide-spread product's weight; docs/fusion-model.md §4)
   */
  hiddenBesideDoubt: boolean;
  /**
   * factor on a product with a barcode in that sum when every unit of the guess was read: a shopper
   * scanning what they drop scans the product beside them too (1: no factor)
   */
  hiddenBesideScannedP: number;
  /**
   * the camera miss rate that sum takes is what this cart measures, not the configured
   * visionMissP: over single units scanned and explained beyond doubt, the share no sighting
   * named, at the upper end of its one-sided Wilson interval at this z, never above visionMissP
   * (the cart may only narrow the assumption with its own evidence). 0: visionMissP
   */
  visionMissLearnZ: number;
  /** identity score of a basket product taken out without a sighting */
  unseenRemovalP: number;
  /** factor when a scan in the window is not part of the explanation */
  scanUnusedP: number;
  /**
   * factor, in place of scanUnusedP, when a keyed PLU is not part of an explanation that holds a
   * look-alike of the keyed product: between look-alikes the code the shopper keyed beats the
   * camera (as a code keyed after weighing does; decision 0135). scanUnusedP: no such trust
   */
  pluLookalikeUnusedP: number;
  /** flat weight density range for things with no weight model (foreign objects), grams */
  foreignMaxG: number;
  /** flat weight density range for a weighed product with no label weight, grams */
  weighedMaxG: number;
  /** least plausible weight of a weighed product, grams */
  weighedMinG: number;
  /** sd of the scale against a GS1 label's printed weight (tare of the tray, label rounding), grams */
  labelSdG: number;
  /** relative sd of a weight inferred from a price-embedded label */
  priceLabelRelSd: number;

  // --- policy ------------------------------------------------------------------------------
  /**
   * a decision is accepted (status ok) when its posterior is at least this. 0.95: on the simulator
   * (standard seed 21 and hard seed 22, 2,000 sessions each, answering) it halves the silent errors
   * of 0.9 (standard 5 → 3, hard 25 → 13 per 1,000) for 8 (standard) and 48 (hard) more reviews;
   * a silent error weighed as ten reviews, 0.95 is the better on both mixes (docs/evaluation.md,
   * "The threshold")
   */
  acceptThreshold: number;
  /**
   * an added product is accepted unasked only if a sighting rates it at least this (or it was
   * scanned or keyed): a faint sighting plus a weight that happens to fit is not enough
   */
  minIdentityP: number;
  /** a merchandise guess below this posterior is not added as an unsure line */
  minGuessPosterior: number;
  /** a shopper's answer is taken as ok only if the weight is within this many sd of it */
  answerMaxZ: number;
  /**
   * accept without asking when the explanations that share the best one's charge (same unit
   * price, tax class, age restriction and category per unit, same quantities) carry at least
   * acceptThreshold, even if the identity among them is unsure (look-alikes at the same price):
   * the shopper's charge is decided; the line keeps its identity confidence and its evidence
   * names the alternatives, for inventory. Off: only a sure identity is accepted.
   */
  chargeEquivalence: boolean;
  /**
   * with chargeEquivalence, a line whose identity the camera's share does not support (under
   * minIdentityP: a look-alike it listed lower, or did not list) is accepted unasked when the
   * charge is sure (the explanations charging what the guess charges carry acceptThreshold in
   * every variant), a clear sighting names a product of its charge, and the camera supports a
   * product of that charge at minIdentityP (calibrated): the sighting vouches for the charge, as
   * for a line whose identity marginal is unsure. false: such lines are asked
   */
  chargeSureIdentifies: boolean;
  /**
   * a product a clear sighting lists below its top is accepted on the weight only when every
   * other candidate (listed, look-alike, or a product of that weight nobody saw) is further
   * than this many sd from the delta at any unit count
   */
  listedExcludeZ: number;
  /**
   * ... except that products only the weight suggests (nobody saw them) do not hold one unit
   * whose line's posterior is at least this (they are in that posterior already); 1: they
   * always do
   */
  listedSureP: number;
  /**
   * several units of a product that fewer sightings and reads name than it has units (one
   * sighting for a handful) are accepted unasked only when no other product weighs like the
   * units beyond them within this many sd: else "fewer of them beside a product nobody saw" is
   * the same evidence. 0: off
   */
  unseenBesideZ: number;
  /**
   * ... and only when, summed over the products that weigh like the units beyond within
   * unseenBesideZ, the weight is at least this fraction as likely under "fewer units beside one of
   * them" as under the count (ratio of Gaussian densities, each product's own spread included): a
   * product of much wider spread, or one a little further off than the count, fits less well and
   * does not ask. 0: any product within unseenBesideZ asks (session 9's rule). Decision 0134,
   * docs/evaluation.md session 11 (helper 88)
   */
  unseenBesideMinRatio: number;
  /** skus never charge-equivalent to another (a store's per-sku promotions name them) */
  chargeDistinctSkus: readonly string[];

  // --- input hygiene -----------------------------------------------------------------------
  /** how many recent event ids are remembered for idempotent ingest */
  idMemory: number;
  /** GS1 variable-measure prefix table (store configuration) */
  variableMeasure: VariableMeasureScheme;
}

/**
 * Camera calibration, fitted by `npx tsx scripts/fusion-calibrate.ts` on simulated labelled logs
 * (standard seed 901, 2,000 sessions + hard seed 902, 1,000 sessions — one fleet, both kinds of
 * cart; never the evaluation seeds). [raw top-1 p, P(top-1 right)]; a real store refits on its own
 * labelled log.
 */
const CAL_PLAIN: readonly (readonly [number, number])[] = [
  [0.075, 0.1189],
  [0.525, 0.125],
  [0.575, 0.3],
  [0.625, 0.3333],
  [0.675, 0.5769],
  [0.725, 0.9861],
  [0.775, 0.988],
  [0.825, 0.988],
  [0.875, 0.9948],
];
const CAL_LOOKALIKE: readonly (readonly [number, number])[] = [
  [0.075, 0.05],
  [0.125, 0.0645],
  [0.175, 0.0886],
  [0.325, 0.1019],
  [0.575, 0.1019],
  [0.625, 0.1132],
  [0.675, 0.1923],
  [0.725, 0.9379],
  [0.825, 0.939],
  [0.875, 0.9933],
  [0.975, 0.9985],
];
const LISTED_SHARE = 0.974;

export const DEFAULT_FUSION_CONFIG: FusionConfig = {
  scaleNoiseSdG: 1.5,
  scaleQuantumG: 0.5,
  stableWindowMs: 400,
  minStableSamples: 6,
  stableSdMaxG: 4,
  stableTrendMaxG: 3,
  settleMs: 250,
  minChangeG: 5,
  gapMs: 2000,
  tareToleranceG: 50,
  maxLoadG: 1_000_000,
  deltaSdFloorG: 0.5,
  baselineDriftGPerSqrtS: 0.1,
  settleLearnN: 20,
  settleRestMs: 1000,

  tailMs: 3000,
  tailMaxG: 9,
  visionBeforeMs: 3000,
  scanBeforeMs: 15000,
  pluBeforeMs: 30000,
  pluAfterMs: 6000,
  pluAfterScanPromptMs: 6000,
  shopperInputLateMs: 2000,
  scanRepeatMs: 500,

  maxUnits: 6,
  maxDistinct: 3,
  maxCandidates: 8,
  keepHypotheses: 5,

  weightSpreadPriorN: 20,
  weightSpreadMax: 2,
  togetherPriorN: 0,
  extraProductPriorDoubt: 2.27,
  priorForeign: 0.1,
  priorUnidentified: 0.03,
  extraUnitPrior: 0.5,
  extraProductPrior: 0.6,
  visionMissP: 0.1,
  visionFloorP: 0.05,
  visionFloorClearP: 0.01,
  visionTogetherMs: 300,
  visionTogetherAloneMinP: 0.7,
  visionSharpness: 1,
  // fitted by scripts/fusion-calibrate.ts (see docs/fusion-model.md §6)
  visionCalibration: CAL_PLAIN,
  visionCalibrationLookalike: CAL_LOOKALIKE,
  visionListedShare: LISTED_SHARE,
  visionConfusionMinP: 0.45,
  visionConfusionMaxP: 0.85,
  blankSightingMerchP: 0.1,
  blankSightingBagP: 0,
  wrongDirP: 0.05,
  wrongWayUnheld: true,
  lookalikeP: 0.02,
  unseenCandidates: 4,
  hiddenBesideDoubt: true,
  hiddenBesideScannedP: 0.05,
  visionMissLearnZ: 1.645,
  unseenRemovalP: 0.3,
  scanUnusedP: 0.02,
  pluLookalikeUnusedP: 0.001,
  foreignMaxG: 5000,
  weighedMaxG: 3000,
  weighedMinG: 20,
  labelSdG: 3,
  priceLabelRelSd: 0.03,

  acceptThreshold: 0.95,
  minGuessPosterior: 0.15,
  minIdentityP: 0.4,
  answerMaxZ: 4,
  chargeEquivalence: true,
  chargeSureIdentifies: true,
  listedExcludeZ: 4,
  listedSureP: 0.99,
  unseenBesideZ: 3,
  unseenBesideMinRatio: 0.2,
  chargeDistinctSkus: [],

  idMemory: 4096,
  variableMeasure: DEFAULT_VARIABLE_MEASURE,
};
