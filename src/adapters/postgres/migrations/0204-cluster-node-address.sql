-- Cluster mode serves the whole store API on every process (decision 0203): a command for a
-- store (a review decision, a dispute) runs on the process holding the store's lease, so the
-- other processes forward it there. Each node advertises the base URL of its HTTP API with its
-- heartbeat; a lease's owner is looked up with this address in one join.
ALTER TABLE cluster_nodes ADD COLUMN http_url TEXT;
