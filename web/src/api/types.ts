/**
 * What the screens read from the server. The shapes come from the app's read models (the
 * server's own types, imported type-only so nothing server-side reaches the bundle) plus the
 * few optional fields the screens show when the server provides them.
 */
import type {
  CartScreen,
  ReceiptView,
  ReceiptViewLine,
  ReviewCaseView,
  SessionView,
} from "../../../src/app/ports/read-models";
import type { Evidence } from "../../../src/domain/basket/basket.events";

export type { Evidence };

/** exchange-v1 §5 screen state, with optional extras the cart screen shows when present. */
export interface ScreenState extends CartScreen {
  /** live net load on the cart's scale, grams (for the produce keypad) */
  scale?: { grams: number; stable?: boolean };
  /** the shopper's receipt link once paid */
  receipt?: string;
}
export type ScreenLine = CartScreen["lines"][number];
export type ScreenPrompt = NonNullable<CartScreen["prompt"]>;

export interface ReceiptLine extends ReceiptViewLine {
  /** the full evidence, when the server includes it */
  details?: Evidence;
  /** an open or closed dispute on this line */
  dispute?: { caseId: string; status: "open" | "resolved"; decision?: string };
}
export interface Receipt extends Omit<ReceiptView, "lines"> {
  lines: ReceiptLine[];
  token?: string;
  cart?: string;
  refunds?: { amount: number; reason: string; lineId?: string; at?: number }[];
  disputes?: { caseId: string; lineIds: string[]; status: "open" | "resolved"; decision?: string }[];
}

export type ReviewCase = ReviewCaseView & {
  /** seconds the store allows before a case counts as late (SLA) */
  dueAt?: number;
  cart?: string;
  /** basket before and after the event, when the server provides it */
  basketBefore?: BasketLine[];
  basketAfter?: BasketLine[];
  /** the scale samples around the event */
  trace?: { t: number; grams: number }[];
};
export interface BasketLine {
  lineId?: string;
  sku: string;
  name?: string;
  qty?: number;
  grams?: number;
  amount?: number;
  status?: string;
}

export type Session = SessionView;

export interface ProductInfo {
  sku: string;
  name: string;
  soldBy: "unit" | "weight";
  price?: number;
  pricePerKg?: number;
  plu?: string;
  gtin?: string;
  lookalikes?: string[];
}

export interface StoreStats {
  /** figures of the day so far */
  sessions: number;
  prompts: number;
  reviews: number;
  averageBasket: number;
  currency: string;
  decisionLatencyMs?: { p50: number; p95: number };
  /** per hour of the day: [{hour, sessions, prompts, reviews, basketTotal, latencyP50}] */
  hourly: {
    hour: number;
    sessions: number;
    prompts: number;
    reviews: number;
    revenue?: number;
    averageBasket?: number;
    latencyP50?: number;
    latencyP95?: number;
  }[];
}
