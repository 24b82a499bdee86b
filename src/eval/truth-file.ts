/**
 * Reading truth.jsonl (exchange-v1 §2, with the simulator's optional `decidable` and
 * `undecidableStops`) and receipts.jsonl (§4) at the edge: zod per line; a bad line is reported
 * with its line number and skipped; a session given twice keeps the first and reports the
 * second. A truth line can also be refused by a check against the catalog (evaluation prices
 * every truth), or when its `decidable` and `undecidableStops` disagree.
 */
import { readFileSync } from "node:fs";
import { z } from "zod";
import type { ReceiptLine, TruthLine } from "../domain/events/sensor-events";
import type { IssueLog } from "./log-reader";

/**
 * a truth line as evaluation reads it: §2 plus the simulator's optional `decidable` and
 * `undecidableStops` (stops the evidence does not decide; files from before 2026-12-05 lack it)
 */
export type EvalTruth = TruthLine & { decidable?: boolean; undecidableStops?: number };
/**
 * a receipt as evaluation sees it: §4 plus how many prompts were answered and the skus of the
 * lines those prompts were about (optional fields, written by replay when a prompt was answered)
 */
export type EvalReceipt = ReceiptLine & { answered?: number; asked?: string[] };

const sku = z.string().min(1).max(200);
const truthSchema = z
  .object({
    session: z.string().min(1).max(200),
    items: z.array(z.object({ sku, qty: z.number().int().positive() })),
    weighed: z.array(z.object({ sku, grams: z.number().finite().nonnegative() })).default([]),
    decidable: z.boolean().optional(),
    undecidableStops: z.number().int().nonnegative().optional(),
  })
  .refine(
    (t) =>
      t.decidable === undefined ||
      t.undecidableStops === undefined ||
      t.decidable === (t.undecidableStops === 0),
    { message: "decidable and undecidableStops disagree (decidable exactly when no stop is undecidable)" },
  );
const receiptSchema = z.object({
  session: z.string().min(1).max(200),
  items: z.array(z.object({ sku, qty: z.number().int().positive() })),
  weighed: z.array(z.object({ sku, grams: z.number().finite().nonnegative() })).default([]),
  total: z.number().int(),
  currency: z.string().min(3).max(3),
  review: z.boolean(),
  prompts: z.number().int().nonnegative(),
  answered: z.number().int().nonnegative().optional(),
  asked: z.array(sku).optional(),
});

function readJsonl<T>(
  text: string,
  schema: z.ZodType<T, z.ZodTypeDef, unknown>,
  issues: IssueLog,
  what: string,
  check?: (x: T) => string | undefined,
): T[] {
  const out: T[] = [];
  const seen = new Set<string>();
  const lines = text.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const s = lines[i].trim();
    if (!s) continue;
    let data: unknown;
    try {
      data = JSON.parse(s);
    } catch (err) {
      issues.add({
        line: i + 1,
        reason: "bad-json",
        detail: `${what}: not JSON (truncated line?): ${(err as Error).message}`,
      });
      continue;
    }
    const r = schema.safeParse(data);
    if (!r.success) {
      const detail = r.error.issues
        .slice(0, 3)
        .map((x) => `${x.path.join(".") || "(line)"}: ${x.message}`)
        .join("; ");
      issues.add({ line: i + 1, reason: "bad-event", detail: `${what}: ${detail}` });
      continue;
    }
    const problem = check?.(r.data);
    if (problem !== undefined) {
      issues.add({ line: i + 1, reason: "bad-event", detail: `${what}: ${problem}` });
      continue;
    }
    const session = (r.data as { session: string }).session;
    if (seen.has(session)) {
      issues.add({
        line: i + 1,
        reason: "bad-event",
        detail: `${what}: session ${session} given twice; the first is kept`,
      });
      continue;
    }
    seen.add(session);
    out.push(r.data);
  }
  return out;
}

/**
 * `check` says what is wrong with a line the schema accepts (a sku the catalog does not have),
 * or undefined; such a line is reported and skipped like a malformed one.
 */
export function parseTruthJsonl(
  text: string,
  issues: IssueLog,
  check?: (t: EvalTruth) => string | undefined,
): EvalTruth[] {
  return readJsonl(text, truthSchema as z.ZodType<EvalTruth, z.ZodTypeDef, unknown>, issues, "truth", check);
}
export function parseReceiptsJsonl(text: string, issues: IssueLog): EvalReceipt[] {
  return readJsonl(text, receiptSchema as z.ZodType<EvalReceipt, z.ZodTypeDef, unknown>, issues, "receipt");
}
export function readTruthFile(
  path: string,
  issues: IssueLog,
  check?: (t: EvalTruth) => string | undefined,
): EvalTruth[] {
  return parseTruthJsonl(readFileSync(path, "utf8"), issues, check);
}
