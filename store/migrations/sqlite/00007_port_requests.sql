-- Port requests (Kazoo's port_requests database): the request's document,
-- kept whole in doc and opaque to the store, beside the columns listings
-- and the carrier follower query by. Timestamps are Unix microseconds (UTC).

-- +goose Up
CREATE TABLE port_requests (
    id           TEXT    NOT NULL PRIMARY KEY,
    account_id   TEXT    NOT NULL,
    authority_id TEXT    NOT NULL,
    state        TEXT    NOT NULL,
    active       INTEGER NOT NULL,
    doc          TEXT    NOT NULL,
    next_check   INTEGER, -- when the carrier follower looks at it next; NULL: never
    created      INTEGER NOT NULL,
    modified     INTEGER NOT NULL,
    version      INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX port_requests_account ON port_requests (account_id, state, modified);
CREATE INDEX port_requests_authority ON port_requests (authority_id, state, modified);
CREATE INDEX port_requests_next_check ON port_requests (next_check) WHERE next_check IS NOT NULL;

-- The numbers of each port. A number is in at most one active port (one
-- not completed or canceled): the partial unique index says so.
CREATE TABLE port_request_numbers (
    port_id TEXT    NOT NULL REFERENCES port_requests (id) ON DELETE CASCADE,
    number  TEXT    NOT NULL,
    active  INTEGER NOT NULL,
    PRIMARY KEY (port_id, number)
) WITHOUT ROWID;
CREATE UNIQUE INDEX port_request_numbers_active ON port_request_numbers (number) WHERE active = 1;
CREATE INDEX port_request_numbers_number ON port_request_numbers (number);

-- Documents attached to a port (the LOA, bills), stored whole.
CREATE TABLE port_request_attachments (
    port_id      TEXT    NOT NULL REFERENCES port_requests (id) ON DELETE CASCADE,
    name         TEXT    NOT NULL,
    content_type TEXT    NOT NULL,
    size         INTEGER NOT NULL,
    data         BLOB    NOT NULL,
    created      INTEGER NOT NULL,
    PRIMARY KEY (port_id, name)
) WITHOUT ROWID;

-- +goose Down
DROP TABLE port_request_attachments;
DROP TABLE port_request_numbers;
DROP TABLE port_requests;
