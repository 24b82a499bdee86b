/**
 * A chain for one scale scenario: a schema on the (private) PostgreSQL, a config file naming the
 * stores and their catalog, N clustered server processes, carts provisioned through the store API
 * (as a deployment provides its carts: with `mqtt.auth = none` a store lane takes events only of
 * a cart provisioned in the topic's store, provisioned-carts.ts) on the broker — and the checks
 * every scenario ends with:
 *   - every event the broker acknowledged to a cart is in the raw log;
 *   - every session's cart-made basket events equal a reference run of the same events through
 *     one in-process StoreService (deterministic replay: a basket rebuilt elsewhere is identical);
 *   - every session is paid, with exactly one PaymentCaptured and exactly one capture at the
 *     (shared) payment provider, of the reference amount.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { expect } from "vitest";
import { writeCatalogFile } from "../../../src/adapters/files/catalog-file";
import { apiKeyHash } from "../../../src/adapters/http/tokens";
import { SandboxPaymentGateway } from "../../../src/adapters/payments/sandbox-gateway";
import { openSqliteStorage } from "../../../src/adapters/sqlite/sqlite-storage";
import { preferredNode } from "../../../src/app/cluster/ownership";
import { StoreService } from "../../../src/app/services/store-service";
import type { BasketEvent } from "../../../src/domain/basket/basket.events";
import type { Catalog } from "../../../src/domain/catalog/product";
import { sequentialIds } from "../../../src/domain/shared/ids";
import { DEFAULT_STORE_SETTINGS } from "../../../src/domain/store/store-settings";
import { type CartRun, fleetCatalog, startFleet, tripEvents, waitUntil } from "./fleet";
import { type NodeProcess, startNode } from "./servers";

export const PAYMENT_METHOD = "tok_house";

export interface ChainOptions {
  tag: string;
  databaseUrl: string;
  mqttUrl: string;
  nodes: number;
  stores: number;
  cartsPerStore: number;
  items: number;
  leaseTtlMs?: number;
  renewMs?: number;
  /** the stores' catalog; default the fleet's */
  catalog?: Catalog;
  /** more environment for every process (broker account, mqtt.auth …) */
  env?: Record<string, string>;
  /** more `node` flags for every process */
  nodeArgs?: string[];
}

export interface Chain {
  schema: string;
  stores: string[];
  nodes: NodeProcess[];
  pool: pg.Pool;
  configFile: string;
  startNode(name: string): Promise<NodeProcess>;
  /** owner of each store per the leases table (only unexpired leases) */
  owners(): Promise<Map<string, { owner: string; epoch: number }>>;
  /**
   * Provisions `carts` through a live process's store API (`POST /stores/{store}/carts`, with the
   * chain's admin key), as a deployment does before they shop; on the anonymous broker of these
   * tests their secrets are not needed. startChain provisions the carts `trips()` shops with.
   */
  provision(carts: { store: string; cart: string }[]): Promise<void>;
  /** a chain-wide admin API key (scope `*`), inserted as `skiplane keys create` would; made once */
  adminKey(): Promise<string>;
  /** every store owned by its preferred live process (placement settled), no move for 1.5 s */
  waitAllOwned(ms?: number): Promise<Map<string, { owner: string; epoch: number }>>;
  trips(
    t0: number,
  ): { store: string; cart: string; session: string; events: ReturnType<typeof tripEvents> }[];
  dispose(): Promise<void>;
}

