/**
 * An HTTP API on a real SQLite file, with real review commands written against the read models
 * (what the store service does for a decision: resolve the case, record the label).
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { buildHttpServer } from "../../../src/adapters/http/http-server";
import { type BrokerCredentialSink, StorageApiBackend } from "../../../src/adapters/http/storage-api-backend";
import { apiKeyHash, ReceiptTokens } from "../../../src/adapters/http/tokens";
import { ServerMetrics } from "../../../src/adapters/metrics/server-metrics";
import { scryptHasher } from "../../../src/adapters/mqtt/cart-credentials";
import { openSqliteStorage } from "../../../src/adapters/sqlite/sqlite-storage";
import { LiveHub } from "../../../src/adapters/ws/live-hub";
import type { ReviewCaseView, SessionView, Storage } from "../../../src/app/ports/read-models";

export class RecordingSink implements BrokerCredentialSink {
  readonly provisioned: string[] = [];
  readonly revoked: string[] = [];
  readonly connected = new Set<string>();
  async cartProvisioned(_store: string, cart: string): Promise<void> {
    this.provisioned.push(cart);
  }
  async cartRevoked(_store: string, cart: string): Promise<void> {
    this.revoked.push(cart);
    this.connected.delete(cart);
  }
  online() {
    return this.connected;
  }
  ready() {
    return true;
  }
}

export async function apiFixture(stores = ["st-a", "st-b"]) {
  const dir = mkdtempSync(join(tmpdir(), "skiplane-api-"));
  const storage: Storage = openSqliteStorage({ file: join(dir, "db.sqlite") });
  const sink = new RecordingSink();
  const metrics = new ServerMetrics({ defaultMetrics: false });
  let t = 1_763_700_000_000;
  const now = () => t;
  const review = {
    async decide(
      store: string,
      caseId: string,
      d: { decision: "confirm" | "correct" | "void" | "uphold" | "reject"; by: string; note?: string },
    ) {
      const c = (await storage.reviews.get(store, caseId)) as ReviewCaseView;
      await storage.reviews.put({
        ...c,
        status: "resolved",
        decision: d.decision,
        by: d.by,
        resolvedAt: now(),
        version: c.version + 1,
      });
      await storage.labels.record({
        store,
        caseId,
        session: c.session,
        kind: c.kind,
        decision: d.decision,
        by: d.by,
        at: now(),
        before: c.lines,
      });
    },
    async dispute(store: string, session: string, lineId: string, reason: string) {
      const caseId = `case_d_${lineId}`;
      await storage.reviews.put({
        store,
        caseId,
        session,
        kind: "dispute",
        lineIds: [lineId],
        reason,
        status: "open",
        openedAt: now(),
        lines: [],
        version: 1,
      });
      return { caseId };
    },
  };
  const backend = new StorageApiBackend({
    storage,
    stores: () => stores,
    hasher: scryptHasher,
    broker: sink,
    receiptTokens: new ReceiptTokens(Buffer.alloc(32, 7)),
    review,
    now,
  });
  const live = new LiveHub({
    async byKey(key) {
      const r = await backend.findApiKey(apiKeyHash(key));
      return r && !r.revoked ? { kind: "staff", scope: r.store, role: r.role } : undefined;
    },
    async byCart() {
      return undefined;
    },
  });
  const app = await buildHttpServer({ backend, metrics, live, logger: false });
  const keys = {
    adminA: (await backend.createApiKey("st-a", "admin", "admin A")).key,
    operatorA: (await backend.createApiKey("st-a", "operator")).key,
    reviewerA: (await backend.createApiKey("st-a", "reviewer", "rita")).key,
    adminB: (await backend.createApiKey("st-b", "admin")).key,
    headOffice: (await backend.createApiKey("*", "admin", "head office")).key,
  };
  return {
    app,
    storage,
    backend,
    sink,
    metrics,
    live,
    keys,
    advance(ms: number) {
      t += ms;
    },
    async close() {
      await app.close();
      await storage.close();
    },
  };
}

export function sessionView(store: string, session: string, over: Partial<SessionView> = {}): SessionView {
  const t = 1_763_700_000_000;
  return {
    store,
    session,
    cart: "cart-1",
    state: "closed",
    screen: { session, state: "paid", currency: "USD", total: 387, lines: [], seq: 9 },
    total: 387,
    currency: "USD",
    openedAt: t,
    updatedAt: t + 1000,
    version: 9,
    open: false,
    receipt: {
      store,
      session,
      currency: "USD",
      lines: [
        {
          lineId: "line_1",
          lineIds: ["line_1"],
          sku: "cola-330",
          name: "Cola <330 ml> can",
          unitPrice: 129,
          qty: 3,
          amount: 387,
          adjustments: [],
          total: 387,
          status: "ok",
          evidence: "weight +1047 g matched 3 × cola-330; camera saw cola-330",
        },
      ],
      adjustments: [],
      taxes: [],
      subtotal: 387,
      total: 387,
      captured: 387,
      refunded: 0,
      review: false,
      prompts: 0,
      issuedAt: t + 1000,
    },
    ...over,
  };
}
