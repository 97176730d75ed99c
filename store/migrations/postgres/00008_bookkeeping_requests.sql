-- Monthly charges, idempotent writes and rate limits.
--
-- recurring_days: an account's monthly recurring bill as seen on one day
-- (UTC, 'YYYY-MM-DD'), one row an account and day, written by whichever
-- node's bookkeeping job gets there first. recurring_postings: the charge
-- of one account and month ('YYYY-MM'), posted once: the primary key is
-- what makes a rerun or a second node post nothing twice. status is
-- 'posted' (its ledger entry is ledger_id) or 'owed' (the account's credit
-- could not cover it yet; retried every pass).
--
-- idempotency_keys: the first reply to a write sent with an
-- Idempotency-Key, per caller (scope) and key. status 'pending' while the
-- first request runs, 'done' with the reply once it answered.
--
-- rate_buckets: token buckets shared by every node; tokens as of
-- updated_us (microseconds since the epoch, the same integer on every
-- dialect so the refill is one expression).

-- +goose Up
CREATE TABLE recurring_days (
    account_id   text COLLATE "C"    NOT NULL,
    day          text COLLATE "C"    NOT NULL,
    currency     text COLLATE "C"    NOT NULL,
    amount_minor bigint NOT NULL CHECK (amount_minor >= 0),
    detail       text COLLATE "C"    NOT NULL DEFAULT '[]',
    PRIMARY KEY (account_id, day)
);

CREATE TABLE recurring_postings (
    account_id   text COLLATE "C"    NOT NULL,
    period       text COLLATE "C"    NOT NULL,
    currency     text COLLATE "C"    NOT NULL,
    amount_minor bigint NOT NULL CHECK (amount_minor >= 0),
    days         integer NOT NULL,
    status       text COLLATE "C"    NOT NULL CHECK (status IN ('posted', 'owed')),
    ledger_id    bigint NOT NULL DEFAULT 0,
    detail       text COLLATE "C"    NOT NULL DEFAULT '[]',
    created      timestamptz NOT NULL,
    modified     timestamptz NOT NULL,
    PRIMARY KEY (account_id, period)
);
CREATE INDEX recurring_postings_owed ON recurring_postings (status, period);

CREATE TABLE idempotency_keys (
    scope        text COLLATE "C"    NOT NULL,
    key          text COLLATE "C"    NOT NULL,
    request_hash text COLLATE "C"    NOT NULL,
    status       text COLLATE "C"    NOT NULL CHECK (status IN ('pending', 'done')),
    code         bigint NOT NULL DEFAULT 0,
    content_type text COLLATE "C"    NOT NULL DEFAULT '',
    body         bytea,
    created      timestamptz NOT NULL,
    expires      timestamptz NOT NULL,
    PRIMARY KEY (scope, key)
);
CREATE INDEX idempotency_keys_expires ON idempotency_keys (expires);

CREATE TABLE rate_buckets (
    key        text COLLATE "C"    NOT NULL PRIMARY KEY,
    tokens     double precision   NOT NULL,
    updated_us bigint NOT NULL
);

-- +goose Down
DROP TABLE rate_buckets;
DROP TABLE idempotency_keys;
DROP TABLE recurring_postings;
DROP TABLE recurring_days;
