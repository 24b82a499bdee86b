/**
 * Who may read `/metrics`. The metrics name every store the process serves and count its
 * sessions, reviews, payments and refusals, so they are not for anyone on the network (before
 * the 2026-12-05 fix they were): a scrape needs
 *
 * - `Authorization: Bearer <metrics.token>` — what Prometheus sends with
 *   `authorization: {credentials_file: …}` (or the older `bearer_token_file`), a secret that can
 *   do nothing else; or
 * - an API key of a chain-wide admin (scope `*`): the metrics span every store, so a key of one
 *   store is refused (403) like on the chain routes;
 * - or nothing, from the loopback interface only, when `metrics.allowLoopback` is set (a
 *   Prometheus or node exporter on the same host). The address is the request's (`req.ip`): the
 *   TCP peer's, or behind one of `http.trustedProxies` the client's the proxy names in
 *   X-Forwarded-For — so a reverse proxy on the same host makes every request loopback unless it
 *   is listed there (and sets the header).
 *
 * The token is compared through SHA-256 digests with timingSafeEqual (equal lengths, no early exit).
 */
import { createHash, timingSafeEqual } from "node:crypto";
import type { FastifyRequest } from "fastify";
import { type ApiKeyCheck, bearerApiKey, requireRoleAndStore } from "./api-key-auth";
import { ApiError } from "./problem";

export interface MetricsAccess {
  /** the scrapers' bearer token (config `metrics.token`, `SKIPLANE_METRICS_TOKEN`) */
  token?: string;
  /** scrapes from 127.0.0.0/8 or ::1 need no credentials (config `metrics.allowLoopback`) */
  allowLoopback?: boolean;
}

/** 127.0.0.0/8, ::1, and IPv4 loopback mapped into IPv6. */
export function isLoopbackAddress(address: string | undefined): boolean {
  if (!address) return false;
  const a = address.startsWith("::ffff:") ? address.slice(7) : address;
  return a === "::1" || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(a);
}

const digest = (s: string) => createHash("sha256").update(s).digest();

/** Resolves when the request may read the metrics; throws UNAUTHORIZED (401) / FORBIDDEN (403). */
export async function authorizeMetrics(
  req: FastifyRequest,
  access: MetricsAccess,
  keys: ApiKeyCheck,
): Promise<void> {
  const h = req.headers.authorization;
  if (h === undefined && access.allowLoopback && isLoopbackAddress(req.ip)) return;
  const m = typeof h === "string" ? /^Bearer\s+(\S+)$/i.exec(h) : null;
  if (m && access.token !== undefined && timingSafeEqual(digest(m[1]), digest(access.token))) return;
  if (m && !m[1].startsWith("skl_")) {
    // not an API key: a wrong metrics token
    keys.onAuthFailure?.("metrics-token");
    throw new ApiError("UNAUTHORIZED", "unknown metrics token");
  }
  if (!m) {
    keys.onAuthFailure?.("metrics-no-key");
    throw new ApiError(
      "UNAUTHORIZED",
      "send Authorization: Bearer <metrics token> (metrics.token) or a chain-wide admin API key",
    );
  }
  const key = await bearerApiKey(req, keys);
  requireRoleAndStore(key, ["admin"], "*", keys);
}
