-- +goose Up
-- Search results kept for paging and buying (Kazoo's discovery cache).
CREATE TABLE discovery (
    query_id     TEXT    NOT NULL,
    position     INTEGER NOT NULL,
    number       TEXT    NOT NULL,
    carrier      TEXT    NOT NULL,
    state        TEXT    NOT NULL,
    carrier_data TEXT    NOT NULL DEFAULT '{}',
    expires      INTEGER NOT NULL, -- unix microseconds
    PRIMARY KEY (query_id, position)
) WITHOUT ROWID;
CREATE INDEX discovery_number ON discovery (number, expires);
CREATE INDEX discovery_expires ON discovery (expires);

-- Carrier releases that failed and wait for a retry.
CREATE TABLE pending_disconnects (
    number       TEXT PRIMARY KEY,
    carrier      TEXT    NOT NULL,
    carrier_data TEXT    NOT NULL DEFAULT '{}',
    attempts     INTEGER NOT NULL DEFAULT 0,
    next_attempt INTEGER NOT NULL, -- unix microseconds
    last_error   TEXT    NOT NULL DEFAULT ''
) WITHOUT ROWID;
CREATE INDEX pending_disconnects_due ON pending_disconnects (next_attempt);

-- +goose Down
DROP TABLE pending_disconnects;
DROP TABLE discovery;
