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
    account_id   TEXT    NOT NULL,
    day          TEXT    NOT NULL,
    currency     TEXT    NOT NULL,
    amount_minor INTEGER NOT NULL CHECK (amount_minor >= 0),
    detail       TEXT    NOT NULL DEFAULT '[]',
    PRIMARY KEY (account_id, day)
) WITHOUT ROWID;

CREATE TABLE recurring_postings (
    account_id   TEXT    NOT NULL,
    period       TEXT    NOT NULL,
    currency     TEXT    NOT NULL,
    amount_minor INTEGER NOT NULL CHECK (amount_minor >= 0),
    days         INTEGER NOT NULL,
    status       TEXT    NOT NULL CHECK (status IN ('posted', 'owed')),
    ledger_id    INTEGER NOT NULL DEFAULT 0,
    detail       TEXT    NOT NULL DEFAULT '[]',
    created      INTEGER NOT NULL,
    modified     INTEGER NOT NULL,
    PRIMARY KEY (account_id, period)
) WITHOUT ROWID;
CREATE INDEX recurring_postings_owed ON recurring_postings (status, period);

CREATE TABLE idempotency_keys (
    scope        TEXT    NOT NULL,
    key          TEXT    NOT NULL,
    request_hash TEXT    NOT NULL,
    status       TEXT    NOT NULL CHECK (status IN ('pending', 'done')),
    code         INTEGER NOT NULL DEFAULT 0,
    content_type TEXT    NOT NULL DEFAULT '',
    body         BLOB,
    created      INTEGER NOT NULL,
    expires      INTEGER NOT NULL,
    PRIMARY KEY (scope, key)
) WITHOUT ROWID;
CREATE INDEX idempotency_keys_expires ON idempotency_keys (expires);

CREATE TABLE rate_buckets (
    key        TEXT    NOT NULL PRIMARY KEY,
    tokens     REAL    NOT NULL,
    updated_us INTEGER NOT NULL
) WITHOUT ROWID;

-- +goose Down
DROP TABLE rate_buckets;
DROP TABLE idempotency_keys;
DROP TABLE recurring_postings;
DROP TABLE recurring_days;
