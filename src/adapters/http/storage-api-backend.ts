/**
 * The ApiBackend over a storage adapter (SQLite or PostgreSQL): reads come straight from the
 * read models; cart provisioning hashes the secret and tells the broker (embedded: disconnect
 * a re-keyed or revoked cart; Mosquitto: dynamic-security commands); review decisions and
 * disputes go to the application's workflows, injected as functions.
 */
import { randomBytes } from "node:crypto";
import type {
  ApiKeyRecord,
  ApiRole,
  ReviewCaseView,
  SessionFilter,
  Storage,
} from "../../app/ports/read-models";
import type { SecretHasher } from "../mqtt/cart-credentials";
import { newSecret } from "../mqtt/cart-credentials";
import type {
  ApiBackend,
  ProvisionedCart,
  ReviewCorrection,
  ReviewDecision,
  StoreStats,
} from "./api-backend";
import { ApiError } from "./problem";
import { dayStartAt } from "./routes/web-routes";
import { apiKeyHash, newApiKey, type ReceiptTokens } from "./tokens";

/** How cart credentials reach the broker that enforces them. */
export interface BrokerCredentialSink {
  /** a cart was provisioned or re-keyed (the plaintext secret is available only now) */
  cartProvisioned(store: string, cart: string, secret: string): Promise<void>;
  cartRevoked(store: string, cart: string): Promise<void>;
  /** an API key was revoked (its HTTP calls are refused by the key lookup; live sockets are not) */
  apiKeyRevoked?(store: string, keyId: string): Promise<void>;
  /** cart ids connected right now (empty when the broker cannot tell) */
  online(): Set<string>;
  ready(): boolean;
}

/**
 * The credential sink, plus: a revoked or re-keyed cart's live sockets (its screen over `/ws`)
 * are closed too, as its MQTT sessions are (security audit, docs/server.md "Security checks"),
 * and so are the sockets of a revoked API key — on this process; the sink tells the others
 * (cluster mode: the revocation bus, cluster-broker.ts).
 */
export function closingLiveSockets(
  sink: BrokerCredentialSink,
  live: { disconnectCart(store: string, cart: string): number; disconnectKey(keyId: string): number },
): BrokerCredentialSink {
  return {
    async cartProvisioned(store, cart, secret) {
      await sink.cartProvisioned(store, cart, secret);
      live.disconnectCart(store, cart);
    },
    async cartRevoked(store, cart) {
      await sink.cartRevoked(store, cart);
      live.disconnectCart(store, cart);
    },
    async apiKeyRevoked(store, keyId) {
      await sink.apiKeyRevoked?.(store, keyId);
      live.disconnectKey(keyId);
    },
    online: () => sink.online(),
    ready: () => sink.ready(),
  };
}

export interface ReviewCommands {
  decide(
    store: string,
    caseId: string,
    decision: { decision: ReviewDecision; by: string; note?: string; correction?: ReviewCorrection },
  ): Promise<void>;
  dispute(store: string, session: string, lineId: string, reason: string): Promise<{ caseId: string }>;
}

export interface StorageApiBackendOptions {
  storage: Storage;
  stores: () => readonly string[];
  hasher: SecretHasher;
  broker: BrokerCredentialSink;
  receiptTokens: ReceiptTokens;
  review: ReviewCommands;
  now?: () => number;
  newId?: (prefix: string) => string;
}

export class StorageApiBackend implements ApiBackend {
  private readonly now: () => number;
  private readonly newId: (prefix: string) => string;

  constructor(private readonly o: StorageApiBackendOptions) {
    this.now = o.now ?? Date.now;
    this.newId = o.newId ?? ((p) => `${p}_${randomBytes(10).toString("hex")}`);
  }

  async stores(): Promise<string[]> {
    return [...this.o.stores()];
  }
  async storeExists(store: string): Promise<boolean> {
    return this.o.stores().includes(store);
  }

