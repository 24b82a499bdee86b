/**
 * Read models and registries over kysely, shared by SQLite and PostgreSQL. Projection rows are
 * written with a version guard (`ON CONFLICT … DO UPDATE … WHERE row.version < new.version`),
 * so concurrent or replayed projections converge on the newest stream version.
 */
import { type Kysely, sql } from "kysely";
import type {
  AccountDirectory,
  AccountRecord,
  ApiKeyRecord,
  ApiKeyRepository,
  ApiRole,
  CartRecord,
  CartRegistry,
  CartScreen,
  KeyRevocation,
  OpenCasesSummary,
  OpenSessionsSummary,
  ReceiptView,
  ReviewCaseRepository,
  ReviewCaseView,
  ReviewLabel,
  ReviewLabelRepository,
  SessionFilter,
  SessionReadModel,
  SessionSummary,
  SessionView,
} from "../../app/ports/read-models";
import { SESSION_PHASES, type SessionPhase } from "../../domain/session/session.transitions";
import type { Database, ReviewCasesTable, SessionsTable } from "./schema";
import { fromJson, toJson } from "./schema";
import { isUniqueViolation } from "./sql-event-store";

/** How the dialect reads a number out of a JSON column (TEXT in SQLite, JSONB in PostgreSQL). */
export type SqlDialectName = "sqlite" | "postgres";

function jsonInt(dialect: SqlDialectName, column: "receipt", field: "captured" | "refunded") {
  return dialect === "postgres"
    ? sql<number>`coalesce((${sql.ref(column)}->>${sql.lit(field)})::bigint, 0)`
    : sql<number>`coalesce(json_extract(${sql.ref(column)}, ${sql.lit(`$.${field}`)}), 0)`;
}

/**
 * The session phases no event moves a session out of, but for refunds and closing (which keep it
 * settled): a store's history is made of these. {@link SessionReadModel.summary} counts them for
 * the day only; every other phase (the carts shopping, at the exit, held, with a payment problem)
 * over all time.
 */
export const FINAL_STATES: readonly SessionPhase[] = [
  "paid",
  "partially-refunded",
  "refunded",
  "closed",
  "cancelled",
];
const NOT_FINAL: readonly SessionPhase[] = SESSION_PHASES.filter((p) => !FINAL_STATES.includes(p));

