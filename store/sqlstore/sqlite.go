package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"runtime"
	"strings"
	"time"

	"github.com/pressly/goose/v3"
	sqlite "modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/numan-dev/numan/number"
	"github.com/numan-dev/numan/store/migrations"
)

// sqliteDialect: timestamps in Unix microseconds, IN lists of at most 500
// keys, no row locks (a write transaction holds the only writer), and
// errors told apart by SQLite's extended result codes.
var sqliteDialect = &dialect{
	name:         "sqlite",
	time:         func(t time.Time) any { return t.UnixMicro() },
	maxKeys:      500,
	noLimit:      "LIMIT -1",
	hasFeature:   func(p string) string { return "json_type(doc, '$.features.' || " + p + ") IS NOT NULL" },
	prepareReads: true,
	param:        func(int) string { return "?" },
	violation: func(err error) (violation, string) {
		var se *sqlite.Error
		if !errors.As(err, &se) {
			return noViolation, ""
		}
		switch se.Code() {
		case sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY, sqlite3.SQLITE_CONSTRAINT_UNIQUE:
			return uniqueViolation, se.Error() // names the columns, e.g. accounts.api_key_hash
		case sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY:
			return foreignKeyViolation, se.Error()
		case sqlite3.SQLITE_CONSTRAINT_TRIGGER:
			// ON DELETE RESTRICT is enforced by a trigger; so is the
			// ledger's immutability, with a message of its own.
			if strings.Contains(se.Error(), "FOREIGN KEY constraint failed") {
				return foreignKeyViolation, se.Error()
			}
		}
		return noViolation, ""
	},
	openPools:    openSQLite,
	beforeReady:  sqliteFileWritable,
	migrations:   migrations.SQLite,
	gooseDialect: goose.DialectSQLite3,
}

// sqliteFileWritable checks the database file is still there and writable
// by its mode: made read-only under a running server, it would refuse the
// writes of every connection SQLite opens from now on.
func sqliteFileWritable(_ context.Context, s *Store) (bool, error) {
	fi, err := os.Stat(s.dsn)
	if err != nil {
		return false, err
	}
	if fi.Mode().Perm()&0o222 == 0 {
		return false, fmt.Errorf("the database file %s is read-only", s.dsn)
	}
	return false, nil
}

// busyTimeoutMS bounds how long a connection waits for another process
// holding the file's write lock (another numan on the same file, a backup).
const busyTimeoutMS = 10000

func sqliteDSN(path string, readOnly bool) string {
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

// openSQLite opens the pools of the SQLite file at path (creating it when
// first written): the one write connection, and read-only connections.
func openSQLite(path string) (readers, writer *sql.DB, err error) {
	if path == "" || path == ":memory:" || strings.Contains(path, "?") {
		return nil, nil, number.Errorf(number.KindInvalid, "", "sqlite: %q is not a database file path", path)
	}
	if writer, err = sql.Open("sqlite", sqliteDSN(path, false)); err == nil {
		readers, err = sql.Open("sqlite", sqliteDSN(path, true))
	}
	if err != nil {
		return nil, nil, err
	}
	writer.SetMaxOpenConns(1)
	writer.SetMaxIdleConns(1)
	writer.SetConnMaxLifetime(0)
	writer.SetConnMaxIdleTime(0)
	n := max(4, runtime.GOMAXPROCS(0))
	readers.SetMaxOpenConns(n)
	readers.SetMaxIdleConns(n)
	readers.SetConnMaxIdleTime(0)
	readers.SetConnMaxLifetime(0)
	return readers, writer, nil
}

// OpenSQLite opens (creating it if needed) the SQLite file at path and
// applies pending migrations. path must name a file: ":memory:" would give
// the two pools two different databases.
func OpenSQLite(ctx context.Context, path string) (*Store, error) {
	return sqliteDialect.open(ctx, path)
}

// MigrateSQLite applies the pending migrations to the SQLite file at path
// (creating it if needed) and returns the names of the ones it applied.
func MigrateSQLite(ctx context.Context, path string) ([]string, error) {
	return sqliteDialect.migrateDSN(ctx, path)
}
