/**
 * Table types for kysely, shared by the SQLite and PostgreSQL adapters (their migrations create
 * the same tables; JSON columns are TEXT in SQLite and JSONB in PostgreSQL, see {@link fromJson}).
 */
import type { Generated } from "kysely";

export interface StreamsTable {
  store: string;
  stream: string;
  version: number;
}
export interface StorePositionsTable {
  store: string;
  position: number;
}
export interface EventsTable {
  store: string;
  position: number;
  stream: string;
  version: number;
  type: string;
  data: string;
  meta: string;
  recorded_at: number;
}
export interface RawEventsTable {
  seq: Generated<number>;
  store: string;
  cart: string;
  key: string;
  session: string | null;
  day: number;
  t: number;
  received_at: number;
  event: string;
}
export interface SessionsTable {
  store: string;
  session: string;
  cart: string | null;
  account: string | null;
  state: string;
  open: number;
  total: number;
  currency: string;
  opened_at: number;
  updated_at: number;
  version: number;
  screen: string;
  receipt: string | null;
  /** JSON array of the holds the session owes a release (0112); NULL when none */
  holds_to_release: string | null;
}
export interface ReviewCasesTable {
  store: string;
  case_id: string;
  session: string;
  kind: string;
  status: string;
  reason: string;
  line_ids: string;
  lines: string;
  opened_at: number;
  resolved_at: number | null;
  decision: string | null;
  decided_by: string | null;
  version: number;
}
export interface ReviewLabelsTable {
  store: string;
  case_id: string;
  session: string;
  at: number;
  body: string;
}
export interface CartsTable {
  store: string;
  cart: string;
  secret_hash: string;
  revoked: number;
  created_at: number;
  label: string | null;
}
export interface ApiKeysTable {
  id: string;
  store: string;
  role: string;
  key_hash: string;
  label: string | null;
  created_at: number;
  revoked: number;
  /** who made the key: an API key id, or `setup:…` (migration 0005; NULL on older keys) */
  created_by: string | null;
  /** who revoked it, and when (epoch ms) */
  revoked_by: string | null;
  revoked_at: number | null;
}
export interface AccountsTable {
  store: string;
  account: string;
  payment_method: string;
  name: string | null;
  created_at: number;
}

export interface Database {
  streams: StreamsTable;
  store_positions: StorePositionsTable;
  events: EventsTable;
  raw_events: RawEventsTable;
  sessions: SessionsTable;
  review_cases: ReviewCasesTable;
  review_labels: ReviewLabelsTable;
  carts: CartsTable;
  api_keys: ApiKeysTable;
  accounts: AccountsTable;
}

/** JSON columns come back as text (SQLite) or already parsed (PostgreSQL JSONB). */
export function fromJson<T>(v: unknown): T {
  return (typeof v === "string" ? JSON.parse(v) : v) as T;
}

/** A JSON value for a JSON column: text in both dialects (PostgreSQL casts it to JSONB). */
export function toJson(v: unknown): string {
  return JSON.stringify(v);
}
