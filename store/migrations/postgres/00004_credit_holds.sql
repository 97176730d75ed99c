-- Credit holds: a purchase sets its charge aside against the account's
-- balance before the carrier is asked, atomically, so concurrent purchases
-- can never spend the same balance twice. held_minor is the sum of the
-- account's open holds; limit_minor is how far below zero the balance may
-- go (0: not at all). A debit or a hold is refused when it would take
-- balance_minor - held_minor below -limit_minor.

-- +goose Up
ALTER TABLE credits ADD COLUMN held_minor bigint NOT NULL DEFAULT 0;
ALTER TABLE credits ADD COLUMN limit_minor bigint NOT NULL DEFAULT 0 CHECK (limit_minor >= 0);

CREATE TABLE credit_holds (
    id           text COLLATE "C" NOT NULL PRIMARY KEY,
    account_id   text COLLATE "C" NOT NULL,
    amount_minor bigint NOT NULL CHECK (amount_minor > 0),
    currency     text NOT NULL,
    number       text NOT NULL DEFAULT '',
    request_id   text NOT NULL DEFAULT '',
    created      timestamptz NOT NULL
);
CREATE INDEX credit_holds_account ON credit_holds (account_id, created);

-- +goose Down
DROP TABLE credit_holds;
ALTER TABLE credits DROP COLUMN limit_minor;
ALTER TABLE credits DROP COLUMN held_minor;
