/**
 * zod schema of `ReviewRequested.evidence` (domain/events/review-evidence.ts) for where it is read
 * back from outside the process: an event store's rows, written by whichever version of the
 * server recorded the case. A version this server does not know, or a malformed record, reads as
 * none — the case's evidence is then rebuilt from the session's events, as for a case stored
 * before fusion recorded it (app/services/case-evidence.ts). Unknown extra fields are dropped.
 *
 * Three kinds, each version 1: a cart fusion's record (no `kind`, or `cart`), a walk-out store's
 * (`walkout`: shelf changes with their plates, shoppers and hand readings) and a case opened after
 * fusion (`lines`: a dispute, the exit workflow, an abandoned basket). A server that knows only
 * the cart's record reads the other two as malformed (no cart `cause`), so it rebuilds them.
 */
import { z } from "zod";
import type { ReviewEvidence } from "../../domain/events/review-evidence";

const finite = z.number().finite();
const id = z.string().optional();

/** a camera sighting by its event id (a walk-out store's also names whose hand) */
const sightingSchema = z.object({
  id,
  t: finite,
  dir: z.enum(["in", "out", "unknown"]),
  candidates: z.array(z.object({ sku: z.string(), p: finite })),
});

const changeSchema = z.object({
  lineIds: z.array(z.string()),
  change: z
    .object({ startT: finite, endT: finite, before: finite, after: finite, delta: finite, sd: finite })
    .optional(),
  pending: z.object({ delta: finite, at: finite }).optional(),
  vision: z.array(sightingSchema),
  scans: z.array(
    z.object({
      id,
      t: finite,
      code: z.string(),
      sku: z.string().optional(),
      grams: finite.optional(),
      price: finite.optional(),
    }),
  ),
  plu: z.array(z.object({ id, t: finite, plu: z.string(), sku: z.string().optional() })),
  answers: z.array(
    z.object({ t: finite, prompt: z.string(), sku: z.string().optional(), choice: z.string().optional() }),
  ),
  hypotheses: z.array(z.object({ label: z.string(), posterior: finite })),
  shelf: z.object({ gondola: finite, shelf: finite, plates: z.array(finite) }).optional(),
  shoppers: z.array(z.object({ shopper: z.string(), distance: finite })).optional(),
  summary: z.string(),
});

const cartSchema = z.object({
  v: z.literal(1),
  kind: z.literal("cart").optional(),
  cause: z.enum(["prompt-expired", "unsure-after-answer", "unresolved", "load-at-exit"]),
  changes: z.array(changeSchema),
});

const walkoutChangeSchema = changeSchema.extend({
  action: z.enum(["pick", "putback"]),
  change: z.object({
    startT: finite,
    endT: finite,
    before: finite,
    after: finite,
    delta: finite,
    sd: finite,
    stepT: finite,
    forced: z.boolean().optional(),
  }),
  shelf: z.object({ gondola: finite, shelf: finite, plates: z.array(finite) }),
  plates: z.array(z.object({ plate: finite, before: finite, after: finite, delta: finite, sd: finite })),
  shoppers: z.array(
    z.object({
      shopper: z.string(),
      distance: finite,
      body: finite.optional(),
      hand: finite.optional(),
      p: finite.optional(),
    }),
  ),
  vision: z.array(sightingSchema.extend({ shopper: z.string() })),
  doubt: z.array(z.enum(["product", "shopper"])),
  charged: z.object({ shopper: z.string(), lineId: z.string() }).optional(),
});

const walkoutSchema = z.object({
  v: z.literal(1),
  kind: z.literal("walkout"),
  causes: z.array(
    z.enum(["uncertain-product", "uncertain-shopper", "candidate-elsewhere", "maybe-put-back", "hand-over"]),
  ),
  changes: z.array(walkoutChangeSchema),
  meetings: z.array(
    z.object({
      shoppers: z.tuple([z.string(), z.string()]),
      t: finite,
      last: finite,
      at: z.object({ x: finite, y: finite, z: finite }),
      held: z.array(z.object({ shopper: z.string(), sku: z.string(), qty: finite })),
      camera: z.string().optional(),
    }),
  ),
});

const from = z.union([z.literal("line"), z.object({ caseId: z.string() })]);

const linesSchema = z.object({
  v: z.literal(1),
  kind: z.literal("lines"),
  cause: z.enum(["dispute", "unsure-at-exit", "abandoned"]),
  // a change copied from a walk-out case's record keeps its walk-out fields
  changes: z.array(z.union([walkoutChangeSchema.extend({ from }), changeSchema.extend({ from })])),
});

export const reviewEvidenceSchema = z.union([
  walkoutSchema,
  linesSchema,
  cartSchema,
]) satisfies z.ZodType<ReviewEvidence>;

/** The record as this server knows it, or undefined (absent, another version, malformed). */
export function readReviewEvidence(x: unknown): ReviewEvidence | undefined {
  if (x === undefined || x === null) return undefined;
  const r = reviewEvidenceSchema.safeParse(x);
  return r.success ? r.data : undefined;
}
