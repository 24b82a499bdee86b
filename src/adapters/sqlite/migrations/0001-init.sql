-- Skiplane storage, SQLite. The store id leads every key. JSON is TEXT; booleans are 0/1.

-- Business events: one row per event, per-stream version (optimistic concurrency) and a
-- per-store position (gap-free commit order) for read models and other processes.
CREATE TABLE streams (
  store   TEXT    NOT NULL,
  stream  TEXT    NOT NULL,
  version INTEGER NOT NULL,
  PRIMARY KEY (store, stream)
);
CREATE TABLE store_positions (
  store    TEXT    NOT NULL PRIMARY KEY,
  position INTEGER NOT NULL
);
CREATE TABLE events (
  store       TEXT    NOT NULL,
  position    INTEGER NOT NULL,
  stream      TEXT    NOT NULL,
  version     INTEGER NOT NULL,
  type        TEXT    NOT NULL,
  data        TEXT    NOT NULL,
  meta        TEXT    NOT NULL,
  recorded_at INTEGER NOT NULL,
  PRIMARY KEY (store, position),
  UNIQUE (store, stream, version)
);

-- Raw sensor events, apart from business events. `day` = floor(device t / 86 400 000):
-- retention deletes by day.
CREATE TABLE raw_events (
  seq         INTEGER PRIMARY KEY AUTOINCREMENT,
  store       TEXT    NOT NULL,
  cart        TEXT    NOT NULL,
  key         TEXT    NOT NULL,
  session     TEXT,
  day         INTEGER NOT NULL,
  t           REAL    NOT NULL,
  received_at INTEGER NOT NULL,
  event       TEXT    NOT NULL,
  UNIQUE (store, cart, key, day)
);
CREATE INDEX raw_events_cart ON raw_events (store, cart, session, seq);
CREATE INDEX raw_events_day ON raw_events (day);

CREATE TABLE sessions (
  store      TEXT    NOT NULL,
  session    TEXT    NOT NULL,
  cart       TEXT,
  account    TEXT,
  state      TEXT    NOT NULL,
  open       INTEGER NOT NULL,
  total      INTEGER NOT NULL,
  currency   TEXT    NOT NULL,
  opened_at  INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  version    INTEGER NOT NULL,
  screen     TEXT    NOT NULL,
  receipt    TEXT,
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
  line_ids    TEXT    NOT NULL,
  lines       TEXT    NOT NULL,
  opened_at   INTEGER NOT NULL,
  resolved_at INTEGER,
  decision    TEXT,
  decided_by  TEXT,
  version     INTEGER NOT NULL,
  PRIMARY KEY (store, case_id)
);
CREATE INDEX review_cases_queue ON review_cases (store, status, opened_at);
CREATE INDEX review_cases_session ON review_cases (store, session);

CREATE TABLE review_labels (
  store      TEXT    NOT NULL,
  case_id    TEXT    NOT NULL,
  session    TEXT    NOT NULL,
  at         INTEGER NOT NULL,
  body       TEXT    NOT NULL,
  PRIMARY KEY (store, case_id)
);
CREATE INDEX review_labels_at ON review_labels (store, at);

CREATE TABLE carts (
  store       TEXT    NOT NULL,
  cart        TEXT    NOT NULL,
  secret_hash TEXT    NOT NULL,
  revoked     INTEGER NOT NULL,
  created_at  INTEGER NOT NULL,
  label       TEXT,
  PRIMARY KEY (store, cart)
);

CREATE TABLE api_keys (
  id         TEXT    NOT NULL PRIMARY KEY,
  store      TEXT    NOT NULL,
  role       TEXT    NOT NULL,
  key_hash   TEXT    NOT NULL UNIQUE,
  label      TEXT,
  created_at INTEGER NOT NULL,
  revoked    INTEGER NOT NULL
);
CREATE INDEX api_keys_store ON api_keys (store);

CREATE TABLE accounts (
  store          TEXT    NOT NULL,
  account        TEXT    NOT NULL,
  payment_method TEXT    NOT NULL,
  name           TEXT,
  created_at     INTEGER NOT NULL,
  PRIMARY KEY (store, account)
);
