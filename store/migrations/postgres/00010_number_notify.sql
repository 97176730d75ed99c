-- Every node keeps an in-memory routing index of the numbers calls are
-- routed to (internal/manager's route index); it hears of other nodes'
-- writes through these notifications (store/sqlstore.NotifyChannel).
-- Statement triggers with transition tables: one statement writing many
-- numbers sends its numbers in payloads of 300 (NOTIFY payloads stay under
-- 8000 bytes), or a single "*" when it wrote more than 10,000 (a bulk
-- load: every node then reads every number again). Notifications are
-- delivered at commit, and not at all on rollback.

-- +goose Up
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

-- +goose Down
DROP TRIGGER numbers_notify_delete ON numbers;
DROP TRIGGER numbers_notify_update ON numbers;
DROP TRIGGER numbers_notify_insert ON numbers;
DROP FUNCTION numan_numbers_notify();
