// Package postgres opens Numan's store on a PostgreSQL database, for
// several Numan nodes sharing one database. The store itself is
// store/sqlstore, one implementation for SQLite and PostgreSQL; this
// package only keeps the opening calls that callers use.
//
// The DSN is any pgx connection string: a URL or keyword/value pairs,
// several hosts with target_session_attrs for a primary and its standbys,
// and search_path (e.g. postgres://host/db?search_path=numan) to put
// Numan's tables in that schema.
package postgres

import (
	"context"

	"github.com/numan-dev/numan/store/sqlstore"
)

// Store is the SQL store, opened on PostgreSQL.
type Store = sqlstore.Store

// Open connects to the database at dsn and applies pending migrations
// (under an advisory lock, so nodes starting together migrate once).
func Open(ctx context.Context, dsn string) (*Store, error) { return sqlstore.OpenPostgres(ctx, dsn) }

// Migrate applies the pending migrations to the database at dsn and returns
// the names of the ones it applied.
func Migrate(ctx context.Context, dsn string) ([]string, error) {
	return sqlstore.MigratePostgres(ctx, dsn)
}
