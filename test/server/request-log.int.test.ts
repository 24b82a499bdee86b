import { Writable } from "node:stream";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { serverConfigSchema } from "../../src/adapters/config/server-config";
import { buildHttpServer } from "../../src/adapters/http/http-server";
import { apiFixture } from "./support/api-fixture";

// The server's logger as `npm start` builds it (src/main.ts), at the configured default level.
const lines: { level: number; msg: string; res?: { statusCode: number } }[] = [];
const sink = new Writable({
  write(chunk, _enc, done) {
    for (const l of String(chunk).split("\n")) if (l.trim()) lines.push(JSON.parse(l));
    done();
  },
});
let f: Awaited<ReturnType<typeof apiFixture>>;
let app: Awaited<ReturnType<typeof buildHttpServer>>;

beforeAll(async () => {
  f = await apiFixture();
  const level = serverConfigSchema.parse({}).log.level;
  app = await buildHttpServer({
    backend: f.backend,
    metrics: f.metrics,
    logger: pino({ level }, sink),
    plugins: [
      async (a) => {
        a.get("/boom", async () => {
          throw new Error("boom");
        });
      },
    ],
  });
});
afterAll(async () => {
  await app.close();
  await f.close();
});

describe("request logging with the default configuration", () => {
  it("logs no line for a request that went well", async () => {
    lines.length = 0;
    for (const url of ["/healthz", "/api/v1/stores/st-a/carts"]) {
      const r = await app.inject({
        method: "GET",
        url,
        headers: { authorization: `Bearer ${f.keys.operatorA}` },
      });
      expect(r.statusCode).toBe(200);
    }
    expect(lines).toEqual([]);
  });

  it("logs a refused request at info and a failed one at error", async () => {
    lines.length = 0;
    expect((await app.inject({ method: "GET", url: "/api/v1/stores/st-a/carts" })).statusCode).toBe(401);
    expect(lines.map((l) => [l.level, l.res?.statusCode])).toContainEqual([30, 401]);
    lines.length = 0;
    expect((await app.inject({ method: "GET", url: "/boom" })).statusCode).toBe(500);
    expect(lines.map((l) => [l.level, l.res?.statusCode])).toContainEqual([50, 500]);
  });

  it("logs every request at debug level", async () => {
    const debugLines: unknown[] = [];
    const debugApp = await buildHttpServer({
      backend: f.backend,
      metrics: f.metrics,
      logger: pino(
        { level: "debug" },
        new Writable({
          write(chunk, _enc, done) {
            debugLines.push(String(chunk));
            done();
          },
        }),
      ),
    });
    await debugApp.inject({ method: "GET", url: "/healthz" });
    await debugApp.close();
    expect(debugLines.join("")).toMatch(/request completed/);
  });
});
