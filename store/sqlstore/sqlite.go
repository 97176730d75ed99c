package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/pressly/goose/v3"
	sqlite "modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/numan-dev/numan/number"
	"github.com/numan-dev/numan/store"
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
	openPools: openSQLite,
	// Statistics sampled from at most 1,000 rows per index, refreshed at
	// open and after bulk loads, take milliseconds at a million numbers
	// and keep the planner from guessing: without them SQLite picked the
	// owner's (assigned_to, number) index for a search of its reserved
	// numbers and read every number the owner held under the prefix.
	analyze:       "PRAGMA analysis_limit = 1000; ANALYZE",
	analyzeAtOpen: true,
	checkpoint:    "PRAGMA wal_checkpoint(PASSIVE)",
	followMark:    sqliteFollowMark,
	followRead:    sqliteFollowRead,
	beforeReady:   sqliteFileWritable,
	migrations:    migrations.SQLite,
	gooseDialect:  goose.DialectSQLite3,
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

// walBackstopPages is the size of the write-ahead log, in pages, past
// which the writer checkpoints inside its own commit (SQLite's default is
// 1,000): the store's background checkpoints keep the log far shorter.
const walBackstopPages = 10_000

// SQLiteLimits bound the memory a SQLite store holds (issue 13: a server
// under read load grew to 1.16 GB resident, nearly all of it the 1 GiB
// memory map of each connection, whose touched pages count as resident,
// and the page caches of its pooled connections). The most a store holds
// is about Readers*ReaderCacheKiB + WriterCacheKiB + (Readers+1)*MmapBytes
// (each connection maps the file on its own).
type SQLiteLimits struct {
	// MmapBytes is the memory map of the database file per connection
	// (PRAGMA mmap_size); 0 reads through system calls only.
	MmapBytes int64
	// ReaderCacheKiB is the page cache of each read connection.
	ReaderCacheKiB int
	// WriterCacheKiB is the page cache of the write connection: a bigger
	// one keeps a bulk insert's dirty pages in memory instead of spilling
	// them to the WAL mid-transaction.
	WriterCacheKiB int
	// Readers is the number of read connections; 0: max(4, GOMAXPROCS).
	Readers int
}

// DefaultSQLiteLimits are the limits OpenSQLite uses: no memory map (each
// connection maps the file on its own, and the pages of every mapping
// count as resident: 128 MiB of map measured as up to 230 MB with five
// connections, for no measurable gain in the read benchmarks), 8 MiB of
// page cache per reader, 64 MiB for the writer.
var DefaultSQLiteLimits = SQLiteLimits{MmapBytes: 0, ReaderCacheKiB: 8 << 10, WriterCacheKiB: 64 << 10}

func sqliteDSN(path string, readOnly bool, lim SQLiteLimits) string {
	q := url.Values{}
	q.Add("_pragma", fmt.Sprintf("busy_timeout(%d)", busyTimeoutMS))
	q.Add("_pragma", "foreign_keys(1)")
	q.Add("_pragma", "synchronous(NORMAL)") // durable in WAL mode up to the last checkpointed commit
	// Memory-mapped reads skip a system call per page.
	q.Add("_pragma", fmt.Sprintf("mmap_size(%d)", max(lim.MmapBytes, 0)))
	if readOnly {
		q.Add("_pragma", "query_only(1)")
		q.Add("_pragma", fmt.Sprintf("cache_size(-%d)", max(lim.ReaderCacheKiB, 64))) // KiB, per reader
	} else {
		q.Add("_pragma", fmt.Sprintf("cache_size(-%d)", max(lim.WriterCacheKiB, 64)))
		q.Add("_pragma", "journal_mode(WAL)")
		// The store checkpoints in the background (checkpointLoop); the
		// writer checkpoints itself only past walBackstopPages, should
		// the background fall behind.
		q.Add("_pragma", fmt.Sprintf("wal_autocheckpoint(%d)", walBackstopPages))
		// A large transaction (a bulk load) grows the log; once it has
		// been checkpointed, the writer starting the log again cuts it
		// back to this size rather than keeping its largest on disk.
		q.Add("_pragma", fmt.Sprintf("journal_size_limit(%d)", WALSizeLimit))
		q.Set("_txlock", "immediate") // take the write lock at BEGIN, not at the first write
	}
	return path + "?" + q.Encode()
}

// openSQLite opens the pools of the SQLite file at path (creating it when
// first written): the one write connection, and read-only connections.
func openSQLite(path string) (readers, writer *sql.DB, err error) {
	return openSQLiteLimited(path, DefaultSQLiteLimits)
}

