-- Head-office figures without scanning raw sensor data (docs/scale.md): one row per store and
-- server day, maintained from business events inside the append's own transaction, so the
-- rollup is exactly as committed as the events (a rejected or rolled-back append counts nothing).
CREATE TABLE store_day_rollup (
  store             TEXT    NOT NULL,
  -- server day: floor(recorded_at / 86 400 000)
  day               INTEGER NOT NULL,
  sessions_opened   BIGINT  NOT NULL DEFAULT 0,
  sessions_paid     BIGINT  NOT NULL DEFAULT 0,
  sessions_reviewed BIGINT  NOT NULL DEFAULT 0,
  sessions_failed   BIGINT  NOT NULL DEFAULT 0,
  sessions_cancelled BIGINT NOT NULL DEFAULT 0,
  reviews_requested BIGINT  NOT NULL DEFAULT 0,
  disputes          BIGINT  NOT NULL DEFAULT 0,
  captured          BIGINT  NOT NULL DEFAULT 0,
  refunded          BIGINT  NOT NULL DEFAULT 0,
  currency          TEXT,
  PRIMARY KEY (store, day)
);

CREATE FUNCTION skiplane_rollup_event() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  d   INTEGER := floor(NEW.recorded_at / 86400000.0)::int;
  amt BIGINT  := coalesce((NEW.data->>'amount')::bigint, 0);
  cur TEXT    := NEW.data->>'currency';
BEGIN
  IF NEW.type NOT IN ('SessionOpened', 'PaymentCaptured', 'SessionHeldForReview', 'PaymentFailed',
                      'SessionCancelled', 'ReviewRequested', 'PaymentRefunded') THEN
    RETURN NULL;
  END IF;
  INSERT INTO store_day_rollup AS r (store, day, sessions_opened, sessions_paid, sessions_reviewed,
      sessions_failed, sessions_cancelled, reviews_requested, disputes, captured, refunded, currency)
  VALUES (NEW.store, d,
      (NEW.type = 'SessionOpened')::int,
      (NEW.type = 'PaymentCaptured')::int,
      (NEW.type = 'SessionHeldForReview')::int,
      (NEW.type = 'PaymentFailed')::int,
      (NEW.type = 'SessionCancelled')::int,
      (NEW.type = 'ReviewRequested')::int,
      (NEW.type = 'ReviewRequested' AND NEW.data->>'kind' = 'dispute')::int,
      CASE WHEN NEW.type = 'PaymentCaptured' THEN amt ELSE 0 END,
      CASE WHEN NEW.type = 'PaymentRefunded' THEN amt ELSE 0 END,
      cur)
  ON CONFLICT (store, day) DO UPDATE SET
      sessions_opened    = r.sessions_opened + EXCLUDED.sessions_opened,
      sessions_paid      = r.sessions_paid + EXCLUDED.sessions_paid,
      sessions_reviewed  = r.sessions_reviewed + EXCLUDED.sessions_reviewed,
      sessions_failed    = r.sessions_failed + EXCLUDED.sessions_failed,
      sessions_cancelled = r.sessions_cancelled + EXCLUDED.sessions_cancelled,
      reviews_requested  = r.reviews_requested + EXCLUDED.reviews_requested,
      disputes           = r.disputes + EXCLUDED.disputes,
      captured           = r.captured + EXCLUDED.captured,
      refunded           = r.refunded + EXCLUDED.refunded,
      currency           = coalesce(r.currency, EXCLUDED.currency);
  RETURN NULL;
END $$;

CREATE TRIGGER events_rollup AFTER INSERT ON events
  FOR EACH ROW EXECUTE FUNCTION skiplane_rollup_event();

-- Existing events (a database upgraded to this version) are counted once, here.
INSERT INTO store_day_rollup (store, day, sessions_opened, sessions_paid, sessions_reviewed,
    sessions_failed, sessions_cancelled, reviews_requested, disputes, captured, refunded, currency)
SELECT store, floor(recorded_at / 86400000.0)::int,
       count(*) FILTER (WHERE type = 'SessionOpened'),
       count(*) FILTER (WHERE type = 'PaymentCaptured'),
       count(*) FILTER (WHERE type = 'SessionHeldForReview'),
       count(*) FILTER (WHERE type = 'PaymentFailed'),
       count(*) FILTER (WHERE type = 'SessionCancelled'),
       count(*) FILTER (WHERE type = 'ReviewRequested'),
       count(*) FILTER (WHERE type = 'ReviewRequested' AND data->>'kind' = 'dispute'),
       coalesce(sum((data->>'amount')::bigint) FILTER (WHERE type = 'PaymentCaptured'), 0),
       coalesce(sum((data->>'amount')::bigint) FILTER (WHERE type = 'PaymentRefunded'), 0),
       max(data->>'currency')
  FROM events GROUP BY 1, 2;
