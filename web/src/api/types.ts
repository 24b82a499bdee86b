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
import type { CaseEvidence } from "../../../src/app/services/case-evidence";
import type { Evidence } from "../../../src/domain/basket/basket.events";
import type { WalkoutChangeEvidence } from "../../../src/domain/events/review-evidence";

export type { Evidence, WalkoutChangeEvidence };

/** exchange-v1 §5 screen state, with optional extras the cart screen shows when present. */
export interface ScreenState extends CartScreen {
  /** live net load on the cart's scale, grams (for the produce keypad) */
  scale?: { grams: number; stable?: boolean };
}
export type ScreenLine = CartScreen["lines"][number];
export type ScreenPrompt = NonNullable<CartScreen["prompt"]>;

export type ReceiptLine = ReceiptViewLine;
export interface Receipt extends ReceiptView {
  /** the shopper's link, when the server includes it */
  link?: string;
}

export type ReviewCase = ReviewCaseView;

/** routes/web-routes.ts: what a reviewer sees besides the line's evidence. */
export interface ReviewContext {
  caseId: string;
  session: string;
  cart?: string;
  /** the cart's scale samples around the event */
  trace: { t: number; grams: number }[];
  basketBefore: BasketLine[];
  basketAfter: BasketLine[];
  /** a case without a line: the weight change it is about (routes/web-routes.ts) */
  evidence?: Evidence;
  /** what fusion decided the case on, from its event (or rebuilt for an old case): case-evidence.ts */
  caseEvidence?: CaseEvidence;
}
export interface BasketLine {
  sku: string;
  qty?: number;
  grams?: number;
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
  /** packed weight of one unit, grams */
  weight?: { mean: number; sd: number };
}

/** GET /stats (core API): the store now. */
export interface StoreStats {
  store: string;
  activeSessions: number;
  /** Σ of the open sessions' running totals, minor units (absent from an older server) */
  activeTotal?: number;
  sessionsByState: Record<string, number>;
  openReviews: number;
  openDisputes: number;
  oldestOpenReviewAt?: number;
  cartsProvisioned: number;
  cartsOnline: number;
  /** the start of "today" the figures below count from: the viewer's midnight (`tz`), as /day */
  dayStart?: number;
  revenueToday: number;
  sessionsClosedToday: number;
  currency: string;
}

/** GET /day (routes/web-routes.ts): today by local hour. */
export interface DayFigures {
  /** the store's kind: which dashboard to show (absent from an older server: carts) */
  kind?: "carts" | "walkout";
  dayStart: number;
  currency: string;
  sessions: number;
  settled: number;
  prompts: number;
  reviews: number;
  averageBasket: number;
  hourly: {
    hour: number;
    sessions: number;
    settled: number;
    prompts: number;
    reviews: number;
    averageBasket?: number;
  }[];
  decisionLatency?: {
    count: number;
    p50?: number;
    p95?: number;
    buckets: { leMs: number | null; count: number }[];
  };
}