export class SqlSessionReadModel implements SessionReadModel {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly dialect: SqlDialectName,
  ) {}

  async put(v: SessionView): Promise<void> {
    const row: SessionsTable = {
      store: v.store,
      session: v.session,
      cart: v.cart ?? null,
      account: v.account ?? null,
      state: v.state,
      open: v.open ? 1 : 0,
      total: v.total,
      currency: v.currency,
      opened_at: v.openedAt,
      updated_at: v.updatedAt,
      version: v.version,
      screen: toJson(v.screen),
      receipt: v.receipt ? toJson(v.receipt) : null,
      holds_to_release: v.holdsToRelease?.length ? toJson(v.holdsToRelease) : null,
    };
    const { store: _s, session: _n, ...rest } = row;
    await this.db
      .insertInto("sessions")
      .values(row)
      .onConflict((oc) =>
        oc
          .columns(["store", "session"])
          .doUpdateSet(rest)
          .where("sessions.version", "<=", sql<number>`excluded.version`),
      )
      .execute();
  }

  async get(store: string, session: string): Promise<SessionView | undefined> {
    const r = await this.db
      .selectFrom("sessions")
      .selectAll()
      .where("store", "=", store)
      .where("session", "=", session)
      .executeTakeFirst();
    return r && toSessionView(r);
  }

  async list(store: string, filter: SessionFilter = {}): Promise<SessionView[]> {
    let q = this.db.selectFrom("sessions").selectAll().where("store", "=", store);
    if (filter.holdsToRelease) q = q.where("holds_to_release", "is not", null);
    if (filter.state !== undefined) q = q.where("state", "=", filter.state);
    if (filter.open !== undefined) q = q.where("open", "=", filter.open ? 1 : 0);
    if (filter.openedSince !== undefined) q = q.where("opened_at", ">=", filter.openedSince);
    // a day's keyset pages (openedSince + after) are read through sessions_opened (0004): SQLite,
    // without statistics, would walk the primary key from `after` through the store's whole
    // history instead (200,000 sessions: 35 ms a page against 2 ms), so the unary + takes
    // `session` off the primary key's range there. PostgreSQL's planner picks the index itself.
    const sessionKey =
      this.dialect === "sqlite" && filter.openedSince !== undefined
        ? sql<string>`+session`
        : sql.ref("session");
    q =
      filter.after === undefined
        ? q.orderBy("updated_at", "desc").orderBy("session", "desc")
        : q.where(sessionKey, ">", filter.after).orderBy("session", "asc");
    const rows = await q.limit(filter.limit ?? 100).execute();
    return rows.map(toSessionView);
  }

  /**
   * Aggregate queries, each answered from an index and each bounded by what is live or by the
   * day, never by the store's history: the sessions in a state that is not final (sessions_state:
   * the carts shopping and at the exit, few whatever the history), the sessions in a final state
   * opened since `openedSince` (sessions_opened, migration 0004), the open ones (sessions_open),
   * and the day's settled sessions with what their receipts took (sessions_opened, then those
   * rows' receipts).
   */
  async summary(store: string, options: { openedSince: number }): Promise<SessionSummary> {
    const live = await this.db
      .selectFrom("sessions")
      .select(["state", (eb) => eb.fn.countAll<number>().as("n")])
      .where("store", "=", store)
      .where("state", "in", NOT_FINAL)
      .groupBy("state")
      .execute();
    const ended = await this.db
      .selectFrom("sessions")
      .select(["state", (eb) => eb.fn.countAll<number>().as("n")])
      .where("store", "=", store)
      .where("opened_at", ">=", options.openedSince)
      .where("state", "in", FINAL_STATES)
      .groupBy("state")
      .execute();
    const states = [...live, ...ended];
    const open = await this.openSummary(store);
    const taken = sql<number>`${jsonInt(this.dialect, "receipt", "captured")} - ${jsonInt(this.dialect, "receipt", "refunded")}`;
    const day = await this.db
      .selectFrom("sessions")
      .select((eb) => [
        eb.fn.countAll<number>().as("n"),
        eb.fn.coalesce(eb.fn.sum<number>(taken), sql<number>`0`).as("taken"),
        eb.fn.max("currency").as("currency"),
      ])
      .where("store", "=", store)
      .where("opened_at", ">=", options.openedSince)
      .where("open", "=", 0)
      .where("receipt", "is not", null)
      .executeTakeFirstOrThrow();
    const currency =
      day.currency ??
      (
        await this.db
          .selectFrom("sessions")
          .select("currency")
          .where("store", "=", store)
          .limit(1)
          .executeTakeFirst()
      )?.currency;
    const byState: Record<string, number> = {};
    for (const r of states) byState[r.state] = Number(r.n);
    return {
      byState,
      open: open.open,
      openTotal: open.total,
      settledSince: Number(day.n),
      takenSince: Number(day.taken),
      ...(currency === undefined ? {} : { currency }),
    };
  }

  /**
   * The open sessions through sessions_open (store, open, updated_at): their number and what is in
   * their baskets, the `total` of each row (live rows only, few whatever the history). Summed as a
   * bigint in PostgreSQL (a `sum` of integers) and an integer in SQLite: never 32-bit.
   */
  async openSummary(store: string): Promise<OpenSessionsSummary> {
    const r = await this.db
      .selectFrom("sessions")
      .select((eb) => [
        eb.fn.countAll<number>().as("n"),
        eb.fn.coalesce(eb.fn.sum<number>("total"), sql<number>`0`).as("total"),
      ])
      .where("store", "=", store)
      .where("open", "=", 1)
      .executeTakeFirstOrThrow();
    return { open: Number(r.n), total: Number(r.total) };
  }

  async latestForCart(store: string, cart: string): Promise<SessionView | undefined> {
    const r = await this.db
      .selectFrom("sessions")
      .selectAll()
      .where("store", "=", store)
      .where("cart", "=", cart)
      .orderBy("opened_at", "desc")
      .orderBy("session", "desc")
      .limit(1)
      .executeTakeFirst();
    return r && toSessionView(r);
  }
}

