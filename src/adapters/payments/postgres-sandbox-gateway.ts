/**
 * The sandbox payment provider shared by every server process of a chain: the same bookkeeping
 * as SandboxPaymentGateway (holds, captures, refunds, idempotency keys with request
 * fingerprints, behaviour by token suffix) kept in PostgreSQL instead of one process's memory.
 *
 * It stands in for a real provider, which keeps idempotency server-side: when a store moves to
 * another process mid-exit, the new owner's retry with the same key must get the first answer
 * and move no money again — only a ledger all processes share can show that. Each call runs in
 * one transaction holding an advisory lock on its idempotency key, so two processes racing with
 * one key serialise and the second reads the first's answer. Tables are created on first use
 * (`sandbox_*`), apart from the platform's own.
 */
import { createHash } from "node:crypto";
import pg from "pg";
import type {
  AuthorizeRequest,
  CaptureRequest,
  PaymentFailure,
  PaymentGateway,
  PaymentResult,
  RefundRequest,
  ReleaseRequest,
} from "../../app/ports/payment-gateway";

export interface PostgresSandboxOptions {
  connectionString: string;
  schema?: string;
  max?: number;
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
`;

function behaviour(token: string): PaymentFailure | "approve" | "decline-capture" {
  if (token.endsWith("-decline-capture")) return "decline-capture";
  if (token.endsWith("-decline")) return "declined";
  if (token.endsWith("-nsf")) return "insufficient_funds";
  if (token.endsWith("-timeout")) return "timeout";
  if (token.endsWith("-error")) return "error";
  return "approve";
}

function fail(status: PaymentFailure, code: string | undefined, message: string): PaymentResult<never> {
  return code ? { status, code, message } : { status, message };
}

/** Provider ids derived from the idempotency key: the same on every retry from any process. */
function idFor(prefix: string, key: string): string {
  return `${prefix}_${createHash("sha256").update(key).digest("hex").slice(0, 24)}`;
}

export class PostgresSandboxGateway implements PaymentGateway {
  readonly pool: pg.Pool;
  private ready: Promise<void> | undefined;

  constructor(options: PostgresSandboxOptions) {
    const schema = options.schema ?? "public";
    if (!/^[a-z_][a-z0-9_]*$/.test(schema)) throw new Error(`invalid schema name: ${schema}`);
    this.pool = new pg.Pool({
      connectionString: options.connectionString,
      max: options.max ?? 4,
      options: `-c search_path=${schema}`,
    });
    this.pool.on("error", () => undefined);
  }

  async authorize(
    req: AuthorizeRequest,
  ): Promise<PaymentResult<{ authorizationId: string; amount: number }>> {
    if (behaviour(req.paymentMethod) === "timeout")
      return fail("timeout", undefined, "the provider did not answer");
    return this.once("authorize", req.idempotencyKey, req, async (tx) => {
      if (!Number.isSafeInteger(req.amount) || req.amount <= 0)
        return fail("error", "bad-amount", "amount must be > 0");
      const b = behaviour(req.paymentMethod);
      if (b === "declined") return fail("declined", "card-declined", "the card was declined");
      if (b === "insufficient_funds") return fail("insufficient_funds", "nsf", "insufficient funds");
      if (b === "error") return fail("error", "provider-error", "the provider failed");
      const authorizationId = idFor("auth", req.idempotencyKey);
      await tx.query(
        "INSERT INTO sandbox_holds (authorization_id, payment_method, currency, amount, status, reference) VALUES ($1, $2, $3, $4, 'held', $5)",
        [authorizationId, req.paymentMethod, req.currency, req.amount, req.reference],
      );
      return { status: "approved", authorizationId, amount: req.amount };
    });
  }

  async capture(req: CaptureRequest): Promise<PaymentResult<{ captureId: string; amount: number }>> {
    return this.once("capture", req.idempotencyKey, req, async (tx) => {
      const { rows } = await tx.query<{ payment_method: string; amount: string; status: string }>(
        "SELECT payment_method, amount, status FROM sandbox_holds WHERE authorization_id = $1 FOR UPDATE",
        [req.authorizationId],
      );
      const hold = rows[0];
      if (!hold) return fail("error", "unknown-authorization", "no such authorization");
      if (!Number.isSafeInteger(req.amount) || req.amount < 0)
        return fail("error", "bad-amount", "amount must be ≥ 0");
      if (hold.status !== "held") return fail("error", "not-held", `the hold is ${hold.status}`);
      if (req.amount > Number(hold.amount))
        return fail("declined", "amount-exceeds-hold", "capture exceeds the hold");
      if (behaviour(hold.payment_method) === "decline-capture")
        return fail("declined", "card-declined", "the card was declined");
      const captureId = idFor("cap", req.idempotencyKey);
      await tx.query("UPDATE sandbox_holds SET status = 'captured' WHERE authorization_id = $1", [
        req.authorizationId,
      ]);
      await tx.query(
        "INSERT INTO sandbox_captures (capture_id, authorization_id, payment_method, amount) VALUES ($1, $2, $3, $4)",
        [captureId, req.authorizationId, hold.payment_method, req.amount],
      );
      return { status: "approved", captureId, amount: req.amount };
    });
  }

  async release(req: ReleaseRequest): Promise<PaymentResult<{ authorizationId: string }>> {
    return this.once("release", req.idempotencyKey, req, async (tx) => {
      const { rows } = await tx.query<{ status: string }>(
        "SELECT status FROM sandbox_holds WHERE authorization_id = $1 FOR UPDATE",
        [req.authorizationId],
      );
      if (!rows[0]) return fail("error", "unknown-authorization", "no such authorization");
      if (rows[0].status === "captured") return fail("error", "not-held", "the hold was captured");
      await tx.query("UPDATE sandbox_holds SET status = 'released' WHERE authorization_id = $1", [
        req.authorizationId,
      ]);
      return { status: "approved", authorizationId: req.authorizationId };
    });
  }

  async refund(req: RefundRequest): Promise<PaymentResult<{ refundId: string; amount: number }>> {
    return this.once("refund", req.idempotencyKey, req, async (tx) => {
      const { rows } = await tx.query<{ amount: string; refunded: string }>(
        "SELECT amount, refunded FROM sandbox_captures WHERE capture_id = $1 FOR UPDATE",
        [req.captureId],
      );
      const c = rows[0];
      if (!c) return fail("error", "unknown-capture", "no such capture");
      if (!Number.isSafeInteger(req.amount) || req.amount <= 0)
        return fail("error", "bad-amount", "amount must be > 0");
      if (Number(c.refunded) + req.amount > Number(c.amount)) {
        return fail("error", "refund-exceeds-capture", "refunds would exceed the captured amount");
      }
      const refundId = idFor("ref", req.idempotencyKey);
      await tx.query("UPDATE sandbox_captures SET refunded = refunded + $2 WHERE capture_id = $1", [
        req.captureId,
        req.amount,
      ]);
      await tx.query(
        "INSERT INTO sandbox_refunds (refund_id, capture_id, amount, reason) VALUES ($1, $2, $3, $4)",
        [refundId, req.captureId, req.amount, req.reason],
      );
      return { status: "approved", refundId, amount: req.amount };
    });
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
    op: string,
    key: string,
    req: object,
    run: (tx: Tx) => Promise<PaymentResult<T>>,
  ): Promise<PaymentResult<T>> {
    try {
      await this.ensure();
    } catch {
      return fail("timeout", undefined, "the provider did not answer");
    }
    const fingerprint = JSON.stringify([op, req]);
    let tx: Tx;
    try {
      tx = await this.pool.connect();
    } catch {
      return fail("timeout", undefined, "the provider did not answer");
    }
    try {
      await tx.query("BEGIN");
      await tx.query("SELECT pg_advisory_xact_lock(hashtext($1))", [key]);
      const known = await tx.query<{ fingerprint: string; result: PaymentResult<T> }>(
        "SELECT fingerprint, result FROM sandbox_answers WHERE key = $1",
        [key],
      );
      if (known.rows[0]) {
        await tx.query("COMMIT");
        if (known.rows[0].fingerprint !== fingerprint) {
          return fail("error", "idempotency-mismatch", "idempotency key reused with a different request");
        }
        return known.rows[0].result;
      }
      const result = await run(tx);
      await tx.query("INSERT INTO sandbox_answers (key, fingerprint, result) VALUES ($1, $2, $3)", [
        key,
        fingerprint,
        JSON.stringify(result),
      ]);
      await tx.query("COMMIT");
      return result;
    } catch {
      await tx.query("ROLLBACK").catch(() => undefined);
      // nothing committed: no money moved, a retry really retries
      return fail("timeout", undefined, "the provider did not answer");
    } finally {
      tx.release();
    }
  }
}