  findApiKey(keyHash: string) {
    return this.o.storage.apiKeys.findByHash(keyHash);
  }

  async createApiKey(
    scope: string,
    role: ApiRole,
    label?: string,
    createdBy?: string,
  ): Promise<{ record: ApiKeyRecord; key: string }> {
    const id = this.newId("key");
    const key = newApiKey(id);
    const record = {
      id,
      store: scope,
      role,
      keyHash: apiKeyHash(key),
      label,
      createdAt: this.now(),
      ...(createdBy !== undefined ? { createdBy } : {}),
    };
    await this.o.storage.apiKeys.create(record);
    return { record: { ...record, revoked: false }, key };
  }

  listApiKeys(scope: string): Promise<ApiKeyRecord[]> {
    return this.o.storage.apiKeys.list(scope);
  }

  async revokeApiKey(store: string, keyId: string, by?: string): Promise<boolean> {
    const audit = by !== undefined ? { by, at: this.now() } : undefined;
    // looked up within the scope: another store's key, or a chain-wide one through a store (or a
    // store's through `*`), is not found here
    if (store === "*") {
      // head office keeps an admin: only a chain-wide admin revokes head-office keys (and no
      // route creates one), so without one the chain's keys could not be managed through the API
      const r = await this.o.storage.apiKeys.revokeUnlessLastAdmin(store, keyId, audit);
      if (r === "unknown") return false;
      if (r === "last-admin")
        throw new ApiError(
          "LAST_HEAD_OFFICE_ADMIN_KEY",
          `${keyId} is the chain's last active head-office admin key: revoking it would leave no key that can revoke head-office keys; keep another head-office admin key active first`,
        );
    } else {
      const key = (await this.o.storage.apiKeys.list(store)).find((k) => k.id === keyId);
      if (!key || key.store !== store) return false;
      await this.o.storage.apiKeys.revoke(keyId, audit);
    }
    await this.o.broker.apiKeyRevoked?.(store, keyId);
    return true;
  }

  async provisionCart(store: string, cart: string, label?: string): Promise<ProvisionedCart> {
    const taken = () =>
      new ApiError("CART_EXISTS", `cart id ${cart} is taken by another store (cart ids are MQTT usernames)`);
    // the common case, answered before hashing; the storage's unique index on the id decides a
    // race (two stores provisioning one id at the same moment both pass this read)
    for (const other of this.o.stores()) {
      if (other !== store && (await this.o.storage.carts.get(other, cart))) throw taken();
    }
    const before = await this.o.storage.carts.get(store, cart);
    const secret = newSecret();
    const secretHash = await this.o.hasher.hash(secret);
    if (!(await this.o.storage.carts.put({ store, cart, secretHash, createdAt: this.now(), label })))
      throw taken();
    try {
      await this.o.broker.cartProvisioned(store, cart, secret);
    } catch (err) {
      // the broker refused the id (it names another broker account): the new row is no cart
      if (!before) await this.o.storage.carts.revoke(store, cart);
      throw err;
    }
    return { store, cart, secret };
  }

  async revokeCart(store: string, cart: string): Promise<boolean> {
    const ok = await this.o.storage.carts.revoke(store, cart);
    if (ok) await this.o.broker.cartRevoked(store, cart);
    return ok;
  }

  async listCarts(store: string) {
    const online = this.o.broker.online();
    return (await this.o.storage.carts.list(store)).map((c) => ({
      ...c,
      online: !c.revoked && online.has(c.cart),
    }));
  }

  listSessions(store: string, filter: SessionFilter) {
    return this.o.storage.sessions.list(store, filter);
  }
  getSession(store: string, session: string) {
    return this.o.storage.sessions.get(store, session);
  }
  receiptToken(store: string, session: string): string {
    return this.o.receiptTokens.issue(store, session);
  }
  resolveReceiptToken(token: string) {
    const t = this.o.receiptTokens.check(token);
    if (!t.ok && t.reason === "expired" && this.o.stores().includes(t.store))
      throw new ApiError(
        "RECEIPT_LINK_EXPIRED",
        "this cart screen's receipt link has expired; the receipt is in the store app or the e-mail",
      );
    return t.ok && this.o.stores().includes(t.store) ? { store: t.store, session: t.session } : undefined;
  }

