/**
 * One clustered store server process (docs/scale.md, decision 0201): the composition of the
 * cluster mode, for the composition root to start when `cluster.enabled`.
 *
 *   PostgreSQL (storage; connection named `skiplane-node:{id}` for the write fence)
 *   + leases (their own small pool) → Ownership (tick every renewMs)
 *   → ClusterIngress: per owned store a StoreService, a CartGateway and a persistent MQTT session
 *   + the shared PostgreSQL sandbox payment provider
 *   + raw-partition maintenance (ahead-of-time day partitions, retention)
 *   + HTTP: the same server as a single process (buildHttpServer: store API, OpenAPI, WebSocket
 *     /ws, web app) reading PostgreSQL for every store of the chain, plus /api/v1/chain/*.
 *     Commands that change a store's sessions run on its owner: here when this process holds the
 *     lease, else forwarded to the owner's advertised address (decision 0203).
 *   + its own broker connection: dynamic-security commands for carts, live updates of any store
 *     for this process's WebSocket clients (cluster-broker.ts).
 */
import { createHmac, randomBytes } from "node:crypto";
import { hostname } from "node:os";
import { performance } from "node:perf_hooks";
import type { FastifyInstance } from "fastify";
import pino, { type Logger } from "pino";
import { Ownership } from "../../app/cluster/ownership";
import type { CartRecord } from "../../app/ports/read-models";
import { type StoreConfig, StoreService } from "../../app/services/store-service";
import type { Catalog } from "../../domain/catalog/product";
import { DomainError } from "../../domain/shared/errors";
import { DEFAULT_STORE_SETTINGS } from "../../domain/store/store-settings";
import { systemClock } from "../clock/system-clock";
import { loadDemoCatalog } from "../demo/demo-catalog";
import { loadCatalogFile } from "../files/catalog-file";
import { readStoreConfigFile } from "../files/store-config-file";
import { buildHttpServer } from "../http/http-server";
import type { MetricsAccess } from "../http/metrics-access";
import { chainRoutes } from "../http/routes/chain-routes";
import { webRoutes, webRoutesOptions } from "../http/routes/web-routes";
import {
  closingLiveSockets,
  StorageApiBackend,
  type StorageApiBackendOptions,
} from "../http/storage-api-backend";
import { DEFAULT_SCREEN_RECEIPT_SECONDS, ReceiptTokens, screenReceiptLinks } from "../http/tokens";
import { webApp } from "../http/web-app";
import { ulidIds } from "../ids/ulid-ids";
import { ServerMetrics } from "../metrics/server-metrics";
import { scryptHasher, VerifiedSecretCache } from "../mqtt/cart-credentials";
import { IntakeLimit } from "../mqtt/intake-limit";
import { provisionedCartsBehind } from "../mqtt/provisioned-carts";
import { RegistryCartDirectory } from "../mqtt/registry-cart-directory";
import { recheckOnRevocation } from "../mqtt/revocation-bus";
import { watchDynsecRevokedCarts } from "../mqtt/revoked-cart-accounts";
import { PostgresSandboxGateway } from "../payments/postgres-sandbox-gateway";
import { openPostgresStorage } from "../postgres/postgres-storage";
import { storeLiveAuthenticator } from "../ws/store-live-authenticator";
import { BrokerLiveHub, ClusterBroker, type Revocation } from "./cluster-broker";
import { type ClusterConfig, clusterStores } from "./cluster-config";
import { ClusterIngress } from "./cluster-ingress";
import { commandForwarder } from "./command-forwarding";
import { OwnerDirectory } from "./owner-directory";
import { readChainRollup } from "./pg-chain-rollup";
import { PgLeaseStore } from "./pg-lease-store";
import { maintainRawPartitions } from "./raw-partitions";

export interface ClusterNodeConfig {
  database: { url?: string; schema: string };
  mqtt: {
    url?: string;
    username?: string;
    password?: string;
    auth?: "dynsec" | "none";
    /** messages / payload bytes all store lanes together take in and have not recorded (0121) */
    maxInFlight?: number;
    maxInFlightBytes?: number;
  };
  /** screenReceiptSeconds: the paid cart screen's receipt link lifetime (default 120) */
  http: {
    host: string;
    port: number;
    publicUrl?: string;
    screenReceiptSeconds?: number;
    /** every open live socket's credential is checked again this often (default 30 s) */
    authRecheckSeconds?: number;
    /** failed authentications per client address and minute before 429 / 4429 (default 30; 0 off) */
    authFailuresPerMinute?: number;
    /** reverse proxies whose X-Forwarded-For is believed (http-server.ts `trustedProxies`) */
    trustedProxies?: string[];
  };
  /** receipt links are signed with this key (base64): the same on every process of the chain */
  secrets?: { receiptKey?: string };
  /** who may read /metrics besides a chain-wide admin key (http/metrics-access.ts) */
  metrics?: MetricsAccess;
  cluster: ClusterConfig;
}

