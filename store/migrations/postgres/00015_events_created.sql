-- Events are found by time through their ids, which sort by the
-- millisecond they were made in (event.IDFloor): the index on created was
-- one more entry to write for every event (two rows per number written),
-- for queries the id's index answers.

-- +goose Up
DROP INDEX events_created;

-- +goose Down
CREATE INDEX events_created ON events (created);
