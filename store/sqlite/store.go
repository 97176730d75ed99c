// Package sqlite is the default Numan store: one SQLite file through
// modernc.org/sqlite (no cgo), in WAL mode with foreign keys on.
//
// SQLite allows one writer at a time. Store therefore keeps two pools on the
// same file: writer, a single connection every write goes through (so
// concurrent conditional writes queue in Go and never fail with
// SQLITE_BUSY), and db, a pool of read-only connections, so reads run in
// parallel with each other and with the writer. A write transaction begins
// IMMEDIATE and holds the writer until it ends: inside one, read through the
// transaction, never through s.writer or a second transaction (that would
// wait forever).
//
// Migrations live in store/migrations/sqlite (embedded; see package
// migrations for how to add one) and are applied by Open and Migrate.
// Extensions add a file to this package per concern (numbers.go,
// accounts.go, configs.go, ...) with methods on *Store: reads on s.db (or
// s.readStmt for hot fixed queries), single-statement writes on s.writer,
// multi-statement writes in s.inTx; wrap failures with internal() and map
// unique violations found by isUnique to a number.Kind.
package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"runtime"
	"strings"
	"sync"

	"github.com/pressly/goose/v3"
	sqlite "modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/numan-dev/numan/number"
	"github.com/numan-dev/numan/store"
	"github.com/numan-dev/numan/store/migrations"
)

// Store is the SQLite store.
type Store struct {
	db     *sql.DB // read-only pool
	writer *sql.DB // the one write connection
	path   string  // the database file

	readStmts sync.Map // query -> *sql.Stmt on db, see readStmt
}

var _ store.Store = (*Store)(nil)

// busyTimeoutMS bounds how long a connection waits for another process
// holding the file's write lock (another numan on the same file, a backup).
const busyTimeoutMS = 10000

func dsn(path string, readOnly bool) string {
	q := url.Values{}
	q.Add("_pragma", fmt.Sprintf("busy_timeout(%d)", busyTimeoutMS))
	q.Add("_pragma", "foreign_keys(1)")
	q.Add("_pragma", "synchronous(NORMAL)") // durable in WAL mode up to the last checkpointed commit
	// A bigger page cache keeps a bulk insert's dirty pages in memory instead
	// of spilling them to the WAL mid-transaction, and memory-mapped reads
	// skip a system call per page.
	q.Add("_pragma", "mmap_size(1073741824)")
	if readOnly {
		q.Add("_pragma", "query_only(1)")
		q.Add("_pragma", "cache_size(-16384)") // KiB, per reader
	} else {
		q.Add("_pragma", "cache_size(-65536)")
		q.Add("_pragma", "journal_mode(WAL)")
		q.Set("_txlock", "immediate") // take the write lock at BEGIN, not at the first write
	}
	return path + "?" + q.Encode()
}

