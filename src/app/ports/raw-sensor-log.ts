/**
 * The raw sensor log port: every cart event (exchange-v1 §1) as received, kept apart from the
 * business events. It is the source of truth for rebuilding baskets after a crash (fusion is
 * deterministic, so replaying a cart's raw events rebuilds its baskets exactly) and it is
 * high-volume, so it is partitioned by time and deleted by retention, never by hand.
 */
import type { CartEvent } from "../../domain/events/sensor-events";

export interface RawEntry {
  store: string;
  cart: string;
  /** the session the event belonged to when received (absent before a session opened) */
  session?: string;
  /** dedupe key: the event's `id`, or a content hash when the cart sent none */
  key: string;
  /** insertion order, increasing within a cart */
  seq: number;
  /** server time received, ms since epoch */
  receivedAt: number;
  event: CartEvent;
}

export interface RawAppend {
  store: string;
  cart: string;
  session?: string;
  receivedAt: number;
  event: CartEvent;
}

export interface RawSensorLog {
  /**
   * Stores the event once per (store, cart, key). `isNew` is false for a redelivery (MQTT QoS 1
   * sends again after a lost ack): the caller then does nothing else with it.
   */
  append(entry: RawAppend): Promise<{ isNew: boolean; key: string; seq: number }>;
  /**
   * Optional: several events in order (one cart message) as `append` would store them one by
   * one, in one write the adapter may share with other carts' (group commit). Resolves once
   * every row is durable.
   */
  appendMany?(entries: readonly RawAppend[]): Promise<{ isNew: boolean; key: string; seq: number }[]>;
  /**
   * A cart's events in insertion order: those of one session when `session` is given, and
   * only after `afterSeq` when given.
   */
  readCart(
    store: string,
    cart: string,
    options?: { session?: string; afterSeq?: number; limit?: number },
  ): Promise<RawEntry[]>;
  /**
   * What to replay to rebuild `session` exactly: its events, preceded by the cart's idle events
   * (no session) since the previous session and at most `leadMs` before this one started — the
   * scale history fusion had when the session opened. Empty when the session has no events.
   */
  readForReplay(store: string, cart: string, session: string, leadMs: number): Promise<RawEntry[]>;
  /** The session of the cart's most recent event that had one. */
  latestSession(store: string, cart: string): Promise<string | undefined>;
  /**
   * Retention: deletes the raw events of every whole day (UTC, by device time) before the day
   * of `cutoff` (ms since epoch), dropping whole partitions where the adapter has them.
   * Returns how many events went.
   */
  deleteBefore(cutoff: number): Promise<{ deleted: number }>;
  /** How many raw events a store holds (for figures and tests). */
  count(store: string): Promise<number>;
}
