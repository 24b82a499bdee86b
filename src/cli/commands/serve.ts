/**
 * `skiplane serve`: runs the store server (the same as `npm start`), with command-line flags on
 * top of the config file and SKIPLANE_* environment (see docs/config.md).
 */
import type { Command } from "commander";
import { ConfigError, loadServerConfig } from "../../adapters/config/server-config";
import { runUntilSignal } from "../../main";

interface ServeOptions {
  config?: string;
  host?: string;
  port?: string;
  databaseUrl?: string;
  sqliteFile?: string;
  mqttUrl?: string;
  mqttPort?: string;
  mqttWs?: boolean;
  demo?: boolean;
  demoStore?: string;
  logLevel?: string;
}

export function register(program: Command): void {
  program
    .command("serve")
    .description(
      "Run the store server: MQTT cart gateway (embedded broker or external), HTTP API, WebSocket, metrics",
    )
    .option("-c, --config <file>", "JSON config file (also SKIPLANE_CONFIG)")
    .option("--host <host>", "HTTP listen address (SKIPLANE_HOST, default 0.0.0.0)")
    .option("-p, --port <port>", "HTTP port (SKIPLANE_PORT, default 8080)")
    .option("--database-url <url>", "use PostgreSQL at this URL (SKIPLANE_DATABASE_URL); SQLite otherwise")
    .option(
      "--sqlite-file <file>",
      "SQLite database file (SKIPLANE_SQLITE_FILE, default .data/skiplane.sqlite)",
    )
    .option("--mqtt-url <url>", "use an external MQTT broker (SKIPLANE_MQTT_URL); embedded otherwise")
    .option(
      "--mqtt-port <port>",
      "embedded broker TCP port (SKIPLANE_MQTT_PORT, default 1884: 1883 is usually a system broker)",
    )
    .option("--no-mqtt-ws", "do not serve MQTT over WebSocket at /mqtt")
    .option("--no-demo", "do not seed the demo store, keys and carts")
    .option("--demo-store <id>", "id of the demo store (default demo)")
    .option("--log-level <level>", "fatal|error|warn|info|debug|trace|silent (default info)")
    .addHelpText(
      "after",
      "\nEvery option can also come from the environment (SKIPLANE_*) or the config file;\nflags win over the environment, which wins over the file. See docs/config.md.",
    )
    .action(async (o: ServeOptions) => {
      let config: ReturnType<typeof loadServerConfig>;
      try {
        config = loadServerConfig({
          file: o.config,
          overrides: {
            "http.host": o.host,
            "http.port": o.port,
            "database.url": o.databaseUrl,
            "database.sqliteFile": o.sqliteFile,
            "mqtt.url": o.mqttUrl,
            "mqtt.port": o.mqttPort,
            "mqtt.websocket": o.mqttWs === false ? false : undefined,
            "demo.enabled": o.demo === false ? false : undefined,
            "demo.store": o.demoStore,
            "log.level": o.logLevel,
          },
        });
      } catch (err) {
        if (err instanceof ConfigError) throw new Error(err.message);
        throw err;
      }
      await runUntilSignal(config);
    });
}
