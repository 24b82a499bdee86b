/**
 * The contract between the fusion core and everything that drives it (server, replay, eval,
 * simulator tests). One CartFusion per cart: feed it the cart's §1 events in order; it returns
 * basket events. Pure and deterministic: no clock, no randomness; ids come from an injected
 * generator. Shared contract: add optional fields, never rename.
 */
import type { BasketEvent } from "../basket/basket.events";
import type { CartEvent } from "../events/sensor-events";

/** Why an input was not used. Every rejection is counted by the caller. */
export type RejectReason =
  | "duplicate"
  | "out-of-order"
  | "bad-value"
  | "no-open-session"
  | "session-already-open"
  | "unknown-product"
  | "unknown-prompt"
  | "wrong-cart";

export interface IngestResult {
  outcome: "accepted" | "rejected";
  reason?: RejectReason;
  detail?: string;
  /** basket events this input produced (may be empty: most samples change nothing) */
  events: BasketEvent[];
  /**
   * Set when this input settled a weight change and a decision was made on it, so callers can
   * measure "settle to decision" latency.
   */
  settled?: boolean;
}

export interface FusionCounters {
  accepted: number;
  rejected: Record<string, number>;
  changes: number;
  prompts: number;
  reviews: number;
  /** parts of accepted inputs that were dropped, by kind (absurd samples, unknown camera candidates) */
  dropped?: Record<string, number>;
  /** signal notes: gaps, transients that returned, not-merchandise loads, changes outside a session */
  signal?: Record<string, number>;
}

export interface CartFusion {
  ingest(event: CartEvent): IngestResult;
  /** events produced so far in the open session (or the last one) */
  readonly counters: FusionCounters;
}