  async disputeLine(store: string, session: string, lineId: string, reason: string) {
    const s = await this.o.storage.sessions.get(store, session);
    if (!s?.receipt) throw new ApiError("UNKNOWN_SESSION", `no receipt for session ${session}`);
    if (!s.receipt.lines.some((l) => l.lineId === lineId || l.lineIds?.includes(lineId)))
      throw new ApiError("UNKNOWN_LINE", `no line ${lineId}`);
    return this.o.review.dispute(store, session, lineId, reason);
  }

  reviewQueue(store: string, filter: { kind?: "uncertain" | "dispute"; limit?: number }) {
    return this.o.storage.reviews.queue(store, filter);
  }
  getReview(store: string, caseId: string) {
    return this.o.storage.reviews.get(store, caseId);
  }

  async decideReview(
    store: string,
    caseId: string,
    decision: { decision: ReviewDecision; by: string; note?: string; correction?: ReviewCorrection },
  ): Promise<ReviewCaseView> {
    const c = await this.o.storage.reviews.get(store, caseId);
    if (!c) throw new ApiError("UNKNOWN_CASE", `no case ${caseId}`);
    if (c.status !== "open") throw new ApiError("CASE_CLOSED", `case ${caseId} was already decided`);
    const k = decision.correction;
    if (k?.lineId !== undefined && !c.lineIds.includes(k.lineId)) {
      throw new ApiError("UNKNOWN_LINE", `line ${k.lineId} is not in case ${caseId}`);
    }
    await this.o.review.decide(store, caseId, decision);
    const after = await this.o.storage.reviews.get(store, caseId);
    if (!after) throw new ApiError("UNKNOWN_CASE", `case ${caseId} vanished`);
    return after;
  }

  exportLabels(store: string, options: { since?: number; limit?: number }) {
    return this.o.storage.labels.export(store, options);
  }

  /**
   * Counted by the database (SessionReadModel.summary, ReviewCaseRepository.openSummary), so exact
   * for any number of sessions. "Today" is the day GET …/day shows: sessions opened since the
   * viewer's midnight (`tz`, minutes east of UTC; UTC without it), and what their receipts took.
   */
  async stats(store: string, options: { tz?: number } = {}): Promise<StoreStats> {
    const dayStart = dayStartAt(this.now(), options.tz ?? 0);
    const sessions = await this.o.storage.sessions.summary(store, { openedSince: dayStart });
    const cases = await this.o.storage.reviews.openSummary(store);
    const carts = await this.o.storage.carts.list(store);
    const online = this.o.broker.online();
    return {
      store,
      activeSessions: sessions.open,
      activeTotal: sessions.openTotal,
      sessionsByState: sessions.byState,
      openReviews: cases.open,
      openDisputes: cases.disputes,
      // how long the oldest open case has waited, for the dashboard
      ...(cases.oldestOpenedAt === undefined ? {} : { oldestOpenReviewAt: cases.oldestOpenedAt }),
      cartsProvisioned: carts.filter((c) => !c.revoked).length,
      cartsOnline: carts.filter((c) => !c.revoked && online.has(c.cart)).length,
      dayStart,
      revenueToday: sessions.takenSince,
      sessionsClosedToday: sessions.settledSince,
      currency: sessions.currency ?? "USD",
    };
  }

  async ready() {
    let database = false;
    try {
      const first = this.o.stores()[0];
      if (first) await this.o.storage.sessions.list(first, { limit: 1 });
      database = true;
    } catch {
      database = false;
    }
    const broker = this.o.broker.ready();
    return { ok: database && broker, checks: { database, broker } };
  }
}
