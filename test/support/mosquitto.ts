/**
 * Starts a real Mosquitto (the installed binary) of the test's own on an ephemeral loopback port,
 * from a generated config in a temp dir. Not the shared broker on 1883: that one is anonymous
 * and shared by everyone's tests.
 *
 * - `dynsec` (default true): the dynamic-security plugin enforces accounts (no anonymous
 *   clients); `admin` is its admin account.
 * - `persistence`: sessions and their queued messages are saved in the temp dir and survive
 *   `restart()` (the scale tests restart the broker under load).
 * - `config`: extra mosquitto.conf lines (queue limits).
 */
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { connect } from "node:net";
import { tmpdir, userInfo } from "node:os";
import { join } from "node:path";
import { freePort } from "./free-port";

export function findDynsecPlugin(): string | undefined {
  for (const dir of [
    "/usr/lib/x86_64-linux-gnu",
    "/usr/lib/aarch64-linux-gnu",
    "/usr/lib",
    "/usr/local/lib",
  ]) {
    if (!existsSync(dir)) continue;
    const f = readdirSync(dir).find((n) => n === "mosquitto_dynamic_security.so");
    if (f) return join(dir, f);
  }
  return undefined;
}

export function mosquittoInstalled(): boolean {
  try {
    execFileSync("mosquitto", ["-h"], { stdio: "ignore" });
    return true;
  } catch (err) {
    // `mosquitto -h` exits with status 3 after printing help
    return (err as { code?: string }).code !== "ENOENT";
  }
}

/** Mosquitto and its dynamic-security plugin are installed. */
export function mosquittoAvailable(): boolean {
  return mosquittoInstalled() && findDynsecPlugin() !== undefined;
}

/** Resolves once `port` accepts connections; throws when `alive()` turns false or after `ms`. */
export async function waitPort(port: number, ms: number, alive: () => boolean): Promise<void> {
  const deadline = Date.now() + ms;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = connect(port, "127.0.0.1");
      s.once("connect", () => {
        s.destroy();
        resolve(true);
      });
      s.once("error", () => resolve(false));
    });
    if (ok) return;
    if (!alive() || Date.now() > deadline) throw new Error(`nothing listening on ${port}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export interface MosquittoOptions {
  dynsec?: boolean;
  persistence?: boolean;
  config?: string[];
  /** copy the broker's log (errors) to this process's stderr */
  showLog?: boolean;
}

export interface TestMosquitto {
  url: string;
  port: number;
  /** with `dynsec`: the dynamic-security admin account */
  admin?: { username: string; password: string };
  /** the running broker's process id (for CPU figures) */
  readonly pid: number | undefined;
  start(): Promise<void>;
  /** SIGTERM: a persistent Mosquitto saves its file on the way out */
  stop(): Promise<void>;
  restart(): Promise<void>;
  /** stops it and removes its temp dir */
  dispose(): Promise<void>;
}

export type DynsecMosquitto = TestMosquitto & { admin: { username: string; password: string } };

export function startMosquitto(options?: MosquittoOptions & { dynsec?: true }): Promise<DynsecMosquitto>;
export function startMosquitto(options: MosquittoOptions): Promise<TestMosquitto>;
export async function startMosquitto(options: MosquittoOptions = {}): Promise<TestMosquitto> {
  const dir = mkdtempSync(join(tmpdir(), "skiplane-mosq-"));
  const port = await freePort();
  const plugin = options.dynsec === false ? undefined : findDynsecPlugin();
  if (options.dynsec !== false && !plugin) throw new Error("mosquitto dynamic-security plugin not found");
  const admin = plugin
    ? { username: "skiplane-admin", password: `pw-${process.pid}-${Date.now()}` }
    : undefined;
  if (admin)
    execFileSync(
      "mosquitto_ctrl",
      ["dynsec", "init", join(dir, "dynsec.json"), admin.username, admin.password],
      { stdio: "ignore" },
    );
  writeFileSync(
    join(dir, "mosquitto.conf"),
    [
      "per_listener_settings false",
      `allow_anonymous ${plugin ? "false" : "true"}`,
      ...(plugin ? [`plugin ${plugin}`, `plugin_opt_config_file ${join(dir, "dynsec.json")}`] : []),
      ...(options.persistence
        ? ["persistence true", `persistence_location ${dir}/`, "autosave_interval 1"]
        : ["persistence false"]),
      // run as the current user: mosquitto started as root would drop to `mosquitto`, which
      // cannot read the 0700 temp dir
      `user ${userInfo().username}`,
      `listener ${port} 127.0.0.1`,
      "log_dest stderr",
      "log_type error",
      "log_type warning",
      ...(options.config ?? []),
      "",
    ].join("\n"),
  );
  let child: ChildProcess | undefined;
  // never leave a broker behind if the test process ends without calling stop()
  const reap = () => {
    if (child && child.exitCode === null) child.kill("SIGKILL");
  };
  const broker: TestMosquitto = {
    url: `mqtt://127.0.0.1:${port}`,
    port,
    ...(admin ? { admin } : {}),
    get pid() {
      return child?.pid;
    },
    async start() {
      const c = spawn("mosquitto", ["-c", join(dir, "mosquitto.conf")], {
        stdio: ["ignore", "ignore", "pipe"],
      });
      child = c;
      process.once("exit", reap);
      let stderr = "";
      c.stderr?.on("data", (d) => {
        stderr += String(d);
        if (options.showLog) process.stderr.write(d);
      });
      await waitPort(port, 10_000, () => c.exitCode === null).catch(() => {
        throw new Error(`mosquitto did not start: ${stderr}`);
      });
    },
    async stop() {
      process.off("exit", reap);
      const c = child;
      if (!c || c.exitCode !== null) return;
      const exited = new Promise((r) => c.once("exit", r));
      c.kill("SIGTERM");
      await exited;
    },
    async restart() {
      await broker.stop();
      await broker.start();
    },
    async dispose() {
      await broker.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  await broker.start();
  return broker;
}
