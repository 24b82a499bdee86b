/**
 * Starts a real Mosquitto (the installed binary) with the dynamic-security plugin on an
 * ephemeral loopback port, from a generated config in a temp dir. Not the shared broker on
 * 1883: that one is anonymous and shared by everyone's tests.
 */
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, writeFileSync } from "node:fs";
import { connect } from "node:net";
import { tmpdir, userInfo } from "node:os";
import { join } from "node:path";

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

export function mosquittoAvailable(): boolean {
  try {
    execFileSync("mosquitto", ["-h"], { stdio: "ignore" });
  } catch (err) {
    // `mosquitto -h` exits with status 3 after printing help
    if ((err as { code?: string }).code === "ENOENT") return false;
  }
  return findDynsecPlugin() !== undefined;
}

import { freePort } from "../../support/free-port";

export { freePort };

export interface Mosquitto {
  url: string;
  port: number;
  admin: { username: string; password: string };
  pid: number | undefined;
  stop(): Promise<void>;
}

/** `config`: extra mosquitto.conf lines (the server bench sets its queue limits). */
export async function startMosquitto(options: { config?: string[] } = {}): Promise<Mosquitto> {
  const plugin = findDynsecPlugin();
  if (!plugin) throw new Error("mosquitto dynamic-security plugin not found");
  const dir = mkdtempSync(join(tmpdir(), "skiplane-mosq-"));
  const admin = { username: "skiplane-admin", password: `pw-${process.pid}-${Date.now()}` };
  execFileSync(
    "mosquitto_ctrl",
    ["dynsec", "init", join(dir, "dynsec.json"), admin.username, admin.password],
    {
      stdio: "ignore",
    },
  );
  const port = await freePort();
  writeFileSync(
    join(dir, "mosquitto.conf"),
    [
      "per_listener_settings false",
      "allow_anonymous false",
      "persistence false",
      // run as the current user: mosquitto started as root would drop to `mosquitto`, which
      // cannot read the 0700 temp dir
      `user ${userInfo().username}`,
      `listener ${port} 127.0.0.1`,
      `plugin ${plugin}`,
      `plugin_opt_config_file ${join(dir, "dynsec.json")}`,
      "log_dest stderr",
      "log_type error",
      "log_type warning",
      ...(options.config ?? []),
      "",
    ].join("\n"),
  );
  const child: ChildProcess = spawn("mosquitto", ["-c", join(dir, "mosquitto.conf")], {
    stdio: ["ignore", "ignore", "pipe"],
  });
  // never leave a broker behind if the test process ends without calling stop()
  const reap = () => {
    if (child.exitCode === null) child.kill("SIGKILL");
  };
  process.once("exit", reap);
  let stderr = "";
  child.stderr?.on("data", (d) => {
    stderr += String(d);
  });
  // wait until the port accepts connections
  const deadline = Date.now() + 10_000;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = connect(port, "127.0.0.1");
      s.once("connect", () => {
        s.destroy();
        resolve(true);
      });
      s.once("error", () => resolve(false));
    });
    if (ok) break;
    if (child.exitCode !== null || Date.now() > deadline)
      throw new Error(`mosquitto did not start: ${stderr}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    url: `mqtt://127.0.0.1:${port}`,
    port,
    admin,
    pid: child.pid,
    async stop() {
      process.off("exit", reap);
      if (child.exitCode !== null) return;
      const exited = new Promise((r) => child.once("exit", r));
      child.kill("SIGTERM");
      await exited;
    },
  };
}
