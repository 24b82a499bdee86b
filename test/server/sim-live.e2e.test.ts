/**
 * `skiplane sim --live` end to end: the real server as a child process (temp SQLite, embedded
 * broker and HTTP on ephemeral ports, a demo store with four carts), the live driver playing
 * eight seeded sessions at ×50 over MQTT with the carts' own credentials. Then, through the HTTP
 * API: every session exists and was settled (paid or held for review), and the screen each cart
 * showed at the end of its session listed exactly the receipt's lines, with the receipt's total.
 * Also: a wrong secret and a closed port are refused with a clear message.
 */
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { loadDemoCatalog } from "../../src/adapters/demo/demo-catalog";
import type { DemoCredentials } from "../../src/main";
import { readCredentials, runLive } from "../../src/sim/live/live-driver";
import type { LiveEvent } from "../../src/sim/live/live-events";
import { STANDARD_MIX } from "../../src/sim/profile";
import { freePort } from "./support/mosquitto";
import { type ServerProcess, spawnServer, waitReady } from "./support/server-process";

const procs: ServerProcess[] = [];
afterAll(async () => {
  for (const p of procs) if (p.child.exitCode === null) p.child.kill("SIGKILL");
});

interface SessionRow {
  session: string;
  cart?: string;
  state: string;
  open: boolean;
  receipt?: {
    lines: { sku: string; qty?: number; grams?: number }[];
    total: number;
    review: boolean;
  };
}

const lineKey = (l: { sku: string; qty?: number; grams?: number }) =>
  `${l.sku}×${l.grams !== undefined ? `${l.grams}g` : (l.qty ?? 0)}`;

describe("sim --live", () => {
  it("drives simulated carts into a running server: sessions settle, screens show the receipts' lines", async () => {
    const dir = mkdtempSync(join(tmpdir(), "skiplane-live-"));
    const httpPort = await freePort();
    const mqttPort = await freePort();
    const server = spawnServer({
      SKIPLANE_SQLITE_FILE: join(dir, "db.sqlite"),
      SKIPLANE_DEMO_STORE: "demo",
      SKIPLANE_DEMO_CARTS: "4",
      SKIPLANE_DEMO_KEYS_FILE: join(dir, "demo.json"),
      SKIPLANE_KEY_FILE: join(dir, "receipt-key"),
      SKIPLANE_PORT: String(httpPort),
      SKIPLANE_HOST: "127.0.0.1",
      SKIPLANE_MQTT_PORT: String(mqttPort),
      SKIPLANE_MQTT_HOST: "127.0.0.1",
      SKIPLANE_LOG_LEVEL: "warn",
    });
    procs.push(server);
    const http = `http://127.0.0.1:${httpPort}`;
    await waitReady(http, server);
    const demo = JSON.parse(readFileSync(join(dir, "demo.json"), "utf8")) as DemoCredentials;
    const creds = readCredentials(join(dir, "demo.json"));
    const url = `mqtt://127.0.0.1:${mqttPort}`;

    const events: LiveEvent[] = [];
    const summary = await runLive({
      url,
      store: creds.store,
      carts: creds.carts,
      sessions: 8,
      speed: 50,
      seed: 7,
      mix: STANDARD_MIX,
      catalog: loadDemoCatalog(),
      onEvent: (e) => events.push(e),
    });

    // the driver's own view: every session ran to the exit and the screen showed an outcome
    expect(summary.sessions).toHaveLength(8);
    expect(new Set(summary.sessions.map((s) => s.cart))).toEqual(new Set(creds.carts.map((c) => c.cart)));
    for (const s of summary.sessions) expect(["paid", "review"]).toContain(s.state);
    expect(events.filter((e) => e.kind === "started")).toHaveLength(8);
    expect(events.filter((e) => e.kind === "item" && e.change === "added").length).toBeGreaterThan(8);
    expect(summary.answered).toBeGreaterThan(0);
    expect(summary.rejected["out-of-order"] ?? 0).toBe(0);
    expect(summary.rejected["bad-event"] ?? 0).toBe(0);

    // the server's view, through the API
    const auth = { authorization: `Bearer ${demo.apiKeys.operator}` };
    const list = (await (
      await fetch(`${http}/api/v1/stores/demo/sessions?limit=1000`, { headers: auth })
    ).json()) as SessionRow[];
    expect(list.filter((s) => s.open)).toEqual([]);
    for (const rec of summary.sessions) {
      const row = list.find((s) => s.session === rec.session);
      expect(row, rec.session).toBeDefined();
      expect(row!.cart).toBe(rec.cart);
      const one = (await (
        await fetch(`${http}/api/v1/stores/demo/sessions/${rec.session}`, { headers: auth })
      ).json()) as SessionRow;
      expect(one.receipt, rec.session).toBeDefined();
      expect(one.receipt!.review).toBe(rec.state === "review");
      // what the cart's screen showed last is what the receipt says
      expect(rec.lines.map(lineKey).sort(), rec.session).toEqual(one.receipt!.lines.map(lineKey).sort());
      expect(rec.total).toBe(one.receipt!.total);
      expect(rec.lines.length).toBeGreaterThan(0);
    }

    // refusals are said plainly
    await expect(
      runLive({
        url,
        store: "demo",
        carts: [{ cart: creds.carts[0].cart, secret: "wrong-secret" }],
        sessions: 1,
        speed: 50,
        seed: 1,
        mix: STANDARD_MIX,
        catalog: loadDemoCatalog(),
      }),
    ).rejects.toThrow(/bad username or password/);
    const closed = await freePort();
    await expect(
      runLive({
        url: `mqtt://127.0.0.1:${closed}`,
        store: "demo",
        carts: creds.carts,
        sessions: 1,
        speed: 50,
        seed: 1,
        mix: STANDARD_MIX,
        catalog: loadDemoCatalog(),
      }),
    ).rejects.toThrow(/Is the server running/);
    server.child.kill("SIGTERM");
    await server.exited;
  }, 180_000);
});
