/**
 * Real servers for the scale tests, each private to the test run so restarting one disturbs
 * nobody else's tests:
 * - a Mosquitto (the installed binary) on an ephemeral loopback port, anonymous, with
 *   persistence in a temp dir (store sessions and their queued messages survive a restart) and
 *   no limit on queued messages per session (an ownerless store's session queues during a move);
 * - a PostgreSQL cluster of this machine's installation (`initdb` as the postgres user) on an
 *   ephemeral port, trust auth — restartable under load. When it cannot be created (no initdb)
 *   the shared server's URL is returned with `restartable: false`.
 * - clustered server processes: `skiplane serve` with the environment a deployment would use
 *   (SKIPLANE_CLUSTER=1, database and broker URLs, a config file listing the stores).
 */
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { chmodSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir, userInfo } from "node:os";
import { join } from "node:path";

import { freePort } from "../../support/free-port";
import { mosquittoInstalled, startMosquitto, type TestMosquitto } from "../../support/mosquitto";

export { freePort, mosquittoInstalled };

export type TestBroker = TestMosquitto;

/**
 * Anonymous unless `dynsec`; persistent, with no limit on queued messages per session (an
 * ownerless store's session queues during a move).
 */
export function startBroker(options: { dynsec?: boolean } = {}): Promise<TestBroker> {
  return startMosquitto({
    dynsec: options.dynsec ?? false,
    persistence: true,
    config: ["max_queued_messages 0", "max_inflight_messages 100"],
    showLog: true,
  });
}

export interface TestPostgres {
  url: string;
  restartable: boolean;
  /** the server's processes (postmaster and backends): for CPU figures */
  pids(): number[];
  restart(): Promise<void>;
  dispose(): Promise<void>;
}

const PG_BIN = [
  "/usr/lib/postgresql/17/bin",
  "/usr/lib/postgresql/16/bin",
  "/usr/lib/postgresql/15/bin",
].find((d) => existsSync(join(d, "initdb")));

export function privatePostgresAvailable(): boolean {
  return PG_BIN !== undefined;
}

/** A private PostgreSQL on an ephemeral port (see the header); falls back to the shared one. */
export async function startPostgres(
  sharedUrl: string,
  options: { durable?: boolean } = {},
): Promise<TestPostgres> {
  if (!PG_BIN)
    return {
      url: sharedUrl,
      restartable: false,
      pids: () => [],
      restart: async () => undefined,
      dispose: async () => undefined,
    };
  const dir = mkdtempSync(join(tmpdir(), "skiplane-scale-pg-"));
  chmodSync(dir, 0o777);
  const data = join(dir, "data");
  const port = await freePort();
  const asPostgres = (cmd: string, args: string[]) => {
    const root = userInfo().uid === 0;
    execFileSync(root ? "runuser" : cmd, root ? ["-u", "postgres", "--", cmd, ...args] : args, {
      stdio: "ignore",
    });
  };
  asPostgres(join(PG_BIN, "initdb"), ["-D", data, "-A", "trust", "-U", "postgres", "--no-sync"]);
  const ctl = (action: string) =>
    asPostgres(join(PG_BIN, "pg_ctl"), [
      "-D",
      data,
      "-l",
      join(dir, "log"),
      "-w",
      "-t",
      "30",
      "-o",
      `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c max_connections=200${options.durable ? "" : " -c fsync=off"}`,
      ...(action === "restart" || action === "stop" ? ["-m", "fast"] : []),
      action,
    ]);
  ctl("start");
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    restartable: true,
    pids() {
      let master: number;
      try {
        master = Number(readFileSync(join(data, "postmaster.pid"), "utf8").split("\n")[0]);
      } catch {
        return [];
      }
      const out = [master];
      for (const d of readdirSync("/proc")) {
        if (!/^\d+$/.test(d)) continue;
        try {
          const ppid = Number(readFileSync(`/proc/${d}/stat`, "utf8").split(") ")[1].split(" ")[1]);
          if (ppid === master) out.push(Number(d));
        } catch {
          // gone
        }
      }
      return out;
    },
    async restart() {
      ctl("restart");
    },
    async dispose() {
      try {
        ctl("stop");
      } catch {
        // already down
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export interface NodeProcess {
  name: string;
  child: ChildProcess;
  port: number;
  log: string[];
  /** SIGKILL */
  kill(): void;
  pause(): void;
  resume(): void;
  /** SIGTERM and wait */
  stop(): Promise<void>;
}

/** the receipt-link key every test chain's processes share (32 bytes, base64) */
export const CHAIN_RECEIPT_KEY = Buffer.alloc(32, 7).toString("base64");

/** `skiplane serve` (src/cli/index.ts), in cluster mode through the environment */
const CLI = new URL("../../../src/cli/index.ts", import.meta.url).pathname;

export async function startNode(options: {
  name: string;
  databaseUrl: string;
  schema: string;
  mqttUrl: string;
  /** the shared JSON config file (cluster.stores with their catalogs) */
  configFile: string;
  env?: Record<string, string>;
  /** more `node` flags (e.g. --cpu-prof for the benchmark's profiles) */
  nodeArgs?: string[];
}): Promise<NodeProcess> {
  const port = await freePort();
  const log: string[] = [];
  const child = spawn(process.execPath, [...(options.nodeArgs ?? []), "--import", "tsx", CLI, "serve"], {
    stdio: ["ignore", "pipe", "pipe"],
    env: {
      ...process.env,
      SKIPLANE_CLUSTER: "1",
      SKIPLANE_NODE_ID: options.name,
      SKIPLANE_DATABASE_URL: options.databaseUrl,
      SKIPLANE_DATABASE_SCHEMA: options.schema,
      SKIPLANE_MQTT_URL: options.mqttUrl,
      SKIPLANE_HOST: "127.0.0.1",
      SKIPLANE_PORT: String(port),
      SKIPLANE_LOG_LEVEL: "info",
      SKIPLANE_CONFIG: options.configFile,
      // receipt links must verify on every process of the chain: one key for all
      SKIPLANE_RECEIPT_KEY: CHAIN_RECEIPT_KEY,
      ...options.env,
    },
  });
  const collect = (d: Buffer) => {
    for (const line of String(d).split("\n")) if (line) log.push(line);
    if (log.length > 5000) log.splice(0, log.length - 5000);
  };
  child.stdout?.on("data", collect);
  child.stderr?.on("data", collect);
  const exited = new Promise<never>((_, reject) =>
    child.once("exit", (code) =>
      reject(new Error(`node ${options.name} exited (${code}) at start:\n${log.slice(-20).join("\n")}`)),
    ),
  );
  // ready when its HTTP health endpoint answers
  const ready = (async () => {
    const deadline = Date.now() + 60_000;
    for (;;) {
      try {
        const r = await fetch(`http://127.0.0.1:${port}/healthz`);
        if (r.ok) return;
      } catch {
        // not up yet
      }
      if (Date.now() > deadline) throw new Error(`node ${options.name} did not become healthy`);
      await new Promise((r) => setTimeout(r, 100));
    }
  })();
  await Promise.race([ready, exited]);
  child.removeAllListeners("exit");
  return {
    name: options.name,
    child,
    port,
    log,
    kill: () => child.kill("SIGKILL"),
    pause: () => child.kill("SIGSTOP"),
    resume: () => child.kill("SIGCONT"),
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((r) => child.once("exit", r));
      child.kill("SIGTERM");
      await Promise.race([exited, new Promise((r) => setTimeout(r, 10_000))]);
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
    },
  };
}
