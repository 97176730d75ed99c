-- A node hears its own writes of numbers at once, in process; it reads
-- the outbox for the other nodes' only. Each event records which store
-- (one per process, a random id taken when it opens) wrote it, so that a
-- node's follower skips its own: re-reading them cost a join with numbers
-- per number written, and a bulk import heard back in one read past the
-- follower's limit made the node rebuild its route index.

-- +goose Up
-- A constant default: existing rows are not rewritten; 0 is no store's id.
ALTER TABLE events ADD COLUMN origin bigint NOT NULL DEFAULT 0;

-- +goose Down
ALTER TABLE events DROP COLUMN origin;
