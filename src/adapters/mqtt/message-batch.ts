/**
 * The first step of every ingest topic (carts' and store devices'): one MQTT payload → the raw
 * items of its batch, or the one reason the whole message is refused. Validating each item is
 * the caller's (cart and device events have different schemas); the limits and the reasons are
 * the same for both, so a refusal reads the same on every errors topic.
 */
import type { CartError } from "../schemas/cart-protocol.schema";

export interface BatchLimits {
  /** bytes in one message */
  maxPayload: number;
  /** events in one message */
  maxBatch: number;
}

/** The payload's items (one event or a JSON array of them), or why the message is refused. */
export function decodeBatch(
  payload: Uint8Array,
  limits: BatchLimits,
): { ok: true; items: unknown[] } | { ok: false; error: CartError } {
  if (payload.byteLength > limits.maxPayload) {
    return {
      ok: false,
      error: {
        reason: "too-large",
        detail: `payload of ${payload.byteLength} bytes; at most ${limits.maxPayload}`,
      },
    };
  }
  let body: unknown;
  try {
    body = JSON.parse(Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength).toString("utf8"));
  } catch (err) {
    return { ok: false, error: { reason: "bad-json", detail: (err as Error).message } };
  }
  const items = Array.isArray(body) ? body : [body];
  if (items.length > limits.maxBatch) {
    return {
      ok: false,
      error: {
        reason: "too-large",
        detail: `${items.length} events in one message; at most ${limits.maxBatch}`,
      },
    };
  }
  return { ok: true, items };
}

/** An error for the errors topic, naming the refused event's id when it had one. */
export function withId(e: { reason: string; detail?: string }, id: string | undefined): CartError {
  const out: CartError = id === undefined ? { reason: e.reason } : { id, reason: e.reason };
  if (e.detail !== undefined) out.detail = e.detail;
  return out;
}
