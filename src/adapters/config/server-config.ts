/**
 * Store server configuration: defaults < JSON config file (`--config` / `SKIPLANE_CONFIG`) <
 * environment (`SKIPLANE_*`) < command-line flags. Validated with zod; a bad value stops the
 * server at start with every problem listed, never later. See docs/config.md.
 */
import { readFileSync } from "node:fs";
import { isIP } from "node:net";
import { z } from "zod";
import { CLUSTER_ENV_VARS, clusterConfigSchema } from "../cluster/cluster-config";
import { DEFAULT_SCREEN_RECEIPT_SECONDS } from "../http/tokens";
import { idSchema } from "../schemas/sensor-event.schema";

const port = z.coerce.number().int().min(0).max(65535);
const bool = z
  .union([z.boolean(), z.enum(["1", "0", "true", "false", "yes", "no", "on", "off"])])
  .transform((v) => (typeof v === "boolean" ? v : ["1", "true", "yes", "on"].includes(v)));

/**
 * One trusted proxy: an address, a CIDR range (`10.0.0.0/8`, `fd00::/8`), or one of proxy-addr's
 * names `loopback`, `linklocal`, `uniquelocal` (what fastify's trustProxy takes).
 */
const trustedProxy = z
  .string()
  .trim()
  .refine((v) => {
    if (["loopback", "linklocal", "uniquelocal"].includes(v)) return true;
    const [address, bits, ...rest] = v.split("/");
    const family = isIP(address);
    if (family === 0 || rest.length > 0) return false;
    if (bits === undefined) return true;
    const n = Number(bits);
    return /^\d{1,3}$/.test(bits) && n <= (family === 4 ? 32 : 128);
  }, "must be an IP address, a CIDR range, or loopback / linklocal / uniquelocal");

