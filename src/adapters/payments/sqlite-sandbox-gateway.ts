/**
 * The sandbox payment provider kept in a SQLite file — by default the file the single-process
 * server already stores its events in — so that it outlives the process, as a real provider's
 * ledger does. The calls and rules are sandbox-ledger.ts and sandbox-rules.ts (shared with the
 * in-memory and PostgreSQL ledgers); this file only reads and writes records.
 *
 * Why: a server killed between placing a hold (or capturing) and recording it resumes the exit
 * after restart with the same idempotency keys; only a ledger that survived can answer those
 * with the first result. With the in-memory sandbox the resumed capture met "no such
 * authorization" and the session ended in `problem`, uncharged (the crash test's failure).
 *
 * Each call is one IMMEDIATE transaction on this adapter's own connection, run synchronously
 * (better-sqlite3), so it never interleaves with the storage's transactions on the event loop
 * and the file's write lock serialises it against any other process. The answer is committed
 * before it is returned. The connection uses the storage's `synchronous = NORMAL`: one WAL for
 * both, so a power loss that drops a ledger commit drops every later commit too — never a
 * recorded capture the ledger lacks. Tables `sandbox_*` are created on first use, apart from
 * the platform's own (like the PostgreSQL ledger's).
 */
import BetterSqlite3 from "better-sqlite3";
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
  type SandboxLedger,
  type SandboxOperation,
} from "./sandbox-rules";

export interface SqliteSandboxOptions {
  /** the database file (`:memory:` keeps nothing across instances) */
  file: string;
  /** the provider's clock (hold expiry); default Date.now */
  now?: () => number;
  /** token → behaviour, over the token suffixes; read on every call (tests set and clear it) */
  behaviours?: Record<string, SandboxBehaviour>;
}

const DDL = `
CREATE TABLE IF NOT EXISTS sandbox_answers (
  key TEXT PRIMARY KEY, fingerprint TEXT NOT NULL, result TEXT NOT NULL, at INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS sandbox_holds (
  authorization_id TEXT PRIMARY KEY, payment_method TEXT NOT NULL, currency TEXT NOT NULL,
  amount INTEGER NOT NULL, status TEXT NOT NULL, reference TEXT NOT NULL, expires_at INTEGER);
CREATE INDEX IF NOT EXISTS sandbox_holds_reference ON sandbox_holds (reference);
CREATE TABLE IF NOT EXISTS sandbox_captures (
  capture_id TEXT PRIMARY KEY, authorization_id TEXT NOT NULL, payment_method TEXT NOT NULL,
  amount INTEGER NOT NULL, refunded INTEGER NOT NULL DEFAULT 0);
CREATE TABLE IF NOT EXISTS sandbox_refunds (
  refund_id TEXT PRIMARY KEY, capture_id TEXT NOT NULL, amount INTEGER NOT NULL, reason TEXT NOT NULL);
`;

export class SqliteSandboxGateway extends SandboxLedgerGateway {
  private readonly db: BetterSqlite3.Database;
  private readonly sql;

  constructor(options: SqliteSandboxOptions) {
    super(options.behaviours, options.now ?? Date.now);
    this.db = new BetterSqlite3(options.file);
    if (options.file !== ":memory:") this.db.pragma("journal_mode = WAL");
    this.db.pragma("synchronous = NORMAL");
    this.db.pragma("busy_timeout = 5000");
    this.db.exec(DDL);
    // a ledger made before holds expired: its holds keep no expiry (they never expire)
    const columns = this.db.prepare("PRAGMA table_info(sandbox_holds)").all() as { name: string }[];
    if (!columns.some((c) => c.name === "expires_at"))
      this.db.exec("ALTER TABLE sandbox_holds ADD COLUMN expires_at INTEGER");
    const db = this.db;
    this.sql = {
      answer: db.prepare<[string], { fingerprint: string; result: string }>(
        "SELECT fingerprint, result FROM sandbox_answers WHERE key = ?",
      ),
      keep: db.prepare("INSERT INTO sandbox_answers (key, fingerprint, result, at) VALUES (?, ?, ?, ?)"),
      hold: db.prepare<[string], SandboxHoldRow>("SELECT * FROM sandbox_holds WHERE authorization_id = ?"),
      addHold: db.prepare(
        "INSERT INTO sandbox_holds (authorization_id, payment_method, currency, amount, status, reference, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
      ),
      holdStatus: db.prepare("UPDATE sandbox_holds SET status = ? WHERE authorization_id = ?"),
      capture: db.prepare<[string], SandboxCaptureRow>("SELECT * FROM sandbox_captures WHERE capture_id = ?"),
      addCapture: db.prepare(
        "INSERT INTO sandbox_captures (capture_id, authorization_id, payment_method, amount) VALUES (?, ?, ?, ?)",
      ),
      addRefunded: db.prepare("UPDATE sandbox_captures SET refunded = refunded + ? WHERE capture_id = ?"),
      addRefund: db.prepare(
        "INSERT INTO sandbox_refunds (refund_id, capture_id, amount, reason) VALUES (?, ?, ?, ?)",
      ),
    };
  }

