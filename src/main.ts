/**
 * The composition root: the one place that reads configuration, picks adapters and starts the
 * store server. Nothing else in the code base constructs adapters for production use.
 *
 * - storage: SQLite file by default; PostgreSQL when `SKIPLANE_DATABASE_URL` is set
 * - MQTT: the embedded aedes broker by default; an external broker when `SKIPLANE_MQTT_URL` is set
 * - payments: the sandbox gateway (no real provider is wired yet)
 * - a demo store with the demo catalog, demo carts and demo API keys (printed at start)
 *
 * Order matters for crash safety: storage and migrations, then `rebuild()` (every cart's basket
 * replayed from its raw events, interrupted exits resumed), then the broker starts accepting
 * carts, then HTTP. Shutdown runs the other way round and drains the per-cart queues.
 *
 * `npm start` runs this file; `skiplane serve` calls `startServer` with flags on top.
 */
import { randomBytes } from "node:crypto";
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { pathToFileURL } from "node:url";
import pino, { type Logger } from "pino";
import { systemClock } from "./adapters/clock/system-clock";
import { runClusterNode } from "./adapters/cluster/cluster-node";
import { registerChainRollupRoutes } from "./adapters/cluster/pg-chain-rollup";
import { ConfigError, loadServerConfig, type ServerConfig } from "./adapters/config/server-config";
import { loadDemoCatalog } from "./adapters/demo/demo-catalog";
import { loadCatalogFile } from "./adapters/files/catalog-file";
import { readStoreConfigFile } from "./adapters/files/store-config-file";
import { buildHttpServer } from "./adapters/http/http-server";
import { webRoutes } from "./adapters/http/routes/web-routes";
import { type BrokerCredentialSink, StorageApiBackend } from "./adapters/http/storage-api-backend";
import { apiKeyHash, ReceiptTokens } from "./adapters/http/tokens";
import { webApp } from "./adapters/http/web-app";
import { ulidIds } from "./adapters/ids/ulid-ids";
import { ServerMetrics } from "./adapters/metrics/server-metrics";
import { scryptHasher, VerifiedSecretCache } from "./adapters/mqtt/cart-credentials";
import { CartGateway, type CartIngestPort } from "./adapters/mqtt/cart-gateway";
import { EmbeddedBroker } from "./adapters/mqtt/embedded-broker";
import { ExternalBroker } from "./adapters/mqtt/external-broker";
import { RegistryCartDirectory } from "./adapters/mqtt/registry-cart-directory";
import { SandboxPaymentGateway } from "./adapters/payments/sandbox-gateway";
import { openPostgresStorage } from "./adapters/postgres/postgres-storage";
import { openSqliteStorage } from "./adapters/sqlite/sqlite-storage";
import { LiveHub } from "./adapters/ws/live-hub";
import type { ApiRole, Storage } from "./app/ports/read-models";
import { type StoreConfig, StoreService } from "./app/services/store-service";
import type { Catalog } from "./domain/catalog/product";
import { DEFAULT_STORE_SETTINGS } from "./domain/store/store-settings";

/** The payment method of demo carts' sessions opened without an account (sandbox: approves). */
export const DEMO_PAYMENT_METHOD = "pm_sandbox_demo";

export interface DemoCredentials {
  store: string;
  apiKeys: Record<"admin" | "operator" | "reviewer" | "headOffice", string>;
  carts: { cart: string; secret: string }[];
}

export interface RunningServer {
  config: ServerConfig;
  /** e.g. http://127.0.0.1:8080 */
  httpUrl: string;
  /** embedded broker TCP port (undefined with an external broker) */
  mqttPort?: number;
  storage: Storage;
  service: StoreService;
  metrics: ServerMetrics;
  demo?: DemoCredentials;
  close(): Promise<void>;
}

function openStorage(config: ServerConfig): Promise<Storage> | Storage {
  if (config.database.url) {
    return openPostgresStorage({ connectionString: config.database.url, schema: config.database.schema });
  }
  return openSqliteStorage({ file: config.database.sqliteFile });
}

