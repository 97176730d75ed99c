-- Events (the transactional outbox), webhooks and their deliveries.

-- +goose Up
-- An event is appended in the transaction of the change it describes.
-- seq is its position in the outbox; dispatched says its deliveries were
-- created (the partial index keeps the dispatcher's scan to new events).
CREATE TABLE events (
    seq        bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    id         text COLLATE "C" NOT NULL UNIQUE,
    type       text COLLATE "C" NOT NULL,
    created    timestamptz NOT NULL,
    account_id text COLLATE "C" NOT NULL DEFAULT '',
    number     text COLLATE "C" NOT NULL DEFAULT '',
    dispatched boolean NOT NULL DEFAULT false,
    doc        json NOT NULL -- actor, request id, before, after, data
);
CREATE INDEX events_number ON events (number, seq) WHERE number <> '';
CREATE INDEX events_account ON events (account_id, seq);
CREATE INDEX events_created ON events (created);
CREATE INDEX events_undispatched ON events (seq) WHERE NOT dispatched;

-- Webhooks (Kazoo's webhooks documents); the secret is sealed.
CREATE TABLE webhooks (
    id            text COLLATE "C" NOT NULL PRIMARY KEY,
    account_id    text COLLATE "C" NOT NULL,
    enabled       boolean NOT NULL,
    doc           json NOT NULL,
    secret_sealed text NOT NULL,
    failures      bigint NOT NULL DEFAULT 0,
    last_success  timestamptz,
    created       timestamptz NOT NULL,
    modified      timestamptz NOT NULL,
    version       bigint NOT NULL
);
CREATE INDEX webhooks_account ON webhooks (account_id, id);

-- One event on its way to one sink (a webhook, or a message bus). A node
-- takes a delivery by a lease (lease_owner until lease_until), written
-- conditionally on the lease having expired.
CREATE TABLE deliveries (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    event_seq    bigint NOT NULL,
    event_id     text COLLATE "C" NOT NULL,
    sink         text COLLATE "C" NOT NULL,
    account_id   text COLLATE "C" NOT NULL DEFAULT '',
    subject      text COLLATE "C" NOT NULL DEFAULT '',
    status       text NOT NULL,
    attempts     bigint NOT NULL DEFAULT 0,
    next_attempt timestamptz NOT NULL,
    lease_owner  text NOT NULL DEFAULT '',
    lease_until  timestamptz NOT NULL DEFAULT '1970-01-01 00:00:00+00',
    created      timestamptz NOT NULL,
    modified     timestamptz NOT NULL,
    UNIQUE (sink, event_seq)
);
CREATE INDEX deliveries_due ON deliveries (next_attempt) WHERE status = 'pending';
CREATE INDEX deliveries_order ON deliveries (sink, subject, event_seq) WHERE status = 'pending';
CREATE INDEX deliveries_event ON deliveries (event_seq);

-- Every attempt of a delivery: the delivery log.
CREATE TABLE delivery_attempts (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    delivery_id bigint NOT NULL,
    attempt     bigint NOT NULL,
    event_id    text COLLATE "C" NOT NULL,
    sink        text COLLATE "C" NOT NULL,
    at          timestamptz NOT NULL,
    status_code bigint NOT NULL,
    latency_us  bigint NOT NULL,
    error       text NOT NULL
);
CREATE INDEX delivery_attempts_delivery ON delivery_attempts (delivery_id);
CREATE INDEX delivery_attempts_sink ON delivery_attempts (sink, at);

-- +goose Down
DROP TABLE delivery_attempts;
DROP TABLE deliveries;
DROP TABLE webhooks;
DROP TABLE events;