function toSessionView(r: SessionsTable): SessionView {
  return {
    store: r.store,
    session: r.session,
    cart: r.cart ?? undefined,
    account: r.account ?? undefined,
    state: r.state,
    open: Number(r.open) === 1,
    total: Number(r.total),
    currency: r.currency,
    openedAt: Number(r.opened_at),
    updatedAt: Number(r.updated_at),
    version: Number(r.version),
    screen: fromJson<CartScreen>(r.screen),
    receipt: r.receipt == null ? undefined : fromJson<ReceiptView>(r.receipt),
    ...(r.holds_to_release == null
      ? {}
      : { holdsToRelease: fromJson<NonNullable<SessionView["holdsToRelease"]>>(r.holds_to_release) }),
  };
}

export class SqlReviewCases implements ReviewCaseRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async put(c: ReviewCaseView): Promise<void> {
    const row: ReviewCasesTable = {
      store: c.store,
      case_id: c.caseId,
      session: c.session,
      kind: c.kind,
      status: c.status,
      reason: c.reason,
      line_ids: toJson(c.lineIds),
      lines: toJson(c.lines),
      opened_at: c.openedAt,
      resolved_at: c.resolvedAt ?? null,
      decision: c.decision ?? null,
      decided_by: c.by ?? null,
      version: c.version,
    };
    const { store: _s, case_id: _c, ...rest } = row;
    await this.db
      .insertInto("review_cases")
      .values(row)
      .onConflict((oc) =>
        oc
          .columns(["store", "case_id"])
          .doUpdateSet(rest)
          .where("review_cases.version", "<", sql<number>`excluded.version`),
      )
      .execute();
  }

  async get(store: string, caseId: string): Promise<ReviewCaseView | undefined> {
    const r = await this.db
      .selectFrom("review_cases")
      .selectAll()
      .where("store", "=", store)
      .where("case_id", "=", caseId)
      .executeTakeFirst();
    return r && toCase(r);
  }

  async queue(
    store: string,
    filter: { kind?: "uncertain" | "dispute"; limit?: number } = {},
  ): Promise<ReviewCaseView[]> {
    let q = this.db
      .selectFrom("review_cases")
      .selectAll()
      .where("store", "=", store)
      .where("status", "=", "open");
    if (filter.kind) q = q.where("kind", "=", filter.kind);
    const rows = await q
      .orderBy("opened_at")
      .orderBy("case_id")
      .limit(filter.limit ?? 100)
      .execute();
    return rows.map(toCase);
  }

  async forSession(store: string, session: string): Promise<ReviewCaseView[]> {
    const rows = await this.db
      .selectFrom("review_cases")
      .selectAll()
      .where("store", "=", store)
      .where("session", "=", session)
      .orderBy("opened_at")
      .orderBy("case_id")
      .execute();
    return rows.map(toCase);
  }

  async openSummary(store: string): Promise<OpenCasesSummary> {
    const r = await this.db
      .selectFrom("review_cases")
      .select((eb) => [
        eb.fn.countAll<number>().as("open"),
        eb.fn.sum<number>(eb.case().when("kind", "=", "dispute").then(1).else(0).end()).as("disputes"),
        eb.fn.min("opened_at").as("oldest"),
      ])
      .where("store", "=", store)
      .where("status", "=", "open")
      .executeTakeFirstOrThrow();
    return {
      open: Number(r.open),
      disputes: Number(r.disputes ?? 0),
      ...(r.oldest == null ? {} : { oldestOpenedAt: Number(r.oldest) }),
    };
  }

  async disputes(store: string, limit = 100): Promise<ReviewCaseView[]> {
    const rows = await this.db
      .selectFrom("review_cases")
      .selectAll()
      .where("store", "=", store)
      .where("kind", "=", "dispute")
      .orderBy("opened_at", "desc")
      .orderBy("case_id", "desc")
      .limit(limit)
      .execute();
    return rows.map(toCase);
  }
}

function toCase(r: ReviewCasesTable): ReviewCaseView {
  return {
    store: r.store,
    caseId: r.case_id,
    session: r.session,
    kind: r.kind as ReviewCaseView["kind"],
    status: r.status as ReviewCaseView["status"],
    reason: r.reason,
    lineIds: fromJson<string[]>(r.line_ids),
    lines: fromJson<ReviewCaseView["lines"]>(r.lines),
    openedAt: Number(r.opened_at),
    resolvedAt: r.resolved_at == null ? undefined : Number(r.resolved_at),
    decision: (r.decision ?? undefined) as ReviewCaseView["decision"],
    by: r.decided_by ?? undefined,
    version: Number(r.version),
  };
}

