/**
 * The store server's HTTP edge (fastify 5): the REST API under /api/v1, health and readiness,
 * Prometheus metrics, the OpenAPI document, the live WebSocket and (optionally) MQTT over
 * WebSocket. Requests are validated by zod schemas; the OpenAPI 3 document is generated from the
 * same schemas (fastify-type-provider-zod's jsonSchemaTransform → @fastify/swagger). Every error
 * leaves as an RFC 7807 problem document whose status comes from the one table in problem.ts.
 *
 * Authorisation: `Authorization: Bearer <API key>`; a key has a role and a store scope (or `*`
 * for head office). Stores are separate tenants: a key scoped to another store gets 403 on every
 * store route, whatever the resource.
 */
import fastifySwagger from "@fastify/swagger";
import fastifyWebsocket from "@fastify/websocket";
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from "fastify";
import {
  hasZodFastifySchemaValidationErrors,
  isResponseSerializationError,
  jsonSchemaTransform,
  serializerCompiler,
  validatorCompiler,
  type ZodTypeProvider,
} from "fastify-type-provider-zod";
import type { Logger } from "pino";
import { createWebSocketStream } from "ws";
import { z } from "zod";
import type { ApiKeyRecord, ApiRole } from "../../app/ports/read-models";
import { DomainError } from "../../domain/shared/errors";
import { AuthFailureLimit, limitKey } from "../auth/auth-failure-limit";
import type { ServerMetrics } from "../metrics/server-metrics";
import { errorsTopic, eventsTopic, screenTopic } from "../mqtt/topics";
import type { LiveHub } from "../ws/live-hub";
import type { ApiBackend } from "./api-backend";
import { type ApiKeyCheck, bearerApiKey, requireRoleAndStore } from "./api-key-auth";
import * as S from "./api-schemas";
import { authorizeMetrics, type MetricsAccess } from "./metrics-access";
import { ApiError, PROBLEM_CONTENT_TYPE, problem, statusOf } from "./problem";
import { renderReceiptHtml } from "./receipt-page";
import { RequestLogController } from "./request-log";

export interface HttpServerOptions {
  backend: ApiBackend;
  metrics: ServerMetrics;
  live?: LiveHub;
  logger?: Logger | boolean;
  /** MQTT over WebSocket at /mqtt (embedded broker), with the client's address */
  mqttOverWebSocket?: (stream: import("node:stream").Duplex, address: string) => void;
  /** extra plugins (the web app) registered after the API */
  plugins?: ((app: FastifyInstance) => Promise<void>)[];
  /** absolute base for links in responses (receipt links); default from the request's Host */
  publicUrl?: string;
  /**
   * Failed authentications allowed per client address and minute — an API key (or metrics token)
   * refused with 401, a `/ws` auth frame refused — before that address's attempts are refused
   * unchecked (429, `/ws` 4429) for the rest of the minute (auth-failure-limit.ts); 0: no limit.
   * Default 30 (config `http.authFailuresPerMinute`).
   */
  authFailuresPerMinute?: number;
  /**
   * Reverse proxies whose X-Forwarded-For is believed (addresses, CIDR ranges, or `loopback`,
   * `linklocal`, `uniquelocal`; config `http.trustedProxies`): a request whose TCP peer is one of
   * them has as its address (`req.ip`) the last address of the header that is not one of them —
   * the one the proxy saw — so the failed-authentication limit counts each client behind the proxy
   * apart; X-Forwarded-Proto and -Host from them make the receipt links' default base. From any
   * other peer the headers are ignored. Absent or empty: none trusted, the TCP peer's address.
   */
  trustedProxies?: string[];
  /**
   * Called before the handler of every route that changes a store's sessions (review decisions,
   * disputes), once the caller is authenticated and the body validated. It may answer the request
   * itself — cluster mode forwards it to the process holding the store's lease (decision 0203) —
   * and returns true when it did. Absent: every command runs here.
   */
  storeCommand?: (req: FastifyRequest, reply: FastifyReply, store: string) => Promise<boolean>;
  /**
   * Who may read `/metrics` besides a chain-wide admin key: the scrapers' token, loopback
   * (metrics-access.ts). Absent: a chain-wide admin key only — never open by default.
   */
  metricsAccess?: MetricsAccess;
}

