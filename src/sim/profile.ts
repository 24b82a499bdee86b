/**
 * How imperfect the simulated cart's sensors are, and how its shoppers behave. Two mixes:
 * `standard` (a well-kept cart, ordinary shoppers) and `hard` (a worn cart, hurried shoppers,
 * more look-alikes confused). docs/simulator.md gives the source of every default; in short:
 * - scale noise at rest: the AutoCheckout cps-test-01 shelf recording, median 0.68 g sd over 1 s,
 *   p90 2.8 g (standard uses the median, hard the p90);
 * - unit-to-unit weight spread: the product's own `weight.sd` from the catalog (AIM3S unit weighings,
 *   median 1.6 g), floored because two weighings often give sd 0, and widened in `hard` (lots vary);
 * - the camera and scanner rates have no public per-event figures; they are set from the published
 *   item-identification rates (AIM3S 93.2 %, FAIM 92.6 % of items identified) — see the doc.
 */
export interface SensorProfile {
  /** scale sample rate, Hz (samples go out in batches of one second) */
  hz: number;
  /** sd of one scale sample at rest, grams */
  noiseSdG: number;
  /** scale resolution, grams */
  quantumG: number;
  /** sd of one sample while the cart rolls (vibration), grams */
  motionNoiseSdG: number;
  /** zero drift: per-session rate drawn from N(0, this), grams per minute */
  driftSdGPerMin: number;
  /** settling time constant after an item lands, seconds */
  settleTauS: number;
  /** swing frequency of the basket after a drop, Hz */
  swingHz: number;
  /** swing amplitude as a fraction of the dropped weight (drawn uniformly up to this) */
  swingFrac: number;
  /** floor on unit-to-unit weight sd, grams (catalog sd from 2 weighings can read 0) */
  unitSdFloorG: number;
  /** factor on the catalog's unit-to-unit sd */
  unitSdFactor: number;
  /** camera: probability an item crossing the rim is not seen */
  visionMissP: number;
  /** camera: probability an item a child drops in (from low down, fast) is not seen */
  childMissP: number;
  /** camera: probability the best candidate is a look-alike when the product has one */
  lookalikeConfusionP: number;
  /** camera: probability the best candidate is some other product (no look-alike needed) */
  randomConfusionP: number;
  /**
   * camera: a right top candidate's confidence p is drawn uniformly from [rightTopPMin,
   * rightTopPMax); a confused one's (a look-alike or another product first) from
   * [confusedTopPMin, confusedTopPMax). How far the bands overlap is how badly the confidence
   * separates right from confused: a right top under confusedTopPMax is the same evidence as a
   * confusion (src/sim/decidable.ts, `rightTopDecides`).
   */
  rightTopPMin: number;
  rightTopPMax: number;
  confusedTopPMin: number;
  confusedTopPMax: number;
  /** camera: probability the direction is reported wrong / unknown */
  wrongDirP: number;
  unknownDirP: number;
  /** camera: sightings of a hand with nothing in it, per shelf stop */
  phantomPerStop: number;
  /** barcode: probability a scan comes out garbled (fails its check digit) */
  scanGarbleP: number;
  /** barcode: probability a scan is reported twice (scanner double read) */
  scanDoubleP: number;
  /** seconds between idle heartbeat batches while the cart rolls */
  heartbeatS: number;
}

export interface ShopperProfile {
  /** items (actions) per session: uniform in [min, max] */
  actionsMin: number;
  actionsMax: number;
  /** weights of the action kinds at each shelf stop */
  actions: {
    one: number;
    several: number;
    two: number;
    takeOut: number;
    produce: number;
    bag: number;
    child: number;
  };
  /** probability the shopper scans a unit item before placing it */
  scanP: number;
  /** produce: probability of a weight label (scanned) rather than a keyed PLU */
  labelP: number;
  /** produce without a label: probability the shopper forgets to key the PLU */
  forgetPluP: number;
  /** per session: probability of leaning on the handle / a bump at some stop */
  leanP: number;
  bumpP: number;
  /** answers to prompts: right / wrong / ignored (sum to 1) */
  answerRightP: number;
  answerWrongP: number;
  /** seconds from prompt to answer */
  answerDelayMinS: number;
  answerDelayMaxS: number;
}

