package sqlstore

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"net"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgtype"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/lock"

	"github.com/numan-dev/numan/store"
	"github.com/numan-dev/numan/store/migrations"
)

// postgresDialect: timestamptz columns, key lookups as one array
// (= ANY($1)), SELECT ... FOR UPDATE row locks, SQLSTATE error codes, and
// COPY for bulk inserts. Every write is one conditional statement or one
// transaction, so nodes sharing the database need no lock besides the
// rows' versions.
var postgresDialect = &dialect{
	name:        "postgres",
	time:        func(t time.Time) any { return t },
	forUpdate:   " FOR UPDATE",
	skipLocked:  " FOR UPDATE SKIP LOCKED",
	forKeyShare: " FOR KEY SHARE",
	replicated:  true,

	updateReturnsOld: true,
	writableWith:     true,
	hasFeature:       func(p string) string { return "(doc->'features'->(" + p + "::text)) IS NOT NULL" },
	param:            numbered,
	violation: func(err error) (violation, string) {
		var pe *pgconn.PgError
		if !errors.As(err, &pe) {
			return noViolation, ""
		}
		switch pe.Code {
		case "23505": // unique_violation
			return uniqueViolation, pe.ConstraintName
		case "23503": // foreign_key_violation
			return foreignKeyViolation, pe.ConstraintName
		}
		return noViolation, ""
	},
	lostConn:       pgLostConn,
	copier:         pgCopy{},
	beforeReady:    pgStandby,
	followMark:     pgFollowMark,
	followRead:     pgFollowRead,
	analyze:        "ANALYZE numbers",
	lockRoutes:     "SELECT pg_advisory_xact_lock(" + strconv.FormatInt(routesLockKey, 10) + ")",
	rowReader:      pgRows{},
	openPools:      openPostgres,
	migrations:     migrations.Postgres,
	gooseDialect:   goose.DialectPostgres,
	lockMigrations: lockPostgresMigrations,
}

// openPostgres opens a database/sql pool on dsn, any connection string
// pgx takes (URL or keyword/value, several hosts, target_session_attrs,
// search_path to put Numan's tables in a schema), for both reads and
// writes. The pool_* settings of pgxpool (pool_max_conns,
// pool_max_conn_lifetime, ...) size it, with pgxpool's defaults, as when
// the store ran on pgxpool.
func openPostgres(dsn string) (readers, writer *sql.DB, err error) {
	cfg, err := pgxpool.ParseConfig(dsn)
	if err != nil {
		return nil, nil, err
	}
	db := stdlib.OpenDB(*cfg.ConnConfig)
	db.SetMaxOpenConns(int(cfg.MaxConns))
	db.SetMaxIdleConns(int(cfg.MaxConns))
	db.SetConnMaxLifetime(cfg.MaxConnLifetime)
	db.SetConnMaxIdleTime(cfg.MaxConnIdleTime)
	return db, db, nil
}

// OpenPostgres connects to the PostgreSQL database at dsn and applies
// pending migrations.
func OpenPostgres(ctx context.Context, dsn string) (*Store, error) {
	return postgresDialect.open(ctx, dsn)
}

// MigratePostgres applies the pending migrations to the PostgreSQL
// database at dsn and returns the names of the ones it applied.
func MigratePostgres(ctx context.Context, dsn string) ([]string, error) {
	return postgresDialect.migrateDSN(ctx, dsn)
}

// pgStandby reports whether the database is a standby in recovery, which
// serves reads only.
func pgStandby(ctx context.Context, s *Store) (bool, error) {
	var standby bool
	err := s.readDB.QueryRowContext(ctx, "SELECT pg_is_in_recovery()").Scan(&standby)
	return standby, err
}

// lockPostgresMigrations holds an advisory lock while migrating, so nodes
// starting together migrate once. One lock per schema: nodes sharing a
// schema wait for each other, databases holding several schemas (tests)
// do not.
func lockPostgresMigrations(ctx context.Context, db *sql.DB) ([]goose.ProviderOption, error) {
	var schema string
	if err := db.QueryRowContext(ctx, "SELECT current_schema()").Scan(&schema); err != nil {
		return nil, err
	}
	h := fnv.New64a()
	h.Write([]byte("numan migrations " + schema))
	locker, err := lock.NewPostgresSessionLocker(lock.WithLockID(int64(h.Sum64())), lock.WithLockTimeout(1, 600))
	if err != nil {
		return nil, err
	}
	return []goose.ProviderOption{goose.WithSessionLocker(locker)}, nil
}

// pgConn runs fn on the pgx connection beneath conn.
func pgConn(conn *sql.Conn, fn func(c *pgx.Conn) error) error {
	return conn.Raw(func(driverConn any) error {
		c, ok := driverConn.(*stdlib.Conn)
		if !ok {
			return fmt.Errorf("postgres: %T is not a pgx connection", driverConn)
		}
		return fn(c.Conn())
	})
}

