package sqlstore

import (
	"context"
	"errors"
)

// errRollback ends Ready's write transaction without committing it.
var errRollback = errors.New("rolled back")

// Ready implements store.Store: a read through the read pool, the
// dialect's own check (the SQLite file still writable; a PostgreSQL
// standby serves reads only), then, unless the database is read-only by
// design, a transaction on the write pool holding a write that changes
// nothing, rolled back. A database that refuses writes (a read-only file,
// a read-only transaction mode, revoked rights) refuses that one too.
func (s *Store) Ready(ctx context.Context) error {
	var n int
	if err := s.queryRow(ctx, "SELECT count(*) FROM configs WHERE id = ''").Scan(&n); err != nil {
		return s.d.internal("ready: read", "", err)
	}
	if s.d.beforeReady != nil {
		readOnly, err := s.d.beforeReady(ctx, s)
		if err != nil {
			return s.d.internal("ready", "", err)
		}
		if readOnly {
			return nil
		}
	}
	err := s.inTx(ctx, func(x *executor) error {
		if _, err := x.exec(ctx, "UPDATE configs SET id = id WHERE 1 = 0"); err != nil {
			return s.d.internal("ready: write", "", err)
		}
		return errRollback
	})
	if errors.Is(err, errRollback) {
		return nil
	}
	return err
}