export const serverConfigSchema = z
  .object({
    http: z
      .object({
        host: z.string().min(1).default("0.0.0.0"),
        port: port.default(8080),
        /** allowed browser origin for the API (CORS is off when absent) */
        publicUrl: z.string().url().optional(),
        /** how long the paid cart screen's receipt link opens the receipt, from the payment (seconds) */
        screenReceiptSeconds: z.coerce
          .number()
          .int()
          .min(1)
          .max(86_400)
          .default(DEFAULT_SCREEN_RECEIPT_SECONDS),
        /**
         * how often an open live socket (`/ws`) has its credentials checked again (seconds): a key or
         * cart revoked in the database, by whatever means, loses its sockets within this long
         */
        authRecheckSeconds: z.coerce.number().int().min(1).max(3600).default(30),
        /**
         * failed authentications (an API key refused with 401, a `/ws` auth frame refused) allowed
         * per client address and minute; past it the address is refused unchecked (429 / 4429) for
         * the rest of the minute; 0 = no limit
         */
        authFailuresPerMinute: z.coerce.number().int().min(0).max(1_000_000).default(30),
        /**
         * reverse proxies whose X-Forwarded-For is believed: a request whose TCP peer is one of them
         * counts as coming from the address the proxy saw (the header's last untrusted entry) — for
         * the failed-authentication limit, `/ws`, MQTT over WebSocket; from any other peer the header
         * is ignored. A comma list from env; none by default
         */
        trustedProxies: z
          .union([
            z.string().transform((s) =>
              s
                .split(",")
                .map((x) => x.trim())
                .filter(Boolean),
            ),
            z.array(z.string()),
          ])
          .pipe(z.array(trustedProxy))
          .default([]),
      })
      .strict()
      .default({}),
    /** `/metrics`: store ids and counts of every store, so it needs credentials (docs/server.md) */
    metrics: z
      .object({
        /** a bearer token for scrapers (Prometheus `authorization: {credentials: …}`); ≥ 16 characters */
        token: z.string().min(16, "must be at least 16 characters").optional(),
        /** scrapes from the loopback interface (127.0.0.0/8, ::1) need no credentials */
        allowLoopback: bool.default(false),
      })
      .strict()
      .default({}),
    database: z
      .object({
        /** PostgreSQL connection URL; when set, PostgreSQL is used instead of SQLite */
        url: z
          .string()
          .regex(/^postgres(ql)?:\/\//, "must be a postgres:// URL")
          .optional(),
        /** PostgreSQL schema holding the tables */
        schema: z
          .string()
          .regex(/^[a-z_][a-z0-9_]*$/)
          .default("public"),
        sqliteFile: z.string().min(1).default(".data/skiplane.sqlite"),
      })
      .strict()
      .default({}),
    mqtt: z
      .object({
        /** external broker URL (mqtt://, mqtts://, ws://, wss://); the embedded broker when absent */
        url: z
          .string()
          .regex(/^(mqtts?|wss?):\/\//, "must be an mqtt://, mqtts://, ws:// or wss:// URL")
          .optional(),
        host: z.string().min(1).default("0.0.0.0"),
        /** embedded broker TCP port */
        port: port.default(1884),
        /** embedded broker: also serve MQTT over WebSocket at /mqtt on the HTTP port */
        websocket: bool.default(true),
        /** embedded broker: run aedes on a worker thread of its own, off the server's event loop (false: in-process) */
        thread: bool.default(true),
        /** the server's own account (external broker), or a privileged service account (embedded) */
        username: z.string().min(1).optional(),
        password: z.string().min(1).optional(),
        /** external broker: how cart credentials reach the broker */
        auth: z.enum(["dynsec", "none"]).default("none"),
        /** external broker: use an MQTT 5 shared subscription so several servers split the carts */
        shared: bool.default(true),
        clientId: z.string().min(1).max(64).optional(),
        /**
         * messages (carts' and devices') taken in and not yet recorded, at most: beyond it intake
         * pauses until some are recorded, nothing is dropped (src/adapters/mqtt/intake-limit.ts)
         */
        maxInFlight: z.coerce.number().int().min(1).max(1_000_000).default(20_000),
        /** the same bound in payload bytes */
        maxInFlightBytes: z.coerce
          .number()
          .int()
          .min(1024)
          .max(16 * 1024 ** 3)
          .default(64 * 1024 ** 2),
      })
      .strict()
      .default({}),
    demo: z
      .object({
        /** seed a demo store with the demo catalog and print demo API keys */
        enabled: bool.default(true),
        store: idSchema.default("demo"),
        /** demo carts provisioned at first start (their secrets go to the keys file) */
        carts: z.coerce.number().int().min(0).max(10_000).default(4),
        /** where demo credentials are kept so a restart prints the same ones (mode 0600) */
        keysFile: z.string().min(1).default(".data/demo-credentials.json"),
        /** also host a demo walk-out store built from the AutoCheckout recording's store (docs/walkout.md) */
        walkout: bool.default(true),
        walkoutStore: idSchema.default("demo-walkout"),
      })
      .strict()
      .default({}),
    /** stores hosted besides the demo store: a catalog (exchange-v1 §3) and a store config file */
    stores: z
      .array(
        z
          .object({
            id: idSchema,
            /** `carts` (smart carts, §5) or `walkout` (gate, tracks, shelf plates: docs/walkout.md) */
            kind: z.enum(["carts", "walkout"]).default("carts"),
            catalog: z.string().min(1).optional(),
            /** walk-out store: its layout.json (plates and what they hold) */
            layout: z.string().min(1).optional(),
            /** walk-out store: an AutoCheckout directory (products.csv, plates/) instead of catalog + layout */
            autocheckout: z.string().min(1).optional(),
            settings: z.string().min(1).optional(),
            /** payment method token for sessions opened without an account */
            defaultPaymentMethod: z.string().min(1).optional(),
            /** a cart session without basket activity this long is ended by the store (0108); 0 = never */
            abandonAfterMinutes: z.coerce.number().int().min(0).max(1440).optional(),
          })
          .strict()
          .superRefine((s, ctx) => {
            const problem = (message: string) => ctx.addIssue({ code: z.ZodIssueCode.custom, message });
            if (s.kind === "carts" && (s.layout || s.autocheckout))
              problem("layout and autocheckout are for walk-out stores (kind: walkout)");
            if (s.kind === "carts" && !s.catalog) problem("a cart store needs a catalog");
            if (s.kind === "walkout" && !s.autocheckout && !(s.catalog && s.layout))
              problem("a walk-out store needs catalog and layout, or autocheckout");
            if (s.autocheckout && (s.catalog || s.layout))
              problem("give either autocheckout or catalog and layout");
          }),
      )
      .default([]),
    secrets: z
      .object({
        /** key for receipt link tokens, base64 (≥ 32 bytes); shared by every server process */
        receiptKey: z
          .string()
          .refine((k) => Buffer.from(k, "base64").length >= 32, "must be at least 32 bytes, base64")
          .optional(),
        /** where a generated receipt key is kept when none is configured (mode 0600) */
        keyFile: z.string().min(1).default(".data/receipt-key"),
      })
      .strict()
      .default({}),
    /** several processes on one PostgreSQL and one external broker (docs/scale.md) */
    cluster: clusterConfigSchema.default({}),
    log: z
      .object({
        level: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
        /** pino-pretty lines instead of JSON; unset: when stdout is a terminal (logger.ts) */
        pretty: bool.optional(),
      })
      .strict()
      .default({}),
  })
  .strict();

export type ServerConfig = z.infer<typeof serverConfigSchema>;
export type ServerConfigInput = z.input<typeof serverConfigSchema>;

/** env variable → config path. The one table; docs/config.md lists the same. */
export const ENV_VARS: Record<string, string> = {
  SKIPLANE_HOST: "http.host",
  SKIPLANE_PORT: "http.port",
  SKIPLANE_PUBLIC_URL: "http.publicUrl",
  SKIPLANE_SCREEN_RECEIPT_SECONDS: "http.screenReceiptSeconds",
  SKIPLANE_AUTH_RECHECK_SECONDS: "http.authRecheckSeconds",
  SKIPLANE_AUTH_FAILURES_PER_MINUTE: "http.authFailuresPerMinute",
  SKIPLANE_TRUSTED_PROXIES: "http.trustedProxies",
  SKIPLANE_METRICS_TOKEN: "metrics.token",
  SKIPLANE_METRICS_ALLOW_LOOPBACK: "metrics.allowLoopback",
  SKIPLANE_DATABASE_URL: "database.url",
  SKIPLANE_DATABASE_SCHEMA: "database.schema",
  SKIPLANE_SQLITE_FILE: "database.sqliteFile",
  SKIPLANE_MQTT_URL: "mqtt.url",
  SKIPLANE_MQTT_HOST: "mqtt.host",
  SKIPLANE_MQTT_PORT: "mqtt.port",
  SKIPLANE_MQTT_WS: "mqtt.websocket",
  SKIPLANE_MQTT_THREAD: "mqtt.thread",
  SKIPLANE_MQTT_USERNAME: "mqtt.username",
  SKIPLANE_MQTT_PASSWORD: "mqtt.password",
  SKIPLANE_MQTT_AUTH: "mqtt.auth",
  SKIPLANE_MQTT_SHARED: "mqtt.shared",
  SKIPLANE_MQTT_CLIENT_ID: "mqtt.clientId",
  SKIPLANE_MQTT_MAX_IN_FLIGHT: "mqtt.maxInFlight",
  SKIPLANE_MQTT_MAX_IN_FLIGHT_BYTES: "mqtt.maxInFlightBytes",
  SKIPLANE_DEMO: "demo.enabled",
  SKIPLANE_DEMO_STORE: "demo.store",
  SKIPLANE_DEMO_CARTS: "demo.carts",
  SKIPLANE_DEMO_KEYS_FILE: "demo.keysFile",
  SKIPLANE_DEMO_WALKOUT: "demo.walkout",
  SKIPLANE_RECEIPT_KEY: "secrets.receiptKey",
  SKIPLANE_KEY_FILE: "secrets.keyFile",
  SKIPLANE_LOG_LEVEL: "log.level",
  SKIPLANE_LOG_PRETTY: "log.pretty",
  ...CLUSTER_ENV_VARS,
};

type Tree = Record<string, unknown>;

function setPath(tree: Tree, path: string, value: unknown): void {
  const keys = path.split(".");
  let node = tree;
  for (const k of keys.slice(0, -1)) {
    const next = node[k];
    if (!next || typeof next !== "object") node[k] = {};
    node = node[k] as Tree;
  }
  node[keys[keys.length - 1]] = value;
}

function merge(a: Tree, b: Tree): Tree {
  const out: Tree = { ...a };
  for (const [k, v] of Object.entries(b)) {
    if (v && typeof v === "object" && !Array.isArray(v) && out[k] && typeof out[k] === "object") {
      out[k] = merge(out[k] as Tree, v as Tree);
    } else if (v !== undefined) out[k] = v;
  }
  return out;
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n  ${problems.join("\n  ")}`);
    this.name = "ConfigError";
  }
}

export interface LoadConfigOptions {
  env?: Record<string, string | undefined>;
  /** path of a JSON config file (else `SKIPLANE_CONFIG` from env) */
  file?: string;
  /** highest precedence: values from command-line flags, as dotted paths */
  overrides?: Record<string, unknown>;
}

/** Reads and validates the configuration. Throws {@link ConfigError} listing every problem. */
export function loadServerConfig(options: LoadConfigOptions = {}): ServerConfig {
  const env = options.env ?? process.env;
  let tree: Tree = {};
  const file = options.file ?? env.SKIPLANE_CONFIG;
  if (file) {
    let text: string;
    try {
      text = readFileSync(file, "utf8");
    } catch (err) {
      throw new ConfigError([`config file ${file}: ${(err as Error).message}`]);
    }
    try {
      const parsed: unknown = JSON.parse(text);
      if (!parsed || typeof parsed !== "object" || Array.isArray(parsed))
        throw new Error("not a JSON object");
      tree = parsed as Tree;
    } catch (err) {
      throw new ConfigError([`config file ${file}: ${(err as Error).message}`]);
    }
  }
  const fromEnv: Tree = {};
  for (const [name, path] of Object.entries(ENV_VARS)) {
    const v = env[name];
    if (v !== undefined && v !== "") setPath(fromEnv, path, v);
  }
  tree = merge(tree, fromEnv);
  const flags: Tree = {};
  for (const [path, v] of Object.entries(options.overrides ?? {}))
    if (v !== undefined) setPath(flags, path, v);
  tree = merge(tree, flags);
  const r = serverConfigSchema.safeParse(tree);
  if (!r.success) {
    throw new ConfigError(r.error.issues.map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`));
  }
  return r.data;
}
