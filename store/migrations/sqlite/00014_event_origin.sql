-- A node hears its own writes of numbers at once, in process; it reads
-- the outbox for the other processes' only. Each event records which
-- store (one per process, a random id taken when it opens) wrote it, so
-- that a process's follower skips its own.

-- +goose Up
-- 0 is no store's id.
ALTER TABLE events ADD COLUMN origin INTEGER NOT NULL DEFAULT 0;

-- +goose Down
ALTER TABLE events DROP COLUMN origin;
