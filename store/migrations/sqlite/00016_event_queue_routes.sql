-- Events are queued for the dispatcher only while something may take
-- them: an enabled webhook, or the system config document "events"
-- (message buses; event.BusConfigID). Without either, the dispatcher took
-- every queued event off again unread. SQLite has one writer at a time,
-- so a write that saves a webhook or the document and the writes of
-- events are never concurrent.

-- +goose Up
CREATE INDEX webhooks_enabled ON webhooks (id) WHERE enabled;
DROP TRIGGER events_queue;
-- +goose StatementBegin
CREATE TRIGGER events_queue AFTER INSERT ON events
WHEN EXISTS (SELECT 1 FROM webhooks WHERE enabled) OR EXISTS (SELECT 1 FROM configs WHERE id = 'events')
BEGIN
    INSERT INTO event_queue (seq) VALUES (NEW.seq);
END;
-- +goose StatementEnd

-- +goose Down
DROP TRIGGER events_queue;
-- +goose StatementBegin
CREATE TRIGGER events_queue AFTER INSERT ON events
BEGIN
    INSERT INTO event_queue (seq) VALUES (NEW.seq);
END;
-- +goose StatementEnd
DROP INDEX webhooks_enabled;
