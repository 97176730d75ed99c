-- Nodes hear each other's writes of numbers by reading the event outbox
-- (store/sqlstore's follower), not by notifications: PostgreSQL takes one
-- lock across the database for the commit of every transaction that
-- notified, which serialized every write of a number. Each event records
-- the transaction that wrote it; a node reads the number events of the
-- transactions that ended since it last read (between two snapshots'
-- xmin), which misses none, however commits interleave.

-- +goose Up
-- No default on existing rows (no rewrite of the table): they are older
-- than every node's starting point.
ALTER TABLE events ADD COLUMN tx xid8;
ALTER TABLE events ALTER COLUMN tx SET DEFAULT pg_current_xact_id();
CREATE INDEX events_number_tx ON events (tx) WHERE number <> '';
DROP TRIGGER numbers_notify_delete ON numbers;
DROP TRIGGER numbers_notify_update ON numbers;
DROP TRIGGER numbers_notify_insert ON numbers;
DROP FUNCTION numan_numbers_notify();

-- +goose Down
-- +goose StatementBegin
CREATE FUNCTION numan_numbers_notify() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    nums text;
BEGIN
    IF (SELECT count(*) FROM (SELECT 1 FROM changed LIMIT 10001) c) > 10000 THEN
        PERFORM pg_notify('numan_numbers', TG_TABLE_SCHEMA || ' *');
        RETURN NULL;
    END IF;
    FOR nums IN
        SELECT string_agg(number, ',') FROM (SELECT number, (row_number() OVER ()) / 300 AS g FROM changed) s GROUP BY g
    LOOP
        PERFORM pg_notify('numan_numbers', TG_TABLE_SCHEMA || ' ' || nums);
    END LOOP;
    RETURN NULL;
END
$$;
-- +goose StatementEnd
CREATE TRIGGER numbers_notify_insert AFTER INSERT ON numbers
    REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION numan_numbers_notify();
CREATE TRIGGER numbers_notify_update AFTER UPDATE ON numbers
    REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION numan_numbers_notify();
CREATE TRIGGER numbers_notify_delete AFTER DELETE ON numbers
    REFERENCING OLD TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION numan_numbers_notify();
DROP INDEX events_number_tx;
ALTER TABLE events DROP COLUMN tx;
