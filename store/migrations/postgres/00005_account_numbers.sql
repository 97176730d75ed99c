-- Nothing is owned by a missing account: an account that numbers are
-- assigned to is not deleted. A write that assigns a number takes a key
-- share lock on its owner (store.Tx.LockAccount); the deletion waits for
-- it, and this trigger, run once the row is locked, reads the numbers with
-- a fresh snapshot, so it sees a number committed meanwhile.

-- +goose Up
-- +goose StatementBegin
CREATE FUNCTION accounts_keep_owners() RETURNS trigger LANGUAGE plpgsql VOLATILE AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM numbers WHERE assigned_to = OLD.id AND assigned_to <> '') THEN
        RAISE EXCEPTION 'account holds numbers' USING ERRCODE = 'restrict_violation';
    END IF;
    RETURN OLD;
END;
$$;
-- +goose StatementEnd
CREATE TRIGGER accounts_keep_owners BEFORE DELETE ON accounts
    FOR EACH ROW EXECUTE FUNCTION accounts_keep_owners();

-- +goose Down
DROP TRIGGER accounts_keep_owners ON accounts;
DROP FUNCTION accounts_keep_owners();
