package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"

	"github.com/numan-dev/numan/event"
	"github.com/numan-dev/numan/number"
)

func configNotFound(id string) error {
	return &number.Error{Kind: number.KindNotFound, Number: id, Message: "config " + id + " not found"}
}

// GetConfig implements store.Configs.
func (x *executor) GetConfig(ctx context.Context, id string) (json.RawMessage, error) {
	var doc []byte
	err := x.queryRow(ctx, "SELECT doc FROM configs WHERE id = $1", id).Scan(&doc)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, configNotFound(id)
	}
	if err != nil {
		return nil, x.d.internal("get config", id, err)
	}
	return json.RawMessage(doc), nil
}

// PutConfig implements store.Configs; doc must be a JSON object.
func (x *executor) PutConfig(ctx context.Context, id string, doc json.RawMessage) error {
	if err := checkObject(doc); err != nil {
		return number.Wrap(number.KindInvalid, id, err)
	}
	return x.takingEvents(ctx, id == event.BusConfigID, "put config", id, func(x *executor) error { return x.putConfig(ctx, id, doc) })
}

func (x *executor) putConfig(ctx context.Context, id string, doc json.RawMessage) error {
	_, err := x.exec(ctx, "INSERT INTO configs (id, doc) VALUES ($1, $2)"+
		" ON CONFLICT (id) DO UPDATE SET doc = excluded.doc", id, string(doc))
	if err != nil {
		return x.d.internal("put config", id, err)
	}
	return nil
}

// DeleteConfig implements store.Configs.
func (x *executor) DeleteConfig(ctx context.Context, id string) error {
	changed, err := x.execOne(ctx, "DELETE FROM configs WHERE id = $1", id)
	if err != nil {
		return x.d.internal("delete config", id, err)
	}
	if !changed {
		return configNotFound(id)
	}
	return nil
}

// ListConfigs implements store.Configs.
func (x *executor) ListConfigs(ctx context.Context) ([]string, error) {
	ids, err := collect(x.query(ctx, "SELECT id FROM configs ORDER BY id"), func(r scanner) (id string, err error) { return id, r.Scan(&id) })
	if err != nil {
		return nil, x.d.internal("list configs", "", err)
	}
	return ids, nil
}
