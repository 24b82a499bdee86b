/**
 * The sandbox payment provider shared by every server process of a chain: the same bookkeeping
 * as SandboxPaymentGateway (holds, captures, refunds, idempotency keys with request
 * fingerprints, behaviour by token suffix) kept in PostgreSQL instead of one process's memory.
 * The rules are sandbox-rules.ts (shared with the in-memory and SQLite ledgers); this file only
 * reads and writes records.
 *
 * It stands in for a real provider, which keeps idempotency server-side: when a store moves to
 * another process mid-exit, the new owner's retry with the same key must get the first answer
 * and move no money again — only a ledger all processes share can show that. Each call runs in
 * one transaction holding an advisory lock on its idempotency key, so two processes racing with
 * one key serialise and the second reads the first's answer. Tables are created on first use
 * (`sandbox_*`), apart from the platform's own.
 */
import pg from "pg";
import type {
  AuthorizeRequest,
  CaptureRequest,
  PaymentGateway,
  PaymentResult,
  RefundRequest,
  ReleaseRequest,
} from "../../app/ports/payment-gateway";
import {
  decideAuthorize,
  decideCapture,
  decideRefund,
  decideRelease,
  deliverCapture,
  fingerprint,
  holdAt,
  keeps,
  keyedId,
  providerTimeout,
  replay,
  type SandboxBehaviour,
  type SandboxHold,
  type SandboxOperation,
  tokenBehaviour,
} from "./sandbox-rules";

export interface PostgresSandboxOptions {
  connectionString: string;
  schema?: string;
  max?: number;
  /** the provider's clock (hold expiry); default Date.now */
  now?: () => number;
  /** token → behaviour, over the token suffixes; read on every call (tests set and clear it) */
  behaviours?: Record<string, SandboxBehaviour>;
}

type Tx = pg.PoolClient;

const DDL = `
CREATE TABLE IF NOT EXISTS sandbox_answers (
  key TEXT PRIMARY KEY, fingerprint TEXT NOT NULL, result JSONB NOT NULL, at TIMESTAMPTZ NOT NULL DEFAULT now());
CREATE TABLE IF NOT EXISTS sandbox_holds (
  authorization_id TEXT PRIMARY KEY, payment_method TEXT NOT NULL, currency TEXT NOT NULL,
  amount BIGINT NOT NULL, status TEXT NOT NULL, reference TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS sandbox_captures (
  capture_id TEXT PRIMARY KEY, authorization_id TEXT NOT NULL, payment_method TEXT NOT NULL,
  amount BIGINT NOT NULL, refunded BIGINT NOT NULL DEFAULT 0);
CREATE TABLE IF NOT EXISTS sandbox_refunds (
  refund_id TEXT PRIMARY KEY, capture_id TEXT NOT NULL, amount BIGINT NOT NULL, reason TEXT NOT NULL);
-- holds placed before holds expired keep none (they never expire)
ALTER TABLE sandbox_holds ADD COLUMN IF NOT EXISTS expires_at BIGINT;
`;

async function holdFor(tx: Tx, authorizationId: string): Promise<SandboxHold | undefined> {
  const { rows } = await tx.query<{
    payment_method: string;
    currency: string;
    amount: string;
    status: SandboxHold["status"];
    reference: string;
    expires_at: string | null;
  }>(
    "SELECT payment_method, currency, amount, status, reference, expires_at FROM sandbox_holds WHERE authorization_id = $1 FOR UPDATE",
    [authorizationId],
  );
  const r = rows[0];
  if (!r) return undefined;
  return {
    authorizationId,
    paymentMethod: r.payment_method,
    currency: r.currency,
    amount: Number(r.amount),
    status: r.status,
    reference: r.reference,
    ...(r.expires_at !== null ? { expiresAt: Number(r.expires_at) } : {}),
  };
}

export class PostgresSandboxGateway implements PaymentGateway {
  readonly pool: pg.Pool;
  private ready: Promise<void> | undefined;
  private readonly now: () => number;
  private readonly behaviours: Record<string, SandboxBehaviour> | undefined;

