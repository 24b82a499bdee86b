/**
 * Read models and registries: the tables the HTTP API, the dashboard, the review console and
 * cart authentication query. Every method takes the store id first; nothing reads across
 * stores (API keys are the one lookup by hash, and carry their store scope).
 *
 * Read-model rows are projections of a session stream: each write carries the stream version
 * it reflects and is ignored when the row already reflects a later one, so several server
 * processes can project the same stream in any order.
 */
import type { ReviewEvidence } from "../../domain/events/review-evidence";
import type { EventStore } from "./event-store";
import type { RawSensorLog } from "./raw-sensor-log";

/** Cart screen state, exchange-v1 §5 (published retained on `…/carts/{cart}/screen`). */
export interface CartScreen {
  /** absent when the cart has no session (`idle`) */
  session?: string;
  state: ScreenState;
  currency: string;
  total: number;
  lines: CartScreenLine[];
  prompt?: {
    id: string;
    kind: "scan" | "choose" | "confirm-removal" | "plu";
    text: string;
    options?: { sku: string; name: string }[];
  };
  seq: number;
  /** once paid: the shopper's receipt link (`/r/<token>`, good for this session only) */
  receipt?: string;
  /** with `receipt`: when the link stops opening the receipt (epoch ms; the screen hides it then) */
  receiptExpiresAt?: number;
}
export type ScreenState = "idle" | "shopping" | "charging" | "paid" | "review" | "problem";
export interface CartScreenLine {
  sku: string;
  name: string;
  qty?: number;
  grams?: number;
  amount: number;
  status: "ok" | "unsure";
}

/** A receipt as the shopper and the review console see it. `total = Σ line totals + Σ adjustments`. */
export interface ReceiptView {
  store: string;
  session: string;
  currency: string;
  lines: ReceiptViewLine[];
  /** order-level adjustments (promotions, taxes not included in line prices) */
  adjustments: { kind: string; label: string; amount: number }[];
  taxes: { taxClass: string; rateBp?: number; amount: number }[];
  subtotal: number;
  total: number;
  captured: number;
  refunded: number;
  /** the session was sent to human review before the charge became final */
  review: boolean;
  prompts: number;
  issuedAt: number;
}
export interface ReceiptViewLine {
  /** the basket line to dispute (the first of `lineIds`) */
  lineId: string;
  /** every basket line this receipt line sums up */
  lineIds: string[];
  sku: string;
  name: string;
  unitPrice?: number;
  pricePerKg?: number;
  qty?: number;
  grams?: number;
  /** before adjustments */
  amount: number;
  adjustments: { kind: string; label: string; amount: number }[];
  total: number;
  status: "ok" | "unsure" | "voided" | "disputed" | "refunded";
  /** one sentence: why the platform believes this line */
  evidence: string;
}

/** Lifecycle of a session row as the API lists it. */
export interface SessionView {
  store: string;
  session: string;
  cart?: string;
  account?: string;
  /** the session state machine's state (domain names) */
  state: string;
  screen: CartScreen;
  total: number;
  currency: string;
  openedAt: number;
  updatedAt: number;
  /** the stream version this row reflects */
  version: number;
  /** `open` while the basket can still change (shopping); `settled` after exit */
  open: boolean;
  receipt?: ReceiptView;
  /**
   * holds the session placed, will not capture, and whose release the provider has not yet
   * confirmed: retried by the server until it does (decision 0112); absent when none
   */
  holdsToRelease?: { authorizationId: string; amount: number; reason: string; failedAt: number }[];
}

export interface SessionFilter {
  state?: string;
  open?: boolean;
  /** only sessions that owe a hold's release (decision 0112) */
  holdsToRelease?: boolean;
  /**
   * keyset paging for sweeps: sessions whose id sorts after this one ("" for the first page), in
   * session-id order, so rows that change or drop out meanwhile skip or repeat nothing; without
   * it, newest first
   */
  after?: string;
  /** only sessions opened at or after this time (epoch ms): a day's sessions, for its figures */
  openedSince?: number;
  limit?: number;
}

