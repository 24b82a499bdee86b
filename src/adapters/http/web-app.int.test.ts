import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Fastify from "fastify";
import { describe, expect, it } from "vitest";
import { webApp } from "./web-app";

function builtApp(): string {
  const root = mkdtempSync(join(tmpdir(), "skiplane-webapp-"));
  mkdirSync(join(root, "assets"));
  writeFileSync(join(root, "index.html"), "<!doctype html><div id=root></div>");
  writeFileSync(join(root, "assets", "index-abc123.js"), "console.log(1)");
  return root;
}

describe("web app plugin", () => {
  it("answers every deep link with index.html, with a CSP, and caches hashed assets forever", async () => {
    const app = Fastify();
    await app.register(webApp, { root: builtApp() });
    app.get("/api/v1/ping", async () => ({ ok: true }));
    for (const url of [
      "/",
      "/cart/demo/cart-01",
      "/ops/demo",
      "/review/demo",
      "/review/demo/case_1",
      "/r/tok.en",
    ]) {
      const r = await app.inject({ url });
      expect(r.statusCode, url).toBe(200);
      expect(r.body).toContain("<div id=root>");
      expect(r.headers["content-security-policy"]).toContain("script-src 'self'");
      expect(r.headers["cache-control"]).toBe("no-cache");
    }
    const js = await app.inject({ url: "/assets/index-abc123.js" });
    expect(js.statusCode).toBe(200);
    expect(js.headers["cache-control"]).toContain("immutable");
    // the API keeps its own routes and 404s
    expect((await app.inject({ url: "/api/v1/ping" })).json()).toEqual({ ok: true });
    expect((await app.inject({ url: "/api/v1/nothing" })).statusCode).toBe(404);
    expect((await app.inject({ url: "/elsewhere" })).statusCode).toBe(404);
    await app.close();
  });

  it("says how to build the app when it is not built, and leaves the API alone", async () => {
    const app = Fastify();
    await app.register(webApp, { root: join(tmpdir(), "skiplane-no-such-dist") });
    app.get("/api/v1/ping", async () => ({ ok: true }));
    const r = await app.inject({ url: "/ops/demo" });
    expect(r.statusCode).toBe(503);
    expect(r.body).toContain("npm run build:web");
    expect((await app.inject({ url: "/api/v1/ping" })).statusCode).toBe(200);
    await app.close();
  });
});