export async function startChain(o: ChainOptions): Promise<Chain> {
  const schema = `scale_${o.tag}_${process.pid}_${Math.random().toString(36).slice(2, 7)}`;
  const dir = mkdtempSync(join(tmpdir(), "skiplane-scale-"));
  const catalog = join(dir, "catalog.json");
  writeCatalogFile(catalog, o.catalog ?? fleetCatalog);
  const stores = Array.from({ length: o.stores }, (_, i) => `${o.tag}-s${i + 1}`);
  const configFile = join(dir, "config.json");
  writeFileSync(
    configFile,
    JSON.stringify({
      demo: { enabled: false },
      cluster: {
        stores: stores.map((id) => ({ id, catalog, defaultPaymentMethod: PAYMENT_METHOD })),
        leaseTtlMs: o.leaseTtlMs ?? 3000,
        renewMs: o.renewMs ?? 500,
        sessionPrefix: `skl-${o.tag}-${process.pid}`,
      },
    }),
  );
  const pool = new pg.Pool({ connectionString: o.databaseUrl, max: 2, options: `-c search_path=${schema}` });
  pool.on("error", () => undefined);
  const nodes: NodeProcess[] = [];
  /** the carts of `store` that trips() shops with (cart ids are unique across the chain's stores) */
  const cartsOf = (store: string) => Array.from({ length: o.cartsPerStore }, (_, i) => `${store}-c${i + 1}`);
  let adminKey: Promise<string> | undefined;
  const chain: Chain = {
    schema,
    stores,
    nodes,
    pool,
    configFile,
    async startNode(name) {
      const n = await startNode({
        name,
        databaseUrl: o.databaseUrl,
        schema,
        mqttUrl: o.mqttUrl,
        configFile,
        ...(o.env ? { env: o.env } : {}),
        ...(o.nodeArgs ? { nodeArgs: o.nodeArgs } : {}),
      });
      nodes.push(n);
      return n;
    },
    adminKey() {
      adminKey ??= (async () => {
        const secret = `skl_test_${Math.random().toString(36).slice(2)}`;
        await pool.query(
          "INSERT INTO api_keys (id, store, role, key_hash, label, created_at, revoked) VALUES ($1, '*', 'admin', $2, 'scale test', $3, 0)",
          [`key_${secret}`, apiKeyHash(secret), Date.now()],
        );
        return secret;
      })();
      return adminKey;
    },
    async provision(carts) {
      if (carts.length === 0) return;
      const key = await chain.adminKey();
      const node = nodes.find((n) => n.child.exitCode === null && n.child.signalCode === null);
      if (!node) throw new Error("no live process to provision carts through");
      const queue = [...carts];
      // a few at a time: each hashes a new secret (scrypt) on a loaded machine
      const worker = async () => {
        for (let c = queue.shift(); c; c = queue.shift()) {
          const res = await fetch(`http://127.0.0.1:${node.port}/api/v1/stores/${c.store}/carts`, {
            method: "POST",
            headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
            body: JSON.stringify({ cart: c.cart }),
          });
          if (res.status !== 201)
            throw new Error(`provisioning ${c.store}/${c.cart}: HTTP ${res.status} ${await res.text()}`);
        }
      };
      await Promise.all(Array.from({ length: 4 }, worker));
    },
    async owners() {
      const { rows } = await pool.query<{ partition: string; owner: string; epoch: string }>(
        "SELECT partition, owner, epoch FROM leases WHERE owner <> '' AND expires_at > clock_timestamp()",
      );
      return new Map(rows.map((r) => [r.partition, { owner: r.owner, epoch: Number(r.epoch) }]));
    },
    async waitAllOwned(ms = 40_000) {
      const alive = nodes
        .filter((n) => n.child.exitCode === null && n.child.signalCode === null)
        .map((n) => n.name);
      let last = "";
      let stableSince = Date.now();
      let result = new Map<string, { owner: string; epoch: number }>();
      await waitUntil(
        async () => {
          result = await chain.owners().catch(() => new Map());
          const key = JSON.stringify([...result.entries()].sort());
          if (key !== last) {
            last = key;
            stableSince = Date.now();
          }
          // every store owned, and no move for 1.5 s (rebalancing after a node joined is over)
          return (
            stores.every((s) => result.get(s)?.owner === preferredNode(s, alive)) &&
            Date.now() - stableSince > 1500
          );
        },
        ms,
        "every store to have a stable owner",
      );
      // the owner's session subscribes right after taking the lease
      await new Promise((r) => setTimeout(r, 500));
      return result;
    },
    trips(t0) {
      const out = [];
      for (const store of stores) {
        for (const [i, cart] of cartsOf(store).entries()) {
          const c = i + 1;
          const session = `${cart}-trip`;
          out.push({
            store,
            cart,
            session,
            events: tripEvents(store, cart, session, t0 + c * 7, o.items, c),
          });
        }
      }
      return out;
    },
    async dispose() {
      await Promise.all(nodes.map((n) => n.stop()));
      rmSync(dir, { recursive: true, force: true });
      const c = new pg.Client({ connectionString: o.databaseUrl });
      await pool.end().catch(() => undefined);
      try {
        await c.connect();
        await c.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      } catch {
        // the database may be gone already
      } finally {
        await c.end().catch(() => undefined);
      }
    },
  };
  for (let i = 1; i <= o.nodes; i++) await chain.startNode(`${o.tag}-n${i}`);
  await chain.provision(stores.flatMap((store) => cartsOf(store).map((cart) => ({ store, cart }))));
  return chain;
}