function storeConfigs(config: ServerConfig, log: Logger): StoreConfig[] {
  const out: StoreConfig[] = [];
  if (config.demo.enabled) {
    const catalog = loadDemoCatalog();
    out.push({
      store: config.demo.store,
      catalog,
      settings: { ...DEFAULT_STORE_SETTINGS, currency: catalog.currency },
      defaultPaymentMethod: DEMO_PAYMENT_METHOD,
    });
  }
  for (const s of config.stores) {
    const catalog = loadCatalogFile(s.catalog);
    let settings = { ...DEFAULT_STORE_SETTINGS, currency: catalog.currency };
    if (s.settings) {
      const r = readStoreConfigFile(s.settings, catalog);
      if (!r.ok) throw new ConfigError(r.issues.map((i) => `store ${s.id} settings: ${JSON.stringify(i)}`));
      settings = r.settings;
    }
    out.push({ store: s.id, catalog, settings, defaultPaymentMethod: s.defaultPaymentMethod });
    log.info({ store: s.id, products: catalog.products.length }, "store loaded");
  }
  if (out.length === 0) throw new ConfigError(["no store to host: enable the demo store or list stores"]);
  return out;
}

/** The receipt-link key: configured, or generated once and kept in a 0600 file. */
function receiptKey(config: ServerConfig): Buffer {
  if (config.secrets.receiptKey) return Buffer.from(config.secrets.receiptKey, "base64");
  const file = config.secrets.keyFile;
  if (existsSync(file)) return Buffer.from(readFileSync(file, "utf8").trim(), "base64");
  mkdirSync(dirname(file), { recursive: true });
  const key = randomBytes(32);
  writeFileSync(file, `${key.toString("base64")}\n`, { mode: 0o600 });
  return key;
}

/**
 * Demo credentials: created on first start and kept in a 0600 file so a restart prints the
 * same ones; re-created when the database no longer knows them (a fresh database).
 */
async function seedDemo(
  config: ServerConfig,
  storage: Storage,
  backend: StorageApiBackend,
): Promise<DemoCredentials> {
  const store = config.demo.store;
  const file = config.demo.keysFile;
  if (existsSync(file)) {
    try {
      const saved = JSON.parse(readFileSync(file, "utf8")) as DemoCredentials;
      const key = await storage.apiKeys.findByHash(apiKeyHash(saved.apiKeys.admin));
      const carts = await storage.carts.list(store);
      if (
        saved.store === store &&
        key &&
        saved.carts.every((c) => carts.some((r) => r.cart === c.cart && !r.revoked))
      ) {
        return saved;
      }
    } catch {
      // unreadable: make new ones below
    }
  }
  const make = async (scope: string, role: ApiRole, label: string) =>
    (await backend.createApiKey(scope, role, label)).key;
  const demo: DemoCredentials = {
    store,
    apiKeys: {
      admin: await make(store, "admin", "demo admin"),
      operator: await make(store, "operator", "demo operator"),
      reviewer: await make(store, "reviewer", "demo reviewer"),
      headOffice: await make("*", "admin", "demo head office"),
    },
    carts: [],
  };
  for (let i = 1; i <= config.demo.carts; i++) {
    const cart = `${store}-cart-${String(i).padStart(2, "0")}`;
    const p = await backend.provisionCart(store, cart, `demo cart ${i}`);
    demo.carts.push({ cart, secret: p.secret });
  }
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, `${JSON.stringify(demo, null, 2)}\n`, { mode: 0o600 });
  chmodSync(file, 0o600);
  return demo;
}