export interface ClusterNode {
  node: string;
  http: FastifyInstance;
  port: number;
  /** the HTTP address advertised to the other processes */
  httpUrl: string;
  ownership: Ownership;
  ingress: ClusterIngress;
  metrics: ServerMetrics;
  status(): Promise<ClusterNodeStatus>;
  stop(): Promise<void>;
}

export interface ClusterNodeStatus {
  node: string;
  ready: boolean;
  checks: { database: boolean; leases: boolean; broker: boolean };
  /** stores this process follows on the broker for its WebSocket clients */
  live: { connections: number; watching: string[] };
  ownership: ReturnType<Ownership["status"]>;
  lanes: ReturnType<ClusterIngress["lanes"]>;
  fenced: number;
}

/** The connection URL with the node's name (read by the fence) and a cap on idle transactions. */
export function nodeConnectionString(url: string, node: string): string {
  const u = new URL(url);
  u.searchParams.set("application_name", `skiplane-node:${node}`);
  // a paused process must not hold the fence's row lock for long: the server ends its transaction
  if (!u.searchParams.has("idle_in_transaction_session_timeout")) {
    u.searchParams.set("idle_in_transaction_session_timeout", "5000");
  }
  return u.toString();
}

export async function startClusterNode(
  config: ClusterNodeConfig,
  log: Logger = pino({ level: "info" }),
): Promise<ClusterNode> {
  const c = config.cluster;
  const problems: string[] = [];
  if (!config.database.url)
    problems.push("cluster mode needs database.url (SKIPLANE_DATABASE_URL): PostgreSQL");
  if (!config.mqtt.url) problems.push("cluster mode needs mqtt.url (SKIPLANE_MQTT_URL): an external broker");
  if (c.stores.length === 0) problems.push("cluster mode needs cluster.stores (SKIPLANE_CLUSTER_STORES)");
  // a receipt link made by one process is opened on any other: one signing key for all
  if (!config.secrets?.receiptKey)
    problems.push("cluster mode needs secrets.receiptKey (SKIPLANE_RECEIPT_KEY), the same on every process");
  if (problems.length > 0) throw new Error(`invalid cluster configuration:\n  ${problems.join("\n  ")}`);
  const dbUrl = config.database.url as string;
  const mqttUrl = config.mqtt.url as string;
  const node = c.nodeId ?? `${hostname().replace(/[^A-Za-z0-9_.-]/g, "-")}-${process.pid}`;
  const schema = config.database.schema;

  const stores = loadStores(c);
  const storage = await openPostgresStorage({
    connectionString: nodeConnectionString(dbUrl, node),
    schema,
    max: c.poolSize,
  });
  storage.pool.on("error", (err) => log.warn({ err }, "database connection lost"));
  const leases = new PgLeaseStore({ connectionString: dbUrl, schema });
  const payments = new PostgresSandboxGateway({ connectionString: dbUrl, schema });
  const metrics = new ServerMetrics();
  const ids = ulidIds();
  const byId = new Map(stores.map((s) => [s.store, s]));

  // This process's own broker connection: cart credentials (dynsec) and live updates.
  const control = await ClusterBroker.connect({
    url: mqttUrl,
    username: config.mqtt.username,
    password: config.mqtt.password,
    // with a random part: the broker lets any account connect with a client id in use and cut
    // its holder off (docs/server.md "MQTT client ids"); a clean session, so a new id each start
    // strands nothing
    clientId: `${`${c.sessionPrefix}-node-${node}`.slice(0, 110)}-${randomBytes(12).toString("base64url")}`,
    log,
  });
  const cartsAtStart: CartRecord[] = [];
  if (config.mqtt.auth === "dynsec") {
    await control.enableDynsec();
    // carts provisioned by an older server lack rights added since (the status topic): migrate
    for (const { store } of stores) cartsAtStart.push(...(await storage.carts.list(store)));
    log.info(
      await control.migrateCarts(cartsAtStart),
      "dynsec: every cart's broker account brought up to date",
    );
  }
  const retryAfterSec = Math.ceil((c.leaseTtlMs + c.renewMs) / 1000);

  // mqtt.maxInFlight(Bytes) bounds what every store lane of this process has taken in and not
  // yet recorded, together (decision 0121): a process that took over many stores stays bounded
  const intake = new IntakeLimit({
    maxMessages: config.mqtt.maxInFlight ?? 20_000,
    maxBytes: config.mqtt.maxInFlightBytes ?? 64 * 1024 * 1024,
    observer: metrics.intake,
  });
  metrics.intake.watch(intake);
  const ingress = new ClusterIngress({
    node,
    intake,
    mqtt: {
      url: mqttUrl,
      username: config.mqtt.username,
      password: config.mqtt.password,
      clientIdPrefix: c.sessionPrefix,
      // store sessions' ids carry a secret no cart knows (a cart with a store session's id would
      // take it over on Mosquitto): derived from the receipt key, the same on every process
      sessionKey: storeSessionKey(Buffer.from(config.secrets?.receiptKey ?? "", "base64")),
      sessionExpirySec: c.sessionExpirySec,
    },
    // with mqtt.auth = none a lane takes events only of a cart provisioned in the topic's store: an
    // ACL file binds a cart to its id, not its store (provisioned-carts.ts, as the single process)
    guardIngest: (ingest) => provisionedCartsBehind(config.mqtt, ingest, storage.carts),
    newService: (store) => {
      const cfg = byId.get(store);
      if (!cfg) throw new DomainError("UNKNOWN_STORE", `store ${store} is not configured`);
      const tokens = new ReceiptTokens(Buffer.from(config.secrets?.receiptKey ?? "", "base64"));
      return new StoreService({
        storage,
        payments,
        clock: systemClock,
        ids,
        stores: [cfg],
        log,
        receiptLink: screenReceiptLinks(
          tokens,
          config.http.publicUrl,
          config.http.screenReceiptSeconds ?? DEFAULT_SCREEN_RECEIPT_SECONDS,
        ),
      });
    },
    onExit: (store, cart, r) => {
      if (!r.exit) return;
      metrics.observeExit(r.exit.status);
      control.publishStoreEvent(store, {
        kind: "exit",
        cart,
        session: r.screen.session,
        state: r.screen.state,
      });
    },
    onAbandoned: (a) => {
      if (a.status === "review" || a.status === "cancelled") metrics.observeAbandoned(a.status);
      control.publishStoreEvent(a.store, {
        kind: "abandoned",
        cart: a.cart,
        session: a.session,
        state: a.status,
      });
    },
    retryAfterSec,
    metrics,
    log,
  });
  const ownership = new Ownership({
    node,
    leases,
    partitions: () => [...byId.keys()],
    listener: ingress,
    clock: { now: () => performance.now() },
    ttlMs: c.leaseTtlMs,
    renewMs: c.renewMs,
    marginMs: Math.min(500, Math.floor(c.leaseTtlMs / 4)),
    log,
  });
  ingress.ownership = ownership;

  // ---- the store API, the same server as a single process --------------------------------------
  const directory = new RegistryCartDirectory(storage.carts, () => [...byId.keys()]);
  const cartCache = new VerifiedSecretCache();
  const live = new BrokerLiveHub(
    storeLiveAuthenticator({ apiKeys: storage.apiKeys, carts: directory, cartSecrets: cartCache }),
    {
      onInterest: (store, watching) => control.watch(store, watching),
      // a key or cart revoked in the database by any means loses its sockets within this bound
      recheckMs: (config.http.authRecheckSeconds ?? 30) * 1000,
    },
  );
  control.attach(live);
  // revocations through any process (the bus, mqtt/revocation-bus.ts): this process's sockets of that
  // cart or key are checked again against the database, so they close here too
  await control.listenForRevocations(recheckOnRevocation(live, cartCache, log));
  const tellEveryProcess = (store: string, r: Revocation) => {
    // not awaited: with the broker down the revocation is in the database already, and every
    // process's periodic recheck closes the sockets; an API call must not hang on the broker
    control
      .publishRevocation(store, r)
      .catch((err: unknown) =>
        log.warn({ err, store }, "revocation not published; the periodic recheck follows"),
      );
  };

  // and from now on a cart revoked in the database directly loses its broker account within the
  // recheck: each store's carts are swept by the process that owns the store, which tells every
  // process (the bus), so the cart's live sockets close everywhere at once
  const dynsec = control.dynsecControl;
  const revokedWatch = dynsec
    ? watchDynsecRevokedCarts({
        dynsec,
        registry: storage.carts,
        stores: () => [...byId.keys()].filter((s) => ingress.serves(s)),
        atStart: cartsAtStart,
        everyMs: (config.http.authRecheckSeconds ?? 30) * 1000,
        announce: (store, cart) => tellEveryProcess(store, { kind: "cart", cart }),
        log,
      })
    : undefined;

  const dbOk = async () => {
    try {
      await storage.pool.query("SELECT 1");
      return true;
    } catch {
      return false;
    }
  };
  const status = async (): Promise<ClusterNodeStatus> => {
    const o = ownership.status();
    const lanes = ingress.lanes();
    const checks = {
      database: await dbOk(),
      leases: o.leaseStoreOk,
      broker: control.ready() && lanes.every((l) => l.connected),
    };
    return {
      node,
      ready: checks.database && checks.leases && checks.broker,
      checks,
      ownership: o,
      lanes,
      fenced: ingress.fenced,
      live: { connections: live.connections, watching: control.watching() },
    };
  };

  const backend = new ClusterApiBackend(
    {
      storage,
      stores: () => [...byId.keys()],
      hasher: scryptHasher,
      // a revoked or re-keyed cart's, or a revoked key's, live sockets close on this process at
      // once and on the others through the revocation bus
      broker: closingLiveSockets(
        {
          async cartProvisioned(store, cart, secret) {
            cartCache.forget(cart);
            await control.provisionCart(store, cart, secret);
            tellEveryProcess(store, { kind: "cart", cart });
          },
          async cartRevoked(store, cart) {
            cartCache.forget(cart);
            await control.revokeCart(cart);
            tellEveryProcess(store, { kind: "cart", cart });
          },
          async apiKeyRevoked(store, keyId) {
            tellEveryProcess(store, { kind: "key", id: keyId });
          },
          online: () => new Set<string>(),
          ready: () => control.ready(),
        },
        live,
      ),
      receiptTokens: new ReceiptTokens(Buffer.from(config.secrets?.receiptKey ?? "", "base64")),
      review: {
        async decide(store, caseId, d) {
          const { out, cart } = await ingress.command(store, async (service) => {
            const out = await service.resolveReview(store, caseId, {
              decision: d.decision,
              by: d.by,
              ...(d.note !== undefined ? { note: d.note } : {}),
              ...(d.correction !== undefined ? { correction: d.correction } : {}),
            });
            return { out, cart: (await service.session(store, out.session))?.cart };
          });
          if (out.settle?.status === "paid") metrics.payments.inc({ outcome: "captured" });
          if (out.settle?.status === "problem") metrics.payments.inc({ outcome: "failed" });
          if (out.refund)
            metrics.payments.inc({ outcome: out.refund.status === "refunded" ? "refunded" : "failed" });
          if (cart) await ingress.publishScreen(store, cart);
        },
        dispute: (store, session, lineId, reason) =>
          ingress.command(store, (service) => service.disputeLine(store, session, { lineId, reason })),
      },
    },
    async () => {
      const s = await status();
      return { ok: s.ready, checks: s.checks };
    },
  );
  const owners = new OwnerDirectory(storage.pool);
  let httpUrl = "";
  const http = await buildHttpServer({
    backend,
    metrics,
    live,
    logger: log,
    publicUrl: config.http.publicUrl,
    authFailuresPerMinute: config.http.authFailuresPerMinute,
    trustedProxies: config.http.trustedProxies,
    metricsAccess: config.metrics ?? {},
    storeCommand: commandForwarder({
      node,
      serves: (store) => ingress.serves(store),
      owners,
      timeoutMs: c.forwardTimeoutMs,
      retryAfterSec,
      log,
    }),
    plugins: [
      async (a) => {
        await a.register(
          webRoutes,
          webRoutesOptions({
            storage,
            stores,
            resolveReceiptToken: (t) => backend.resolveReceiptToken(t),
            metrics,
          }),
        );
        await a.register(chainRoutes, {
          apiKeys: storage.apiKeys,
          rollup: (from, to) => readChainRollup(storage.pool, from, to),
          cluster: async () => ({
            ...(await status()),
            httpUrl,
            leases: await leases.list([...byId.keys()]),
          }),
          onAuthFailure: (reason) => metrics.authFailures.inc({ reason }),
        });
        await a.register(webApp, {});
      },
    ],
  });
  await http.listen({ host: config.http.host, port: config.http.port });
  const addr = http.server.address();
  const port = typeof addr === "object" && addr ? addr.port : config.http.port;
  httpUrl = c.advertiseUrl ?? defaultAdvertiseUrl(config.http.host, port);
  // advertised from the first heartbeat on: the ownership loop starts below
  leases.httpUrl = httpUrl;

  const maintain = async () => {
    try {
      const r = await maintainRawPartitions({
        pool: storage.pool,
        rawLog: storage.rawLog,
        now: Date.now(),
        aheadDays: c.partitionsAheadDays,
        retentionDays: c.retentionDays,
      });
      if (r.ran && (r.created.length > 0 || r.deleted > 0)) log.info(r, "raw partitions maintained");
    } catch (err) {
      log.warn({ err }, "raw partition maintenance failed; retried next hour");
    }
  };
  await maintain();
  const maintenance = setInterval(maintain, 3_600_000);
  maintenance.unref();

  let stopping = false;
  const loop = async () => {
    while (!stopping) {
      const t0 = performance.now();
      await ownership.tick();
      const wait = Math.max(0, c.renewMs - (performance.now() - t0));
      await new Promise((r) => setTimeout(r, wait));
    }
  };
  const looping = loop();
  log.info({ node, stores: byId.size, port, httpUrl }, "cluster node started");

  return {
    node,
    http,
    port,
    httpUrl,
    ownership,
    ingress,
    metrics,
    status,
    async stop() {
      stopping = true;
      clearInterval(maintenance);
      revokedWatch?.stop();
      await looping;
      await ownership.stop();
      await ingress.close();
      live.closeAll();
      await http.close();
      await control.close();
      await leases.close();
      await payments.close();
      await storage.close();
    },
  };
}

