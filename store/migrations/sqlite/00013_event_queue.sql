-- The events not dispatched yet are listed in a narrow table of their own,
-- filled by a trigger as events are inserted and emptied by the
-- dispatcher, rather than marked in events.dispatched, an update that
-- rewrote every event row and its index entries a second time.

-- +goose Up
CREATE TABLE event_queue (seq INTEGER PRIMARY KEY);
INSERT INTO event_queue (seq) SELECT seq FROM events WHERE dispatched = 0;
-- +goose StatementBegin
CREATE TRIGGER events_queue AFTER INSERT ON events
BEGIN
    INSERT INTO event_queue (seq) VALUES (NEW.seq);
END;
-- +goose StatementEnd
DROP INDEX events_undispatched;

-- +goose Down
CREATE INDEX events_undispatched ON events (seq) WHERE dispatched = 0;
UPDATE events SET dispatched = 1 WHERE dispatched = 0 AND seq NOT IN (SELECT seq FROM event_queue);
DROP TRIGGER events_queue;
DROP TABLE event_queue;
