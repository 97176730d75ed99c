-- PostgreSQL's 00010 adds triggers that notify other nodes of writes of
-- numbers. A SQLite database has one node, which hears its own writes in
-- process: nothing to add. The version is kept so both dialects stay in
-- step.

-- +goose Up
SELECT 1;

-- +goose Down
SELECT 1;
