/**
 * How every HTTP route of the server checks an API key and reads its input, in one place so the
 * core API (http-server.ts) and the route plugins (web, walk-out, chain) refuse a request the
 * same way: the same problem codes and messages, the same `onAuthFailure` reasons (the
 * `auth_failures` counter's labels).
 */
import type { FastifyRequest } from "fastify";
import type { z } from "zod";
import type { ApiKeyRecord, ApiRole } from "../../app/ports/read-models";
import { ApiError } from "./problem";
import { apiKeyHash } from "./tokens";

export interface ApiKeyCheck {
  /** the stored key with this SHA-256 hash */
  findKey(keyHash: string): Promise<ApiKeyRecord | undefined>;
  /** told why a request was refused: api-no-key, api-bad-key, api-role, api-tenant */
  onAuthFailure?: (reason: string) => void;
}

/** The request's `Authorization: Bearer <API key>`, known and not revoked. */
export async function bearerApiKey(req: FastifyRequest, check: ApiKeyCheck): Promise<ApiKeyRecord> {
  const h = req.headers.authorization;
  const m = typeof h === "string" ? /^Bearer\s+(\S+)$/i.exec(h) : null;
  if (!m) {
    check.onAuthFailure?.("api-no-key");
    throw new ApiError("UNAUTHORIZED", "send Authorization: Bearer <API key>");
  }
  const key = await check.findKey(apiKeyHash(m[1]));
  if (!key || key.revoked) {
    check.onAuthFailure?.("api-bad-key");
    throw new ApiError("UNAUTHORIZED", "unknown or revoked API key");
  }
  return key;
}

/** A key's role is one of `roles` and its store scope covers `store` (when the route has one). */
export function requireRoleAndStore(
  key: ApiKeyRecord,
  roles: readonly string[],
  store: string | undefined,
  check: Pick<ApiKeyCheck, "onAuthFailure">,
): void {
  if (!roles.includes(key.role)) {
    check.onAuthFailure?.("api-role");
    throw new ApiError("FORBIDDEN", `role ${key.role} may not do this`);
  }
  if (store !== undefined && key.store !== "*" && key.store !== store) {
    check.onAuthFailure?.("api-tenant");
    throw new ApiError("FORBIDDEN", "this key belongs to another store");
  }
}

/** The request's key, allowed `roles` on `store`. */
export async function authorizeStoreKey(
  req: FastifyRequest,
  check: ApiKeyCheck,
  roles: readonly ApiRole[],
  store: string,
): Promise<ApiKeyRecord> {
  const key = await bearerApiKey(req, check);
  requireRoleAndStore(key, roles, store, check);
  return key;
}

/** `value` checked against `schema`; a mismatch is a VALIDATION problem naming every issue. */
export function parseInput<T>(schema: z.ZodType<T, z.ZodTypeDef, unknown>, value: unknown): T {
  const r = schema.safeParse(value);
  if (!r.success)
    throw new ApiError(
      "VALIDATION",
      r.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; "),
    );
  return r.data;
}
