-- PostgreSQL's 00012 records each event's transaction, for nodes that
-- follow each other's writes through the outbox. A SQLite database has one
-- node, which hears its own writes in process: nothing to add. The version
-- is kept so both dialects stay in step.

-- +goose Up
SELECT 1;

-- +goose Down
SELECT 1;
