/**
 * zod schemas of the HTTP API: requests are validated with them and the OpenAPI document is
 * generated from the very same objects (fastify-type-provider-zod + @fastify/swagger), so the
 * document cannot drift from what the server accepts.
 */
import { z } from "zod";
import { screenStateSchema } from "../schemas/cart-protocol.schema";
import { idSchema } from "../schemas/sensor-event.schema";

export const problemSchema = z
  .object({
    type: z.string(),
    title: z.string(),
    status: z.number().int(),
    code: z.string(),
    detail: z.string().optional(),
    instance: z.string().optional(),
    errors: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
  })
  .describe("RFC 7807 problem document");

export const storeParams = z.object({ store: idSchema });
export const cartParams = storeParams.extend({ cart: idSchema });
export const apiKeyParams = storeParams.extend({ keyId: z.string().min(1).max(100) });
export const chainApiKeyParams = z.object({ keyId: z.string().min(1).max(100) });
export const sessionParams = storeParams.extend({ session: idSchema });
export const caseParams = storeParams.extend({ caseId: z.string().min(1).max(200) });
export const tokenParams = z.object({ token: z.string().min(10).max(600) });

export const provisionCartBody = z.object({
  cart: idSchema.describe("cart id: also its MQTT username; unique across the stores of this server"),
  label: z.string().max(200).optional(),
});
export const provisionedCartSchema = z.object({
  store: z.string(),
  cart: z.string(),
  secret: z.string().describe("the cart's MQTT password: shown once, only its hash is kept"),
  mqtt: z.object({ username: z.string(), events: z.string(), screen: z.string(), errors: z.string() }),
});
export const cartSchema = z.object({
  store: z.string(),
  cart: z.string(),
  label: z.string().optional(),
  revoked: z.boolean(),
  online: z.boolean(),
  createdAt: z.number(),
});

const adjustment = z.object({ kind: z.string(), label: z.string(), amount: z.number().int() });
export const receiptLineSchema = z.object({
  lineId: z.string(),
  lineIds: z.array(z.string()).optional(),
  sku: z.string(),
  name: z.string(),
  unitPrice: z.number().int().optional(),
  pricePerKg: z.number().int().optional(),
  qty: z.number().optional(),
  grams: z.number().optional(),
  amount: z.number().int(),
  adjustments: z.array(adjustment),
  total: z.number().int(),
  status: z.enum(["ok", "unsure", "voided", "disputed", "refunded"]),
  evidence: z.string(),
});
export const receiptSchema = z.object({
  store: z.string(),
  session: z.string(),
  currency: z.string(),
  lines: z.array(receiptLineSchema),
  adjustments: z.array(adjustment),
  taxes: z.array(z.object({ taxClass: z.string(), rateBp: z.number().optional(), amount: z.number().int() })),
  subtotal: z.number().int(),
  total: z.number().int(),
  captured: z.number().int(),
  refunded: z.number().int(),
  review: z.boolean(),
  prompts: z.number().int(),
  issuedAt: z.number(),
  /** the shopper's link (token instead of an API key) */
  link: z.string().optional(),
});

export const sessionSchema = z.object({
  store: z.string(),
  session: z.string(),
  cart: z.string().optional(),
  account: z.string().optional(),
  state: z.string(),
  screen: screenStateSchema,
  total: z.number().int(),
  currency: z.string(),
  openedAt: z.number(),
  updatedAt: z.number(),
  version: z.number().int(),
  open: z.boolean(),
  receipt: receiptSchema.optional(),
  /** holds the session owes a release, retried by the server (decision 0112) */
  holdsToRelease: z
    .array(
      z.object({
        authorizationId: z.string(),
        amount: z.number().int(),
        reason: z.string(),
        failedAt: z.number(),
      }),
    )
    .optional(),
});
export const sessionsQuery = z.object({
  state: z.string().max(40).optional(),
  open: z.enum(["true", "false"]).optional(),
  /** `true`: only sessions that owe a hold's release (decision 0112) */
  holdsToRelease: z.enum(["true"]).optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
});

export const reviewCaseSchema = z.object({
  store: z.string(),
  caseId: z.string(),
  session: z.string(),
  kind: z.enum(["uncertain", "dispute"]),
  lineIds: z.array(z.string()),
  reason: z.string(),
  status: z.enum(["open", "resolved"]),
  openedAt: z.number(),
  resolvedAt: z.number().optional(),
  decision: z.enum(["confirm", "correct", "void", "uphold", "reject"]).optional(),
  by: z.string().optional(),
  lines: z.array(
    z.object({
      lineId: z.string(),
      sku: z.string(),
      qty: z.number().optional(),
      grams: z.number().optional(),
      status: z.string(),
      evidence: z.unknown(),
    }),
  ),
  version: z.number().int(),
});
export const reviewQueueQuery = z.object({
  kind: z.enum(["uncertain", "dispute"]).optional(),
  limit: z.coerce.number().int().min(1).max(500).default(50),
});
export const decisionBody = z
  .object({
    decision: z
      .enum(["confirm", "correct", "void", "uphold", "reject"])
      .describe("uncertain cases: confirm | correct | void; disputes: uphold | reject | correct"),
    note: z.string().max(2000).optional(),
    correction: z
      .object({
        lineId: z.string().min(1).optional(),
        sku: z.string().min(1),
        qty: z.number().int().positive().optional(),
        grams: z.number().positive().optional(),
      })
      .optional()
      .describe("what the line really was (required for correct)"),
  })
  .refine((b) => b.decision !== "correct" || b.correction !== undefined, {
    message: "a correction needs the corrected line",
    path: ["correction"],
  });
