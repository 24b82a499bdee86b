/**
 * The whole store server in the test's own process (`startServer` of src/main.ts): a SQLite file
 * in the test's temp dir, HTTP and the embedded MQTT broker on ephemeral loopback ports, no demo
 * store, the stores a test names written as the config file, logging silent. And an API key of a
 * given store and role, recorded the way the provisioning route records one.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import pino from "pino";
import { loadServerConfig } from "../../../src/adapters/config/server-config";
import { apiKeyHash, newApiKey } from "../../../src/adapters/http/tokens";
import type { Clock } from "../../../src/app/ports/clock";
import type { ApiRole } from "../../../src/app/ports/read-models";
import { type RunningServer, startServer } from "../../../src/main";

/** The environment that keeps a server on loopback, ephemeral ports and files under `dir`. */
export function loopbackPortsEnv(dir: string): Record<string, string> {
  return {
    SKIPLANE_HOST: "127.0.0.1",
    SKIPLANE_PORT: "0",
    SKIPLANE_MQTT_HOST: "127.0.0.1",
    SKIPLANE_MQTT_PORT: "0",
    SKIPLANE_SQLITE_FILE: join(dir, "skiplane.sqlite"),
    SKIPLANE_KEY_FILE: join(dir, "receipt.key"),
  };
}

/**
 * `loopbackPortsEnv` as a loopback-only deployment, so its `/metrics` is open to loopback
 * (metrics.allowLoopback).
 */
export function loopbackEnv(dir: string): Record<string, string> {
  return { ...loopbackPortsEnv(dir), SKIPLANE_METRICS_ALLOW_LOOPBACK: "true" };
}

/**
 * Starts the server with `stores` as its config file (`dir/config.json`), no demo store;
 * `clock`: the server's clock (default wall-clock time); `env`: more `SKIPLANE_*` settings.
 */
export async function startInProcessServer(
  dir: string,
  stores: unknown[],
  options: { clock?: Clock; env?: Record<string, string> } = {},
): Promise<RunningServer> {
  writeFileSync(join(dir, "config.json"), JSON.stringify({ stores }));
  const config = loadServerConfig({
    file: join(dir, "config.json"),
    env: { ...loopbackEnv(dir), SKIPLANE_DEMO: "false", SKIPLANE_LOG_LEVEL: "silent", ...options.env },
  });
  return startServer(config, {
    logger: pino({ level: "silent" }),
    ...(options.clock ? { clock: options.clock } : {}),
  });
}

/**
 * Starts the server with its demo stores as `npm start` does, but no demo carts: the demo keys in
 * `dir/demo-credentials*.json` (the walk-out store's in `demo-credentials-walkout.json`).
 */
export async function startDemoServer(dir: string): Promise<RunningServer> {
  const config = loadServerConfig({
    env: {
      ...loopbackEnv(dir),
      SKIPLANE_DEMO_CARTS: "0",
      SKIPLANE_DEMO_KEYS_FILE: join(dir, "demo-credentials.json"),
    },
  });
  return startServer(config, { logger: pino({ level: "silent" }) });
}

/** A new API key of `store` with `role`, stored hashed as the server stores keys. */
export async function addApiKey(
  server: RunningServer,
  id: string,
  store: string,
  role: ApiRole,
): Promise<string> {
  const key = newApiKey(id);
  await server.storage.apiKeys.create({ id, store, role, keyHash: apiKeyHash(key), createdAt: Date.now() });
  return key;
}
