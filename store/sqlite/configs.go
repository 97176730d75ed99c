package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"

	"github.com/numan-dev/numan/number"
	"github.com/numan-dev/numan/store/internal/sqlrow"
)

func configNotFound(id string) error {
	return &number.Error{Kind: number.KindNotFound, Number: id, Message: "config " + id + " not found"}
}

// GetConfig implements store.Configs.
func (s *Store) GetConfig(ctx context.Context, id string) (json.RawMessage, error) {
	var doc string
	err := s.db.QueryRowContext(ctx, "SELECT doc FROM configs WHERE id = $1", id).Scan(&doc)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, configNotFound(id)
	}
	if err != nil {
		return nil, internal("get config", id, err)
	}
	return json.RawMessage(doc), nil
}

// PutConfig implements store.Configs; doc must be a JSON object.
func (s *Store) PutConfig(ctx context.Context, id string, doc json.RawMessage) error {
	if err := sqlrow.CheckObject(doc); err != nil {
		return number.Wrap(number.KindInvalid, id, err)
	}
	_, err := s.writer.ExecContext(ctx, "INSERT INTO configs (id, doc) VALUES ($1, $2)"+
		" ON CONFLICT (id) DO UPDATE SET doc = excluded.doc", id, string(doc))
	if err != nil {
		return internal("put config", id, err)
	}
	return nil
}

// DeleteConfig implements store.Configs.
func (s *Store) DeleteConfig(ctx context.Context, id string) error {
	res, err := s.writer.ExecContext(ctx, "DELETE FROM configs WHERE id = $1", id)
	if err != nil {
		return internal("delete config", id, err)
	}
	changed, err := res.RowsAffected()
	if err != nil {
		return internal("delete config", id, err)
	}
	if changed == 0 {
		return configNotFound(id)
	}
	return nil
}

// ListConfigs implements store.Configs.
func (s *Store) ListConfigs(ctx context.Context) ([]string, error) {
	rows, err := s.db.QueryContext(ctx, "SELECT id FROM configs ORDER BY id")
	if err != nil {
		return nil, internal("list configs", "", err)
	}
	defer rows.Close()
	var ids []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, internal("list configs", "", err)
		}
		ids = append(ids, id)
	}
	if err := rows.Err(); err != nil {
		return nil, internal("list configs", "", err)
	}
	return ids, nil
}
