-- Port requests (Kazoo's port_requests database): the request's document,
-- kept whole in doc and opaque to the store, beside the columns listings
-- and the carrier follower query by.

-- +goose Up
CREATE TABLE port_requests (
    id           text COLLATE "C" NOT NULL PRIMARY KEY,
    account_id   text COLLATE "C" NOT NULL,
    authority_id text COLLATE "C" NOT NULL,
    state        text NOT NULL,
    active       boolean NOT NULL,
    doc          json NOT NULL,
    next_check   timestamptz, -- when the carrier follower looks at it next; NULL: never
    created      timestamptz NOT NULL,
    modified     timestamptz NOT NULL,
    version      bigint NOT NULL
);
CREATE INDEX port_requests_account ON port_requests (account_id, state, modified);
CREATE INDEX port_requests_authority ON port_requests (authority_id, state, modified);
CREATE INDEX port_requests_next_check ON port_requests (next_check) WHERE next_check IS NOT NULL;

-- The numbers of each port. A number is in at most one active port (one
-- not completed or canceled): the partial unique index says so.
CREATE TABLE port_request_numbers (
    port_id text COLLATE "C" NOT NULL REFERENCES port_requests (id) ON DELETE CASCADE,
    number  text COLLATE "C" NOT NULL,
    active  boolean NOT NULL,
    PRIMARY KEY (port_id, number)
);
CREATE UNIQUE INDEX port_request_numbers_active ON port_request_numbers (number) WHERE active;
CREATE INDEX port_request_numbers_number ON port_request_numbers (number);

-- Documents attached to a port (the LOA, bills), stored whole.
CREATE TABLE port_request_attachments (
    port_id      text COLLATE "C" NOT NULL REFERENCES port_requests (id) ON DELETE CASCADE,
    name         text NOT NULL,
    content_type text NOT NULL,
    size         bigint NOT NULL,
    data         bytea NOT NULL,
    created      timestamptz NOT NULL,
    PRIMARY KEY (port_id, name)
);

-- +goose Down
DROP TABLE port_request_attachments;
DROP TABLE port_request_numbers;
DROP TABLE port_requests;
