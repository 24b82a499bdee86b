import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ConfigError, loadServerConfig } from "./server-config";

describe("server config", () => {
  it("has working defaults with an empty environment", () => {
    const c = loadServerConfig({ env: {} });
    expect(c.http.port).toBe(8080);
    expect(c.mqtt.port).toBe(1884);
    expect(c.mqtt.url).toBeUndefined();
    expect(c.mqtt.thread).toBe(true);
    expect(c.database.url).toBeUndefined();
    expect(c.demo.enabled).toBe(true);
  });

  it("layers file < env < flags", () => {
    const dir = mkdtempSync(join(tmpdir(), "cfg-"));
    const file = join(dir, "c.json");
    writeFileSync(file, JSON.stringify({ http: { port: 9000 }, mqtt: { port: 1999, websocket: false } }));
    const c = loadServerConfig({
      env: {
        SKIPLANE_CONFIG: file,
        SKIPLANE_MQTT_PORT: "2000",
        SKIPLANE_DEMO: "0",
        SKIPLANE_MQTT_THREAD: "false",
      },
      overrides: { "http.port": 0 },
    });
    expect(c.http.port).toBe(0);
    expect(c.mqtt.port).toBe(2000);
    expect(c.mqtt.websocket).toBe(false);
    expect(c.mqtt.thread).toBe(false);
    expect(c.demo.enabled).toBe(false);
  });

  it("lists every problem and refuses unknown keys", () => {
    const dir = mkdtempSync(join(tmpdir(), "cfg-"));
    const file = join(dir, "c.json");
    writeFileSync(file, JSON.stringify({ http: { port: 70000 }, mqtt: { typo: 1 } }));
    let err: unknown;
    try {
      loadServerConfig({ env: { SKIPLANE_DATABASE_URL: "mysql://x" }, file });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    const problems = (err as ConfigError).problems.join("\n");
    expect(problems).toMatch(/http\.port/);
    expect(problems).toMatch(/typo/);
    expect(problems).toMatch(/database\.url/);
  });

  it("http.trustedProxies: none by default, a comma list from env, a list from the file, bad entries refused", () => {
    expect(loadServerConfig({ env: {} }).http.trustedProxies).toEqual([]);
    expect(
      loadServerConfig({ env: { SKIPLANE_TRUSTED_PROXIES: " 10.0.0.1, 192.168.0.0/16,fd00::/8 ,loopback" } })
        .http.trustedProxies,
    ).toEqual(["10.0.0.1", "192.168.0.0/16", "fd00::/8", "loopback"]);
    const dir = mkdtempSync(join(tmpdir(), "cfg-"));
    const file = join(dir, "c.json");
    writeFileSync(file, JSON.stringify({ http: { trustedProxies: ["172.16.0.0/12", "::1"] } }));
    expect(loadServerConfig({ env: {}, file }).http.trustedProxies).toEqual(["172.16.0.0/12", "::1"]);
    for (const bad of ["proxy.local", "10.0.0.0/33", "::1/129", "10.0.0.1/8/1", "10.0.0/8", "10.0.0.0/x"]) {
      expect(() => loadServerConfig({ env: { SKIPLANE_TRUSTED_PROXIES: bad } }), bad).toThrow(
        /http\.trustedProxies\.0: must be an IP address/,
      );
    }
  });

  it("reports a missing or broken config file clearly", () => {
    expect(() => loadServerConfig({ env: {}, file: "/nonexistent/skiplane.json" })).toThrow(/config file/);
  });
});
