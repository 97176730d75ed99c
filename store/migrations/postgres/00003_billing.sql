-- Billing: service plans, the accounts they apply to, the ledger and
-- credit balances. Money is integer minor units (cents) with its currency.

-- +goose Up
CREATE TABLE service_plans (
    id       text COLLATE "C" NOT NULL PRIMARY KEY,
    owner_id text COLLATE "C" NOT NULL,
    name     text NOT NULL,
    currency text NOT NULL,
    doc      json NOT NULL,
    created  timestamptz NOT NULL,
    modified timestamptz NOT NULL,
    version  bigint NOT NULL
);
CREATE INDEX service_plans_owner ON service_plans (owner_id, name);

-- Which plans apply to an account, in the order they were linked. A plan
-- in use cannot be deleted.
CREATE TABLE account_service_plans (
    account_id text COLLATE "C" NOT NULL,
    plan_id    text COLLATE "C" NOT NULL REFERENCES service_plans (id) ON DELETE RESTRICT,
    linked     timestamptz NOT NULL,
    seq        bigserial NOT NULL,
    PRIMARY KEY (account_id, plan_id)
);
CREATE INDEX account_service_plans_plan ON account_service_plans (plan_id);

-- The ledger is append-only: the trigger refuses any change to a line.
-- It does not reference accounts, so it outlives a deleted account.
CREATE TABLE ledger (
    id           bigserial PRIMARY KEY,
    account_id   text COLLATE "C" NOT NULL,
    type         text NOT NULL CHECK (type IN ('debit', 'credit')),
    reason       text NOT NULL,
    number       text COLLATE "C" NOT NULL DEFAULT '',
    category     text NOT NULL DEFAULT '',
    item         text NOT NULL DEFAULT '',
    description  text NOT NULL DEFAULT '',
    amount_minor bigint NOT NULL CHECK (amount_minor >= 0),
    currency     text NOT NULL,
    request_id   text NOT NULL DEFAULT '',
    detail       json,
    created      timestamptz NOT NULL
);
CREATE INDEX ledger_account ON ledger (account_id, created, id);
CREATE INDEX ledger_request ON ledger (request_id);

-- +goose StatementBegin
CREATE FUNCTION ledger_immutable() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'ledger entries are immutable';
END;
$$;
-- +goose StatementEnd
CREATE TRIGGER ledger_no_change BEFORE UPDATE OR DELETE ON ledger
    FOR EACH ROW EXECUTE FUNCTION ledger_immutable();

-- Prepaid balances, kept in the same transaction as the ledger lines that
-- move them.
CREATE TABLE credits (
    account_id    text COLLATE "C" NOT NULL PRIMARY KEY,
    balance_minor bigint NOT NULL,
    currency      text NOT NULL,
    modified      timestamptz NOT NULL
);

-- +goose Down
DROP TABLE credits;
DROP TRIGGER ledger_no_change ON ledger;
DROP FUNCTION ledger_immutable();
DROP TABLE ledger;
DROP TABLE account_service_plans;
DROP TABLE service_plans;