// openSQLiteLimited is openSQLite within lim.
func openSQLiteLimited(path string, lim SQLiteLimits) (readers, writer *sql.DB, err error) {
	if path == "" || path == ":memory:" || strings.Contains(path, "?") {
		return nil, nil, number.Errorf(number.KindInvalid, "", "sqlite: %q is not a database file path", path)
	}
	if writer, err = sql.Open("sqlite", sqliteDSN(path, false, lim)); err == nil {
		readers, err = sql.Open("sqlite", sqliteDSN(path, true, lim))
	}
	if err != nil {
		return nil, nil, err
	}
	writer.SetMaxOpenConns(1)
	writer.SetMaxIdleConns(1)
	writer.SetConnMaxLifetime(0)
	writer.SetConnMaxIdleTime(0)
	n := max(4, runtime.GOMAXPROCS(0))
	if lim.Readers > 0 {
		n = lim.Readers
	}
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

// OpenSQLiteLimited is OpenSQLite with the memory limits lim.
func OpenSQLiteLimited(ctx context.Context, path string, lim SQLiteLimits) (*Store, error) {
	d := *sqliteDialect
	d.openPools = func(path string) (*sql.DB, *sql.DB, error) { return openSQLiteLimited(path, lim) }
	return d.open(ctx, path)
}

// MigrateSQLite applies the pending migrations to the SQLite file at path
// (creating it if needed) and returns the names of the ones it applied.
func MigrateSQLite(ctx context.Context, path string) ([]string, error) {
	return sqliteDialect.migrateDSN(ctx, path)
}

// SQLite's follower. SQLite has one writer at a time, across processes
// too, so events commit in seq order: every event up to the greatest seq
// seen is committed, and any later commit has a greater seq. Its mark is
// "S/D": S a seq, D the write connection's PRAGMA data_version, which
// moves only when another connection (another process: this store writes
// through its one write connection, and only writes there) commits. The
// mark promises that every other process's event after S was committed
// after D was read; so while D does not move, the events after S are this
// store's own, which it reported as it wrote them, and are not read back.

// sqliteFollowMark implements dialect.followMark: D, then S.
func sqliteFollowMark(ctx context.Context, s *Store) (string, error) {
	d, err := sqliteDataVersion(ctx, s)
	if err != nil {
		return "", err
	}
	top, err := sqliteTopSeq(ctx, s)
	if err != nil {
		return "", err
	}
	return strconv.FormatInt(top, 10) + "/" + strconv.FormatInt(d, 10), nil
}

func sqliteDataVersion(ctx context.Context, s *Store) (int64, error) {
	var v int64
	err := s.writeDB.QueryRowContext(ctx, "PRAGMA data_version").Scan(&v)
	return v, err
}

func sqliteTopSeq(ctx context.Context, s *Store) (int64, error) {
	var top int64
	err := s.readDB.QueryRowContext(ctx, "SELECT coalesce(max(seq), 0) FROM events").Scan(&top)
	return top, err
}

// WALSizeLimit is the size, in bytes, a SQLite store's write-ahead log is
// cut back to once checkpointed (PRAGMA journal_size_limit).
const WALSizeLimit = 64 << 20

// sqliteFollowReadSQL reads the numbers of the events after $1 up to $2
// that another store than $3 wrote, with their versions now.
const sqliteFollowReadSQL = `SELECT e.number, coalesce(n.version, 0)
FROM (SELECT DISTINCT number FROM events WHERE seq > $1 AND seq <= $2 AND number <> '' AND origin <> $3 LIMIT ` + followMaxSQL + `) e
LEFT JOIN numbers n ON n.number = e.number`

// sqliteFollowRead implements dialect.followRead: it reads D1, the top
// seq T, and D2. When neither moved from the mark's D, no other process
// committed since D was read, so the events up to T are this store's own:
// nothing to report, and the mark moves to T/D2 (another process's
// commit after T was read would have moved D2). Otherwise it reports the
// events after S up to T, and the mark moves to T/D1 (every commit after
// T was read came after D1 was read).
func sqliteFollowRead(ctx context.Context, s *Store, mark string) ([]store.NumberChange, string, error) {
	from, d0, err := parseSQLiteMark(mark)
	if err != nil {
		return nil, "", err
	}
	d1, err := sqliteDataVersion(ctx, s)
	if err != nil {
		return nil, "", err
	}
	to, err := sqliteTopSeq(ctx, s)
	if err != nil {
		return nil, "", err
	}
	d2, err := sqliteDataVersion(ctx, s)
	if err != nil {
		return nil, "", err
	}
	if d1 == d0 && d2 == d0 {
		return nil, sqliteMark(max(from, to), d2), nil
	}
	next := sqliteMark(max(from, to), d1)
	if to <= from {
		return nil, next, nil
	}
	rows, err := s.readDB.QueryContext(ctx, sqliteFollowReadSQL, from, to, s.origin)
	if err != nil {
		return nil, "", err
	}
	defer rows.Close()
	var changes []store.NumberChange
	for rows.Next() {
		var c store.NumberChange
		if err := rows.Scan(&c.Number, &c.Version); err != nil {
			return nil, "", err
		}
		changes = append(changes, c)
	}
	return changes, next, rows.Err()
}

func sqliteMark(seq, dataVersion int64) string {
	return strconv.FormatInt(seq, 10) + "/" + strconv.FormatInt(dataVersion, 10)
}

func parseSQLiteMark(mark string) (seq, dataVersion int64, err error) {
	a, b, ok := strings.Cut(mark, "/")
	if !ok {
		return 0, 0, fmt.Errorf("sqlite: follow mark %q", mark)
	}
	if seq, err = strconv.ParseInt(a, 10, 64); err == nil {
		dataVersion, err = strconv.ParseInt(b, 10, 64)
	}
	return seq, dataVersion, err
}
