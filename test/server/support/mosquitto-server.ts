/**
 * A store server on a real Mosquitto with dynamic security, as the external-broker tests start
 * it: the config file under `dir` (stores as given), SQLite in `dir`, the server's broker account,
 * and one admin API key for `keyStore`; `env`: more `SKIPLANE_*` settings (a PostgreSQL
 * `SKIPLANE_DATABASE_URL` instead of SQLite). Returns the running server and the key's secret.
 */

import { writeFileSync } from "node:fs";
import { join } from "node:path";
import pino from "pino";
import { loadServerConfig } from "../../../src/adapters/config/server-config";
import { apiKeyHash, newApiKey } from "../../../src/adapters/http/tokens";
import { type RunningServer, startServer } from "../../../src/main";

export async function startServerOnMosquitto(o: {
  dir: string;
  brokerUrl: string;
  account: { username: string; password: string };
  clientId: string;
  stores: unknown[];
  keyId: string;
  keyStore: string;
  env?: Record<string, string>;
}): Promise<{ running: RunningServer; key: string }> {
  writeFileSync(join(o.dir, "config.json"), JSON.stringify({ stores: o.stores }));
  const config = loadServerConfig({
    file: join(o.dir, "config.json"),
    env: {
      SKIPLANE_HOST: "127.0.0.1",
      SKIPLANE_PORT: "0",
      SKIPLANE_SQLITE_FILE: join(o.dir, "skiplane.sqlite"),
      SKIPLANE_DEMO: "false",
      SKIPLANE_KEY_FILE: join(o.dir, "receipt.key"),
      SKIPLANE_MQTT_URL: o.brokerUrl,
      SKIPLANE_MQTT_USERNAME: o.account.username,
      SKIPLANE_MQTT_PASSWORD: o.account.password,
      SKIPLANE_MQTT_AUTH: "dynsec",
      SKIPLANE_MQTT_CLIENT_ID: o.clientId,
      ...o.env,
    },
  });
  const running = await startServer(config, { logger: pino({ level: "silent" }) });
  const key = newApiKey(o.keyId);
  await running.storage.apiKeys.create({
    id: o.keyId,
    store: o.keyStore,
    role: "admin",
    keyHash: apiKeyHash(key),
    createdAt: Date.now(),
  });
  return { running, key };
}
