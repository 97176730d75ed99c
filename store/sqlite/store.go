// Package sqlite opens Numan's store on a SQLite file. The store itself is
// store/sqlstore, one implementation for SQLite and PostgreSQL; this
// package only keeps the opening calls by path that callers and tests use.
package sqlite

import (
	"context"

	"github.com/numan-dev/numan/store/sqlstore"
)

// Store is the SQL store, opened on a SQLite file.
type Store = sqlstore.Store

// Open opens (creating it if needed) the SQLite file at path and applies
// pending migrations; see sqlstore.OpenSQLite.
func Open(ctx context.Context, path string) (*Store, error) { return sqlstore.OpenSQLite(ctx, path) }

// Migrate applies the pending migrations to the SQLite file at path and
// returns the names of the ones it applied.
func Migrate(ctx context.Context, path string) ([]string, error) {
	return sqlstore.MigrateSQLite(ctx, path)
}
