-- Chain scale (docs/scale.md, decision 0201): store ownership leases with a fencing epoch, and a
-- fence in the database itself so a process that lost a store cannot write that store's cart
-- data even if it has not noticed yet (paused, partitioned).

-- One row per partition of work (a store). `epoch` grows by one on every change of owner and
-- never goes back; `expires_at` is database time (one clock for every process).
CREATE TABLE leases (
  partition  TEXT        NOT NULL PRIMARY KEY,
  owner      TEXT        NOT NULL,
  epoch      BIGINT      NOT NULL,
  expires_at TIMESTAMPTZ NOT NULL,
  renewed_at TIMESTAMPTZ NOT NULL,
  -- a node that gives a store back (scale-out, shutdown) empties `owner` and sets expires_at
  -- to now(): any node may take it at once
  released   INTEGER     NOT NULL DEFAULT 0
);

-- Cluster members: each node heartbeats its row; the live set decides each node's fair share.
CREATE TABLE cluster_nodes (
  node       TEXT        NOT NULL PRIMARY KEY,
  started_at TIMESTAMPTZ NOT NULL,
  seen_at    TIMESTAMPTZ NOT NULL,
  info       JSONB       NOT NULL DEFAULT '{}'::jsonb
);

-- The fence. A server process in cluster mode connects with
-- application_name = 'skiplane-node:<node id>'. Cart data of a store (raw sensor events, and
-- business events the cart's fusion produced) may be written only by the node named in that
-- store's lease. The lease row is read FOR SHARE, so a takeover (an UPDATE of that row) waits
-- for a writer's transaction to end and everything the old owner wrote is visible to the new
-- owner's recovery; a write that starts after the takeover is refused (SQLSTATE SK001).
-- Stores without a lease row (single process, cluster mode off) are not fenced.
CREATE FUNCTION skiplane_fence_check(target_store TEXT) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
  holder TEXT;
  me     TEXT := current_setting('application_name', true);
BEGIN
  SELECT owner INTO holder FROM leases WHERE partition = target_store FOR SHARE;
  IF FOUND AND (me IS NULL OR me <> 'skiplane-node:' || holder) THEN
    RAISE EXCEPTION 'store % is owned by node %, not by this process (%)', target_store, holder, coalesce(me, '')
      USING ERRCODE = 'SK001';
  END IF;
END $$;

CREATE FUNCTION skiplane_fence_raw_event() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM skiplane_fence_check(NEW.store);
  RETURN NEW;
END $$;

-- business events: only those the cart's fusion produced (workflows and people may act on a
-- session from any process; their decisions re-read the stream and carry idempotency keys)
CREATE FUNCTION skiplane_fence_cart_event() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.meta->>'source' = 'cart' THEN
    PERFORM skiplane_fence_check(NEW.store);
  END IF;
  RETURN NEW;
END $$;

CREATE TRIGGER raw_events_fence BEFORE INSERT ON raw_events
  FOR EACH ROW EXECUTE FUNCTION skiplane_fence_raw_event();
CREATE TRIGGER events_fence BEFORE INSERT ON events
  FOR EACH ROW EXECUTE FUNCTION skiplane_fence_cart_event();