/** The store API's backend over PostgreSQL, ready when the cluster node is (database, leases, broker). */
class ClusterApiBackend extends StorageApiBackend {
  constructor(
    options: StorageApiBackendOptions,
    private readonly nodeReady: () => Promise<{
      ok: boolean;
      checks: { database: boolean; broker: boolean; leases: boolean };
    }>,
  ) {
    super(options);
  }

  override ready() {
    return this.nodeReady();
  }
}

/** http://{listen address}:{port}, or the host name when listening on every interface. */
export function defaultAdvertiseUrl(host: string, port: number): string {
  const anyAddress = host === "0.0.0.0" || host === "::" || host === "";
  const h = anyAddress ? hostname() : host;
  return `http://${h.includes(":") ? `[${h}]` : h}:${port}`;
}

function loadStores(c: ClusterConfig): StoreConfig[] {
  let demo: Catalog | undefined;
  const catalogs = new Map<string, Catalog>();
  return clusterStores(c).map((s) => {
    let catalog: Catalog;
    if (s.catalog) {
      catalog = catalogs.get(s.catalog) ?? loadCatalogFile(s.catalog);
      catalogs.set(s.catalog, catalog);
    } else {
      demo ??= loadDemoCatalog();
      catalog = demo;
    }
    let settings = { ...DEFAULT_STORE_SETTINGS, currency: catalog.currency };
    if (s.settings) {
      const r = readStoreConfigFile(s.settings, catalog);
      if (!r.ok)
        throw new Error(`store ${s.id}: ${r.issues.map((i) => `${i.path}: ${i.message}`).join("; ")}`);
      settings = r.settings;
    }
    return {
      store: s.id,
      catalog,
      settings,
      ...(s.defaultPaymentMethod ? { defaultPaymentMethod: s.defaultPaymentMethod } : {}),
      ...(s.holdAmount ? { holdAmount: s.holdAmount } : {}),
      ...(s.abandonAfterMinutes !== undefined ? { abandonAfterMinutes: s.abandonAfterMinutes } : {}),
    };
  });
}

/**
 * Runs a cluster node until SIGTERM/SIGINT (then hands its stores back and exits): what the
 * composition root calls when `cluster.enabled` is set.
 */
export async function runClusterNode(config: ClusterNodeConfig, log: Logger): Promise<ClusterNode> {
  const node = await startClusterNode(config, log);
  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, "shutting down: handing stores back");
    node.stop().then(
      () => process.exit(0),
      (err: unknown) => {
        log.error({ err }, "shutdown failed");
        process.exit(1);
      },
    );
  };
  process.once("SIGTERM", () => shutdown("SIGTERM"));
  process.once("SIGINT", () => shutdown("SIGINT"));
  return node;
}

/**
 * The key of the store sessions' client ids (store-lane.ts `storeSessionClientId`): an HMAC of a
 * fixed label under the receipt key — the same on every process of the chain, unknown to carts,
 * and telling nothing about the receipt key itself.
 */
export function storeSessionKey(receiptKey: Buffer): Buffer {
  return createHmac("sha256", receiptKey).update("skiplane mqtt store session ids").digest();
}
