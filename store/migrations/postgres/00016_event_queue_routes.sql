-- Events are queued for the dispatcher only while something may take
-- them: an enabled webhook, or the system config document "events"
-- (message buses; event.BusConfigID). Without either, the dispatcher took
-- every queued event off again unread: a row and an index entry written
-- and deleted for every number written, an eighth of a bulk import's rate
-- on PostgreSQL.
--
-- A write that makes something take events (a webhook saved enabled, the
-- "events" document saved) holds the advisory lock below exclusively
-- (store/sqlstore: takingEvents); the trigger holds it shared before it
-- looks. So a transaction that wrote events without queueing them has
-- ended before such a write commits, and every statement after the write
-- sees it (read committed: each statement of the trigger reads a new
-- snapshot): every event that commits after a webhook or a bus is saved
-- is queued for it.

-- +goose Up
CREATE INDEX webhooks_enabled ON webhooks (id) WHERE enabled;
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION numan_event_queue() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_advisory_xact_lock_shared(7959953074868867141);
    IF EXISTS (SELECT 1 FROM webhooks WHERE enabled) OR EXISTS (SELECT 1 FROM configs WHERE id = 'events') THEN
        INSERT INTO event_queue (seq) SELECT seq FROM added;
    END IF;
    RETURN NULL;
END
$$;
-- +goose StatementEnd

-- +goose Down
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION numan_event_queue() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO event_queue (seq) SELECT seq FROM added;
    RETURN NULL;
END
$$;
-- +goose StatementEnd
DROP INDEX webhooks_enabled;