export interface SessionReadModel {
  /** Writes the row unless the stored row reflects a later version than `view.version`. */
  put(view: SessionView): Promise<void>;
  get(store: string, session: string): Promise<SessionView | undefined>;
  /** Newest first. */
  list(store: string, filter?: SessionFilter): Promise<SessionView[]>;
  /** The cart's most recent session, if any. */
  latestForCart(store: string, cart: string): Promise<SessionView | undefined>;
  /**
   * Counts and sums computed by the database (no rows read out): exact for any number of
   * sessions, for the dashboard's figures; each bounded by the live sessions or the day's.
   */
  summary(store: string, options: { openedSince: number }): Promise<SessionSummary>;
  /**
   * The open sessions (the carts shopping, the shoppers inside a walk-out store) counted and their
   * running totals summed by the database: exact however many there are, unlike a listed page.
   */
  openSummary(store: string): Promise<OpenSessionsSummary>;
}

/** {@link SessionReadModel.openSummary}: the sessions still open, counted by the database. */
export interface OpenSessionsSummary {
  open: number;
  /** Σ of their running totals (what is in the baskets now), minor units */
  total: number;
}

/** {@link SessionReadModel.summary}: the store's sessions now, and those opened since a time. */
export interface SessionSummary {
  /**
   * sessions by state (the session state machine's names): every session in a state that is not
   * final (shopping, exiting, charging, review, problem), and those in a final state (paid,
   * partially-refunded, refunded, closed, cancelled) opened at or after `openedSince` only, so
   * the cost follows what is live and the day, not the store's history
   */
  byState: Record<string, number>;
  /** sessions still open (shopping) */
  open: number;
  /** Σ of the open sessions' running totals, minor units ({@link SessionReadModel.openSummary}) */
  openTotal: number;
  /** sessions opened at or after `openedSince` that are settled with a receipt */
  settledSince: number;
  /** what those receipts took: Σ (captured − refunded), minor units */
  takenSince: number;
  /** the store's currency as its sessions record it (undefined: no session yet) */
  currency?: string;
}

/** {@link ReviewCaseRepository.openSummary}: the open cases, counted by the database. */
export interface OpenCasesSummary {
  open: number;
  disputes: number;
  /** when the oldest open case was opened (epoch ms); undefined when none is open */
  oldestOpenedAt?: number;
}

export interface ReviewCaseView {
  store: string;
  caseId: string;
  session: string;
  kind: "uncertain" | "dispute";
  lineIds: string[];
  reason: string;
  status: "open" | "resolved";
  openedAt: number;
  resolvedAt?: number;
  decision?: "confirm" | "correct" | "void" | "uphold" | "reject";
  by?: string;
  /** what the reviewer needs: the lines involved with their evidence */
  lines: { lineId: string; sku: string; qty?: number; grams?: number; status: string; evidence: unknown }[];
  version: number;
}

export interface ReviewCaseRepository {
  /** Upsert guarded by (caseId, version) like {@link SessionReadModel.put}. */
  put(c: ReviewCaseView): Promise<void>;
  get(store: string, caseId: string): Promise<ReviewCaseView | undefined>;
  /** Open cases, oldest first (the review queue). */
  queue(
    store: string,
    filter?: { kind?: "uncertain" | "dispute"; limit?: number },
  ): Promise<ReviewCaseView[]>;
  /** All cases of a session. */
  forSession(store: string, session: string): Promise<ReviewCaseView[]>;
  /** Dispute cases, open and resolved, newest first. */
  disputes(store: string, limit?: number): Promise<ReviewCaseView[]>;
  /** How many cases are open (of them disputes) and since when the oldest has waited: exact. */
  openSummary(store: string): Promise<OpenCasesSummary>;
}

/** One human decision with what the machine saw: training and evaluation data. */
export interface ReviewLabel {
  store: string;
  caseId: string;
  session: string;
  kind: "uncertain" | "dispute";
  decision: "confirm" | "correct" | "void" | "uphold" | "reject";
  by: string;
  at: number;
  /** the lines as the machine decided them, with evidence */
  before: unknown[];
  /** what the reviewer said is true (corrected sku and qty/grams), when they corrected */
  after?: { lineId: string; sku: string; qty?: number; grams?: number }[];
  note?: string;
  /**
   * the case's evidence record, as its event carried it (`ReviewRequested.evidence`: a cart's or a
   * walk-out store's fusion record, or a dispute's / the exit workflow's copy of its lines'
   * evidence); absent for a case recorded without one (before 2026-12-05)
   */
  evidence?: ReviewEvidence;
}

