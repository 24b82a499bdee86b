/**
 * The sandbox payment provider shared by every server process of a chain: the same bookkeeping
 * as SandboxPaymentGateway (holds, captures, refunds, idempotency keys with request
 * fingerprints, behaviour by token suffix) kept in PostgreSQL instead of one process's memory.
 * The calls and rules are sandbox-ledger.ts and sandbox-rules.ts (shared with the in-memory and
 * SQLite ledgers); this file only reads and writes records.
 *
 * It stands in for a real provider, which keeps idempotency server-side: when a store moves to
 * another process mid-exit, the new owner's retry with the same key must get the first answer
 * and move no money again — only a ledger all processes share can show that. Each call runs in
 * one transaction holding an advisory lock on its idempotency key, so two processes racing with
 * one key serialise and the second reads the first's answer. Tables are created on first use
 * (`sandbox_*`), apart from the platform's own.
 */
import pg from "pg";
import type { PaymentResult } from "../../app/ports/payment-gateway";
import {
  captureFromRow,
  captureRowValues,
  holdFromRow,
  holdRowValues,
  refundRowValues,
  type SandboxAnswer,
  type SandboxCaptureRow,
  type SandboxDecide,
  type SandboxHoldRow,
  SandboxLedgerGateway,
  type SandboxReads,
  type SandboxWrite,
} from "./sandbox-ledger";
import {
  fingerprint,
  holdAt,
  keeps,
  keyedId,
  providerTimeout,
  replay,
  type SandboxBehaviour,
  type SandboxHold,
  type SandboxOperation,
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

export class PostgresSandboxGateway extends SandboxLedgerGateway {
  readonly pool: pg.Pool;
  private ready: Promise<void> | undefined;

  constructor(options: PostgresSandboxOptions) {
    super(options.behaviours, options.now ?? Date.now);
    const schema = options.schema ?? "public";
    if (!/^[a-z_][a-z0-9_]*$/.test(schema)) throw new Error(`invalid schema name: ${schema}`);
    this.pool = new pg.Pool({
      connectionString: options.connectionString,
      max: options.max ?? 4,
      options: `-c search_path=${schema}`,
    });
    this.pool.on("error", () => undefined);
  }

  protected newId(prefix: string, idempotencyKey: string): string {
    return keyedId(prefix, idempotencyKey);
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
    const { rows } = await this.pool.query<SandboxHoldRow>(
      "SELECT * FROM sandbox_holds ORDER BY authorization_id",
    );
    const now = this.now();
    return rows.map((r) => holdAt(holdFromRow(r), now));
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

  protected async call<T>(
    op: SandboxOperation,
    req: { idempotencyKey: string },
    reads: SandboxReads,
    decide: SandboxDecide<T>,
  ): Promise<SandboxAnswer<T>> {
    const key = req.idempotencyKey;
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
      const { result, writes } = decide({
        hold: reads.hold === undefined ? undefined : await holdFor(tx, reads.hold),
        capture: reads.capture === undefined ? undefined : await captureFor(tx, reads.capture),
      });
      for (const w of writes) await write(tx, w);
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

async function holdFor(tx: Tx, authorizationId: string): Promise<SandboxHold | undefined> {
  const { rows } = await tx.query<SandboxHoldRow>(
    "SELECT * FROM sandbox_holds WHERE authorization_id = $1 FOR UPDATE",
    [authorizationId],
  );
  return rows[0] && holdFromRow(rows[0]);
}

async function captureFor(tx: Tx, captureId: string) {
  const { rows } = await tx.query<SandboxCaptureRow>(
    "SELECT * FROM sandbox_captures WHERE capture_id = $1 FOR UPDATE",
    [captureId],
  );
  return rows[0] && captureFromRow(rows[0]);
}

async function write(tx: Tx, w: SandboxWrite): Promise<void> {
  switch (w.kind) {
    case "hold":
      await tx.query(
        "INSERT INTO sandbox_holds (authorization_id, payment_method, currency, amount, status, reference, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
        holdRowValues(w.hold),
      );
      return;
    case "hold-status":
      await tx.query("UPDATE sandbox_holds SET status = $2 WHERE authorization_id = $1", [
        w.authorizationId,
        w.status,
      ]);
      return;
    case "capture":
      await tx.query(
        "INSERT INTO sandbox_captures (capture_id, authorization_id, payment_method, amount) VALUES ($1, $2, $3, $4)",
        captureRowValues(w.capture),
      );
      return;
    case "refund":
      await tx.query("UPDATE sandbox_captures SET refunded = refunded + $2 WHERE capture_id = $1", [
        w.refund.captureId,
        w.refund.amount,
      ]);
      await tx.query(
        "INSERT INTO sandbox_refunds (refund_id, capture_id, amount, reason) VALUES ($1, $2, $3, $4)",
        refundRowValues(w.refund),
      );
      return;
    default: {
      const never: never = w;
      throw new Error(`unknown sandbox write ${JSON.stringify(never)}`);
    }
  }
}