export async function startServer(
  config: ServerConfig,
  options: { logger?: Logger } = {},
): Promise<RunningServer> {
  const log =
    options.logger ??
    pino({
      level: config.log.level,
      base: { service: "skiplane" },
      redact: ["req.headers.authorization", "password", "secret", "key"],
    });
  const metrics = new ServerMetrics();
  const stores = storeConfigs(config, log);
  const storage = await openStorage(config);
  log.info({ storage: storage.kind }, "storage open, migrations applied");

  const ids = ulidIds();
  const service = new StoreService({
    storage,
    payments: new SandboxPaymentGateway({ ids }),
    clock: systemClock,
    ids,
    stores,
    log,
  });
  const hosted = () => service.stores();
  const rebuilt = await service.rebuild();
  log.info(rebuilt, "baskets rebuilt from raw events");

  // ---- the MQTT edge ----------------------------------------------------------------------------
  const directory = new RegistryCartDirectory(storage.carts, hosted);
  const cartCache = new VerifiedSecretCache();
  const live = new LiveHub({
    async byKey(key) {
      const r = await storage.apiKeys.findByHash(apiKeyHash(key));
      return r && !r.revoked ? { kind: "staff", scope: r.store, role: r.role } : undefined;
    },
    async byCart(cart, secret) {
      const r = await directory.lookup(cart);
      if (!r || r.revoked) return undefined;
      const ok =
        cartCache.has(cart, secret, r.secretHash) || (await scryptHasher.verify(secret, r.secretHash));
      if (!ok) return undefined;
      cartCache.remember(cart, secret, r.secretHash);
      return { kind: "cart", store: r.store, cart: r.cart };
    },
  });
  const ingest: CartIngestPort = {
    async ingest(store, cart, events) {
      const r = await service.ingest(store, cart, events);
      if (r.exit) {
        // exit outcomes by payment result: captured, held for review, failed
        const outcome = {
          paid: "captured",
          review: "held-for-review",
          problem: "failed",
          skipped: "skipped",
        }[r.exit.status];
        metrics.payments.inc({ outcome });
        live.publishStore(store, { kind: "exit", cart, session: r.screen.session, state: r.screen.state });
      }
      return r;
    },
  };
  const gateway = new CartGateway({
    ingest,
    metrics,
    log,
    onScreen: (store, cart, screen) => live.publishScreen(store, cart, screen),
  });

  let embedded: EmbeddedBroker | undefined;
  let external: ExternalBroker | undefined;
  let sink: BrokerCredentialSink;
  if (config.mqtt.url) {
    external = await ExternalBroker.connect({
      url: config.mqtt.url,
      gateway,
      username: config.mqtt.username,
      password: config.mqtt.password,
      clientId: config.mqtt.clientId,
      shared: config.mqtt.shared,
      log,
    });
    const ext = external;
    if (config.mqtt.auth === "dynsec") await ext.enableDynsec();
    sink = {
      async cartProvisioned(store, cart, secret) {
        if (config.mqtt.auth === "dynsec") await ext.provisionCart(store, cart, secret);
      },
      async cartRevoked(_store, cart) {
        cartCache.forget(cart);
        if (config.mqtt.auth === "dynsec") await ext.revokeCart(cart);
      },
      online: () => new Set<string>(),
      ready: () => ext.ready(),
    };
    log.info({ url: config.mqtt.url, auth: config.mqtt.auth }, "connected to the external MQTT broker");
  } else {
    embedded = await EmbeddedBroker.start({
      gateway,
      directory,
      port: config.mqtt.port,
      host: config.mqtt.host,
      service:
        config.mqtt.username && config.mqtt.password
          ? { username: config.mqtt.username, password: config.mqtt.password }
          : undefined,
      metrics,
      log,
    });
    const emb = embedded;
    sink = {
      async cartProvisioned(_store, cart) {
        emb.kick(cart); // a re-keyed cart must log in again with its new secret
        cartCache.forget(cart);
      },
      async cartRevoked(_store, cart) {
        emb.kick(cart);
        cartCache.forget(cart);
      },
      online: () => emb.onlineCarts(),
      ready: () => true,
    };
    log.info({ port: emb.port }, "embedded MQTT broker listening");
  }

  // Screens are retained by the broker, not the database: publish every cart's current screen
  // after a (re)start so a reconnecting cart sees its basket at once.
  for (const store of hosted()) {
    for (const c of await storage.carts.list(store)) {
      if (c.revoked) continue;
      await gateway.publishScreen(store, c.cart, await service.screen(store, c.cart));
    }
  }

  // ---- HTTP ----------------------------------------------------------------------------------------
  const receiptTokens = new ReceiptTokens(receiptKey(config));
  const catalogs = new Map<string, Catalog>(stores.map((s) => [s.store, s.catalog]));
  const backend = new StorageApiBackend({
    storage,
    stores: hosted,
    hasher: scryptHasher,
    broker: sink,
    receiptTokens,
    review: {
      async decide(store, caseId, d) {
        const out = await service.resolveReview(store, caseId, {
          decision: d.decision,
          by: d.by,
          ...(d.note !== undefined ? { note: d.note } : {}),
          ...(d.correction !== undefined ? { correction: d.correction } : {}),
        });
        if (out.settle?.status === "paid") metrics.payments.inc({ outcome: "captured" });
        if (out.settle?.status === "problem") metrics.payments.inc({ outcome: "failed" });
        if (out.refund)
          metrics.payments.inc({ outcome: out.refund.status === "refunded" ? "refunded" : "failed" });
        const session = await service.session(store, out.session);
        if (session?.cart)
          await gateway.publishScreen(store, session.cart, await service.screen(store, session.cart));
      },
      dispute: (store, session, lineId, reason) => service.disputeLine(store, session, { lineId, reason }),
    },
  });
  const app = await buildHttpServer({
    backend,
    metrics,
    live,
    logger: log,
    publicUrl: config.http.publicUrl,
    mqttOverWebSocket:
      embedded && config.mqtt.websocket ? (stream) => embedded?.handleStream(stream) : undefined,
    plugins: [
      async (a) => {
        await a.register(webRoutes, {
          storage,
          catalogOf: (store) => catalogs.get(store),
          resolveReceiptToken: (t) => backend.resolveReceiptToken(t),
          decisionLatency: metrics.decisionLatency,
          onAuthFailure: (reason) => metrics.authFailures.inc({ reason }),
        });
        await registerChainRollupRoutes(a, storage, (reason) => metrics.authFailures.inc({ reason }));
        await a.register(webApp, {});
      },
    ],
  });

  const demo = config.demo.enabled ? await seedDemo(config, storage, backend) : undefined;
  const address = await app.listen({ port: config.http.port, host: config.http.host });
  const httpUrl = address.replace("[::]", "127.0.0.1").replace("0.0.0.0", "127.0.0.1");
  log.info({ url: httpUrl }, "HTTP API listening");

  let closing: Promise<void> | undefined;
  return {
    config,
    httpUrl,
    mqttPort: embedded?.port,
    storage,
    service,
    metrics,
    demo,
    close() {
      closing ??= (async () => {
        live.closeAll();
        await app.close();
        if (embedded) await embedded.close();
        if (external) await external.close();
        await gateway.drain();
        await storage.close();
        log.info("server stopped");
      })();
      return closing;
    },
  };
}

