/**
 * The composition root: the one place that reads configuration, picks adapters and starts the
 * store server. Nothing else in the code base constructs adapters for production use.
 *
 * - storage: SQLite file by default; PostgreSQL when `SKIPLANE_DATABASE_URL` is set
 * - MQTT: the embedded aedes broker by default; an external broker when `SKIPLANE_MQTT_URL` is set
 * - payments: the sandbox provider (no real provider is wired yet), its ledger kept where the
 *   storage is — the SQLite file or the PostgreSQL database — so that it outlives the process
 *   like a real provider's: an exit resumed after a crash finds its hold and its capture again
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
import type { Logger } from "pino";
import { AuthFailureLimit } from "./adapters/auth/auth-failure-limit";
import { systemClock } from "./adapters/clock/system-clock";
import { runClusterNode } from "./adapters/cluster/cluster-node";
import { registerChainRollupRoutes } from "./adapters/cluster/pg-chain-rollup";
import { createServerLogger } from "./adapters/config/logger";
import { ConfigError, loadServerConfig, type ServerConfig } from "./adapters/config/server-config";
import { loadDemoCatalog } from "./adapters/demo/demo-catalog";
import {
  type DemoWalkoutCredentials,
  demoWalkoutDir,
  demoWalkoutKeysFile,
  demoWalkoutStoreFiles,
  seedDemoWalkout,
} from "./adapters/demo/demo-walkout";
import { loadCatalogFile } from "./adapters/files/catalog-file";
import { readStoreConfigFile } from "./adapters/files/store-config-file";
import { loadWalkoutStoreFiles } from "./adapters/files/walkout-store-files";
import { buildHttpServer } from "./adapters/http/http-server";
import { type DeviceAdmin, walkoutRoutes } from "./adapters/http/routes/walkout-routes";
import { webRoutes, webRoutesOptions } from "./adapters/http/routes/web-routes";
import {
  type BrokerCredentialSink,
  closingLiveSockets,
  StorageApiBackend,
} from "./adapters/http/storage-api-backend";
import { apiKeyHash, ReceiptTokens, screenReceiptLinks } from "./adapters/http/tokens";
import { webApp } from "./adapters/http/web-app";
import { ulidIds } from "./adapters/ids/ulid-ids";
import { ServerMetrics } from "./adapters/metrics/server-metrics";
import { newSecret, scryptHasher, VerifiedSecretCache } from "./adapters/mqtt/cart-credentials";
import { CartGateway, type CartIngestPort } from "./adapters/mqtt/cart-gateway";
import { DeviceAccess } from "./adapters/mqtt/device-access";
import {
  attachDevicesToExternalBroker,
  dynsecProvisionDevice,
  dynsecRevokeDevice,
} from "./adapters/mqtt/device-external";
import { DeviceGateway } from "./adapters/mqtt/device-gateway";
import { deviceTopic, deviceUsername } from "./adapters/mqtt/device-topics";
import { EmbeddedBroker } from "./adapters/mqtt/embedded-broker";
import { dynsecMigrateCarts, ExternalBroker } from "./adapters/mqtt/external-broker";
import { IntakeLimit } from "./adapters/mqtt/intake-limit";
import { provisionedCartsBehind } from "./adapters/mqtt/provisioned-carts";
import { RegistryCartDirectory } from "./adapters/mqtt/registry-cart-directory";
import {
  announcingRevocations,
  recheckOnRevocation,
  revocationPublisher,
} from "./adapters/mqtt/revocation-bus";
import { watchDynsecRevokedCarts } from "./adapters/mqtt/revoked-cart-accounts";
import { PostgresSandboxGateway } from "./adapters/payments/postgres-sandbox-gateway";
import { SqliteSandboxGateway } from "./adapters/payments/sqlite-sandbox-gateway";
import { openPostgresStorage } from "./adapters/postgres/postgres-storage";
import { DEFAULT_SQLITE_FILE, openSqliteStorage } from "./adapters/sqlite/sqlite-storage";
import { LiveHub } from "./adapters/ws/live-hub";
import { storeLiveAuthenticator } from "./adapters/ws/store-live-authenticator";
import type { Clock } from "./app/ports/clock";
import type { EventStore } from "./app/ports/event-store";
import type { PaymentGateway } from "./app/ports/payment-gateway";
import type { ApiRole, Storage } from "./app/ports/read-models";
import { watchRevokedCarts } from "./app/services/revoked-connections";
import { type StoreConfig, StoreService } from "./app/services/store-service";
import { DeviceRegistry, type DeviceRegistryEvent } from "./app/walkout-stream/device-registry";
import { WalkoutService, type WalkoutStoreConfig } from "./app/walkout-stream/walkout-service";
import { DEFAULT_STORE_SETTINGS } from "./domain/store/store-settings";

/** The payment method of demo carts' sessions opened without an account (sandbox: approves). */
export const DEMO_PAYMENT_METHOD = "pm_sandbox_demo";