export class SqlReviewLabels implements ReviewLabelRepository {
  constructor(private readonly db: Kysely<Database>) {}

  async record(label: ReviewLabel): Promise<void> {
    await this.db
      .insertInto("review_labels")
      .values({
        store: label.store,
        case_id: label.caseId,
        session: label.session,
        at: label.at,
        body: toJson(label),
      })
      .onConflict((oc) => oc.columns(["store", "case_id"]).doNothing())
      .execute();
  }

  async export(store: string, options: { since?: number; limit?: number } = {}): Promise<ReviewLabel[]> {
    const rows = await this.db
      .selectFrom("review_labels")
      .select("body")
      .where("store", "=", store)
      .where("at", ">=", options.since ?? 0)
      .orderBy("at")
      .orderBy("case_id")
      .limit(options.limit ?? 10_000)
      .execute();
    return rows.map((r) => fromJson<ReviewLabel>(r.body));
  }
}

export class SqlCartRegistry implements CartRegistry {
  constructor(private readonly db: Kysely<Database>) {}

  async put(r: {
    store: string;
    cart: string;
    secretHash: string;
    createdAt: number;
    label?: string;
  }): Promise<boolean> {
    try {
      await this.insertCart(r);
      return true;
    } catch (err) {
      // carts_cart (migration 0006): the id is another store's cart; the (store, cart) upsert
      // does not arbitrate that index, so the insert fails instead of updating
      if (isUniqueViolation(err)) return false;
      throw err;
    }
  }

  private async insertCart(r: {
    store: string;
    cart: string;
    secretHash: string;
    createdAt: number;
    label?: string;
  }): Promise<void> {
    await this.db
      .insertInto("carts")
      .values({
        store: r.store,
        cart: r.cart,
        secret_hash: r.secretHash,
        revoked: 0,
        created_at: r.createdAt,
        label: r.label ?? null,
      })
      .onConflict((oc) =>
        oc
          .columns(["store", "cart"])
          .doUpdateSet({ secret_hash: r.secretHash, revoked: 0, label: r.label ?? null }),
      )
      .execute();
  }

  async get(store: string, cart: string): Promise<CartRecord | undefined> {
    const r = await this.db
      .selectFrom("carts")
      .selectAll()
      .where("store", "=", store)
      .where("cart", "=", cart)
      .executeTakeFirst();
    return r && toCart(r);
  }

  async revoke(store: string, cart: string): Promise<boolean> {
    const r = await this.db
      .updateTable("carts")
      .set({ revoked: 1 })
      .where("store", "=", store)
      .where("cart", "=", cart)
      .executeTakeFirst();
    return Number(r.numUpdatedRows) > 0;
  }

  async list(store: string): Promise<CartRecord[]> {
    const rows = await this.db
      .selectFrom("carts")
      .selectAll()
      .where("store", "=", store)
      .orderBy("cart")
      .execute();
    return rows.map(toCart);
  }
}

function toCart(r: Database["carts"]): CartRecord {
  return {
    store: r.store,
    cart: r.cart,
    secretHash: r.secret_hash,
    revoked: Number(r.revoked) === 1,
    createdAt: Number(r.created_at),
    label: r.label ?? undefined,
  };
}