/** The same trips through one in-process StoreService: what every basket must be. */
export async function referenceRun(trips: ReturnType<Chain["trips"]>) {
  const storage = await openSqliteStorage({ file: ":memory:" });
  const payments = new SandboxPaymentGateway({ ids: sequentialIds() });
  const stores = [...new Set(trips.map((t) => t.store))];
  let now = Date.UTC(2026, 10, 22, 9);
  const svc = new StoreService({
    storage,
    payments,
    clock: { now: () => ++now },
    ids: sequentialIds(),
    stores: stores.map((store) => ({
      store,
      catalog: fleetCatalog,
      settings: { ...DEFAULT_STORE_SETTINGS, currency: "USD" },
      defaultPaymentMethod: PAYMENT_METHOD,
    })),
  });
  const out = new Map<string, { cartEvents: BasketEvent[]; captured: number }>();
  for (const t of trips) {
    for (const e of t.events) await svc.ingest(t.store, t.cart, [e]);
    const { events } = await storage.events.readStream(`${t.store}/session/${t.session}`);
    const captured = events
      .filter((e) => e.data.type === "PaymentCaptured")
      .map((e) => (e.data as { amount: number }).amount);
    out.set(t.session, {
      cartEvents: events.filter((e) => e.meta.source === "cart").map((e) => e.data),
      captured: captured[0] ?? -1,
    });
  }
  await storage.close();
  return out;
}

/** Waits until every session has a PaymentCaptured (or `ms` passes). */
export async function waitAllPaid(chain: Chain, sessions: string[], ms: number): Promise<void> {
  await waitUntil(
    async () => {
      const { rows } = await chain.pool
        .query<{ n: number }>(
          "SELECT count(DISTINCT stream)::int AS n FROM events WHERE type = 'PaymentCaptured' AND stream = ANY($1::text[])",
          [sessions],
        )
        .catch(() => ({ rows: [{ n: -1 }] }));
      return rows[0].n === sessions.length;
    },
    ms,
    "every session to be paid",
  );
}

export interface Verdict {
  missingAcked: string[];
  basketMismatches: string[];
  captureProblems: string[];
  sessions: number;
  ackedEvents: number;
}

export async function verify(
  chain: Chain,
  runs: CartRun[],
  reference: Awaited<ReturnType<typeof referenceRun>>,
): Promise<Verdict> {
  const v: Verdict = {
    missingAcked: [],
    basketMismatches: [],
    captureProblems: [],
    sessions: runs.length,
    ackedEvents: 0,
  };
  const captures = (
    await chain.pool.query<{ reference: string; amount: string }>(
      "SELECT h.reference, c.amount FROM sandbox_captures c JOIN sandbox_holds h USING (authorization_id)",
    )
  ).rows;
  for (const r of runs) {
    const keys = new Set(
      (
        await chain.pool.query<{ key: string }>("SELECT key FROM raw_events WHERE store = $1 AND cart = $2", [
          r.store,
          r.cart,
        ])
      ).rows.map((x) => x.key),
    );
    v.ackedEvents += r.acked.size;
    for (const id of r.acked) if (!keys.has(`id:${id}`)) v.missingAcked.push(`${r.store}/${r.cart}/${id}`);
    const stream = `${r.store}/session/${r.session}`;
    const { rows } = await chain.pool.query<{ type: string; data: BasketEvent; meta: { source: string } }>(
      "SELECT type, data, meta FROM events WHERE store = $1 AND stream = $2 ORDER BY version",
      [r.store, stream],
    );
    const ref = reference.get(r.session);
    const cartEvents = rows.filter((x) => x.meta.source === "cart").map((x) => x.data);
    if (!ref || canonical(cartEvents) !== canonical(ref.cartEvents)) {
      v.basketMismatches.push(
        `${stream}: ${cartEvents.length} cart events vs ${ref?.cartEvents.length ?? "?"} in the reference`,
      );
    }
    const captured = rows
      .filter((x) => x.type === "PaymentCaptured")
      .map((x) => (x.data as { amount: number }).amount);
    const atProvider = captures.filter((c) => c.reference === stream).map((c) => Number(c.amount));
    if (
      captured.length !== 1 ||
      atProvider.length !== 1 ||
      captured[0] !== ref?.captured ||
      atProvider[0] !== ref?.captured
    ) {
      v.captureProblems.push(
        `${stream}: PaymentCaptured ${JSON.stringify(captured)}, provider ${JSON.stringify(atProvider)}, reference ${ref?.captured}`,
      );
    }
  }
  return v;
}

