-- Who made and who revoked each API key, and when it was revoked (decision 0123): the key id of
-- the admin who called the API, or `setup:…` for a key made outside it (the demo seed, the
-- `skiplane keys create` command). NULL on keys made before this migration.
ALTER TABLE api_keys ADD COLUMN created_by TEXT;
ALTER TABLE api_keys ADD COLUMN revoked_by TEXT;
ALTER TABLE api_keys ADD COLUMN revoked_at BIGINT;
