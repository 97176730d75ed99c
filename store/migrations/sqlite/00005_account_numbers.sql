-- Nothing is owned by a missing account: an account that numbers are
-- assigned to is not deleted. Writes that assign a number read the owner in
-- their transaction (store.Tx.LockAccount); SQLite's single writer
-- serialises them with the deletion.

-- +goose Up
-- +goose StatementBegin
CREATE TRIGGER accounts_keep_owners BEFORE DELETE ON accounts
WHEN EXISTS (SELECT 1 FROM numbers WHERE assigned_to = OLD.id AND assigned_to <> '')
BEGIN
    SELECT RAISE(ABORT, 'account holds numbers');
END;
-- +goose StatementEnd

-- +goose Down
DROP TRIGGER accounts_keep_owners;