export interface DemoCredentials {
  store: string;
  apiKeys: Record<"admin" | "operator" | "reviewer" | "headOffice", string>;
  carts: { cart: string; secret: string }[];
  /** the demo walk-out store's keys and devices (docs/walkout.md) */
  walkout?: DemoWalkoutCredentials;
}

export interface RunningServer {
  config: ServerConfig;
  /** e.g. http://127.0.0.1:8080 */
  httpUrl: string;
  /** embedded broker TCP port (undefined with an external broker) */
  mqttPort?: number;
  storage: Storage;
  service: StoreService;
  walkout: WalkoutService;
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

/** The sandbox provider beside the storage (same file or database), with a way to close it. */
function openPayments(config: ServerConfig): { payments: PaymentGateway; close(): Promise<void> } {
  if (config.database.url) {
    const g = new PostgresSandboxGateway({
      connectionString: config.database.url,
      schema: config.database.schema,
    });
    return { payments: g, close: () => g.close() };
  }
  const g = new SqliteSandboxGateway({ file: config.database.sqliteFile ?? DEFAULT_SQLITE_FILE });
  return { payments: g, close: async () => g.close() };
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
    if (s.kind === "walkout" || !s.catalog) continue; // walkoutStores()
    const catalog = loadCatalogFile(s.catalog);
    let settings = { ...DEFAULT_STORE_SETTINGS, currency: catalog.currency };
    if (s.settings) {
      const r = readStoreConfigFile(s.settings, catalog);
      if (!r.ok) throw new ConfigError(r.issues.map((i) => `store ${s.id} settings: ${JSON.stringify(i)}`));
      settings = r.settings;
    }
    out.push({
      store: s.id,
      catalog,
      settings,
      defaultPaymentMethod: s.defaultPaymentMethod,
      ...(s.abandonAfterMinutes !== undefined ? { abandonAfterMinutes: s.abandonAfterMinutes } : {}),
    });
    log.info({ store: s.id, products: catalog.products.length }, "store loaded");
  }
  if (out.length === 0 && !config.stores.some((s) => s.kind === "walkout"))
    throw new ConfigError(["no store to host: enable the demo store or list stores"]);
  return out;
}

