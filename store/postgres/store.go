// Package postgres is the PostgreSQL store, for several Numan nodes sharing
// one database: github.com/jackc/pgx/v5 through a pgxpool.Pool. Every write
// of a number or an account is one conditional statement, so nodes need no
// lock besides the row's version.
//
// The DSN is a pgx connection string; a search_path parameter in it (e.g.
// postgres://host/db?search_path=numan) puts Numan's tables in that schema.
//
// Migrations live in store/migrations/postgres (embedded; see package
// migrations for how to add one) and are applied by Open and Migrate under
// an advisory lock, so nodes starting together migrate once. Extensions add
// a file to this package per concern (numbers.go, accounts.go, configs.go,
// ...) with methods on *Store using s.db.
package postgres

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/lock"

	"github.com/numan-dev/numan/number"
	"github.com/numan-dev/numan/store"
	"github.com/numan-dev/numan/store/migrations"
)

// Store is the PostgreSQL store.
type Store struct {
	db *pgxpool.Pool
}

var _ store.Store = (*Store)(nil)

// Open connects to the database at dsn and applies pending migrations.
func Open(ctx context.Context, dsn string) (*Store, error) {
	pool, err := pgxpool.New(ctx, dsn)
	if err != nil {
		return nil, internal("open", "", err)
	}
	if _, err := migratePool(ctx, pool); err != nil {
		pool.Close()
		return nil, err
	}
	return &Store{db: pool}, nil
}

// Migrate applies the pending migrations to the database at dsn and returns
// the names of the ones it applied.
func Migrate(ctx context.Context, dsn string) ([]string, error) {
	pool, err := pgxpool.New(ctx, dsn)
	if err != nil {
		return nil, internal("open", "", err)
	}
	defer pool.Close()
	return migratePool(ctx, pool)
}

func migratePool(ctx context.Context, pool *pgxpool.Pool) ([]string, error) {
	// One lock per schema: nodes sharing a schema wait for each other,
	// databases holding several schemas (tests) do not.
	var schema string
	if err := pool.QueryRow(ctx, "SELECT current_schema()").Scan(&schema); err != nil {
		return nil, internal("migrate", "", err)
	}
	h := fnv.New64a()
	h.Write([]byte("numan migrations " + schema))
	locker, err := lock.NewPostgresSessionLocker(lock.WithLockID(int64(h.Sum64())), lock.WithLockTimeout(1, 600))
	if err != nil {
		return nil, internal("migrate", "", err)
	}
	db := stdlib.OpenDBFromPool(pool)
	defer db.Close()
	p, err := goose.NewProvider(goose.DialectPostgres, db, migrations.Postgres,
		goose.WithDisableGlobalRegistry(true), goose.WithSessionLocker(locker))
	if err != nil {
		return nil, internal("migrate", "", err)
	}
	results, err := p.Up(ctx)
	if err != nil {
		return nil, internal("migrate", "", err)
	}
	applied := make([]string, len(results))
	for i, r := range results {
		applied[i] = r.Source.Path
	}
	return applied, nil
}

// Ping checks the database is reachable.
func (s *Store) Ping(ctx context.Context) error {
	if err := s.db.Ping(ctx); err != nil {
		return internal("ping", "", err)
	}
	return nil
}

// Ready implements store.Store: a read of the configs table, and on a
// primary (not in recovery) a write that changes nothing, in a transaction
// rolled back: PostgreSQL refuses it in a read-only transaction mode or
// without the right to write, as it would refuse every real write.
func (s *Store) Ready(ctx context.Context) error {
	var standby bool
	if err := s.db.QueryRow(ctx, "SELECT pg_is_in_recovery() FROM (SELECT count(*) FROM configs WHERE id = '') AS c").Scan(&standby); err != nil {
		return internal("ready: read", "", err)
	}
	if standby {
		return nil
	}
	tx, err := s.db.Begin(ctx)
	if err != nil {
		return internal("ready: begin", "", err)
	}
	defer func() { _ = tx.Rollback(context.WithoutCancel(ctx)) }()
	if _, err := tx.Exec(ctx, "UPDATE configs SET id = id WHERE false"); err != nil {
		return internal("ready: write", "", err)
	}
	return nil
}

// Close closes the pool.
func (s *Store) Close() error {
	s.db.Close()
	return nil
}

// inTx runs fn in one transaction, committed when fn returns nil.
func (s *Store) inTx(ctx context.Context, fn func(tx pgx.Tx) error) error {
	tx, err := s.db.Begin(ctx)
	if err != nil {
		return internal("begin", "", err)
	}
	if err := fn(tx); err != nil {
		_ = tx.Rollback(ctx)
		return err
	}
	if err := tx.Commit(ctx); err != nil {
		return internal("commit", "", err)
	}
	return nil
}

// internal wraps a database failure as an internal error about key.
func internal(op, key string, err error) error {
	var ne *number.Error
	if errors.As(err, &ne) {
		return err
	}
	return number.Wrap(number.KindInternal, key, fmt.Errorf("postgres: %s: %w", op, err))
}

// uniqueViolation returns the constraint a unique violation broke, or "".
func uniqueViolation(err error) string {
	var pe *pgconn.PgError
	if errors.As(err, &pe) && pe.Code == "23505" {
		return pe.ConstraintName
	}
	return ""
}
