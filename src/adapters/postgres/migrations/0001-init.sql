-- Skiplane storage, PostgreSQL. The store id leads every key. JSON is JSONB; booleans are 0/1
-- integers so one query layer (kysely) serves SQLite and PostgreSQL alike.

-- Business events: one row per event, per-stream version (optimistic concurrency) and a
-- per-store position (gap-free commit order: allocated under the store_positions row lock,
-- held to commit) for read models and other processes.
CREATE TABLE streams (
  store   TEXT   NOT NULL,
  stream  TEXT   NOT NULL,
  version BIGINT NOT NULL,
  PRIMARY KEY (store, stream)
);
CREATE TABLE store_positions (
  store    TEXT   NOT NULL PRIMARY KEY,
  position BIGINT NOT NULL
);
CREATE TABLE events (
  store       TEXT   NOT NULL,
  position    BIGINT NOT NULL,
  stream      TEXT   NOT NULL,
  version     BIGINT NOT NULL,
  type        TEXT   NOT NULL,
  data        JSONB  NOT NULL,
  meta        JSONB  NOT NULL,
  recorded_at BIGINT NOT NULL,
  PRIMARY KEY (store, position),
  UNIQUE (store, stream, version)
);

-- Raw sensor events, apart from business events, partitioned by device day
-- (day = floor(t / 86 400 000)); partitions are created on first use and dropped by retention.
CREATE SEQUENCE raw_events_seq;
CREATE TABLE raw_events (
  seq         BIGINT  NOT NULL DEFAULT nextval('raw_events_seq'),
  store       TEXT    NOT NULL,
  cart        TEXT    NOT NULL,
  key         TEXT    NOT NULL,
  session     TEXT,
  day         INTEGER NOT NULL,
  t           DOUBLE PRECISION NOT NULL,
  received_at BIGINT  NOT NULL,
  event       JSONB   NOT NULL,
  PRIMARY KEY (store, cart, key, day)
) PARTITION BY RANGE (day);
CREATE INDEX raw_events_cart ON raw_events (store, cart, session, seq);

CREATE TABLE sessions (
  store      TEXT    NOT NULL,
  session    TEXT    NOT NULL,
  cart       TEXT,
  account    TEXT,
  state      TEXT    NOT NULL,
  open       INTEGER NOT NULL,
  total      BIGINT  NOT NULL,
  currency   TEXT    NOT NULL,
  opened_at  BIGINT  NOT NULL,
  updated_at BIGINT  NOT NULL,
  version    BIGINT  NOT NULL,
  screen     JSONB   NOT NULL,
  receipt    JSONB,
  PRIMARY KEY (store, session)
);
CREATE INDEX sessions_state ON sessions (store, state, updated_at);
CREATE INDEX sessions_open ON sessions (store, open, updated_at);
CREATE INDEX sessions_cart ON sessions (store, cart, opened_at);

CREATE TABLE review_cases (
  store       TEXT    NOT NULL,
  case_id     TEXT    NOT NULL,
  session     TEXT    NOT NULL,
  kind        TEXT    NOT NULL,
  status      TEXT    NOT NULL,
  reason      TEXT    NOT NULL,
  line_ids    JSONB   NOT NULL,
  lines       JSONB   NOT NULL,
  opened_at   BIGINT  NOT NULL,
  resolved_at BIGINT,
  decision    TEXT,
  decided_by  TEXT,
  version     BIGINT  NOT NULL,
  PRIMARY KEY (store, case_id)
);
CREATE INDEX review_cases_queue ON review_cases (store, status, opened_at);
CREATE INDEX review_cases_session ON review_cases (store, session);

CREATE TABLE review_labels (
  store   TEXT   NOT NULL,
  case_id TEXT   NOT NULL,
  session TEXT   NOT NULL,
  at      BIGINT NOT NULL,
  body    JSONB  NOT NULL,
  PRIMARY KEY (store, case_id)
);
CREATE INDEX review_labels_at ON review_labels (store, at);

CREATE TABLE carts (
  store       TEXT    NOT NULL,
  cart        TEXT    NOT NULL,
  secret_hash TEXT    NOT NULL,
  revoked     INTEGER NOT NULL,
  created_at  BIGINT  NOT NULL,
  label       TEXT,
  PRIMARY KEY (store, cart)
);

CREATE TABLE api_keys (
  id         TEXT    NOT NULL PRIMARY KEY,
  store      TEXT    NOT NULL,
  role       TEXT    NOT NULL,
  key_hash   TEXT    NOT NULL UNIQUE,
  label      TEXT,
  created_at BIGINT  NOT NULL,
  revoked    INTEGER NOT NULL
);
CREATE INDEX api_keys_store ON api_keys (store);

CREATE TABLE accounts (
  store          TEXT   NOT NULL,
  account        TEXT   NOT NULL,
  payment_method TEXT   NOT NULL,
  name           TEXT,
  created_at     BIGINT NOT NULL,
  PRIMARY KEY (store, account)
);
