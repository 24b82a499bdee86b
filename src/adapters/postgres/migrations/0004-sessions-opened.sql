-- A store's sessions by the time they opened: the dashboard's day (GET …/day) and /stats read
-- the sessions opened since the viewer's midnight, which without it meant every row of the store.
-- Built CONCURRENTLY, outside the migrations' transaction (migratePostgres), so writes to sessions
-- go on while it builds on a big table; a build interrupted before left an INVALID index, which
-- the runner drops and builds again. A database that applied this migration in a transaction
-- (before 2026-12-05) has the same index.
-- skiplane:no-transaction
CREATE INDEX CONCURRENTLY IF NOT EXISTS sessions_opened ON sessions (store, opened_at);