// Open opens (creating it if needed) the SQLite file at path and applies
// pending migrations. path must name a file: ":memory:" would give the two
// pools two different databases.
func Open(ctx context.Context, path string) (*Store, error) {
	if path == "" || path == ":memory:" || strings.Contains(path, "?") {
		return nil, number.Errorf(number.KindInvalid, "", "sqlite: %q is not a database file path", path)
	}
	writer, err := sql.Open("sqlite", dsn(path, false))
	if err != nil {
		return nil, internal("open", "", err)
	}
	writer.SetMaxOpenConns(1)
	writer.SetMaxIdleConns(1)
	writer.SetConnMaxLifetime(0)
	writer.SetConnMaxIdleTime(0)
	if err := migrate(ctx, writer); err != nil {
		writer.Close()
		return nil, err
	}
	db, err := sql.Open("sqlite", dsn(path, true))
	if err != nil {
		writer.Close()
		return nil, internal("open", "", err)
	}
	readers := max(4, runtime.GOMAXPROCS(0))
	db.SetMaxOpenConns(readers)
	db.SetMaxIdleConns(readers)
	db.SetConnMaxIdleTime(0)
	db.SetConnMaxLifetime(0)
	s := &Store{db: db, writer: writer, path: path}
	if err := s.Ping(ctx); err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

// Migrate applies the pending migrations to the SQLite file at path
// (creating it if needed) and returns the names of the ones it applied.
func Migrate(ctx context.Context, path string) ([]string, error) {
	writer, err := sql.Open("sqlite", dsn(path, false))
	if err != nil {
		return nil, internal("open", "", err)
	}
	defer writer.Close()
	writer.SetMaxOpenConns(1)
	return applyMigrations(ctx, writer)
}

func migrate(ctx context.Context, db *sql.DB) error {
	_, err := applyMigrations(ctx, db)
	return err
}

func applyMigrations(ctx context.Context, db *sql.DB) ([]string, error) {
	p, err := goose.NewProvider(goose.DialectSQLite3, db, migrations.SQLite, goose.WithDisableGlobalRegistry(true))
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

// Ping checks both pools reach the file.
func (s *Store) Ping(ctx context.Context) error {
	if err := s.db.PingContext(ctx); err != nil {
		return internal("ping", "", err)
	}
	if err := s.writer.PingContext(ctx); err != nil {
		return internal("ping", "", err)
	}
	return nil
}

// Ready implements store.Store: a read through the read pool; a write
// transaction through the writer (BEGIN IMMEDIATE takes the write lock,
// which SQLite refuses on a read-only database) holding a write that
// changes nothing, rolled back; and the file must still be there and
// writable by its mode (made read-only under a running server, it would
// refuse the writes of every connection SQLite opens from now on).
func (s *Store) Ready(ctx context.Context) error {
	var n int
	if err := s.db.QueryRowContext(ctx, "SELECT count(*) FROM configs WHERE id = ''").Scan(&n); err != nil {
		return internal("ready: read", "", err)
	}
	fi, err := os.Stat(s.path)
	if err != nil {
		return internal("ready", "", err)
	}
	if fi.Mode().Perm()&0o222 == 0 {
		return internal("ready", "", fmt.Errorf("the database file %s is read-only", s.path))
	}
	tx, err := s.writer.BeginTx(ctx, nil)
	if err != nil {
		return internal("ready: begin", "", err)
	}
	defer func() { _ = tx.Rollback() }()
	if _, err := tx.ExecContext(ctx, "UPDATE configs SET id = id WHERE 0"); err != nil {
		return internal("ready: write", "", err)
	}
	return nil
}

// Close closes both pools.
func (s *Store) Close() error {
	s.readStmts.Range(func(_, v any) bool {
		v.(*sql.Stmt).Close()
		return true
	})
	return errors.Join(s.db.Close(), s.writer.Close())
}

// readStmt returns query prepared on the read pool, preparing it once:
// parsing a statement costs about as much as running a point read. Only
// for queries of which there are few variants (not IN lists of any length).
func (s *Store) readStmt(ctx context.Context, query string) (*sql.Stmt, error) {
	if st, ok := s.readStmts.Load(query); ok {
		return st.(*sql.Stmt), nil
	}
	st, err := s.db.PrepareContext(ctx, query)
	if err != nil {
		return nil, err
	}
	if prev, loaded := s.readStmts.LoadOrStore(query, st); loaded {
		st.Close()
		return prev.(*sql.Stmt), nil
	}
	return st, nil
}

// inTx runs fn in one write transaction, committed when fn returns nil.
func (s *Store) inTx(ctx context.Context, fn func(tx *sql.Tx) error) error {
	tx, err := s.writer.BeginTx(ctx, nil)
	if err != nil {
		return internal("begin", "", err)
	}
	if err := fn(tx); err != nil {
		_ = tx.Rollback()
		return err
	}
	if err := tx.Commit(); err != nil {
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
	return number.Wrap(number.KindInternal, key, fmt.Errorf("sqlite: %s: %w", op, err))
}

// isUnique reports whether err is a primary-key or unique-index violation,
// and the text naming the constraint (e.g. "accounts.api_key_hash").
func isUnique(err error) (bool, string) {
	var se *sqlite.Error
	if !errors.As(err, &se) {
		return false, ""
	}
	switch se.Code() {
	case sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY, sqlite3.SQLITE_CONSTRAINT_UNIQUE:
		return true, se.Error()
	}
	return false, ""
}

// scanner is a *sql.Row or *sql.Rows.
type scanner interface{ Scan(dest ...any) error }