export interface SimMix {
  name: "standard" | "hard";
  sensors: SensorProfile;
  shoppers: ShopperProfile;
}

export const STANDARD_MIX: SimMix = {
  name: "standard",
  sensors: {
    hz: 20,
    noiseSdG: 0.68,
    quantumG: 0.5,
    motionNoiseSdG: 6,
    driftSdGPerMin: 0.3,
    settleTauS: 0.25,
    swingHz: 2.5,
    swingFrac: 0.3,
    unitSdFloorG: 0.5,
    unitSdFactor: 1,
    visionMissP: 0.03,
    childMissP: 0.5,
    lookalikeConfusionP: 0.05,
    randomConfusionP: 0.005,
    rightTopPMin: 0.7,
    rightTopPMax: 0.99,
    confusedTopPMin: 0.45,
    confusedTopPMax: 0.85,
    wrongDirP: 0.01,
    unknownDirP: 0.03,
    phantomPerStop: 0.03,
    scanGarbleP: 0.005,
    scanDoubleP: 0.005,
    heartbeatS: 5,
  },
  shoppers: {
    actionsMin: 3,
    actionsMax: 14,
    actions: { one: 60, several: 10, two: 8, takeOut: 6, produce: 10, bag: 3, child: 1 },
    scanP: 0.25,
    labelP: 0.3,
    forgetPluP: 0.05,
    leanP: 0.1,
    bumpP: 0.15,
    answerRightP: 0.9,
    answerWrongP: 0.05,
    answerDelayMinS: 1.5,
    answerDelayMaxS: 6,
  },
};

export const HARD_MIX: SimMix = {
  name: "hard",
  sensors: {
    hz: 20,
    noiseSdG: 2.8,
    quantumG: 1,
    motionNoiseSdG: 15,
    driftSdGPerMin: 1.5,
    settleTauS: 0.45,
    swingHz: 2,
    swingFrac: 0.5,
    unitSdFloorG: 1,
    unitSdFactor: 1.5,
    visionMissP: 0.1,
    childMissP: 0.6,
    lookalikeConfusionP: 0.2,
    randomConfusionP: 0.02,
    rightTopPMin: 0.7,
    rightTopPMax: 0.99,
    confusedTopPMin: 0.45,
    confusedTopPMax: 0.85,
    wrongDirP: 0.03,
    unknownDirP: 0.08,
    phantomPerStop: 0.1,
    scanGarbleP: 0.02,
    scanDoubleP: 0.02,
    heartbeatS: 5,
  },
  shoppers: {
    actionsMin: 4,
    actionsMax: 25,
    actions: { one: 45, several: 14, two: 14, takeOut: 10, produce: 10, bag: 5, child: 2 },
    scanP: 0.1,
    labelP: 0.2,
    forgetPluP: 0.15,
    leanP: 0.3,
    bumpP: 0.4,
    answerRightP: 0.8,
    answerWrongP: 0.1,
    answerDelayMinS: 2,
    answerDelayMaxS: 10,
  },
};

/** the same mix with a camera and scanner that never err (scripted scenarios say where they do) */
export function withPerfectCamera(mix: SimMix): SimMix {
  return {
    ...mix,
    sensors: {
      ...mix.sensors,
      visionMissP: 0,
      childMissP: 0,
      lookalikeConfusionP: 0,
      randomConfusionP: 0,
      wrongDirP: 0,
      unknownDirP: 0,
      phantomPerStop: 0,
      scanGarbleP: 0,
      scanDoubleP: 0,
    },
  };
}

export function mixByName(name: string): SimMix | undefined {
  return name === "standard" ? STANDARD_MIX : name === "hard" ? HARD_MIX : undefined;
}
