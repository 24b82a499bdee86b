/**
 * One clustered store server process (docs/scale.md, decision 0201): the composition of the
 * cluster mode, for the composition root to start when `cluster.enabled`.
 *
 *   PostgreSQL (storage; connection named `skiplane-node:{id}` for the write fence)
 *   + leases (their own small pool) → Ownership (tick every renewMs)
 *   → ClusterIngress: per owned store a StoreService, a CartGateway and a persistent MQTT session
 *   + the shared PostgreSQL sandbox payment provider
 *   + raw-partition maintenance (ahead-of-time day partitions, retention)
 *   + HTTP: /healthz, /readyz (database, lease store, broker sessions), /api/v1/chain/*
 */
import { hostname } from "node:os";
import { performance } from "node:perf_hooks";
import Fastify, { type FastifyInstance } from "fastify";
import pino, { type Logger } from "pino";
import { Ownership } from "../../app/cluster/ownership";
import { type StoreConfig, StoreService } from "../../app/services/store-service";
import type { Catalog } from "../../domain/catalog/product";
import { DomainError } from "../../domain/shared/errors";
import { DEFAULT_STORE_SETTINGS } from "../../domain/store/store-settings";
import { systemClock } from "../clock/system-clock";
import { loadDemoCatalog } from "../demo/demo-catalog";
import { loadCatalogFile } from "../files/catalog-file";
import { readStoreConfigFile } from "../files/store-config-file";
import { PROBLEM_CONTENT_TYPE, problem, statusOf } from "../http/problem";
import { chainRoutes } from "../http/routes/chain-routes";
import { ulidIds } from "../ids/ulid-ids";
import { ServerMetrics } from "../metrics/server-metrics";
import { PostgresSandboxGateway } from "../payments/postgres-sandbox-gateway";
import { openPostgresStorage } from "../postgres/postgres-storage";
import { type ClusterConfig, clusterStores } from "./cluster-config";
import { ClusterIngress } from "./cluster-ingress";
import { readChainRollup } from "./pg-chain-rollup";
import { PgLeaseStore } from "./pg-lease-store";
import { maintainRawPartitions } from "./raw-partitions";

export interface ClusterNodeConfig {
  database: { url?: string; schema: string };
  mqtt: { url?: string; username?: string; password?: string };
  http: { host: string; port: number };
  cluster: ClusterConfig;
}

export interface ClusterNode {
  node: string;
  http: FastifyInstance;
  port: number;
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

  const ingress = new ClusterIngress({
    node,
    mqtt: {
      url: mqttUrl,
      username: config.mqtt.username,
      password: config.mqtt.password,
      clientIdPrefix: c.sessionPrefix,
      sessionExpirySec: c.sessionExpirySec,
    },
    newService: (store) => {
      const cfg = byId.get(store);
      if (!cfg) throw new DomainError("UNKNOWN_STORE", `store ${store} is not configured`);
      return new StoreService({ storage, payments, clock: systemClock, ids, stores: [cfg], log });
    },
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
      broker: lanes.every((l) => l.connected),
    };
    return {
      node,
      ready: checks.database && checks.leases && checks.broker,
      checks,
      ownership: o,
      lanes,
      fenced: ingress.fenced,
    };
  };

  const http = Fastify({ logger: false });
  http.setErrorHandler((err: unknown, _req, reply) => {
    const code = err instanceof DomainError ? err.code : "INTERNAL";
    const p = problem(code, statusOf(code) === 500 ? "internal error" : (err as Error).message);
    return reply.code(p.status).type(PROBLEM_CONTENT_TYPE).send(JSON.stringify(p));
  });
  http.get("/healthz", async () => ({ status: "ok", node }));
  http.get("/readyz", async (_req, reply) => {
    const s = await status();
    return reply
      .code(s.ready ? 200 : 503)
      .send({ status: s.ready ? "ready" : "not-ready", checks: s.checks, node });
  });
  http.get("/metrics", async (_req, reply) => {
    const m = await metrics.render();
    return reply.type(m.contentType).send(m.body);
  });
  await http.register(chainRoutes, {
    apiKeys: storage.apiKeys,
    rollup: (from, to) => readChainRollup(storage.pool, from, to),
    cluster: async () => ({
      ...(await status()),
      leases: await leases.list([...byId.keys()]),
    }),
    onAuthFailure: (reason) => metrics.authFailures.inc({ reason }),
  });
  await http.listen({ host: config.http.host, port: config.http.port });
  const addr = http.server.address();
  const port = typeof addr === "object" && addr ? addr.port : config.http.port;

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
  log.info({ node, stores: byId.size, port }, "cluster node started");

  return {
    node,
    http,
    port,
    ownership,
    ingress,
    metrics,
    status,
    async stop() {
      stopping = true;
      clearInterval(maintenance);
      await looping;
      await ownership.stop();
      await ingress.close();
      await http.close();
      await leases.close();
      await payments.close();
      await storage.close();
    },
  };
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
