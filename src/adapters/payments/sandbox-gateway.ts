/**
 * The built-in sandbox payment gateway in one process's memory: real bookkeeping (holds,
 * partial captures, refunds, idempotency keys) without a provider, so the whole checkout runs
 * and fails realistically in tests and demos. The calls (sandbox-ledger.ts) and the rules —
 * token behaviours, what each call decides, idempotency (sandbox-rules.ts) — are shared with
 * the SQLite and PostgreSQL ledgers; this file keeps the records in maps.
 *
 * Besides the token suffixes, the `behaviours` table (token → outcome) and `balances` (token →
 * available minor units; a hold above what is left is insufficient_funds) choose outcomes.
 *
 * State lives in this process only and is gone when it dies: a server uses a ledger that
 * outlives it (SqliteSandboxGateway, PostgresSandboxGateway), as a real provider keeps its
 * state server-side — which is what makes a retry after a crash safe.
 */

import type { IdGenerator } from "../../app/ports/id-generator";
import {
  type SandboxAnswer,
  type SandboxDecide,
  SandboxLedgerGateway,
  type SandboxReads,
  type SandboxWrite,
} from "./sandbox-ledger";
import {
  fingerprint,
  holdAt,
  type KeptAnswer,
  keeps,
  replay,
  type SandboxBehaviour,
  type SandboxCapture,
  type SandboxHold,
  type SandboxLedger,
  type SandboxOperation,
} from "./sandbox-rules";

export type { SandboxBehaviour, SandboxLedger } from "./sandbox-rules";

export interface SandboxOptions {
  ids: IdGenerator;
  behaviours?: Record<string, SandboxBehaviour>;
  balances?: Record<string, number>;
  /** the provider's clock (hold expiry); default Date.now */
  now?: () => number;
}

export class SandboxPaymentGateway extends SandboxLedgerGateway {
  private readonly holds = new Map<string, SandboxHold>();
  private readonly captures = new Map<string, SandboxCapture>();
  private readonly refunds: SandboxLedger["refunds"] = [];
  private readonly answers = new Map<string, KeptAnswer>();
  /** calls made, by operation: figures for tests and the dashboard */
  readonly calls = { authorize: 0, capture: 0, release: 0, refund: 0 };

  constructor(private readonly options: SandboxOptions) {
    super(options.behaviours, () => (options.now ?? Date.now)());
  }

  protected newId(prefix: string): string {
    return this.options.ids(prefix);
  }

  /** A copy of everything the sandbox holds, for tests and the demo. */
  ledger(): SandboxLedger {
    return {
      holds: [...this.holds.values()].map((h) => ({ ...holdAt(h, this.now()) })),
      captures: [...this.captures.values()].map((c) => ({ ...c })),
      refunds: this.refunds.map((r) => ({ ...r })),
    };
  }

  /** Net money taken from a payment method: captures minus refunds. */
  netCharged(paymentMethod: string): number {
    let net = 0;
    for (const c of this.captures.values())
      if (c.paymentMethod === paymentMethod) net += c.amount - c.refunded;
    return net;
  }

  /** What a payment method with a configured balance can still hold. */
  protected override available(paymentMethod: string): number | undefined {
    const balance = this.options.balances?.[paymentMethod];
    if (balance === undefined) return undefined;
    let held = 0;
    const now = this.now();
    for (const h of this.holds.values())
      if (h.paymentMethod === paymentMethod && holdAt(h, now).status === "held") held += h.amount;
    return balance - held;
  }

  protected async call<T>(
    op: SandboxOperation,
    req: { idempotencyKey: string },
    reads: SandboxReads,
    decide: SandboxDecide<T>,
  ): Promise<SandboxAnswer<T>> {
    this.calls[op]++;
    const print = fingerprint(op, req);
    const known = replay<T>(this.answers.get(req.idempotencyKey), print);
    if (known) return { result: known, fresh: false };
    const { result, writes } = decide({
      hold: reads.hold === undefined ? undefined : this.holds.get(reads.hold),
      capture: reads.capture === undefined ? undefined : this.captures.get(reads.capture),
    });
    for (const w of writes) this.write(w);
    if (keeps(result)) this.answers.set(req.idempotencyKey, { fingerprint: print, result });
    return { result, fresh: true };
  }

  private write(w: SandboxWrite): void {
    switch (w.kind) {
      case "hold":
        this.holds.set(w.hold.authorizationId, w.hold);
        return;
      case "hold-status": {
        const hold = this.holds.get(w.authorizationId);
        if (hold) hold.status = w.status;
        return;
      }
      case "capture":
        this.captures.set(w.capture.captureId, w.capture);
        return;
      case "refund": {
        const capture = this.captures.get(w.refund.captureId);
        if (capture) capture.refunded += w.refund.amount;
        this.refunds.push(w.refund);
        return;
      }
      default: {
        const never: never = w;
        throw new Error(`unknown sandbox write ${JSON.stringify(never)}`);
      }
    }
  }
}
