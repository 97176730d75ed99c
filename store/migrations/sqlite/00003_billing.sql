-- Billing: service plans, the accounts they apply to, the ledger and
-- credit balances. Money is integer minor units (cents) with its currency;
-- timestamps are Unix microseconds (UTC).

-- +goose Up
CREATE TABLE service_plans (
    id       TEXT    NOT NULL PRIMARY KEY,
    owner_id TEXT    NOT NULL,
    name     TEXT    NOT NULL,
    currency TEXT    NOT NULL,
    doc      TEXT    NOT NULL,
    created  INTEGER NOT NULL,
    modified INTEGER NOT NULL,
    version  INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX service_plans_owner ON service_plans (owner_id, name);

-- Which plans apply to an account, in the order they were linked. A plan
-- in use cannot be deleted.
CREATE TABLE account_service_plans (
    account_id TEXT    NOT NULL,
    plan_id    TEXT    NOT NULL REFERENCES service_plans (id) ON DELETE RESTRICT,
    linked     INTEGER NOT NULL,
    seq        INTEGER NOT NULL, -- link order within the account
    PRIMARY KEY (account_id, plan_id)
) WITHOUT ROWID;
CREATE INDEX account_service_plans_plan ON account_service_plans (plan_id);

-- The ledger is append-only: the triggers refuse any change to a line.
-- It does not reference accounts, so it outlives a deleted account.
CREATE TABLE ledger (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    account_id   TEXT    NOT NULL,
    type         TEXT    NOT NULL CHECK (type IN ('debit', 'credit')),
    reason       TEXT    NOT NULL,
    number       TEXT    NOT NULL DEFAULT '',
    category     TEXT    NOT NULL DEFAULT '',
    item         TEXT    NOT NULL DEFAULT '',
    description  TEXT    NOT NULL DEFAULT '',
    amount_minor INTEGER NOT NULL CHECK (amount_minor >= 0),
    currency     TEXT    NOT NULL,
    request_id   TEXT    NOT NULL DEFAULT '',
    detail       TEXT,
    created      INTEGER NOT NULL
);
CREATE INDEX ledger_account ON ledger (account_id, created, id);
CREATE INDEX ledger_request ON ledger (request_id);

-- +goose StatementBegin
CREATE TRIGGER ledger_no_update BEFORE UPDATE ON ledger
BEGIN
    SELECT RAISE(ABORT, 'ledger entries are immutable');
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER ledger_no_delete BEFORE DELETE ON ledger
BEGIN
    SELECT RAISE(ABORT, 'ledger entries are immutable');
END;
-- +goose StatementEnd

-- Prepaid balances, kept in the same transaction as the ledger lines that
-- move them.
CREATE TABLE credits (
    account_id    TEXT    NOT NULL PRIMARY KEY,
    balance_minor INTEGER NOT NULL,
    currency      TEXT    NOT NULL,
    modified      INTEGER NOT NULL
) WITHOUT ROWID;

-- +goose Down
DROP TABLE credits;
DROP TRIGGER ledger_no_delete;
DROP TRIGGER ledger_no_update;
DROP TABLE ledger;
DROP TABLE account_service_plans;
DROP TABLE service_plans;
