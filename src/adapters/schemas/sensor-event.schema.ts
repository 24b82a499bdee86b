/**
 * zod schemas for the sensor log of exchange-v1 §1: the edge validation for MQTT payloads,
 * JSONL files and HTTP bodies. Inside the core the types of `sensor-events.ts` are trusted, so
 * everything that enters from outside passes through `parseSensorEvent` first.
 *
 * Unknown extra fields are accepted and dropped (the format "may accept more"); a wrong type,
 * a non-finite number or a missing field is a typed rejection, never an exception.
 */
import { z } from "zod";
import type { CartEvent, SensorEvent, StoreEvent } from "../../domain/events/sensor-events";

/** Ids travel in MQTT topic levels and URLs: no `/`, `+`, `#`, whitespace or control chars. */
export const idSchema = z
  .string()
  .min(1)
  .max(128)
  .regex(/^[A-Za-z0-9._:@-]+$/, "ids may contain letters, digits and . _ : @ - only");

const finite = z.number().finite();
const grams = z.union([finite, z.array(finite).min(1).max(10_000)]);

const base = {
  v: z.literal(1),
  t: finite.nonnegative(),
  store: idSchema,
  id: z.string().min(1).max(200).optional(),
};
const cartBase = { ...base, cart: idSchema };

export const sessionStartSchema = z.object({
  ...cartBase,
  type: z.literal("session.start"),
  session: idSchema,
  account: z.string().min(1).max(200).optional(),
});

export const weightSchema = z
  .object({ ...cartBase, type: z.literal("weight"), grams, hz: finite.positive().max(100_000).optional() })
  .refine((e) => !Array.isArray(e.grams) || e.hz !== undefined, {
    message: "a weight event with several samples needs hz",
    path: ["hz"],
  });

export const visionSchema = z.object({
  ...cartBase,
  type: z.literal("vision"),
  dir: z.enum(["in", "out", "unknown"]),
  candidates: z.array(z.object({ sku: z.string().min(1).max(200), p: finite.min(0).max(1) })).max(100),
  track: z.string().min(1).max(200).optional(),
});

export const barcodeSchema = z.object({
  ...cartBase,
  type: z.literal("barcode"),
  code: z.string().min(1).max(64),
});

export const pluSchema = z.object({ ...cartBase, type: z.literal("plu"), plu: z.string().min(1).max(16) });

export const answerSchema = z.object({
  ...cartBase,
  type: z.literal("answer"),
  prompt: z.string().min(1).max(200),
  sku: z.string().min(1).max(200).optional(),
  choice: z.string().min(1).max(200).optional(),
});

export const sessionEndSchema = z.object({ ...cartBase, type: z.literal("session.end") });

export const gateInSchema = z.object({
  ...base,
  type: z.literal("gate.in"),
  session: idSchema,
  shopper: z.string().min(1).max(200),
  account: z.string().min(1).max(200).optional(),
});
export const gateOutSchema = z.object({
  ...base,
  type: z.literal("gate.out"),
  shopper: z.string().min(1).max(200),
});
export const trackSchema = z.object({
  ...base,
  type: z.literal("track"),
  shopper: z.string().min(1).max(200),
  x: finite,
  y: finite,
  hand: z.tuple([finite, finite, finite]).optional(),
  // what the cameras recognise in the tracked hand (docs/walkout.md, decision 0106): optional
  held: z
    .array(z.object({ sku: z.string().min(1).max(200), p: finite.min(0).max(1) }))
    .max(20)
    .optional(),
});
export const plateSchema = z
  .object({
    ...base,
    type: z.literal("plate"),
    gondola: z.number().int(),
    shelf: z.number().int(),
    plate: z.number().int(),
    grams,
    hz: finite.positive().max(100_000).optional(),
  })
  .refine((e) => !Array.isArray(e.grams) || e.hz !== undefined, {
    message: "a plate event with several samples needs hz",
    path: ["hz"],
  });

const cartSchemas = {
  "session.start": sessionStartSchema,
  weight: weightSchema,
  vision: visionSchema,
  barcode: barcodeSchema,
  plu: pluSchema,
  answer: answerSchema,
  "session.end": sessionEndSchema,
} as const;
const storeSchemas = {
  "gate.in": gateInSchema,
  "gate.out": gateOutSchema,
  track: trackSchema,
  plate: plateSchema,
} as const;

export const CART_EVENT_TYPES = Object.keys(cartSchemas) as CartEvent["type"][];
export const STORE_EVENT_TYPES = Object.keys(storeSchemas) as StoreEvent["type"][];

/** Any §1 event, for documentation (OpenAPI) and for callers that want a single schema. */
export const sensorEventSchema = z.union([
  sessionStartSchema,
  weightSchema,
  visionSchema,
  barcodeSchema,
  pluSchema,
  answerSchema,
  sessionEndSchema,
  gateInSchema,
  gateOutSchema,
  trackSchema,
  plateSchema,
]);

/** Why an input line was refused at the edge (counted by reason). */
export type EdgeRejectReason = "bad-json" | "bad-event" | "unknown-type" | "wrong-topic" | "too-large";

export type ParseResult<T> =
  | { ok: true; event: T }
  | { ok: false; reason: EdgeRejectReason; detail: string; id?: string };

function idOf(x: unknown): string | undefined {
  if (x && typeof x === "object" && "id" in x) {
    const id = (x as { id: unknown }).id;
    if (typeof id === "string" && id.length > 0 && id.length <= 200) return id;
  }
  return undefined;
}

function describe(error: z.ZodError): string {
  return error.issues
    .slice(0, 3)
    .map((i) => `${i.path.length ? i.path.join(".") : "(event)"}: ${i.message}`)
    .join("; ");
}

function parseWith<T>(table: Record<string, z.ZodTypeAny>, input: unknown, kind: string): ParseResult<T> {
  const id = idOf(input);
  if (!input || typeof input !== "object" || Array.isArray(input)) {
    return { ok: false, reason: "bad-event", detail: "an event must be a JSON object", id };
  }
  const type = (input as { type?: unknown }).type;
  const schema = typeof type === "string" && Object.hasOwn(table, type) ? table[type] : undefined;
  if (!schema) {
    return {
      ok: false,
      reason: "unknown-type",
      detail: `type ${JSON.stringify(type)} is not a ${kind} event type`,
      id,
    };
  }
  const r = schema.safeParse(input);
  if (!r.success) return { ok: false, reason: "bad-event", detail: describe(r.error), id };
  return { ok: true, event: r.data as T };
}

/** Validate one cart event (§1, the types a cart may publish over MQTT, §5). */
export function parseCartEvent(input: unknown): ParseResult<CartEvent> {
  return parseWith<CartEvent>(cartSchemas, input, "cart");
}

/** Validate one store-level (walk-out) event. */
export function parseStoreEvent(input: unknown): ParseResult<StoreEvent> {
  return parseWith<StoreEvent>(storeSchemas, input, "store");
}

/** Validate any §1 event. */
export function parseSensorEvent(input: unknown): ParseResult<SensorEvent> {
  return parseWith<SensorEvent>({ ...cartSchemas, ...storeSchemas }, input, "sensor");
}
