-- Events (the transactional outbox), webhooks and their deliveries.
-- Timestamps are Unix microseconds (UTC).

-- +goose Up
-- An event is appended in the transaction of the change it describes.
-- seq is its position in the outbox; dispatched says its deliveries were
-- created (the partial index keeps the dispatcher's scan to new events).
CREATE TABLE events (
    seq        INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    id         TEXT    NOT NULL UNIQUE,
    type       TEXT    NOT NULL,
    created    INTEGER NOT NULL,
    account_id TEXT    NOT NULL DEFAULT '',
    number     TEXT    NOT NULL DEFAULT '',
    dispatched INTEGER NOT NULL DEFAULT 0,
    doc        TEXT    NOT NULL -- actor, request id, before, after, data
);
CREATE INDEX events_number ON events (number, seq) WHERE number <> '';
CREATE INDEX events_account ON events (account_id, seq);
CREATE INDEX events_created ON events (created);
CREATE INDEX events_undispatched ON events (seq) WHERE dispatched = 0;

-- Webhooks (Kazoo's webhooks documents); the secret is sealed.
CREATE TABLE webhooks (
    id            TEXT    NOT NULL PRIMARY KEY,
    account_id    TEXT    NOT NULL,
    enabled       INTEGER NOT NULL,
    doc           TEXT    NOT NULL,
    secret_sealed TEXT    NOT NULL,
    failures      INTEGER NOT NULL DEFAULT 0,
    last_success  INTEGER,
    created       INTEGER NOT NULL,
    modified      INTEGER NOT NULL,
    version       INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX webhooks_account ON webhooks (account_id, id);

-- One event on its way to one sink (a webhook, or a message bus). A node
-- takes a delivery by a lease (lease_owner until lease_until), written
-- conditionally on the lease having expired.
CREATE TABLE deliveries (
    id           INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    event_seq    INTEGER NOT NULL,
    event_id     TEXT    NOT NULL,
    sink         TEXT    NOT NULL,
    account_id   TEXT    NOT NULL DEFAULT '',
    subject      TEXT    NOT NULL DEFAULT '',
    status       TEXT    NOT NULL,
    attempts     INTEGER NOT NULL DEFAULT 0,
    next_attempt INTEGER NOT NULL,
    lease_owner  TEXT    NOT NULL DEFAULT '',
    lease_until  INTEGER NOT NULL DEFAULT 0,
    created      INTEGER NOT NULL,
    modified     INTEGER NOT NULL,
    UNIQUE (sink, event_seq)
);
CREATE INDEX deliveries_due ON deliveries (next_attempt) WHERE status = 'pending';
CREATE INDEX deliveries_order ON deliveries (sink, subject, event_seq) WHERE status = 'pending';
CREATE INDEX deliveries_event ON deliveries (event_seq);

-- Every attempt of a delivery: the delivery log.
CREATE TABLE delivery_attempts (
    id          INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
    delivery_id INTEGER NOT NULL,
    attempt     INTEGER NOT NULL,
    event_id    TEXT    NOT NULL,
    sink        TEXT    NOT NULL,
    at          INTEGER NOT NULL,
    status_code INTEGER NOT NULL,
    latency_us  INTEGER NOT NULL,
    error       TEXT    NOT NULL
);
CREATE INDEX delivery_attempts_delivery ON delivery_attempts (delivery_id);
CREATE INDEX delivery_attempts_sink ON delivery_attempts (sink, at);

-- +goose Down
DROP TABLE delivery_attempts;
DROP TABLE deliveries;
DROP TABLE webhooks;
DROP TABLE events;
