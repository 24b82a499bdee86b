-- A store's sessions by the time they opened: the dashboard's day (GET …/day) and /stats read
-- the sessions opened since the viewer's midnight, which without it meant every row of the store.
CREATE INDEX IF NOT EXISTS sessions_opened ON sessions (store, opened_at);
