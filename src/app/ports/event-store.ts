/**
 * The event store port: append-only streams of business events with optimistic concurrency.
 *
 * Stream ids are `{store}/{kind}/{id}` (e.g. `st-01/session/s-0001`): the store id leads every
 * key, so one database can hold a whole chain and nothing reads across stores by accident.
 * Several server processes may share one database: a writer states the version it decided on
 * (`expectedVersion`); if another writer got there first the append is refused with a
 * `conflict` result, never forked.
 */
import type { BasketEvent } from "../../domain/basket/basket.events";

/**
 * The version the writer based its decision on: the stream's current version (number of events
 * in it; 0 = the stream must not exist yet), or `"any"` to append unconditionally.
 */
export type ExpectedVersion = number | "any";

/** Who wrote an event and why: kept beside it, never part of the domain event. */
export interface EventMeta {
  /** `cart` = produced by replaying the cart's raw sensor events; `workflow` = lifecycle, human */
  source: "cart" | "workflow";
  /** the raw sensor event or command that caused it */
  causation?: string;
}

export interface StoredEvent<E extends { type: string } = BasketEvent> {
  streamId: string;
  store: string;
  /** 1-based position inside the stream */
  version: number;
  /** position in the store's total order (gap-free, commit order, per store) */
  position: number;
  type: E["type"];
  data: E;
  meta: EventMeta;
  /** server time the append was committed, ms since epoch */
  recordedAt: number;
}

export type AppendResult =
  | { status: "appended" /** the stream's version after the append */; version: number; lastPosition: number }
  | { status: "conflict"; expected: ExpectedVersion; actual: number };

/** Thrown only by {@link appendOrThrow}: the stream moved on since the caller read it. */
export class ConcurrencyError extends Error {
  readonly code = "CONCURRENCY";
  constructor(
    readonly streamId: string,
    readonly expected: ExpectedVersion,
    readonly actual: number,
  ) {
    super(`stream ${streamId}: expected version ${String(expected)}, found ${actual}`);
    this.name = "ConcurrencyError";
  }
}

export interface EventStore<E extends { type: string } = BasketEvent> {
  /**
   * Appends `events` atomically. Returns `conflict` (and writes nothing) when the stream's
   * version is not `expectedVersion`. Appending zero events is a version check only.
   */
  append(
    streamId: string,
    events: readonly E[],
    options: { expectedVersion: ExpectedVersion; meta: EventMeta; recordedAt: number },
  ): Promise<AppendResult>;
  /** The stream's events in order, from `fromVersion` (1-based, inclusive; default 1). */
  readStream(streamId: string, fromVersion?: number): Promise<{ version: number; events: StoredEvent<E>[] }>;
  /** The stream's current version (0 when it does not exist). */
  streamVersion(streamId: string): Promise<number>;
  /**
   * One store's events in commit order after `afterPosition` (exclusive), at most `limit`:
   * what a read model or another process polls to catch up.
   */
  readStore(store: string, afterPosition: number, limit: number): Promise<StoredEvent<E>[]>;
  /** The store's last committed position (0 when empty). */
  storePosition(store: string): Promise<number>;
}

/** `{store}/session/{session}`: the one place stream ids are built. */
export function sessionStreamId(store: string, session: string): string {
  return `${store}/session/${session}`;
}

/** The store id of a stream id (its first segment). */
export function storeOfStream(streamId: string): string {
  const i = streamId.indexOf("/");
  if (i <= 0) throw new Error(`stream id without a store: ${streamId}`);
  return streamId.slice(0, i);
}

/** Appends or throws {@link ConcurrencyError}: for callers that retry by re-reading the stream. */
export async function appendOrThrow<E extends { type: string }>(
  store: EventStore<E>,
  streamId: string,
  events: readonly E[],
  options: { expectedVersion: ExpectedVersion; meta: EventMeta; recordedAt: number },
): Promise<number> {
  const r = await store.append(streamId, events, options);
  if (r.status === "conflict") throw new ConcurrencyError(streamId, r.expected, r.actual);
  return r.version;
}
