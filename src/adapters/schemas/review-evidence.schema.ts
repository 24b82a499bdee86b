/**
 * zod schema of `ReviewRequested.evidence` (domain/events/review-evidence.ts) for where it is read
 * back from outside the process: an event store's rows, written by whichever version of the
 * server recorded the case. A version this server does not know, or a malformed record, reads as
 * none — the case's evidence is then rebuilt from the session's events, as for a case stored
 * before fusion recorded it (app/services/case-evidence.ts). Unknown extra fields are dropped.
 */
import { z } from "zod";
import type { ReviewEvidence } from "../../domain/events/review-evidence";

const finite = z.number().finite();
const id = z.string().optional();

const changeSchema = z.object({
  lineIds: z.array(z.string()),
  change: z
    .object({ startT: finite, endT: finite, before: finite, after: finite, delta: finite, sd: finite })
    .optional(),
  pending: z.object({ delta: finite, at: finite }).optional(),
  vision: z.array(
    z.object({
      id,
      t: finite,
      dir: z.enum(["in", "out", "unknown"]),
      candidates: z.array(z.object({ sku: z.string(), p: finite })),
    }),
  ),
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
  summary: z.string(),
});

export const reviewEvidenceSchema = z.object({
  v: z.literal(1),
  cause: z.enum(["prompt-expired", "unsure-after-answer", "unresolved", "load-at-exit"]),
  changes: z.array(changeSchema),
}) satisfies z.ZodType<ReviewEvidence>;

/** The record as this server knows it, or undefined (absent, another version, malformed). */
export function readReviewEvidence(x: unknown): ReviewEvidence | undefined {
  if (x === undefined || x === null) return undefined;
  const r = reviewEvidenceSchema.safeParse(x);
  return r.success ? r.data : undefined;
}