  constructor(options: PostgresSandboxOptions) {
    this.now = options.now ?? Date.now;
    this.behaviours = options.behaviours;
    const schema = options.schema ?? "public";
    if (!/^[a-z_][a-z0-9_]*$/.test(schema)) throw new Error(`invalid schema name: ${schema}`);
    this.pool = new pg.Pool({
      connectionString: options.connectionString,
      max: options.max ?? 4,
      options: `-c search_path=${schema}`,
    });
    this.pool.on("error", () => undefined);
  }

  private behaviour(token: string): SandboxBehaviour {
    return this.behaviours?.[token] ?? tokenBehaviour(token);
  }

  async authorize(
    req: AuthorizeRequest,
  ): Promise<PaymentResult<{ authorizationId: string; amount: number }>> {
    const { result } = await this.once("authorize", req.idempotencyKey, req, async (tx) => {
      const { result, hold } = decideAuthorize(
        req,
        this.behaviour(req.paymentMethod),
        () => keyedId("auth", req.idempotencyKey),
        this.now(),
      );
      if (hold) {
        await tx.query(
          "INSERT INTO sandbox_holds (authorization_id, payment_method, currency, amount, status, reference, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
          [
            hold.authorizationId,
            hold.paymentMethod,
            hold.currency,
            hold.amount,
            hold.status,
            hold.reference,
            hold.expiresAt ?? null,
          ],
        );
      }
      return result;
    });
    return result;
  }

  async capture(req: CaptureRequest): Promise<PaymentResult<{ captureId: string; amount: number }>> {
    let b: SandboxBehaviour = "approve";
    const { result, fresh } = await this.once("capture", req.idempotencyKey, req, async (tx) => {
      const hold = await holdFor(tx, req.authorizationId);
      if (hold) b = this.behaviour(hold.paymentMethod);
      const { result, capture } = decideCapture(
        req,
        hold,
        b,
        () => keyedId("cap", req.idempotencyKey),
        this.now(),
      );
      if (capture) {
        await tx.query("UPDATE sandbox_holds SET status = 'captured' WHERE authorization_id = $1", [
          capture.authorizationId,
        ]);
        await tx.query(
          "INSERT INTO sandbox_captures (capture_id, authorization_id, payment_method, amount) VALUES ($1, $2, $3, $4)",
          [capture.captureId, capture.authorizationId, capture.paymentMethod, capture.amount],
        );
      }
      return result;
    });
    return deliverCapture(result, b, fresh);
  }

  async release(req: ReleaseRequest): Promise<PaymentResult<{ authorizationId: string }>> {
    const { result } = await this.once("release", req.idempotencyKey, req, async (tx) => {
      const hold = await holdFor(tx, req.authorizationId);
      const { result, released } = decideRelease(
        req,
        hold,
        hold ? this.behaviour(hold.paymentMethod) : "approve",
      );
      if (released) {
        await tx.query("UPDATE sandbox_holds SET status = 'released' WHERE authorization_id = $1", [
          req.authorizationId,
        ]);
      }
      return result;
    });
    return result;
  }

  async refund(req: RefundRequest): Promise<PaymentResult<{ refundId: string; amount: number }>> {
    const { result } = await this.once("refund", req.idempotencyKey, req, async (tx) => {
      const { rows } = await tx.query<{
        authorization_id: string;
        payment_method: string;
        amount: string;
        refunded: string;
      }>(
        "SELECT authorization_id, payment_method, amount, refunded FROM sandbox_captures WHERE capture_id = $1 FOR UPDATE",
        [req.captureId],
      );
      const c = rows[0];
      const { result, refund } = decideRefund(
        req,
        c && {
          captureId: req.captureId,
          authorizationId: c.authorization_id,
          paymentMethod: c.payment_method,
          amount: Number(c.amount),
          refunded: Number(c.refunded),
        },
        () => keyedId("ref", req.idempotencyKey),
      );
      if (refund) {
        await tx.query("UPDATE sandbox_captures SET refunded = refunded + $2 WHERE capture_id = $1", [
          refund.captureId,
          refund.amount,
        ]);
        await tx.query(
          "INSERT INTO sandbox_refunds (refund_id, capture_id, amount, reason) VALUES ($1, $2, $3, $4)",
          [refund.refundId, refund.captureId, refund.amount, refund.reason],
        );
      }
      return result;
    });
    return result;
  }

