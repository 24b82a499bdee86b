/**
 * The store server as a process, as `npm start` runs it (src/main.ts), for the browser tests:
 * a temp SQLite file, the embedded MQTT broker and HTTP on ephemeral loopback ports, the demo
 * store with its demo keys (read from the 0600 credentials file the server writes). Stopped with
 * SIGTERM by its own pid (graceful shutdown), then the temp dir is removed.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export interface RunningServer {
  url: string;
  mqttUrl: string;
  store: string;
  keys: { admin: string; operator: string; reviewer: string };
  /** the temp dir holding the database and the demo credentials files */
  dir: string;
  /** what the server printed on stdout so far (the banner) */
  stdout(): string;
  stop(): Promise<void>;
}

const root = join(import.meta.dirname, "..", "..", "..");

export async function startServer(): Promise<RunningServer> {
  const dir = mkdtempSync(join(tmpdir(), "skiplane-web-e2e-"));
  const keysFile = join(dir, "demo-credentials.json");
  const child: ChildProcess = spawn(process.execPath, ["--import", "tsx", join(root, "src", "main.ts")], {
    cwd: root,
    env: {
      ...process.env,
      SKIPLANE_HOST: "127.0.0.1",
      SKIPLANE_PORT: "0",
      SKIPLANE_MQTT_HOST: "127.0.0.1",
      SKIPLANE_MQTT_PORT: "0",
      SKIPLANE_SQLITE_FILE: join(dir, "skiplane.sqlite"),
      SKIPLANE_DEMO: "true",
      SKIPLANE_DEMO_CARTS: "1",
      SKIPLANE_DEMO_KEYS_FILE: keysFile,
      SKIPLANE_KEY_FILE: join(dir, "receipt.key"),
      SKIPLANE_LOG_LEVEL: "warn",
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  let err = "";
  child.stdout?.on("data", (d) => {
    out += String(d);
  });
  child.stderr?.on("data", (d) => {
    err += String(d);
  });
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));

  // the banner names the HTTP address and the broker's port once everything listens
  const deadline = Date.now() + 90_000;
  let http: string | undefined;
  let mqttPort: string | undefined;
  while (!(http && mqttPort)) {
    if (child.exitCode !== null) throw new Error(`the server exited (${child.exitCode}):\n${err}\n${out}`);
    if (Date.now() > deadline) {
      child.kill("SIGKILL");
      throw new Error(`the server did not start within 90 s:\n${err}\n${out}`);
    }
    http = /HTTP API\s+(http:\/\/[^\s/]+)\/api\/v1/.exec(out)?.[1];
    mqttPort = /embedded MQTT on port (\d+)/.exec(out)?.[1];
    await new Promise((r) => setTimeout(r, 100));
  }
  const demo = JSON.parse(readFileSync(keysFile, "utf8")) as {
    store: string;
    apiKeys: { admin: string; operator: string; reviewer: string };
  };
  return {
    url: http,
    mqttUrl: `mqtt://127.0.0.1:${mqttPort}`,
    store: demo.store,
    keys: { admin: demo.apiKeys.admin, operator: demo.apiKeys.operator, reviewer: demo.apiKeys.reviewer },
    dir,
    stdout: () => out,
    async stop() {
      if (child.exitCode === null) {
        child.kill("SIGTERM");
        const timer = setTimeout(() => child.kill("SIGKILL"), 15_000);
        await exited;
        clearTimeout(timer);
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
