/**
 * What a shopper does at one shelf stop, as the simulator plans it (randomly, or from a scripted
 * scenario). Each action carries the truth the simulator knows (which units, their real weights);
 * the cart simulator turns it into imperfect sensor lines.
 */
export interface Unit {
  sku: string;
  /** this unit's real weight, grams */
  grams: number;
}

/** Forced sensor outcomes (scripted scenarios); anything unset is drawn from the sensor profile. */
export interface SensorOverrides {
  /** the camera misses it */
  unseen?: boolean;
  /** the camera's best candidate is this sku */
  seenAs?: string;
}

export type Action =
  | {
      kind: "add";
      units: Unit[];
      /** all at once (one weight step), or one after another in quick succession */
      together: boolean;
      /** the shopper scans each unit before placing it */
      scan: boolean;
      /** dropped in by a child: no scan, dropped from higher up, often unseen */
      child?: boolean;
      sensors?: SensorOverrides;
    }
  | { kind: "remove"; units: Unit[]; sensors?: SensorOverrides }
  | {
      kind: "produce";
      sku: string;
      grams: number;
      /** how the product is identified: PLU keyed before/after placing, a weight label scanned, nothing */
      entry: "plu-before" | "plu-after" | "label" | "none";
      /** the code the shopper keys, when not the product's own PLU (a mistyped code) */
      pluCode?: string;
      sensors?: SensorOverrides;
    }
  | { kind: "bag"; grams: number; tag: string; sensors?: SensorOverrides }
  | { kind: "bag-out"; tag: string; sensors?: SensorOverrides }
  | { kind: "lean"; grams: number; seconds: number }
  | { kind: "bump"; grams: number };

export type AnswerStyle = "right" | "wrong" | "none" | "mixed";

export interface SessionPlan {
  session: string;
  account?: string;
  actions: Action[];
  /** how this shopper answers prompts ("mixed": per prompt, from the shopper profile) */
  answers: AnswerStyle;
}
