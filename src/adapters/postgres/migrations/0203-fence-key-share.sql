-- The fence (0201) read the lease row FOR SHARE, which also blocks lease *renewals* (an UPDATE of
-- expires_at): under write load a renewal waited for in-flight cart writes, hit its lock timeout,
-- and leases lapsed although their owner was alive. A change of owner or epoch is what the fence
-- must wait for, so those columns become part of a unique key: an UPDATE that changes them takes
-- the row's FOR UPDATE lock and waits for FOR KEY SHARE holders; a renewal (expires_at only) takes
-- FOR NO KEY UPDATE and passes them.
CREATE UNIQUE INDEX leases_tenure ON leases (partition, owner, epoch);

CREATE OR REPLACE FUNCTION skiplane_fence_check(target_store TEXT) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
  holder TEXT;
  me     TEXT := current_setting('application_name', true);
BEGIN
  SELECT owner INTO holder FROM leases WHERE partition = target_store FOR KEY SHARE;
  IF FOUND AND (me IS NULL OR me <> 'skiplane-node:' || holder) THEN
    RAISE EXCEPTION 'store % is owned by node %, not by this process (%)', target_store, holder, coalesce(me, '')
      USING ERRCODE = 'SK001';
  END IF;
END $$;