// pgRows is PostgreSQL's rowReader: pgx's own query and scan, on the
// connection beneath conn (inside the transaction open on it, if any).
type pgRows struct{}

func (pgRows) eachRow(ctx context.Context, conn *sql.Conn, query string, args []any, fn func(row scanner) error) error {
	return pgConn(conn, func(c *pgx.Conn) error {
		rows, err := c.Query(ctx, query, args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		return forEach(rows, fn)
	})
}

// pgCopy is PostgreSQL's copier: COPY FROM STDIN on the pgx connection
// beneath database/sql's, inside the transaction open on it.
type pgCopy struct{}

func (pgCopy) copyRows(ctx context.Context, conn *sql.Conn, table string, columns []string, rows [][]any) error {
	return pgConn(conn, func(c *pgx.Conn) error {
		_, err := c.CopyFrom(ctx, pgx.Identifier{table}, columns, pgx.CopyFromRows(rows))
		return err
	})
}

// ScanTimestamptz lets pgx scan a timestamptz straight into a scanTime
// destination, without making a driver value of it first.
func (s timeScanner) ScanTimestamptz(v pgtype.Timestamptz) error {
	if !v.Valid {
		return errors.New("timestamp is NULL")
	}
	*s.t = v.Time.UTC()
	return nil
}

// pgLostConn tells a lost connection: a connection exception (SQLSTATE
// class 08), the server shutting down or terminating the backend (57P01,
// 57P02, 57P03: pg_terminate_backend, a failover), the connection closed
// or cut (EOF, a network error), or one database/sql already knows is bad.
// unsent is pgconn's verdict that nothing reached the server.
func pgLostConn(err error) (lost, unsent bool) {
	unsent = pgconn.SafeToRetry(err)
	if errors.Is(err, driver.ErrBadConn) {
		return true, true
	}
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		switch {
		case strings.HasPrefix(pe.Code, "08"), pe.Code == "57P01", pe.Code == "57P02", pe.Code == "57P03":
			return true, unsent
		}
		return false, false
	}
	var ne net.Error
	switch {
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, net.ErrClosed), errors.As(err, &ne):
		return true, unsent
	case strings.Contains(err.Error(), "conn closed"):
		return true, unsent
	}
	return unsent, unsent
}

// pgFollowMark implements dialect.followMark: "xmin@started", the xmin
// of a snapshot, below which every transaction has ended, and when the
// server it was read on started. A read on another server, or on the same
// one restarted (a failover, a crashed primary restarted by its keeper),
// fails (errServerChanged), so the watch reads every number again: the
// database/sql pool may reach the new server without an error, and the
// old one may have shown commits its standby never got.
func pgFollowMark(ctx context.Context, s *Store) (string, error) {
	var xmin, started string
	err := s.writeDB.QueryRowContext(ctx, "SELECT pg_snapshot_xmin(pg_current_snapshot())::text, pg_postmaster_start_time()::text").Scan(&xmin, &started)
	return xmin + "@" + started, err
}

// errServerChanged fails a follow read on another server than the mark's.
var errServerChanged = errors.New("postgres: the server changed since the follower's mark")

// pgFollowReadSQL reads, in one snapshot, its xmin, the server's start,
// and the numbers that transactions from $1 up to the xmin wrote through
// another store than $2, with their versions now. Events carry the transaction that wrote them
// (migration 00012); every transaction below the snapshot's xmin has
// ended, so between two marks none is missed, whatever order transactions
// committed in (an event's seq, taken when it was written, gives no such
// promise).
const pgFollowReadSQL = `SELECT x.xmin::text, x.started, e.number, coalesce(n.version, 0)
FROM (SELECT pg_snapshot_xmin(pg_current_snapshot()) AS xmin, pg_postmaster_start_time()::text AS started) x
LEFT JOIN LATERAL (SELECT DISTINCT number FROM events
	WHERE number <> '' AND tx >= $1::text::xid8 AND tx < x.xmin AND origin <> $2 LIMIT ` + followMaxSQL + `) e ON true
LEFT JOIN numbers n ON n.number = e.number`

// pgFollowRead implements dialect.followRead.
func pgFollowRead(ctx context.Context, s *Store, mark string) ([]store.NumberChange, string, error) {
	from, started, ok := strings.Cut(mark, "@")
	if !ok {
		return nil, "", fmt.Errorf("postgres: follow mark %q", mark)
	}
	rows, err := s.writeDB.QueryContext(ctx, pgFollowReadSQL, from, s.origin)
	if err != nil {
		return nil, "", err
	}
	defer rows.Close()
	var changes []store.NumberChange
	next, now := from, started
	for rows.Next() {
		var num sql.NullString
		var version int64
		if err := rows.Scan(&next, &now, &num, &version); err != nil {
			return nil, "", err
		}
		if now != started {
			return nil, "", errServerChanged
		}
		if num.Valid {
			changes = append(changes, store.NumberChange{Number: num.String, Version: version})
		}
	}
	return changes, next + "@" + started, rows.Err()
}
