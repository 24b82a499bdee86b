/**
 * `/metrics` needs credentials (before 2026-12-05 it answered anyone: every store's id and
 * counts). On a real SQLite-backed API: no credentials 401 (with WWW-Authenticate: Bearer), a
 * wrong token 401, a store's own admin key 403 (the metrics span every store), the scrapers'
 * token or a chain-wide admin key 200. `metrics.allowLoopback` opens it to the loopback
 * interface only — a scrape from another address still needs credentials. And the whole server
 * (`startServer`, HTTP over TCP on loopback) refuses an anonymous scrape by default.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { FastifyInstance } from "fastify";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadServerConfig } from "../../src/adapters/config/server-config";
import { buildHttpServer } from "../../src/adapters/http/http-server";
import { isLoopbackAddress } from "../../src/adapters/http/metrics-access";
import { type RunningServer, startServer } from "../../src/main";
import { apiFixture } from "./support/api-fixture";
import { addApiKey, loopbackEnv } from "./support/in-process-server";

const TOKEN = "prometheus-scrape-token-0123456789";
const bearer = (k: string) => ({ authorization: `Bearer ${k}` });

let f: Awaited<ReturnType<typeof apiFixture>>;
let withToken: FastifyInstance;
let loopbackOpen: FastifyInstance;

beforeAll(async () => {
  f = await apiFixture();
  withToken = await buildHttpServer({
    backend: f.backend,
    metrics: f.metrics,
    logger: false,
    metricsAccess: { token: TOKEN },
  });
  loopbackOpen = await buildHttpServer({
    backend: f.backend,
    metrics: f.metrics,
    logger: false,
    metricsAccess: { allowLoopback: true },
  });
});
afterAll(async () => {
  await withToken?.close();
  await loopbackOpen?.close();
  await f?.close();
});

const scrape = (app: FastifyInstance, headers: Record<string, string> = {}, remoteAddress = "10.1.2.3") =>
  app.inject({ method: "GET", url: "/metrics", headers, remoteAddress });

describe("/metrics needs credentials", () => {
  it("no credentials, a wrong token, a revoked or unknown key: 401 with WWW-Authenticate", async () => {
    for (const app of [f.app, withToken]) {
      const none = await scrape(app);
      expect(none.statusCode).toBe(401);
      expect(none.headers["www-authenticate"]).toBe('Bearer realm="metrics"');
      expect(none.headers["content-type"]).toMatch(/problem\+json/);
      expect(none.body).not.toMatch(/skiplane_/);
      expect((await scrape(app, bearer("not-the-token-at-all-0000"))).statusCode).toBe(401);
      expect((await scrape(app, bearer("skl_key_nope_secret"))).statusCode).toBe(401);
    }
    // the token is no token where none is configured
    expect((await scrape(f.app, bearer(TOKEN))).statusCode).toBe(401);
  });

  it("a store's own keys get 403: the metrics name every store", async () => {
    for (const k of [f.keys.adminA, f.keys.operatorA, f.keys.reviewerA, f.keys.adminB]) {
      const r = await scrape(withToken, bearer(k));
      expect(r.statusCode).toBe(403);
      expect(r.body).not.toMatch(/skiplane_/);
    }
  });

  it("the scrapers' token or a chain-wide admin key reads them", async () => {
    const byToken = await scrape(withToken, bearer(TOKEN));
    expect(byToken.statusCode).toBe(200);
    expect(byToken.body).toMatch(/skiplane_auth_failures_total\{reason="metrics-no-key"\}/);
    expect((await scrape(withToken, bearer(f.keys.headOffice))).statusCode).toBe(200);
    expect((await scrape(f.app, bearer(f.keys.headOffice))).statusCode).toBe(200);
  });

  it("allowLoopback opens it to loopback peers only", async () => {
    expect((await scrape(loopbackOpen, {}, "127.0.0.1")).statusCode).toBe(200);
    expect((await scrape(loopbackOpen, {}, "::1")).statusCode).toBe(200);
    expect((await scrape(loopbackOpen, {}, "::ffff:127.0.0.1")).statusCode).toBe(200);
    expect((await scrape(loopbackOpen, {}, "10.1.2.3")).statusCode).toBe(401);
    expect((await scrape(loopbackOpen, {}, "::ffff:10.1.2.3")).statusCode).toBe(401);
    // without the setting loopback is no exception
    expect((await scrape(withToken, {}, "127.0.0.1")).statusCode).toBe(401);
    expect([
      isLoopbackAddress("127.8.9.10"),
      isLoopbackAddress("128.0.0.1"),
      isLoopbackAddress("::2"),
    ]).toEqual([true, false, false]);
  });
});

describe("the whole server", () => {
  let dir: string;
  let server: RunningServer;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "skiplane-metrics-"));
    const config = loadServerConfig({
      env: {
        ...loopbackEnv(dir),
        SKIPLANE_METRICS_ALLOW_LOOPBACK: "false",
        SKIPLANE_METRICS_TOKEN: TOKEN,
        SKIPLANE_DEMO_STORE: "st-m",
        SKIPLANE_DEMO_CARTS: "0",
        SKIPLANE_DEMO_WALKOUT: "false",
        SKIPLANE_DEMO_KEYS_FILE: join(dir, "demo.json"),
        SKIPLANE_LOG_LEVEL: "silent",
      },
    });
    server = await startServer(config, { logger: pino({ level: "silent" }) });
  });
  afterAll(async () => {
    await server?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("refuses an anonymous scrape over TCP even from loopback, answers the token and the head office", async () => {
    const url = `${server.httpUrl}/metrics`;
    const anonymous = await fetch(url);
    expect(anonymous.status).toBe(401);
    expect(await anonymous.text()).not.toMatch(/st-m/);
    const storeAdmin = await addApiKey(server, "key_metrics_store_admin", "st-m", "admin");
    expect((await fetch(url, { headers: bearer(storeAdmin) })).status).toBe(403);
    const byToken = await fetch(url, { headers: bearer(TOKEN) });
    expect(byToken.status).toBe(200);
    expect(await byToken.text()).toMatch(
      /^skiplane_http_requests_total\{route="\/metrics",status="401"\} 1$/m,
    );
    const head = server.demo?.apiKeys.headOffice as string;
    expect((await fetch(url, { headers: bearer(head) })).status).toBe(200);
  });
});
