-- The events not dispatched yet are listed in a narrow table of their own,
-- filled by a trigger as events are inserted and emptied by the
-- dispatcher, rather than marked in events.dispatched: that update
-- rewrote every event row a second time, with an entry in each of the
-- table's indexes (the flag was in a partial index's condition, so the
-- update could never be a heap-only one).

-- +goose Up
CREATE TABLE event_queue (seq bigint PRIMARY KEY);
INSERT INTO event_queue (seq) SELECT seq FROM events WHERE NOT dispatched;
-- +goose StatementBegin
CREATE FUNCTION numan_event_queue() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO event_queue (seq) SELECT seq FROM added;
    RETURN NULL;
END
$$;
-- +goose StatementEnd
CREATE TRIGGER events_queue AFTER INSERT ON events
    REFERENCING NEW TABLE AS added FOR EACH STATEMENT EXECUTE FUNCTION numan_event_queue();
DROP INDEX events_undispatched;

-- +goose Down
CREATE INDEX events_undispatched ON events (seq) WHERE NOT dispatched;
UPDATE events SET dispatched = true WHERE NOT dispatched AND seq NOT IN (SELECT seq FROM event_queue);
DROP TRIGGER events_queue ON events;
DROP FUNCTION numan_event_queue();
DROP TABLE event_queue;
