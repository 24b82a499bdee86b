/**
 * Head office and cluster endpoints, as one fastify plugin (docs/scale.md):
 *
 * - `GET /api/v1/chain/rollup?from=YYYY-MM-DD&to=YYYY-MM-DD` — every store's sessions, revenue
 *   and review rate over whole UTC days (default: today), from the rollup table (never raw data)
 * - `GET /api/v1/chain/cluster` — this node, the live nodes and which node holds each store
 *
 * Both need a chain-wide admin key (`Authorization: Bearer …`, role admin, store scope `*`):
 * they show every store. Errors are ApiError → RFC 7807 by the server's error handler.
 */
import type { FastifyPluginAsync, FastifyRequest } from "fastify";
import { z } from "zod";
import type { ApiKeyRepository } from "../../../app/ports/read-models";
import { bearerApiKey } from "../api-key-auth";
import { ApiError } from "../problem";

/** What the rollup reader returns (src/adapters/cluster/pg-chain-rollup.ts). */
export interface ChainRollupResult {
  stores: object[];
  totals: object[];
}

export interface ChainRoutesOptions {
  apiKeys: Pick<ApiKeyRepository, "findByHash">;
  rollup: (fromDay: number, toDay: number) => Promise<ChainRollupResult>;
  /** cluster status (leases, nodes); the route answers 404 when absent (single process) */
  cluster?: () => Promise<unknown>;
  now?: () => number;
  onAuthFailure?: (reason: string) => void;
}

const DAY = 86_400_000;
const isoDay = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, "a date YYYY-MM-DD")
  .refine((s) => !Number.isNaN(Date.parse(`${s}T00:00:00Z`)), "not a calendar date");
const rollupQuery = z.object({ from: isoDay.optional(), to: isoDay.optional() }).strict();

const dayOf = (s: string) => Math.floor(Date.parse(`${s}T00:00:00Z`) / DAY);
const isoOf = (day: number) => new Date(day * DAY).toISOString().slice(0, 10);

export const chainRoutes: FastifyPluginAsync<ChainRoutesOptions> = async (app, o) => {
  const keys = { findKey: (hash: string) => o.apiKeys.findByHash(hash), onAuthFailure: o.onAuthFailure };
  async function chainAdmin(req: FastifyRequest): Promise<void> {
    const key = await bearerApiKey(req, keys);
    if (key.role !== "admin" || key.store !== "*") {
      o.onAuthFailure?.("api-role");
      throw new ApiError("FORBIDDEN", "a chain-wide admin key (store *) is needed");
    }
  }

  app.get("/api/v1/chain/rollup", { onRequest: chainAdmin }, async (req) => {
    const q = rollupQuery.safeParse(req.query ?? {});
    if (!q.success) {
      throw new ApiError(
        "VALIDATION",
        q.error.issues.map((i) => `${i.path.join(".") || "query"}: ${i.message}`).join("; "),
      );
    }
    const today = Math.floor((o.now ?? Date.now)() / DAY);
    const from = q.data.from ? dayOf(q.data.from) : today;
    const to = q.data.to ? dayOf(q.data.to) : Math.max(from, today);
    if (to < from) throw new ApiError("VALIDATION", "to is before from");
    if (to - from > 366) throw new ApiError("VALIDATION", "at most 366 days at once");
    const r = await o.rollup(from, to);
    return { from: isoOf(from), to: isoOf(to), stores: r.stores, totals: r.totals };
  });

  app.get("/api/v1/chain/cluster", { onRequest: chainAdmin }, async () => {
    if (!o.cluster) throw new ApiError("NOT_FOUND", "this server does not run in cluster mode");
    return o.cluster();
  });
};