declare module "fastify" {
  interface FastifyRequest {
    apiKey?: ApiKeyRecord;
  }
}

/** Which roles may call each group of endpoints: the one place roles are decided. */
const ROLES = {
  read: ["operator", "reviewer", "admin"],
  operate: ["operator", "admin"],
  review: ["reviewer", "admin"],
  admin: ["admin"],
} as const satisfies Record<string, readonly ApiRole[]>;
type Access = keyof typeof ROLES;

const problemResponses = {
  400: S.problemSchema,
  401: S.problemSchema,
  403: S.problemSchema,
  404: S.problemSchema,
  409: S.problemSchema,
  // cluster mode: the store's owner is changing (decision 0203); Retry-After says when to retry
  503: S.problemSchema,
};

function sendProblem(
  reply: FastifyReply,
  p: ReturnType<typeof problem>,
  retryAfterSec?: unknown,
): FastifyReply {
  // a 503 is temporary by definition here (no owner for a store yet, not ready): say when to retry
  if (p.status === 503)
    reply.header("retry-after", String(typeof retryAfterSec === "number" ? Math.ceil(retryAfterSec) : 1));
  return reply.code(p.status).type(PROBLEM_CONTENT_TYPE).send(JSON.stringify(p));
}

export async function buildHttpServer(options: HttpServerOptions): Promise<FastifyInstance> {
  const { backend, metrics } = options;
  const app = Fastify({
    loggerInstance: typeof options.logger === "object" ? options.logger : undefined,
    logger: typeof options.logger === "boolean" ? options.logger : undefined,
    // successful requests at debug, 4xx at info, 5xx at error (request-log.ts)
    logController: new RequestLogController(),
    bodyLimit: 1024 * 1024,
    // fastify (@fastify/proxy-addr) walks X-Forwarded-For from the right only while the hop is trusted
    trustProxy: options.trustedProxies?.length ? options.trustedProxies : false,
  }) as unknown as FastifyInstance;
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);

  await app.register(fastifySwagger, {
    openapi: {
      openapi: "3.0.3",
      info: {
        title: "Skiplane store server API",
        version: "1.0.0",
        description: "Carts, sessions, receipts, disputes, review and store statistics. Errors are RFC 7807.",
      },
      components: { securitySchemes: { apiKey: { type: "http", scheme: "bearer" } } },
      security: [{ apiKey: [] }],
    },
    transform: jsonSchemaTransform,
  });
  await app.register(fastifyWebsocket, { options: { maxPayload: 64 * 1024 } });

  app.setErrorHandler((err: unknown, req, reply) => {
    if (hasZodFastifySchemaValidationErrors(err)) {
      const errors = err.validation.map((v) => ({
        path: `${err.validationContext ?? ""}${v.instancePath || ""}`,
        message: v.message ?? "invalid",
      }));
      return sendProblem(reply, problem("VALIDATION", "the request did not match the schema", { errors }));
    }
    if (err instanceof DomainError) {
      if (statusOf(err.code) === 500) req.log.error({ err }, "unmapped domain error");
      return sendProblem(
        reply,
        problem(err.code, statusOf(err.code) === 500 ? "internal error" : err.message, { instance: req.url }),
        err.details?.retryAfterSec,
      );
    }
    const e = err as { statusCode?: number; code?: string; message?: string };
    if (isResponseSerializationError(err)) {
      req.log.error({ err }, "response did not match its schema");
      return sendProblem(reply, problem("INTERNAL", "internal error"));
    }
    if (e.statusCode === 413) return sendProblem(reply, problem("PAYLOAD_TOO_LARGE", e.message));
    if (e.statusCode === 415) return sendProblem(reply, problem("UNSUPPORTED_MEDIA_TYPE", e.message));
    if (e.statusCode && e.statusCode >= 400 && e.statusCode < 500) {
      return sendProblem(reply, problem("BAD_REQUEST", e.message));
    }
    req.log.error({ err }, "request failed");
    return sendProblem(reply, problem("INTERNAL", "internal error"));
  });
  app.setNotFoundHandler((req, reply) =>
    sendProblem(reply, problem("NOT_FOUND", `no route ${req.method} ${req.url.split("?")[0]}`)),
  );

  app.addHook("onResponse", async (req, reply) => {
    metrics.httpRequests.inc({
      route: req.routeOptions.url ?? "unmatched",
      status: String(reply.statusCode),
    });
  });

  // ---- authentication and tenancy -------------------------------------------------------------
  // one address guessing keys (or, over /ws, cart secrets: an scrypt check each) is stopped after
  // a few failures; only requests presenting credentials are refused or counted
  const authFailures = new AuthFailureLimit({ max: options.authFailuresPerMinute ?? 30 });
  app.addHook("onRequest", async (req, reply) => {
    if (req.headers.authorization === undefined) return;
    const waitMs = authFailures.retryAfterMs(limitKey(req.ip));
    if (waitMs <= 0) return;
    metrics.authFailures.inc({ reason: "rate-limited" });
    reply.header("retry-after", String(Math.ceil(waitMs / 1000)));
    return sendProblem(reply, problem("RATE_LIMITED", "too many failed authentications from this address"));
  });
  app.addHook("onResponse", async (req, reply) => {
    if (reply.statusCode === 401 && req.headers.authorization !== undefined)
      authFailures.failed(limitKey(req.ip));
  });
  const keys: ApiKeyCheck = {
    findKey: (hash) => backend.findApiKey(hash),
    onAuthFailure: (reason) => metrics.authFailures.inc({ reason }),
  };
  const authenticate = (req: FastifyRequest) => bearerApiKey(req, keys);
  function guard(access: Access) {
    return async (req: FastifyRequest) => {
      const key = await authenticate(req);
      const store = (req.params as { store?: string } | undefined)?.store;
      requireRoleAndStore(key, ROLES[access], store, keys);
      if (store !== undefined && !(await backend.storeExists(store))) {
        throw new ApiError("UNKNOWN_STORE", `no store ${store}`);
      }
      req.apiKey = key;
    };
  }
  const secured = (access: Access) => ({ onRequest: guard(access) });
  /** a route that changes a store's sessions: offered to `storeCommand` first (see the option) */
  const storeCommand = (storeOf: (req: FastifyRequest) => string | undefined) => ({
    preHandler: async (req: FastifyRequest, reply: FastifyReply) => {
      const store = options.storeCommand ? storeOf(req) : undefined;
      if (store !== undefined && (await options.storeCommand?.(req, reply, store))) return reply;
    },
  });

  const base = (req: FastifyRequest) => options.publicUrl ?? `${req.protocol}://${req.host}`;
  const api = app.withTypeProvider<ZodTypeProvider>();
  const P = "/api/v1/stores/:store";

  // ---- health, readiness, metrics, OpenAPI ----------------------------------------------------
  api.get("/healthz", { schema: { hide: true } }, async () => ({ status: "ok" }));
  api.get("/readyz", { schema: { hide: true } }, async (_req, reply) => {
    const r = await backend.ready();
    return reply.code(r.ok ? 200 : 503).send({ status: r.ok ? "ready" : "not-ready", checks: r.checks });
  });
  api.get(
    "/metrics",
    {
      schema: { hide: true },
      onRequest: async (req, reply) => {
        try {
          await authorizeMetrics(req, options.metricsAccess ?? {}, keys);
        } catch (err) {
          // RFC 6750: say which scheme; Prometheus sends `authorization: {credentials: …}` as Bearer
          if (err instanceof ApiError && err.code === "UNAUTHORIZED")
            reply.header("www-authenticate", 'Bearer realm="metrics"');
          throw err;
        }
      },
    },
    async (_req, reply) => {
      const m = await metrics.render();
      return reply.type(m.contentType).send(m.body);
    },
  );
  api.get("/openapi.json", { schema: { hide: true } }, async () => app.swagger());

  // ---- stores and keys (admin) ----------------------------------------------------------------
  api.get(
    "/api/v1/stores",
    {
      onRequest: async (req) => {
        const key = await authenticate(req);
        req.apiKey = key;
      },
      schema: {
        tags: ["stores"],
        summary: "Stores this key may act on",
        response: { 200: z.array(z.string()), ...problemResponses },
      },
    },
    async (req) => {
      const all = await backend.stores();
      const scope = req.apiKey?.store;
      return scope === "*" ? all : all.filter((s) => s === scope);
    },
  );
  api.post(
    `${P}/api-keys`,
    {
      ...secured("admin"),
      schema: {
        tags: ["keys"],
        summary: "Create an API key for this store (the key is shown once)",
        params: S.storeParams,
        body: S.apiKeyBody,
        response: { 201: S.apiKeyCreatedSchema, ...problemResponses },
      },
    },
    async (req, reply) => {
      const { record, key } = await backend.createApiKey(
        req.params.store,
        req.body.role,
        req.body.label,
        req.apiKey?.id,
      );
      return reply
        .code(201)
        .send({ id: record.id, store: record.store, role: record.role, label: record.label, key });
    },
  );
  api.get(
    `${P}/api-keys`,
    {
      ...secured("admin"),
      schema: {
        tags: ["keys"],
        summary:
          "This store's API keys, oldest first, with who made and revoked each (never a secret or hash); head office's keys are listed on the chain route",
        params: S.storeParams,
        response: { 200: z.array(S.apiKeySchema), ...problemResponses },
      },
    },
    async (req) => (await backend.listApiKeys(req.params.store)).map(listedKey),
  );

  api.post(
    `${P}/api-keys/:keyId/revoke`,
    {
      ...secured("admin"),
      schema: {
        tags: ["keys"],
        summary:
          "Revoke an API key of this store: refused from its next call, its live sockets closed on every process",
        params: S.apiKeyParams,
        response: {
          200: z.object({ store: z.string(), id: z.string(), revoked: z.literal(true) }),
          ...problemResponses,
        },
      },
    },
    async (req) => {
      const { store, keyId } = req.params;
      if (!(await backend.revokeApiKey(store, keyId, req.apiKey?.id)))
        throw new ApiError("UNKNOWN_API_KEY", `no API key ${keyId} in ${store}`);
      return { store, id: keyId, revoked: true as const };
    },
  );

  // head office's keys (scope `*`): only a chain-wide admin may make, list or revoke one — a
  // store's admin and head office's operators and reviewers get 403 before any lookup; never the
  // last active head-office admin key (409, storage-api-backend.ts). Made here, a new admin key
  // can replace a leaked one (rotation: make the new, then revoke the old; decision 0123).
  const chainAdmin = {
    onRequest: async (req: FastifyRequest) => {
      const key = await authenticate(req);
      requireRoleAndStore(key, ROLES.admin, "*", keys);
      req.apiKey = key;
    },
  };
  api.post(
    "/api/v1/chain/api-keys",
    {
      ...chainAdmin,
      schema: {
        tags: ["keys"],
        summary:
          "Make a head-office API key (scope *: every store) of any role, shown once: chain admins only; to rotate one, make its successor, then revoke it",
        body: S.apiKeyBody,
        response: { 201: S.apiKeyCreatedSchema, ...problemResponses },
      },
    },
    async (req, reply) => {
      const { record, key } = await backend.createApiKey("*", req.body.role, req.body.label, req.apiKey?.id);
      return reply
        .code(201)
        .send({ id: record.id, store: record.store, role: record.role, label: record.label, key });
    },
  );
  api.get(
    "/api/v1/chain/api-keys",
    {
      ...chainAdmin,
      schema: {
        tags: ["keys"],
        summary:
          "Head office's API keys (scope *), oldest first, with who made and revoked each: chain admins only",
        response: { 200: z.array(S.apiKeySchema), ...problemResponses },
      },
    },
    async () => (await backend.listApiKeys("*")).map(listedKey),
  );
  api.post(
    "/api/v1/chain/api-keys/:keyId/revoke",
    {
      ...chainAdmin,
      schema: {
        tags: ["keys"],
        summary:
          "Revoke a chain-wide (head-office, scope *) API key: chain admins only; refused from its next call, its live sockets closed on every process. 409 LAST_HEAD_OFFICE_ADMIN_KEY for the chain's last active head-office admin key",
        params: S.chainApiKeyParams,
        response: {
          200: z.object({ store: z.literal("*"), id: z.string(), revoked: z.literal(true) }),
          ...problemResponses,
        },
      },
    },
    async (req) => {
      const { keyId } = req.params;
      // a store's key is not found here: it is revoked through its store's route
      if (!(await backend.revokeApiKey("*", keyId, req.apiKey?.id)))
        throw new ApiError("UNKNOWN_API_KEY", `no chain-wide API key ${keyId}`);
      return { store: "*" as const, id: keyId, revoked: true as const };
    },
  );

  // ---- carts ----------------------------------------------------------------------------------
  api.post(
    `${P}/carts`,
    {
      ...secured("admin"),
      schema: {
        tags: ["carts"],
        summary: "Provision a cart: returns its MQTT secret once",
        params: S.storeParams,
        body: S.provisionCartBody,
        response: { 201: S.provisionedCartSchema, ...problemResponses },
      },
    },
    async (req, reply) => {
      const { store } = req.params;
      const p = await backend.provisionCart(store, req.body.cart, req.body.label);
      return reply.code(201).send({
        ...p,
        mqtt: {
          username: p.cart,
          events: eventsTopic(store, p.cart),
          screen: screenTopic(store, p.cart),
          errors: errorsTopic(store, p.cart),
        },
      });
    },
  );
  api.post(
    `${P}/carts/:cart/revoke`,
    {
      ...secured("admin"),
      schema: {
        tags: ["carts"],
        summary: "Revoke a cart: it is disconnected and refused from now on",
        params: S.cartParams,
        response: {
          200: z.object({ store: z.string(), cart: z.string(), revoked: z.literal(true) }),
          ...problemResponses,
        },
      },
    },
    async (req) => {
      const { store, cart } = req.params;
      if (!(await backend.revokeCart(store, cart)))
        throw new ApiError("UNKNOWN_CART", `no cart ${cart} in ${store}`);
      return { store, cart, revoked: true as const };
    },
  );
  api.get(
    `${P}/carts`,
    {
      ...secured("read"),
      schema: {
        tags: ["carts"],
        summary: "Carts of the store with their online status",
        params: S.storeParams,
        response: { 200: z.array(S.cartSchema), ...problemResponses },
      },
    },
    async (req) =>
      (await backend.listCarts(req.params.store)).map((c) => ({
        store: c.store,
        cart: c.cart,
        label: c.label,
        revoked: c.revoked,
        online: c.online,
        createdAt: c.createdAt,
      })),
  );

  // ---- sessions -------------------------------------------------------------------------------
  api.get(
    `${P}/sessions`,
    {
      ...secured("read"),
      schema: {
        tags: ["sessions"],
        summary:
          "Sessions, newest first (filter by state, open=true for the active ones, holdsToRelease=true for those owing a hold's release)",
        params: S.storeParams,
        querystring: S.sessionsQuery,
        response: { 200: z.array(S.sessionSchema), ...problemResponses },
      },
    },
    async (req) => {
      const q = req.query;
      return backend.listSessions(req.params.store, {
        state: q.state,
        open: q.open === undefined ? undefined : q.open === "true",
        ...(q.holdsToRelease ? { holdsToRelease: true } : {}),
        limit: q.limit,
      });
    },
  );
  api.get(
    `${P}/sessions/:session`,
    {
      ...secured("read"),
      schema: {
        tags: ["sessions"],
        summary: "One session with its basket (screen state) and receipt once settled",
        params: S.sessionParams,
        response: { 200: S.sessionSchema, ...problemResponses },
      },
    },
    async (req) => {
      const s = await backend.getSession(req.params.store, req.params.session);
      if (!s) throw new ApiError("UNKNOWN_SESSION", `no session ${req.params.session}`);
      return s;
    },
  );

  // ---- receipts -------------------------------------------------------------------------------
  const receiptLink = (req: FastifyRequest, store: string, session: string) =>
    `${base(req)}/r/${backend.receiptToken(store, session)}`;
  async function receiptOf(store: string, session: string) {
    const s = await backend.getSession(store, session);
    if (!s?.receipt) throw new ApiError("UNKNOWN_SESSION", `no receipt for session ${session}`);
    return s.receipt;
  }
  function wantsHtml(req: FastifyRequest, format?: string) {
    return format === "html" || (format === undefined && /text\/html/.test(req.headers.accept ?? ""));
  }
  api.get(
    `${P}/receipts`,
    {
      ...secured("read"),
      schema: {
        tags: ["receipts"],
        summary: "Receipts of settled sessions, newest first",
        params: S.storeParams,
        querystring: z.object({ limit: z.coerce.number().int().min(1).max(1000).default(100) }),
        response: { 200: z.array(S.receiptSchema), ...problemResponses },
      },
    },
    async (req) => {
      const sessions = await backend.listSessions(req.params.store, { open: false, limit: req.query.limit });
      return sessions
        .filter((s) => s.receipt)
        .map((s) => ({ ...s.receipt!, link: receiptLink(req, s.store, s.session) }));
    },
  );
  api.get(
    `${P}/receipts/:session`,
    {
      ...secured("read"),
      schema: {
        tags: ["receipts"],
        summary: "A receipt as JSON, or as a printable HTML page (Accept: text/html or ?format=html)",
        params: S.sessionParams,
        querystring: S.formatQuery,
        response: { 200: S.receiptSchema, ...problemResponses },
      },
    },
    async (req, reply) => {
      const r = await receiptOf(req.params.store, req.params.session);
      if (wantsHtml(req, req.query.format)) return sendHtml(reply, renderReceiptHtml(r));
      return { ...r, link: receiptLink(req, req.params.store, req.params.session) };
    },
  );
  api.get(
    "/api/v1/receipt/:token",
    {
      schema: {
        tags: ["shopper"],
        summary: "The shopper's receipt by its unguessable link token (no API key)",
        security: [],
        params: S.tokenParams,
        querystring: S.formatQuery,
        response: { 200: S.receiptSchema, ...problemResponses, 410: S.problemSchema },
      },
    },
    async (req, reply) => {
      // a cart screen's link past its expiry: 410 RECEIPT_LINK_EXPIRED (thrown by the backend)
      const t = backend.resolveReceiptToken(req.params.token);
      if (!t) {
        metrics.authFailures.inc({ reason: "receipt-token" });
        throw new ApiError("NOT_FOUND", "no such receipt");
      }
      const r = await receiptOf(t.store, t.session).catch(() => {
        throw new ApiError("NOT_FOUND", "no such receipt");
      });
      if (wantsHtml(req, req.query.format)) return sendHtml(reply, renderReceiptHtml(r));
      return r;
    },
  );
  api.post(
    "/api/v1/receipt/:token/disputes",
    {
      ...storeCommand((req) => backend.resolveReceiptToken((req.params as { token: string }).token)?.store),
      schema: {
        tags: ["shopper"],
        summary: "The shopper disputes a receipt line (by receipt token); a person reviews it",
        security: [],
        params: S.tokenParams,
        body: S.disputeBody,
        response: { 201: z.object({ caseId: z.string() }), ...problemResponses, 410: S.problemSchema },
      },
    },
    async (req, reply) => {
      const t = backend.resolveReceiptToken(req.params.token);
      if (!t) {
        metrics.authFailures.inc({ reason: "receipt-token" });
        throw new ApiError("NOT_FOUND", "no such receipt");
      }
      const r = await backend.disputeLine(t.store, t.session, req.body.lineId, req.body.reason);
      options.live?.publishStore(t.store, { kind: "dispute", session: t.session, caseId: r.caseId });
      return reply.code(201).send(r);
    },
  );

  // ---- review ---------------------------------------------------------------------------------
  api.get(
    `${P}/reviews`,
    {
      ...secured("review"),
      schema: {
        tags: ["review"],
        summary: "The review queue: open cases, oldest first, with their evidence",
        params: S.storeParams,
        querystring: S.reviewQueueQuery,
        response: { 200: z.array(S.reviewCaseSchema), ...problemResponses },
      },
    },
    async (req) => backend.reviewQueue(req.params.store, req.query),
  );
  api.get(
    `${P}/reviews/:caseId`,
    {
      ...secured("review"),
      schema: {
        tags: ["review"],
        summary: "One review case",
        params: S.caseParams,
        response: { 200: S.reviewCaseSchema, ...problemResponses },
      },
    },
    async (req) => {
      const c = await backend.getReview(req.params.store, req.params.caseId);
      if (!c) throw new ApiError("UNKNOWN_CASE", `no case ${req.params.caseId}`);
      return c;
    },
  );
  api.post(
    `${P}/reviews/:caseId/decision`,
    {
      ...secured("review"),
      ...storeCommand((req) => (req.params as { store: string }).store),
      schema: {
        tags: ["review"],
        summary:
          "Decide a case: confirm, correct (with the corrected line) or void; disputes: uphold or reject",
        params: S.caseParams,
        body: S.decisionBody,
        response: { 200: S.reviewCaseSchema, ...problemResponses },
      },
    },
    async (req) => {
      const by = req.apiKey?.label ? `${req.apiKey.id} (${req.apiKey.label})` : (req.apiKey?.id ?? "unknown");
      const c = await backend.decideReview(req.params.store, req.params.caseId, { ...req.body, by });
      options.live?.publishStore(req.params.store, {
        kind: "review-decided",
        caseId: c.caseId,
        session: c.session,
      });
      return c;
    },
  );
  api.get(
    `${P}/labels.jsonl`,
    {
      ...secured("review"),
      schema: {
        tags: ["review"],
        summary: "Labelled review decisions as JSON Lines (training and evaluation data)",
        params: S.storeParams,
        querystring: S.labelsQuery,
      },
    },
    async (req, reply) => {
      const labels = await backend.exportLabels(req.params.store, req.query);
      return reply
        .type("application/x-ndjson; charset=utf-8")
        .send(labels.map((l) => JSON.stringify(l)).join("\n") + (labels.length ? "\n" : ""));
    },
  );

  // ---- dashboard ------------------------------------------------------------------------------
  api.get(
    `${P}/stats`,
    {
      ...secured("read"),
      schema: {
        tags: ["dashboard"],
        summary: "Store figures for the dashboard",
        params: S.storeParams,
        querystring: S.statsQuery,
        response: { 200: S.statsSchema, ...problemResponses },
      },
    },
    async (req) => backend.stats(req.params.store, req.query),
  );

  // ---- live -----------------------------------------------------------------------------------
  if (options.live) options.live.register(app, "/ws", authFailures);
  if (options.mqttOverWebSocket) {
    const handle = options.mqttOverWebSocket;
    app.get("/mqtt", { websocket: true, schema: { hide: true } }, (socket, req) => {
      // the client's address (behind a trusted proxy, the one it saw), for the broker's limit on
      // failed CONNECTs: a bare WebSocket stream has none
      handle(createWebSocketStream(socket), req.ip);
    });
  }
  for (const plugin of options.plugins ?? []) await plugin(app);
  return app;
}

/** A key as its admins see it listed: every field but the hash. */
function listedKey(k: ApiKeyRecord): z.infer<typeof S.apiKeySchema> {
  return {
    id: k.id,
    store: k.store,
    role: k.role,
    ...(k.label !== undefined ? { label: k.label } : {}),
    createdAt: k.createdAt,
    ...(k.createdBy !== undefined ? { createdBy: k.createdBy } : {}),
    revoked: k.revoked,
    ...(k.revokedBy !== undefined ? { revokedBy: k.revokedBy } : {}),
    ...(k.revokedAt !== undefined ? { revokedAt: k.revokedAt } : {}),
  };
}

function sendHtml(reply: FastifyReply, html: string): FastifyReply {
  return reply
    .type("text/html; charset=utf-8")
    .header(
      "content-security-policy",
      "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'",
    )
    .header("x-content-type-options", "nosniff")
    .header("referrer-policy", "no-referrer")
    .send(html);
}
