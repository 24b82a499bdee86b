/**
 * zod schemas for the cart protocol of exchange-v1 §5: the screen state the server publishes
 * (retained) and the error message it sends for each rejected input. The server validates what
 * it publishes in tests; carts, the simulator and the web cart screen parse with these.
 */
import { z } from "zod";

export const SCREEN_STATES = ["idle", "shopping", "charging", "paid", "review", "problem"] as const;
export const PROMPT_KINDS = ["scan", "choose", "confirm-removal", "plu"] as const;

export const screenLineSchema = z.object({
  sku: z.string(),
  name: z.string(),
  /** unit goods */
  qty: z.number().int().optional(),
  /** weighed goods carry grams instead of qty */
  grams: z.number().optional(),
  /** minor units */
  amount: z.number().int(),
  status: z.enum(["ok", "unsure"]),
});

export const screenPromptSchema = z.object({
  id: z.string(),
  kind: z.enum(PROMPT_KINDS),
  text: z.string(),
  options: z.array(z.object({ sku: z.string(), name: z.string() })).optional(),
});

export const screenStateSchema = z.object({
  session: z.string().optional(),
  state: z.enum(SCREEN_STATES),
  currency: z.string(),
  total: z.number().int(),
  lines: z.array(screenLineSchema),
  prompt: screenPromptSchema.optional(),
  seq: z.number().int().nonnegative(),
});
export type ScreenState = z.infer<typeof screenStateSchema>;

/** `{"id"?, "reason", "detail"?}` on `skiplane/v1/{store}/carts/{cart}/errors`. */
export const cartErrorSchema = z.object({
  id: z.string().optional(),
  reason: z.string(),
  detail: z.string().optional(),
});
export type CartError = z.infer<typeof cartErrorSchema>;