export class SqlApiKeys implements ApiKeyRepository {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly dialect: SqlDialectName,
  ) {}

  async create(r: Omit<ApiKeyRecord, "revoked" | "revokedBy" | "revokedAt">): Promise<void> {
    await this.db
      .insertInto("api_keys")
      .values({
        id: r.id,
        store: r.store,
        role: r.role,
        key_hash: r.keyHash,
        label: r.label ?? null,
        created_at: r.createdAt,
        revoked: 0,
        created_by: r.createdBy ?? null,
      })
      .execute();
  }

  async findByHash(keyHash: string): Promise<ApiKeyRecord | undefined> {
    const r = await this.db
      .selectFrom("api_keys")
      .selectAll()
      .where("key_hash", "=", keyHash)
      .where("revoked", "=", 0)
      .executeTakeFirst();
    return r && toKey(r);
  }

  async revoke(id: string, by?: KeyRevocation): Promise<boolean> {
    const r = await this.db
      .updateTable("api_keys")
      .set({ revoked: 1 })
      .where("id", "=", id)
      .executeTakeFirst();
    if (Number(r.numUpdatedRows) === 0) return false;
    if (by) await revokedBy(this.db, id, by);
    return true;
  }

  /**
   * One transaction: the key and the scope's active admin keys read, then the update. On
   * PostgreSQL the rows read are locked (FOR UPDATE), so of two transactions revoking the last two
   * admins at once the second waits, reads the first's key revoked (READ COMMITTED re-checks a
   * locked row's condition) and refuses; SQLite runs one write transaction at a time.
   */
  async revokeUnlessLastAdmin(
    store: string,
    id: string,
    by?: KeyRevocation,
  ): Promise<"revoked" | "unknown" | "last-admin"> {
    return this.db.transaction().execute(async (trx) => {
      const q = trx
        .selectFrom("api_keys")
        .select(["id", "role", "revoked"])
        .where("store", "=", store)
        .where((eb) => eb.or([eb("id", "=", id), eb.and([eb("role", "=", "admin"), eb("revoked", "=", 0)])]));
      const rows = await (this.dialect === "postgres" ? q.forUpdate() : q).execute();
      const key = rows.find((r) => r.id === id);
      if (!key) return "unknown";
      const activeAdmin = (r: (typeof rows)[number]) => r.role === "admin" && Number(r.revoked) === 0;
      if (activeAdmin(key) && !rows.some((r) => r.id !== id && activeAdmin(r))) return "last-admin";
      await trx.updateTable("api_keys").set({ revoked: 1 }).where("id", "=", id).execute();
      if (by) await revokedBy(trx, id, by);
      return "revoked";
    });
  }

  async list(store: string): Promise<ApiKeyRecord[]> {
    const rows = await this.db
      .selectFrom("api_keys")
      .selectAll()
      .where("store", "=", store)
      .orderBy("created_at")
      .orderBy("id")
      .execute();
    return rows.map(toKey);
  }
}

function toKey(r: Database["api_keys"]): ApiKeyRecord {
  return {
    id: r.id,
    store: r.store,
    role: r.role as ApiRole,
    keyHash: r.key_hash,
    label: r.label ?? undefined,
    createdAt: Number(r.created_at),
    revoked: Number(r.revoked) === 1,
    ...(r.created_by ? { createdBy: r.created_by } : {}),
    ...(r.revoked_by ? { revokedBy: r.revoked_by } : {}),
    ...(r.revoked_at !== null && r.revoked_at !== undefined ? { revokedAt: Number(r.revoked_at) } : {}),
  };
}

/** Records the first revocation's who and when (a key revoked again keeps them). */
async function revokedBy(db: Kysely<Database>, id: string, by: KeyRevocation): Promise<void> {
  await db
    .updateTable("api_keys")
    .set({ revoked_by: by.by, revoked_at: by.at })
    .where("id", "=", id)
    .where("revoked_at", "is", null)
    .execute();
}

export class SqlAccounts implements AccountDirectory {
  constructor(private readonly db: Kysely<Database>) {}

  async put(r: AccountRecord): Promise<void> {
    await this.db
      .insertInto("accounts")
      .values({
        store: r.store,
        account: r.account,
        payment_method: r.paymentMethod,
        name: r.name ?? null,
        created_at: r.createdAt,
      })
      .onConflict((oc) =>
        oc
          .columns(["store", "account"])
          .doUpdateSet({ payment_method: r.paymentMethod, name: r.name ?? null }),
      )
      .execute();
  }

  async get(store: string, account: string): Promise<AccountRecord | undefined> {
    const r = await this.db
      .selectFrom("accounts")
      .selectAll()
      .where("store", "=", store)
      .where("account", "=", account)
      .executeTakeFirst();
    return (
      r && {
        store: r.store,
        account: r.account,
        paymentMethod: r.payment_method,
        name: r.name ?? undefined,
        createdAt: Number(r.created_at),
      }
    );
  }
}
