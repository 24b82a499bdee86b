/**
 * What the HTTP API needs from the rest of the server: reads from the read models and the
 * commands behind the admin, review and dispute endpoints. The composition root (src/main.ts)
 * builds it from the storage adapter, the store service and the broker; tests build it the
 * same way on a real SQLite database. Every method takes the store first: the API layer has
 * already checked that the caller's key may act on that store.
 */
import type {
  ApiKeyRecord,
  ApiRole,
  CartRecord,
  ReceiptView,
  ReviewCaseView,
  ReviewLabel,
  SessionFilter,
  SessionView,
} from "../../app/ports/read-models";

export interface ProvisionedCart {
  store: string;
  cart: string;
  /** shown once; only its hash is stored */
  secret: string;
}

export interface StoreStats {
  store: string;
  activeSessions: number;
  /** Σ of the open sessions' running totals (what is in the carts or baskets now), minor units */
  activeTotal: number;
  sessionsByState: Record<string, number>;
  /** open cases of either kind (disputes included) */
  openReviews: number;
  /** of which disputes */
  openDisputes: number;
  /** when the oldest open case (either kind) was opened, epoch ms; absent with none open */
  oldestOpenReviewAt?: number;
  cartsProvisioned: number;
  cartsOnline: number;
  /** the start of "today" (epoch ms): the viewer's midnight, as GET …/day counts it */
  dayStart: number;
  /** captured less refunded on the sessions opened today and settled, minor units */
  revenueToday: number;
  /** sessions opened today and settled with a receipt (GET …/day's `settled`) */
  sessionsClosedToday: number;
  currency: string;
}

export interface ReviewCorrection {
  lineId?: string;
  sku: string;
  qty?: number;
  grams?: number;
}

export type ReviewDecision = "confirm" | "correct" | "void" | "uphold" | "reject";

export interface ApiBackend {
  /** Known stores (head-office admin lists them). */
  stores(): Promise<string[]>;
  storeExists(store: string): Promise<boolean>;

  // API keys
  findApiKey(keyHash: string): Promise<ApiKeyRecord | undefined>;
  /**
   * Makes a key of `scope` (a store, or `*` for head office); `createdBy` is kept with it (the
   * calling admin key's id, or `setup:…` outside the API; decision 0123).
   */
  createApiKey(
    scope: string,
    role: ApiRole,
    label?: string,
    createdBy?: string,
  ): Promise<{ record: ApiKeyRecord; key: string }>;
  /**
   * Revokes key `keyId` of `store`, or of head office when `store` is `*` (a key of another scope
   * is not found: false). Its HTTP calls are refused from the next one, its live sockets closed
   * on every process. `by`: the revoking admin key's id, kept with the key.
   */
  revokeApiKey(store: string, keyId: string, by?: string): Promise<boolean>;
  /** The keys of `scope` (`*`: head office's), oldest first: never a hash or secret. */
  listApiKeys(scope: string): Promise<ApiKeyRecord[]>;

  // carts
  provisionCart(store: string, cart: string, label?: string): Promise<ProvisionedCart>;
  revokeCart(store: string, cart: string): Promise<boolean>;
  listCarts(store: string): Promise<(CartRecord & { online: boolean })[]>;

  // sessions and receipts
  listSessions(store: string, filter: SessionFilter): Promise<SessionView[]>;
  getSession(store: string, session: string): Promise<SessionView | undefined>;
  receiptToken(store: string, session: string): string;
  /**
   * The receipt a link token opens (undefined: forged, altered, or not a hosted store). A cart
   * screen's token past its expiry throws ApiError `RECEIPT_LINK_EXPIRED` (410, tokens.ts).
   */
  resolveReceiptToken(token: string): { store: string; session: string } | undefined;

  // disputes (shopper) and review (staff)
  disputeLine(store: string, session: string, lineId: string, reason: string): Promise<{ caseId: string }>;
  reviewQueue(
    store: string,
    filter: { kind?: "uncertain" | "dispute"; limit?: number },
  ): Promise<ReviewCaseView[]>;
  getReview(store: string, caseId: string): Promise<ReviewCaseView | undefined>;
  decideReview(
    store: string,
    caseId: string,
    decision: { decision: ReviewDecision; by: string; note?: string; correction?: ReviewCorrection },
  ): Promise<ReviewCaseView>;
  exportLabels(store: string, options: { since?: number; limit?: number }): Promise<ReviewLabel[]>;

  /** `tz`: the viewer's offset in minutes east of UTC, for "today" (as GET …/day); UTC without it. */
  stats(store: string, options?: { tz?: number }): Promise<StoreStats>;
  /** Readiness: database reachable, broker up. */
  ready(): Promise<{ ok: boolean; checks: Record<string, boolean> }>;
}

export type { ReceiptView };
