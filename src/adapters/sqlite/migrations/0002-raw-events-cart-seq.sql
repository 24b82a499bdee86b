-- A cart's events by insertion order regardless of session: recovery finds a cart's latest
-- session and the idle events before it.
CREATE INDEX raw_events_cart_seq ON raw_events (store, cart, seq);