export interface ReviewLabelRepository {
  /** Idempotent on (store, caseId). */
  record(label: ReviewLabel): Promise<void>;
  /** Oldest first, from `since` (ms, inclusive). One JSON object per label: write as JSONL. */
  export(store: string, options?: { since?: number; limit?: number }): Promise<ReviewLabel[]>;
}

export interface CartRecord {
  store: string;
  cart: string;
  /** hash of the cart's MQTT password (see adapters/ids/secrets) */
  secretHash: string;
  revoked: boolean;
  createdAt: number;
  label?: string;
}

export interface CartRegistry {
  /**
   * Registers or re-keys a cart (un-revokes it). A cart id is one cart in the whole deployment
   * (it is the cart's MQTT username): false, and nothing written, when another store holds it —
   * the storage enforces that (a unique index on the id), so of two stores registering one id
   * at the same moment exactly one gets it.
   */
  put(record: {
    store: string;
    cart: string;
    secretHash: string;
    createdAt: number;
    label?: string;
  }): Promise<boolean>;
  get(store: string, cart: string): Promise<CartRecord | undefined>;
  /** Returns false when the cart does not exist. */
  revoke(store: string, cart: string): Promise<boolean>;
  list(store: string): Promise<CartRecord[]>;
}

export type ApiRole = "operator" | "reviewer" | "admin";

export interface ApiKeyRecord {
  /** public key id, e.g. `key_01J…` (shown in lists; never the secret) */
  id: string;
  /** the store the key may act on, or `*` for every store (chain admin) */
  store: string;
  role: ApiRole;
  /** hash of the secret (see adapters/ids/secrets) */
  keyHash: string;
  label?: string;
  createdAt: number;
  revoked: boolean;
  /**
   * The audit trail (decision 0123): who made the key — the id of the admin key that called the
   * API, or `setup:…` for one made outside it (demo seed, `skiplane keys create`) — and who
   * revoked it, when. Absent on keys made before it was kept.
   */
  createdBy?: string;
  revokedBy?: string;
  revokedAt?: number;
}

/** Who revokes a key, and when: kept on the key (the first revocation's; a second changes nothing). */
export interface KeyRevocation {
  by: string;
  at: number;
}

export interface ApiKeyRepository {
  create(record: Omit<ApiKeyRecord, "revoked" | "revokedBy" | "revokedAt">): Promise<void>;
  /** The (not revoked) key with this hash. */
  findByHash(keyHash: string): Promise<ApiKeyRecord | undefined>;
  /** Returns false when the key does not exist. */
  revoke(id: string, by?: KeyRevocation): Promise<boolean>;
  /**
   * Revokes the key `id` of scope `store` unless it is that scope's last active admin key, as one
   * step (two admins revoking each other's keys at once cannot both succeed): "revoked" (also a
   * key revoked already), "unknown" (no such key in that scope), "last-admin" (left as it is).
   */
  revokeUnlessLastAdmin(
    store: string,
    id: string,
    by?: KeyRevocation,
  ): Promise<"revoked" | "unknown" | "last-admin">;
  /** Keys scoped to this store (and chain-wide `*` keys when `store` is `*`). */
  list(store: string): Promise<ApiKeyRecord[]>;
}

/** A shopper account: what a check-in code or card token at the cart resolves to. */
export interface AccountRecord {
  store: string;
  /** the `account` of `session.start`: an app check-in code or a card token */
  account: string;
  /** the payment method token handed to the payment gateway */
  paymentMethod: string;
  name?: string;
  createdAt: number;
}

export interface AccountDirectory {
  put(record: AccountRecord): Promise<void>;
  get(store: string, account: string): Promise<AccountRecord | undefined>;
}

/** Everything a storage adapter (SQLite, PostgreSQL) provides. */
export interface Storage {
  readonly kind: "sqlite" | "postgres";
  readonly events: EventStore;
  readonly rawLog: RawSensorLog;
  readonly sessions: SessionReadModel;
  readonly reviews: ReviewCaseRepository;
  readonly labels: ReviewLabelRepository;
  readonly carts: CartRegistry;
  readonly apiKeys: ApiKeyRepository;
  readonly accounts: AccountDirectory;
  close(): Promise<void>;
}