/** Walk-out stores: their pricing side (StoreConfig, shared with carts) and their fusion side. */
function walkoutStores(
  config: ServerConfig,
  log: Logger,
): { store: StoreConfig; walkout: WalkoutStoreConfig }[] {
  const out: { store: StoreConfig; walkout: WalkoutStoreConfig }[] = [];
  const add = (
    id: string,
    files: ReturnType<typeof loadWalkoutStoreFiles>,
    s?: ServerConfig["stores"][number],
  ) => {
    let settings = { ...DEFAULT_STORE_SETTINGS, currency: files.catalog.currency };
    if (s?.settings) {
      const r = readStoreConfigFile(s.settings, files.catalog);
      if (!r.ok) throw new ConfigError(r.issues.map((i) => `store ${id} settings: ${JSON.stringify(i)}`));
      settings = r.settings;
    }
    out.push({
      store: {
        store: id,
        catalog: files.catalog,
        settings,
        defaultPaymentMethod: s ? s.defaultPaymentMethod : DEMO_PAYMENT_METHOD,
      },
      walkout: {
        store: id,
        catalog: files.catalog,
        layout: files.layout,
        ...(s?.abandonAfterMinutes !== undefined ? { abandonAfterMinutes: s.abandonAfterMinutes } : {}),
      },
    });
    log.info(
      { store: id, products: files.catalog.products.length, plates: files.layout.plates.length },
      "walk-out store loaded",
    );
  };
  if (config.demo.enabled && config.demo.walkout) {
    const dir = demoWalkoutDir();
    if (dir) add(config.demo.walkoutStore, demoWalkoutStoreFiles(dir));
    else log.warn({}, "demo walk-out store skipped: the AutoCheckout data is not in the data directory");
  }
  for (const s of config.stores) {
    if (s.kind !== "walkout") continue;
    const source = s.autocheckout
      ? { autocheckout: s.autocheckout }
      : { catalog: s.catalog ?? "", layout: s.layout ?? "" };
    add(s.id, loadWalkoutStoreFiles(source), s);
  }
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
    (await backend.createApiKey(scope, role, label, "setup:demo")).key;
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
  options: {
    logger?: Logger;
    /** the server's clock (default: wall-clock time); tests move it to expire screen receipt links */
    clock?: Clock;
  } = {},
): Promise<RunningServer> {
  const clock = options.clock ?? systemClock;
  const log =
    options.logger ??
    createServerLogger(config.log, {
      base: { service: "skiplane" },
      redact: ["req.headers.authorization", "password", "secret", "key"],
    });
  const metrics = new ServerMetrics();
  const walkoutConfigs = walkoutStores(config, log);
  const stores = [...storeConfigs(config, log), ...walkoutConfigs.map((w) => w.store)];
  const storage = await openStorage(config);
  log.info({ storage: storage.kind }, "storage open, migrations applied");

  const ids = ulidIds();
  const payments = openPayments(config);
  const receiptTokens = new ReceiptTokens(receiptKey(config), { now: () => clock.now() });
  const service = new StoreService({
    storage,
    payments: payments.payments,
    clock,
    ids,
    stores,
    log,
    receiptLink: screenReceiptLinks(receiptTokens, config.http.publicUrl, config.http.screenReceiptSeconds),
  });
  const hosted = () => service.stores();
  const rebuilt = await service.rebuild();
  log.info(rebuilt, "baskets rebuilt from raw events");
  // walk-out stores: devices (an event stream, no table) and the walk-out path (docs/walkout.md)
  const deviceRegistry = new DeviceRegistry({
    // the registry's events share the store's event store (their own stream per store)
    events: storage.events as unknown as EventStore<DeviceRegistryEvent>,
    clock,
  });
  const walkout = new WalkoutService({
    storage,
    exits: service,
    clock,
    stores: walkoutConfigs.map((w) => w.walkout),
    log,
  });
  if (walkoutConfigs.length > 0)
    log.info(await walkout.rebuild(), "walk-out baskets rebuilt from raw events");

  // ---- the MQTT edge ----------------------------------------------------------------------------
  const directory = new RegistryCartDirectory(storage.carts, hosted);
  const cartCache = new VerifiedSecretCache();
  const live = new LiveHub(
    storeLiveAuthenticator({ apiKeys: storage.apiKeys, carts: directory, cartSecrets: cartCache }),
    // a key or cart revoked in the database by any means loses its sockets within this bound
    { recheckMs: config.http.authRecheckSeconds * 1000 },
  );
  const ingest: CartIngestPort = {
    async ingest(store, cart, events) {
      const r = await service.ingest(store, cart, events);
      if (r.exit) {
        metrics.observeExit(r.exit.status);
        live.publishStore(store, { kind: "exit", cart, session: r.screen.session, state: r.screen.state });
      }
      return r;
    },
  };
  // one bound on MQTT messages taken in and not yet recorded, carts and devices together:
  // beyond it intake pauses (nothing dropped), counted in skiplane_intake_waits_total
  const intake = new IntakeLimit({
    maxMessages: config.mqtt.maxInFlight,
    maxBytes: config.mqtt.maxInFlightBytes,
    observer: metrics.intake,
  });
  metrics.intake.watch(intake);
  const gateway = new CartGateway({
    // behind an external broker without dynsec, events count only for a cart provisioned in the
    // topic's store: an ACL file binds a cart to its id, not its store (provisioned-carts.ts); the
    // embedded broker's hook and dynsec's roles bind both already
    ingest: provisionedCartsBehind(config.mqtt, ingest, storage.carts),
    intake,
    metrics,
    log,
    onScreen: (store, cart, screen) => live.publishScreen(store, cart, screen),
  });
  // sessions whose cart went silent (decision 0108): ended by the store, dashboard and screen told
  const abandonWatch = service.watchAbandoned({
    onAbandoned: async (done) => {
      for (const a of done) {
        if (a.status !== "review" && a.status !== "cancelled") continue;
        log.info(a, "silent session ended");
        metrics.observeAbandoned(a.status);
        live.publishStore(a.store, { kind: "abandoned", cart: a.cart, session: a.session, state: a.status });
        await gateway.publishScreen(a.store, a.cart, await service.screen(a.store, a.cart));
      }
    },
    onError: (err) => log.warn({ err }, "silent-session sweep failed; retried on the next one"),
  });
  // holds sessions owe a release (decision 0112): retried every minute until the provider confirms
  const owedWatch = service.watchOwedReleases({
    onSwept: (done) => {
      for (const r of done)
        if (r.failed.length > 0) log.warn(r, "hold release failed; retried on the next sweep");
      metrics.observeOwedReleases(service.stores(), done);
    },
    onError: (err) => log.warn({ err }, "hold-release sweep failed; retried on the next one"),
  });
  // walk-out visits whose shopper was lost (decision 0109): ended by the store, dashboard told
  const lostWatch = walkout.watchAbandoned({
    onAbandoned: (done) => {
      for (const a of done) {
        if (a.status !== "review" && a.status !== "cancelled") continue;
        log.info(a, "lost shopper's visit ended");
        metrics.observeAbandoned(a.status);
        live.publishStore(a.store, { kind: "walkout", sessions: [a.session] });
      }
    },
    onError: (err) => log.warn({ err }, "lost-shopper sweep failed; retried on the next one"),
  });
  const deviceGateway = new DeviceGateway({
    intake,
    metrics,
    log,
    ingest: {
      async ingest(store, events) {
        const r = await walkout.ingest(store, events);
        if (r.produced.length) metrics.observeBasketEvents(r.produced);
        for (const x of r.exits) metrics.observeExit(x.outcome.status);
        if (r.changed.length) live.publishStore(store, { kind: "walkout", sessions: r.changed });
        return r;
      },
    },
  });
  const deviceAccess = new DeviceAccess({
    devices: deviceRegistry,
    gateway: deviceGateway,
    stores: () => walkout.stores(),
  });
  let deviceBroker: {
    provisioned(store: string, device: string, secret: string): Promise<void>;
    revoked(store: string, device: string): Promise<void>;
    online(): Set<string>;
  };

  let embedded: EmbeddedBroker | undefined;
  let external: ExternalBroker | undefined;
  let revokedWatch: { stop(): void } | undefined;
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
    const dynsec = config.mqtt.auth === "dynsec" ? await ext.enableDynsec() : undefined;
    if (dynsec) {
      // carts provisioned by an older server lack rights added since (the status topic): migrate
      const carts = [];
      for (const store of hosted()) {
        for (const c of await storage.carts.list(store)) carts.push(c);
      }
      const migrated = await dynsecMigrateCarts(dynsec, carts);
      log.info(migrated, "dynsec: every cart's broker account brought up to date");
      if (migrated.missing.length > 0)
        log.warn(
          { carts: migrated.missing },
          "carts with no broker account: re-provision them to issue a secret",
        );
      // and from now on a cart revoked in the database loses its account within the recheck,
      // and its live sockets on every process on this broker at once (the revocation bus)
      const everyMs = config.http.authRecheckSeconds * 1000;
      const announce = revocationPublisher(ext.client, log);
      revokedWatch = watchDynsecRevokedCarts({
        dynsec,
        registry: storage.carts,
        stores: hosted,
        atStart: carts,
        everyMs,
        announce: (store, cart) => announce(store, { kind: "cart", cart }),
        log,
      });
    }
    await attachDevicesToExternalBroker(ext.client, deviceGateway, { shared: config.mqtt.shared, log });
    deviceBroker = {
      async provisioned(store, device, secret) {
        deviceAccess.forget(deviceUsername(store, device));
        if (dynsec) await dynsecProvisionDevice(dynsec, store, device, secret);
      },
      async revoked(store, device) {
        deviceAccess.forget(deviceUsername(store, device));
        if (dynsec) await dynsecRevokeDevice(dynsec, store, device);
      },
      online: () => new Set<string>(),
    };
    sink = {
      async cartProvisioned(store, cart, secret) {
        if (config.mqtt.auth === "dynsec") await ext.provisionCart(store, cart, secret);
      },
      async cartRevoked(_store, cart) {
        cartCache.forget(cart);
        if (config.mqtt.auth === "dynsec") await ext.revokeCart(cart);
      },
      online: () => ext.onlineCarts(),
      ready: () => ext.ready(),
    };
    // other processes on this broker (mqtt.shared) hear this one's revocations, and it theirs
    sink = await announcingRevocations(sink, ext.client, recheckOnRevocation(live, cartCache, log), log);
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
      devices: deviceAccess,
      // aedes on its own thread: the carts' sockets off the server's event loop (docs/server.md);
      // mqtt.thread = false (SKIPLANE_MQTT_THREAD=false) keeps it in-process, for comparison
      thread: config.mqtt.thread,
      // failed CONNECTs per address, as failed HTTP and /ws authentications (counted apart)
      authFailures: new AuthFailureLimit({ max: config.http.authFailuresPerMinute }),
    });
    const emb = embedded;
    deviceGateway.attach({
      publishDeviceError: (store, device, error) =>
        emb.publishToDevice(deviceTopic(store, device, "errors"), JSON.stringify(error)),
    });
    deviceBroker = {
      async provisioned(store, device) {
        emb.kickDevice(deviceUsername(store, device)); // a re-keyed device logs in again
      },
      async revoked(store, device) {
        emb.kickDevice(deviceUsername(store, device));
      },
      online: () => emb.onlineDevices(),
    };
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
    // carts revoked in the database directly lose their connection within the same bound as
    // their live sockets (http.authRecheckSeconds); through the API they are kicked at once
    revokedWatch = watchRevokedCarts(
      {
        online: () => emb.onlineCarts(),
        lookup: (cart) => directory.lookup(cart),
        disconnect: (cart) => {
          emb.kick(cart);
          cartCache.forget(cart);
        },
      },
      config.http.authRecheckSeconds * 1000,
      {
        onDisconnected: (carts) => log.warn({ carts }, "carts revoked in the database disconnected"),
        onError: (err) => log.warn({ err }, "revoked-cart sweep failed; retried on the next one"),
      },
    );
  }

  // Screens are retained by the broker, not the database: publish every cart's current screen
  // after a (re)start so a reconnecting cart sees its basket at once.
  for (const store of hosted()) {
    for (const c of await storage.carts.list(store)) {
      if (c.revoked) continue;
      await gateway.publishScreen(store, c.cart, await service.screen(store, c.cart));
    }
  }

  const deviceAdmin: DeviceAdmin = {
    async provision(store, device, label) {
      const secret = newSecret();
      await deviceRegistry.put(store, device, await scryptHasher.hash(secret), label);
      await deviceBroker.provisioned(store, device, secret);
      return { secret };
    },
    async revoke(store, device) {
      const ok = await deviceRegistry.revoke(store, device);
      if (ok) await deviceBroker.revoked(store, device);
      return ok;
    },
    list: (store) => deviceRegistry.list(store),
    onlineDevices: () => deviceBroker.online(),
  };

  // ---- HTTP ----------------------------------------------------------------------------------------
  const backend = new StorageApiBackend({
    storage,
    stores: hosted,
    hasher: scryptHasher,
    broker: closingLiveSockets(sink, live),
    receiptTokens,
    now: () => clock.now(),
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
        if (walkout.isWalkout(store)) live.publishStore(store, { kind: "walkout", sessions: [out.session] });
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
    authFailuresPerMinute: config.http.authFailuresPerMinute,
    trustedProxies: config.http.trustedProxies,
    metricsAccess: config.metrics,
    mqttOverWebSocket:
      embedded && config.mqtt.websocket
        ? (stream, address) => embedded?.handleStream(stream, address)
        : undefined,
    plugins: [
      async (a) => {
        await a.register(
          webRoutes,
          webRoutesOptions({
            storage,
            stores,
            resolveReceiptToken: (t) => backend.resolveReceiptToken(t),
            metrics,
            isWalkout: (store) => walkout.isWalkout(store),
          }),
        );
        await registerChainRollupRoutes(a, storage, (reason) => metrics.authFailures.inc({ reason }));
        await a.register(walkoutRoutes, {
          apiKeys: storage.apiKeys,
          reviews: storage.reviews,
          sessions: storage.sessions,
          rawLog: storage.rawLog,
          walkout,
          hosted,
          devices: deviceAdmin,
          receiptToken: (store, session) => receiptTokens.issue(store, session),
          onAuthFailure: (reason) => metrics.authFailures.inc({ reason }),
        });
        await a.register(webApp, {});
      },
    ],
  });

  const demo = config.demo.enabled ? await seedDemo(config, storage, backend) : undefined;
  if (demo && walkout.isWalkout(config.demo.walkoutStore)) {
    demo.walkout = await seedDemoWalkout({
      store: config.demo.walkoutStore,
      file: demoWalkoutKeysFile(config.demo.keysFile),
      findKey: (hash) => storage.apiKeys.findByHash(hash),
      devices: deviceRegistry,
      createApiKey: async (store, role, label) =>
        (await backend.createApiKey(store, role, label, "setup:demo")).key,
      async provisionDevice(store, device, label) {
        const { secret } = await deviceAdmin.provision(store, device, label);
        return { username: deviceUsername(store, device), secret };
      },
    });
  }
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
    walkout,
    metrics,
    demo,
    close() {
      closing ??= (async () => {
        abandonWatch.stop();
        owedWatch.stop();
        lostWatch.stop();
        revokedWatch?.stop();
        live.closeAll();
        await app.close();
        if (embedded) await embedded.close();
        if (external) await external.close();
        await gateway.drain();
        await deviceGateway.drain();
        await payments.close();
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
    s.demo
      ? `  Web app      ${s.httpUrl}/ops/${s.demo.store}  ${s.httpUrl}/review/${s.demo.store}  ${s.httpUrl}/cart/${s.demo.store}/<cart>`
      : `  Web app      ${s.httpUrl}/ops/<store>  ${s.httpUrl}/review/<store>  ${s.httpUrl}/cart/<store>/<cart>`,
    `  Metrics      ${metricsHowTo(s)}`,
  ];
  if (s.demo) {
    lines.push(
      `  Demo store   ${s.demo.store}   (credentials kept in ${s.config.demo.keysFile})`,
      `    admin key       ${s.demo.apiKeys.admin}`,
      `    operator key    ${s.demo.apiKeys.operator}`,
      `    reviewer key    ${s.demo.apiKeys.reviewer}`,
      `    head-office key ${s.demo.apiKeys.headOffice}`,
    );
    for (const c of s.demo.carts.slice(0, 4))
      lines.push(
        `    cart ${c.cart}  secret ${c.secret}  screen ${s.httpUrl}/cart/${s.demo.store}/${c.cart}#secret=${encodeURIComponent(c.secret)}`,
      );
    const w = s.demo.walkout;
    if (w) {
      lines.push(
        `  Walk-out     ${w.store}   ${s.httpUrl}/ops/${w.store}   (credentials kept in ${demoWalkoutKeysFile(s.config.demo.keysFile)})`,
        `    operator key    ${w.apiKeys.operator}`,
        `    reviewer key    ${w.apiKeys.reviewer}`,
      );
      for (const d of w.devices) lines.push(`    device ${d.username}  secret ${d.secret}`);
    }
  }
  lines.push("");
  return lines.join("\n");
}

/** How to scrape `/metrics` with this configuration (it needs credentials unless loopback is open). */
function metricsHowTo(s: RunningServer): string {
  const url = `${s.httpUrl}/metrics`;
  const m = s.config.metrics;
  if (m.allowLoopback && /^http:\/\/(127\.|\[::1\])/.test(s.httpUrl))
    return `curl ${url}   (loopback needs no credentials: metrics.allowLoopback)`;
  if (m.token) return `curl -H "Authorization: Bearer $SKIPLANE_METRICS_TOKEN" ${url}`;
  if (s.demo)
    return `curl -H "Authorization: Bearer ${s.demo.apiKeys.headOffice}" ${url}   (head-office key; set SKIPLANE_METRICS_TOKEN for Prometheus)`;
  return `${url} needs Authorization: Bearer <SKIPLANE_METRICS_TOKEN or a chain-wide admin key>`;
}

/** Runs until SIGTERM/SIGINT, then shuts down gracefully (second signal: exit at once). */
export async function runUntilSignal(config: ServerConfig): Promise<void> {
  // cluster mode: this process serves the stores it holds a lease on (docs/scale.md)
  if (config.cluster.enabled) {
    const log = createServerLogger(config.log, { base: { service: "skiplane", mode: "cluster" } });
    const walkout = config.stores.filter((s) => s.kind === "walkout").map((s) => s.id);
    // walk-out stores are served by a single process for now (docs/walkout.md, "In the server")
    if (walkout.length > 0) log.warn({ stores: walkout }, "cluster mode does not serve walk-out stores");
    await runClusterNode(config, log);
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
