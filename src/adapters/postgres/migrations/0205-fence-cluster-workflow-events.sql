-- Decision 0203: in cluster mode every command that changes a store's sessions (review decisions,
-- disputes, exits and their payments) runs on the process holding the store's lease, so the fence
-- (0201, 0203-fence-key-share) now covers every event a cluster node writes, not only the
-- cart-derived ones: a stale owner's review decision or exit is refused (SK001) like its cart
-- writes. Writers that are not cluster nodes (a single-process server on PostgreSQL, tools) are
-- fenced as before: cart events only.
CREATE OR REPLACE FUNCTION skiplane_fence_cart_event() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.meta->>'source' = 'cart'
     OR coalesce(current_setting('application_name', true), '') LIKE 'skiplane-node:%' THEN
    PERFORM skiplane_fence_check(NEW.store);
  END IF;
  RETURN NEW;
END $$;
