/**
 * What a review case is about, in a few words for the queue and the case's heading: its lines
 * ("Ketchup × 1"), or that it has none. The queue showed only the session and the start of the
 * reason, so two cases of one session (a line and the weight left unexplained beside it) looked
 * the same, and a case without a line was headed by its whole reason.
 */
import type { ReviewCase } from "../../api/types";
import { grams } from "../../format";

export const NO_LINE = "nothing charged for it";

export function caseSubject(c: Pick<ReviewCase, "lines">, nameOf: (sku: string) => string): string {
  if (c.lines.length === 0) return NO_LINE;
  return c.lines
    .map((l) => `${nameOf(l.sku)} ${l.grams !== undefined ? grams(l.grams) : `× ${l.qty ?? 1}`}`)
    .join(", ");
}