  /** Every capture with the reference of its hold (`{store}/session/{id}`): tests count them. */
  async captures(): Promise<
    { captureId: string; reference: string; paymentMethod: string; amount: number; refunded: number }[]
  > {
    await this.ensure();
    const { rows } = await this.pool.query<{
      capture_id: string;
      reference: string;
      payment_method: string;
      amount: string;
      refunded: string;
    }>(
      `SELECT c.capture_id, h.reference, c.payment_method, c.amount, c.refunded
         FROM sandbox_captures c JOIN sandbox_holds h USING (authorization_id) ORDER BY c.capture_id`,
    );
    return rows.map((r) => ({
      captureId: r.capture_id,
      reference: r.reference,
      paymentMethod: r.payment_method,
      amount: Number(r.amount),
      refunded: Number(r.refunded),
    }));
  }

  /** Every hold (ordered by id, not by time): tests check that none is left open. */
  async holds(): Promise<SandboxHold[]> {
    await this.ensure();
    const { rows } = await this.pool.query<{
      authorization_id: string;
      payment_method: string;
      currency: string;
      amount: string;
      status: SandboxHold["status"];
      reference: string;
      expires_at: string | null;
    }>("SELECT * FROM sandbox_holds ORDER BY authorization_id");
    const now = this.now();
    return rows.map((r) =>
      holdAt(
        {
          authorizationId: r.authorization_id,
          paymentMethod: r.payment_method,
          currency: r.currency,
          amount: Number(r.amount),
          status: r.status,
          reference: r.reference,
          ...(r.expires_at !== null ? { expiresAt: Number(r.expires_at) } : {}),
        },
        now,
      ),
    );
  }

  async close(): Promise<void> {
    await this.pool.end();
  }

  private ensure(): Promise<void> {
    if (!this.ready) {
      this.ready = (async () => {
        const c = await this.pool.connect();
        try {
          await c.query("BEGIN");
          await c.query("SELECT pg_advisory_xact_lock(hashtext('skiplane-sandbox-ddl'))");
          await c.query(DDL);
          await c.query("COMMIT");
        } catch (err) {
          await c.query("ROLLBACK").catch(() => undefined);
          throw err;
        } finally {
          c.release();
        }
      })();
      this.ready.catch(() => {
        this.ready = undefined;
      });
    }
    return this.ready;
  }

  private async once<T>(
    op: SandboxOperation,
    key: string,
    req: object,
    run: (tx: Tx) => Promise<PaymentResult<T>>,
  ): Promise<{ result: PaymentResult<T>; fresh: boolean }> {
    const timeout = { result: providerTimeout(), fresh: false };
    try {
      await this.ensure();
    } catch {
      return timeout;
    }
    const print = fingerprint(op, req);
    let tx: Tx;
    try {
      tx = await this.pool.connect();
    } catch {
      return timeout;
    }
    try {
      await tx.query("BEGIN");
      await tx.query("SELECT pg_advisory_xact_lock(hashtext($1))", [key]);
      const known = await tx.query<{ fingerprint: string; result: PaymentResult<T> }>(
        "SELECT fingerprint, result FROM sandbox_answers WHERE key = $1",
        [key],
      );
      const replayed = replay<T>(known.rows[0], print);
      if (replayed) {
        await tx.query("COMMIT");
        return { result: replayed, fresh: false };
      }
      const result = await run(tx);
      if (keeps(result)) {
        await tx.query("INSERT INTO sandbox_answers (key, fingerprint, result) VALUES ($1, $2, $3)", [
          key,
          print,
          JSON.stringify(result),
        ]);
      }
      await tx.query("COMMIT");
      return { result, fresh: true };
    } catch {
      await tx.query("ROLLBACK").catch(() => undefined);
      // nothing committed: no money moved, a retry really retries
      return timeout;
    } finally {
      tx.release();
    }
  }
}