export const disputeBody = z.object({
  lineId: z.string().min(1).max(200),
  reason: z.string().min(1).max(2000),
});
export const labelsQuery = z.object({
  since: z.coerce.number().int().min(0).optional(),
  limit: z.coerce.number().int().min(1).max(100_000).default(10_000),
});
/** `tz`: the viewer's offset in minutes east of UTC, so "today" is theirs (as GET …/day). */
export const statsQuery = z.object({ tz: z.coerce.number().int().min(-840).max(840).optional() });
export const statsSchema = z.object({
  store: z.string(),
  activeSessions: z.number().int(),
  activeTotal: z
    .number()
    .int()
    .describe("what is in the open sessions' baskets now: the sum of their running totals, minor units"),
  sessionsByState: z.record(z.number().int()),
  openReviews: z.number().int(),
  openDisputes: z.number().int(),
  oldestOpenReviewAt: z.number().int().optional(),
  cartsProvisioned: z.number().int(),
  cartsOnline: z.number().int(),
  dayStart: z.number().int().describe("start of 'today' (epoch ms): the viewer's midnight (tz), as /day"),
  revenueToday: z.number().int(),
  sessionsClosedToday: z.number().int(),
  currency: z.string(),
});
/**
 * GET …/walkout (routes/walkout-routes.ts): a walk-out store's shoppers. A shopper keeps every
 * field the server sends (passthrough): the rows are the server's ShopperView, documented here.
 */
export const walkoutShopperSchema = z
  .object({
    session: z.string(),
    shopper: z.string().optional().describe("the anonymous track id the cameras follow"),
    account: z.string().optional(),
    state: z.string(),
    inside: z.boolean(),
    screenState: z.string(),
    currency: z.string(),
    total: z.number().int(),
    lines: z.array(
      z
        .object({
          sku: z.string(),
          name: z.string(),
          qty: z.number().int().optional(),
          grams: z.number().optional(),
          amount: z.number().int(),
          status: z.string(),
        })
        .passthrough(),
    ),
    reviews: z.array(
      z
        .object({ caseId: z.string(), kind: z.string(), reason: z.string(), status: z.string() })
        .passthrough(),
    ),
    openedAt: z.number().int(),
    updatedAt: z.number().int(),
    receiptLink: z.string().optional().describe("a visit that left: its receipt"),
  })
  .passthrough();
export const walkoutViewSchema = z.object({
  store: z.string(),
  kind: z.literal("walkout"),
  inside: z
    .number()
    .int()
    .describe("shoppers inside: every open visit, counted by the database (the list may hold fewer)"),
  insideTotal: z
    .number()
    .int()
    .describe("what is in the baskets of every shopper inside: the sum of their running totals, minor units"),
  shoppers: z
    .array(walkoutShopperSchema)
    .describe(
      "the shoppers inside among the 200 most recently updated sessions, then the most recent who left",
    ),
  devices: z.array(
    z.object({
      device: z.string(),
      label: z.string().optional(),
      revoked: z.boolean(),
      online: z.boolean(),
      createdAt: z.number().int(),
    }),
  ),
});
export const apiKeyBody = z.object({
  role: z.enum(["operator", "reviewer", "admin"]),
  label: z.string().max(200).optional(),
});
/** A key as listed to its scope's admins: never its hash or secret (decision 0123). */
export const apiKeySchema = z.object({
  id: z.string(),
  store: z.string().describe("the store the key acts on, or * for head office"),
  role: z.enum(["operator", "reviewer", "admin"]),
  label: z.string().optional(),
  createdAt: z.number().int(),
  createdBy: z
    .string()
    .optional()
    .describe(
      "the admin key that made it, or setup:… (demo seed, skiplane keys create); absent on older keys",
    ),
  revoked: z.boolean(),
  revokedBy: z.string().optional().describe("the admin key that revoked it"),
  revokedAt: z.number().int().optional(),
});
export const apiKeyCreatedSchema = z.object({
  id: z.string(),
  store: z.string(),
  role: z.enum(["operator", "reviewer", "admin"]),
  label: z.string().optional(),
  key: z.string().describe("shown once; only its hash is kept"),
});
export const formatQuery = z.object({ format: z.enum(["json", "html"]).optional() });