/** What `npm start` and `skiplane serve` print: where things are and the demo credentials. */
export function banner(s: RunningServer): string {
  const lines = [
    "",
    `Skiplane store server — ${s.storage.kind} storage, ${s.config.mqtt.url ? `broker ${s.config.mqtt.url}` : `embedded MQTT on port ${s.mqttPort}`}`,
    `  HTTP API     ${s.httpUrl}/api/v1   (OpenAPI: ${s.httpUrl}/openapi.json)`,
    `  Web app      ${s.httpUrl}/ops/  ${s.httpUrl}/review/  ${s.httpUrl}/cart/`,
    `  Metrics      ${s.httpUrl}/metrics`,
  ];
  if (s.demo) {
    lines.push(
      `  Demo store   ${s.demo.store}   (credentials kept in ${s.config.demo.keysFile})`,
      `    admin key       ${s.demo.apiKeys.admin}`,
      `    operator key    ${s.demo.apiKeys.operator}`,
      `    reviewer key    ${s.demo.apiKeys.reviewer}`,
      `    head-office key ${s.demo.apiKeys.headOffice}`,
    );
    for (const c of s.demo.carts.slice(0, 4)) lines.push(`    cart ${c.cart}  secret ${c.secret}`);
  }
  lines.push("");
  return lines.join("\n");
}

/** Runs until SIGTERM/SIGINT, then shuts down gracefully (second signal: exit at once). */
export async function runUntilSignal(config: ServerConfig): Promise<void> {
  // cluster mode: this process serves the stores it holds a lease on (docs/scale.md)
  if (config.cluster.enabled) {
    await runClusterNode(
      config,
      pino({ level: config.log.level, base: { service: "skiplane", mode: "cluster" } }),
    );
    return;
  }
  const server = await startServer(config);
  process.stdout.write(`${banner(server)}\n`);
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) process.exit(1);
    stopping = true;
    process.stderr.write(`skiplane: ${signal}, shutting down\n`);
    const force = setTimeout(() => process.exit(1), 15_000);
    force.unref();
    server.close().then(
      () => process.exit(0),
      (err) => {
        process.stderr.write(`skiplane: shutdown failed: ${(err as Error).message}\n`);
        process.exit(1);
      },
    );
  };
  process.on("SIGTERM", () => stop("SIGTERM"));
  process.on("SIGINT", () => stop("SIGINT"));
}

function argValue(argv: string[], name: string): string | undefined {
  const i = argv.indexOf(name);
  if (i >= 0) return argv[i + 1];
  const eq = argv.find((a) => a.startsWith(`${name}=`));
  return eq?.slice(name.length + 1);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  try {
    const config = loadServerConfig({ file: argValue(process.argv, "--config") });
    runUntilSignal(config).catch((err: unknown) => {
      process.stderr.write(`skiplane: ${err instanceof Error ? err.message : String(err)}\n`);
      process.exit(1);
    });
  } catch (err) {
    process.stderr.write(`skiplane: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  }
}
