/**
 * Serves the built web app (web/dist: cart screen, operator dashboard, review console, shopper
 * receipt) from the store server. The app is a single page: its deep links (/cart/…, /ops/…,
 * /review/…, /r/…) all answer with index.html and the app routes on the client. These are
 * explicit routes rather than a not-found handler so the API keeps its own 404 problem documents.
 * When the app has not been built, the pages answer 503 saying how to build it, and the API
 * still works.
 */
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import fastifyStatic from "@fastify/static";
import type { FastifyPluginAsync, FastifyReply } from "fastify";

export interface WebAppOptions {
  /** the built app; default <repo>/web/dist */
  root?: string;
}

export const defaultWebRoot = join(dirname(fileURLToPath(import.meta.url)), "..", "..", "..", "web", "dist");

/** The client-side routes of the app. */
export const webAppPaths = ["/cart/*", "/ops/*", "/review/*", "/r/*"] as const;

// The pages load only their own bundle; the live socket is same-origin; pictures may redirect
// to a catalog's https image.
const CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' https: data:",
  "connect-src 'self' ws: wss:",
  "frame-ancestors 'none'",
  "base-uri 'none'",
  "form-action 'self'",
].join("; ");

function pageHeaders(reply: FastifyReply): FastifyReply {
  return reply
    .header("content-security-policy", CSP)
    .header("x-content-type-options", "nosniff")
    .header("referrer-policy", "no-referrer")
    .header("cache-control", "no-cache");
}

export const webApp: FastifyPluginAsync<WebAppOptions> = async (app, opts) => {
  const root = opts.root ?? defaultWebRoot;
  const built = existsSync(join(root, "index.html"));

  if (!built) {
    const notBuilt = async (_req: unknown, reply: FastifyReply) =>
      reply
        .code(503)
        .type("text/plain; charset=utf-8")
        .send(`The web app is not built (${root}/index.html is missing). Run: npm run build:web\n`);
    app.get("/", notBuilt);
    for (const path of webAppPaths) app.get(path, notBuilt);
    return;
  }

  await app.register(fastifyStatic, {
    root,
    prefix: "/",
    index: false,
    wildcard: false,
    // Vite puts content-hashed bundles under /assets: they never change under the same name.
    setHeaders(reply, path) {
      reply.header("x-content-type-options", "nosniff");
      if (path.startsWith(join(root, "assets"))) {
        reply.header("cache-control", "public, max-age=31536000, immutable");
      }
    },
  });

  const page = async (_req: unknown, reply: FastifyReply) =>
    pageHeaders(reply).sendFile("index.html", { cacheControl: false });
  app.get("/", page);
  for (const path of webAppPaths) app.get(path, page);
};
