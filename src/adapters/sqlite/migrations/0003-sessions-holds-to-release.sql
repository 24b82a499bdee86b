-- Holds a session owes a release (decision 0112): a JSON array, NULL when there is none, so the
-- retry sweep finds the few sessions that owe one without reading every stream.
ALTER TABLE sessions ADD COLUMN holds_to_release TEXT;
CREATE INDEX sessions_holds_to_release ON sessions (store) WHERE holds_to_release IS NOT NULL;