/** The checks every scenario ends with (above) passed for `trips`: nothing lost, one capture each. */
export function expectNothingLost(verdict: Verdict, trips: ReturnType<Chain["trips"]>): void {
  expect(verdict.ackedEvents).toBe(trips.reduce((s, t) => s + t.events.length, 0));
  expect(verdict.missingAcked).toEqual([]);
  expect(verdict.basketMismatches).toEqual([]);
  expect(verdict.captureProblems).toEqual([]);
}

/** JSON with object keys sorted (JSONB does not keep key order). */
export function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(",")}]`;
  if (v && typeof v === "object") {
    return `{${Object.keys(v)
      .sort()
      .filter((k) => (v as Record<string, unknown>)[k] !== undefined)
      .map((k) => `${JSON.stringify(k)}:${canonical((v as Record<string, unknown>)[k])}`)
      .join(",")}}`;
  }
  return JSON.stringify(v);
}

export { startFleet, waitUntil };

/**
 * The head-office rollup through a node's HTTP API (with the chain's admin key): it must count
 * every session once — no double counting after moves and restarts.
 */
export async function chainRollup(chain: Chain, port: number) {
  const secret = await chain.adminKey();
  const day = new Date().toISOString().slice(0, 10);
  const yesterday = new Date(Date.now() - 86_400_000).toISOString().slice(0, 10);
  const res = await fetch(`http://127.0.0.1:${port}/api/v1/chain/rollup?from=${yesterday}&to=${day}`, {
    headers: { authorization: `Bearer ${secret}` },
  });
  if (res.status !== 200) throw new Error(`rollup: HTTP ${res.status} ${await res.text()}`);
  const body = (await res.json()) as {
    stores: { store: string; sessionsOpened: number; sessionsPaid: number; captured: number }[];
  };
  const unauth = await fetch(`http://127.0.0.1:${port}/api/v1/chain/rollup`);
  return { body, unauthorizedStatus: unauth.status };
}

/** What the rollup said per store, in expectedRollup's shape. */
export function rollupCounts(rollup: Awaited<ReturnType<typeof chainRollup>>) {
  return rollup.body.stores.map((s) => ({
    store: s.store,
    sessionsOpened: s.sessionsOpened,
    sessionsPaid: s.sessionsPaid,
    captured: s.captured,
  }));
}

/** What the rollup must say per store, from the reference run. */
export function expectedRollup(
  trips: ReturnType<Chain["trips"]>,
  reference: Awaited<ReturnType<typeof referenceRun>>,
) {
  const m = new Map<string, { sessionsOpened: number; sessionsPaid: number; captured: number }>();
  for (const t of trips) {
    const e = m.get(t.store) ?? { sessionsOpened: 0, sessionsPaid: 0, captured: 0 };
    e.sessionsOpened++;
    e.sessionsPaid++;
    e.captured += reference.get(t.session)?.captured ?? 0;
    m.set(t.store, e);
  }
  return [...m.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([store, e]) => ({ store, ...e }));
}
