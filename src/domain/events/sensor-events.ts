/**
 * The sensor log of exchange-v1 §1, as the domain sees it once an edge adapter has validated it
 * (the zod schemas live with the adapters that parse files and MQTT payloads). Shared contract.
 */
export interface EventBase {
  v: 1;
  /** device time, ms since the Unix epoch, may be fractional */
  t: number;
  store: string;
  /** unique event id; ingest is idempotent on it */
  id?: string;
}

export interface CartEventBase extends EventBase {
  cart: string;
}

export interface SessionStartEvent extends CartEventBase {
  type: "session.start";
  session: string;
  account?: string;
}
export interface WeightEvent extends CartEventBase {
  type: "weight";
  /** one sample, or consecutive samples evenly spaced at `hz` starting at `t` */
  grams: number | number[];
  hz?: number;
}
export interface VisionCandidate {
  sku: string;
  p: number;
}
export interface VisionEvent extends CartEventBase {
  type: "vision";
  dir: "in" | "out" | "unknown";
  candidates: VisionCandidate[];
  track?: string;
}
export interface BarcodeEvent extends CartEventBase {
  type: "barcode";
  code: string;
}
export interface PluEvent extends CartEventBase {
  type: "plu";
  plu: string;
}
export interface AnswerEvent extends CartEventBase {
  type: "answer";
  prompt: string;
  sku?: string;
  choice?: string;
}
export interface SessionEndEvent extends CartEventBase {
  type: "session.end";
}

export type CartEvent =
  | SessionStartEvent
  | WeightEvent
  | VisionEvent
  | BarcodeEvent
  | PluEvent
  | AnswerEvent
  | SessionEndEvent;

export interface GateInEvent extends EventBase {
  type: "gate.in";
  session: string;
  shopper: string;
  account?: string;
}
export interface GateOutEvent extends EventBase {
  type: "gate.out";
  shopper: string;
}
export interface TrackEvent extends EventBase {
  type: "track";
  shopper: string;
  x: number;
  y: number;
  hand?: [number, number, number];
  /**
   * what the cameras recognise in that hand (walk-out, additive, optional; docs/walkout.md and
   * decision 0106): candidates best first, `p` in [0, 1]; `[]` = the hand was seen empty; absent
   * = not seen, occluded, or no recognition. Evidence with errors, never appearance or biometrics.
   */
  held?: { sku: string; p: number }[];
}
export interface PlateEvent extends EventBase {
  type: "plate";
  gondola: number;
  shelf: number;
  plate: number;
  grams: number | number[];
  hz?: number;
}

export type StoreEvent = GateInEvent | GateOutEvent | TrackEvent | PlateEvent;

export type SensorEvent = CartEvent | StoreEvent;

export function isCartEvent(e: SensorEvent): e is CartEvent {
  return "cart" in e && typeof (e as CartEvent).cart === "string";
}

/** Ground truth line, exchange-v1 §2. Also the shape of a basket file for `skiplane price`. */
export interface TruthLine {
  session: string;
  items: { sku: string; qty: number }[];
  weighed: { sku: string; grams: number }[];
}

/** Receipt line, exchange-v1 §4. */
export interface ReceiptLine {
  session: string;
  items: { sku: string; qty: number }[];
  weighed: { sku: string; grams: number }[];
  total: number;
  currency: string;
  review: boolean;
  prompts: number;
}

/** Store layout for walk-out stores (exchange-v1 §1, layout.json). */
export interface LayoutPlate {
  gondola: number;
  shelf: number;
  plate: number;
  x: number;
  y: number;
  z: number;
  skus: string[];
}
export interface StoreLayout {
  plates: LayoutPlate[];
}