  protected newId(prefix: string, idempotencyKey: string): string {
    return keyedId(prefix, idempotencyKey);
  }

  /** Everything the ledger holds, for tests and the demo. */
  ledger(): SandboxLedger {
    return {
      holds: (this.db.prepare("SELECT * FROM sandbox_holds ORDER BY rowid").all() as SandboxHoldRow[]).map(
        (r) => holdAt(holdFromRow(r), this.now()),
      ),
      captures: (
        this.db.prepare("SELECT * FROM sandbox_captures ORDER BY rowid").all() as SandboxCaptureRow[]
      ).map(captureFromRow),
      refunds: (
        this.db.prepare("SELECT * FROM sandbox_refunds ORDER BY rowid").all() as {
          refund_id: string;
          capture_id: string;
          amount: number;
          reason: string;
        }[]
      ).map((r) => ({ refundId: r.refund_id, captureId: r.capture_id, amount: r.amount, reason: r.reason })),
    };
  }

  close(): void {
    this.db.close();
  }

  /**
   * One call in one immediate transaction: the kept answer to the key, or read, decide, write
   * and keep the new one. A failure rolls everything back and answers timeout: nothing moved, a
   * retry retries.
   */
  protected async call<T>(
    op: SandboxOperation,
    req: { idempotencyKey: string },
    reads: SandboxReads,
    decide: SandboxDecide<T>,
  ): Promise<SandboxAnswer<T>> {
    const key = req.idempotencyKey;
    const print = fingerprint(op, req);
    const tx = this.db.transaction((): SandboxAnswer<T> => {
      const row = this.sql.answer.get(key);
      const known = replay<T>(row && { fingerprint: row.fingerprint, result: JSON.parse(row.result) }, print);
      if (known) return { result: known, fresh: false };
      const hold = reads.hold === undefined ? undefined : this.sql.hold.get(reads.hold);
      const capture = reads.capture === undefined ? undefined : this.sql.capture.get(reads.capture);
      const { result, writes } = decide({
        hold: hold && holdFromRow(hold),
        capture: capture && captureFromRow(capture),
      });
      for (const w of writes) this.write(w);
      if (keeps(result)) this.sql.keep.run(key, print, JSON.stringify(result), Date.now());
      return { result, fresh: true };
    });
    try {
      return tx.immediate();
    } catch {
      return { result: providerTimeout(), fresh: false };
    }
  }

  private write(w: SandboxWrite): void {
    switch (w.kind) {
      case "hold":
        this.sql.addHold.run(...holdRowValues(w.hold));
        return;
      case "hold-status":
        this.sql.holdStatus.run(w.status, w.authorizationId);
        return;
      case "capture":
        this.sql.addCapture.run(...captureRowValues(w.capture));
        return;
      case "refund":
        this.sql.addRefunded.run(w.refund.amount, w.refund.captureId);
        this.sql.addRefund.run(...refundRowValues(w.refund));
        return;
      default: {
        const never: never = w;
        throw new Error(`unknown sandbox write ${JSON.stringify(never)}`);
      }
    }
  }
}
