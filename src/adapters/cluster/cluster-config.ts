/**
 * The `cluster` section of the server configuration (docs/scale.md): several `skiplane serve`
 * processes on one PostgreSQL and one external MQTT broker, each serving the stores it holds a
 * lease on. Validated with zod like the rest of the config; merged into the server config schema
 * (src/adapters/config/server-config.ts) as `cluster`.
 */
import { z } from "zod";

const bool = z
  .union([z.boolean(), z.enum(["1", "0", "true", "false", "yes", "no", "on", "off"])])
  .transform((v) => (typeof v === "boolean" ? v : ["1", "true", "yes", "on"].includes(v)));
const storeId = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/, "a store id: letters, digits, _ . -");

export const clusterStoreSchema = z
  .object({
    id: storeId,
    /** catalog JSON file (docs/catalog); the demo catalog when absent */
    catalog: z.string().min(1).optional(),
    /** store configuration file (docs/store-config.md); default settings when absent */
    settings: z.string().min(1).optional(),
    /** payment method of sessions opened without an account (demo and simulator carts) */
    defaultPaymentMethod: z.string().min(1).optional(),
    /** check-in hold, minor units */
    holdAmount: z.coerce.number().int().positive().optional(),
    /** a cart session without basket activity this long is ended by the store (0108); 0 = never */
    abandonAfterMinutes: z.coerce.number().int().min(0).max(1440).optional(),
  })
  .strict();

export const clusterConfigSchema = z
  .object({
    /** serve the stores this process holds a lease on (needs database.url and mqtt.url) */
    enabled: bool.default(false),
    /** this process's name in leases and on the database connection; default host-pid */
    nodeId: z
      .string()
      .regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/)
      .optional(),
    /** the stores the cluster serves: ids (demo catalog) or objects; a comma list from env */
    stores: z
      .union([
        z.string().transform((s) =>
          s
            .split(",")
            .map((x) => x.trim())
            .filter(Boolean),
        ),
        z.array(z.union([storeId, clusterStoreSchema])),
      ])
      .pipe(z.array(z.union([storeId, clusterStoreSchema])))
      .default([]),
    /** lease duration; a dead process's stores move after about this long */
    leaseTtlMs: z.coerce.number().int().min(1000).max(60_000).default(4000),
    /** how often leases are renewed and stores placed */
    renewMs: z.coerce.number().int().min(100).max(20_000).default(1000),
    /** MQTT client id prefix of the per-store persistent sessions */
    sessionPrefix: z
      .string()
      .regex(/^[A-Za-z0-9_-]{1,40}$/)
      .default("skiplane-store"),
    /** MQTT 5 session expiry of a store's session with no owner connected, seconds */
    sessionExpirySec: z.coerce.number().int().min(60).default(86_400),
    /** raw sensor events older than this many days are dropped (whole day partitions) */
    retentionDays: z.coerce.number().int().min(1).max(3650).default(14),
    /** raw-event day partitions created ahead of time */
    partitionsAheadDays: z.coerce.number().int().min(1).max(31).default(3),
    /** data pool size per process */
    poolSize: z.coerce.number().int().min(2).max(200).default(10),
    /**
     * this process's HTTP API as the other processes reach it: commands for a store this process
     * owns are forwarded here (decision 0203); default http://{http.host or hostname}:{port}
     */
    advertiseUrl: z
      .string()
      .url()
      .refine((u) => /^https?:\/\//.test(u), "an http:// or https:// URL")
      .optional(),
    /** how long a forwarded command may take at the owner before the caller gets a 503 */
    forwardTimeoutMs: z.coerce.number().int().min(500).max(120_000).default(10_000),
    /** payments: the PostgreSQL sandbox shared by all processes (a real provider adapter later) */
    payments: z.enum(["sandbox"]).default("sandbox"),
  })
  .strict()
  .refine((c) => c.leaseTtlMs >= 3 * c.renewMs, {
    message: "leaseTtlMs must be at least 3 × renewMs (a lease survives two missed renewals)",
  });

export type ClusterConfig = z.infer<typeof clusterConfigSchema>;
export type ClusterStoreEntry = z.infer<typeof clusterStoreSchema>;

/** env variable → config path, merged into the server's table. */
export const CLUSTER_ENV_VARS: Record<string, string> = {
  SKIPLANE_CLUSTER: "cluster.enabled",
  SKIPLANE_NODE_ID: "cluster.nodeId",
  SKIPLANE_CLUSTER_STORES: "cluster.stores",
  SKIPLANE_LEASE_TTL_MS: "cluster.leaseTtlMs",
  SKIPLANE_LEASE_RENEW_MS: "cluster.renewMs",
  SKIPLANE_RAW_RETENTION_DAYS: "cluster.retentionDays",
  SKIPLANE_CLUSTER_POOL_SIZE: "cluster.poolSize",
  SKIPLANE_ADVERTISE_URL: "cluster.advertiseUrl",
  SKIPLANE_FORWARD_TIMEOUT_MS: "cluster.forwardTimeoutMs",
};

/** Stores as objects. */
export function clusterStores(c: ClusterConfig): ClusterStoreEntry[] {
  return c.stores.map((s) => (typeof s === "string" ? { id: s } : s));
}
