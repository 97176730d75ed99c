package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"strconv"
	"strings"
	"time"

	"github.com/pressly/goose/v3"

	"github.com/numan-dev/numan/number"
	"github.com/numan-dev/numan/store"
)

// dialect is what differs between the databases; everything else is one
// SQL text for both. The two values are sqliteDialect and postgresDialect.
type dialect struct {
	name string // in error messages

	// time is a timestamp as stored: Unix microseconds (SQLite) or a
	// timestamptz (PostgreSQL). scanTime reads either.
	time func(t time.Time) any

	// maxKeys is how many keys one lookup passes as an IN list of
	// parameters (SQLite limits the parameters of a statement); 0 means
	// all of them as one array parameter, "column = ANY($1)".
	maxKeys int

	// forUpdate ends a SELECT that locks the rows it reads until the
	// transaction ends; "" where transactions are serialised anyway.
	forUpdate string
	// skipLocked ends a SELECT that locks the rows it reads, skipping
	// those another transaction holds (claiming work); "" where
	// transactions are serialised anyway.
	skipLocked string
	// forKeyShare ends a SELECT that keeps the row it reads from being
	// deleted (or its key changed) until the transaction ends, without
	// blocking other readers or updates of other columns.
	forKeyShare string

	// updateReturnsOld says an UPDATE can answer with the row it replaced
	// (updateNumberReturningOldSQL), which saves a number's update the
	// read of what it was.
	updateReturnsOld bool
	// writableWith says one statement can write several tables (a
	// data-modifying WITH), so a number's update, its event and its
	// owner's lock are one statement (UpdateNumberFrom).
	writableWith bool

	// replicated says the database may have standbys that a commit waits
	// for, so confirming a number takes a write (ConfirmNumber).
	replicated bool

	// noLimit is the LIMIT clause meaning "all rows", which SQLite needs
	// before an OFFSET.
	noLimit string

	// hasFeature is the condition "the number's document has the active
	// feature named by the parameter p" (a key of its features object).
	hasFeature func(p string) string

	// prepareReads keeps short reads prepared on the read pool (SQLite
	// parses every statement again; pgx caches its prepared statements
	// per connection by itself).
	prepareReads bool

	// param is the placeholder of the n-th (from 1) parameter in a
	// generated statement; SQLite binds anonymous ones fastest.
	param func(n int) string

	// violation tells which constraint, if any, err broke, and its name
	// or message.
	violation func(err error) (violation, string)

	// beforeReady, when set, checks what Ready cannot learn from a read
	// and a write; readOnly means the database serves reads only (a
	// standby), so Ready does not try a write.
	beforeReady func(ctx context.Context, s *Store) (readOnly bool, err error)
	// followMark and followRead let a node follow other nodes' (or
	// processes') writes of numbers through the event outbox (see
	// Store.WatchNumbers). followMark returns a mark of the present: every
	// write committed before it has been read. followRead returns the
	// numbers other stores wrote since mark (events of another origin:
	// the store's own writes its watches heard at once), with the version
	// each has now (0 when it is gone), at most followMax+1 (more means
	// "read everything"), and the mark to read from next.
	followMark func(ctx context.Context, s *Store) (string, error)
	followRead func(ctx context.Context, s *Store, mark string) (changes []store.NumberChange, next string, err error)
	// lockRoutes, when set, is the statement that makes a write which
	// lets something take events (an enabled webhook, the bus config)
	// wait for the transactions writing events and hold back new ones
	// until it commits (see executor.takingEvents).
	lockRoutes string
	// analyze, when set, refreshes the planner's statistics of the
	// numbers table after bulk loads (Store.maybeAnalyze); statements
	// separated by ";".
	analyze string
	// analyzeAtOpen runs analyze when the store opens.
	analyzeAtOpen bool

	// checkpoint, when set, copies the write-ahead log into the database
	// file, run on a read connection in the background after commits (see
	// checkpointLoop) rather than by the writer inside its commit.
	checkpoint string

	// lostConn, when set, tells a failure of the connection itself (the
	// server went away, the connection was killed) from a failure of the
	// statement, and whether the statement certainly never reached the
	// server (unsent). Reads are retried once on a fresh connection; a
	// write that may have been applied is not retried but answers a
	// retryable unavailable error. SQLite's connections are not lost.
	lostConn func(err error) (lost, unsent bool)

	// copier, when set, is the fast path of bulk inserts.
	copier copier

	// rowReader, when set, reads rows on the driver's own connection.
	rowReader rowReader

	// openPools opens the read and write pools on dsn (the same pool
	// where one serves both), without connecting yet.
	openPools func(dsn string) (readers, writer *sql.DB, err error)

	// migrations and gooseDialect apply the schema; lockMigrations
	// returns the goose options that keep nodes migrating one at a time.
	migrations     fs.FS
	gooseDialect   goose.Dialect
	lockMigrations func(ctx context.Context, db *sql.DB) ([]goose.ProviderOption, error)
}

// violation is a kind of broken constraint.
type violation int

const (
	noViolation violation = iota
	uniqueViolation
	foreignKeyViolation
)

// copier streams rows into a table faster than INSERT statements do
// (PostgreSQL's COPY), through the driver's own connection beneath conn.
// It is optional: without one, bulk inserts are multi-row INSERTs.
type copier interface {
	copyRows(ctx context.Context, conn *sql.Conn, table string, columns []string, rows [][]any) error
}

// rowReader runs reads on the driver's own connection beneath conn,
// scanning rows straight into their destinations. It is optional: it
// spares PostgreSQL reads what database/sql adds to each query (a
// goroutine watching the context, which pgx already watches) and to each
// column of each row (a conversion to a driver.Value and back), about a
// fifth of a point read's or a short search's time.
type rowReader interface {
	eachRow(ctx context.Context, conn *sql.Conn, query string, args []any, fn func(row scanner) error) error
}

// internal wraps a database failure as an internal error about key; an
// error that already has a kind is returned as it is.
func (d *dialect) internal(op, key string, err error) error {
	var ne *number.Error
	if errors.As(err, &ne) {
		return err
	}
	return number.Wrap(number.KindInternal, key, fmt.Errorf("%s: %s: %w", d.name, op, err))
}

// lost reports whether err is a lost connection, and whether the
// statement certainly never reached the server.
func (d *dialect) lost(err error) (lost, unsent bool) {
	if err == nil || d.lostConn == nil || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return false, false
	}
	return d.lostConn(err)
}

// unavailable is the retryable error of a write whose connection was lost.
// applied says whether it may have been applied (the commit was sent).
func (d *dialect) unavailable(op, key string, err error, mayHaveApplied bool) error {
	cause := "the database connection was lost before the write was done; nothing was written; retry"
	if mayHaveApplied {
		cause = "the database connection was lost while committing; the write may or may not have been applied; " +
			"retry (a conditional write that was applied answers conflict)"
	}
	return &number.Error{Kind: number.KindUnavailable, Number: key, Cause: cause, Err: fmt.Errorf("%s: %s: %w", d.name, op, err)}
}

// is reports whether err broke a constraint of kind v.
func (d *dialect) is(err error, v violation) bool {
	got, _ := d.violation(err)
	return err != nil && got == v
}

// keysIn returns the condition "column is one of keys" and its arguments,
// numbered from the first placeholder: an IN list, or = ANY of an array.
func (d *dialect) keysIn(column string, keys []string) (string, []any) {
	if d.maxKeys == 0 {
		return column + " = ANY($1)", []any{keys}
	}
	var q where
	q.in(column, keys)
	return q.conds[0], q.args
}

// rowsPerInsert is how many rows one statement of a multi-row INSERT
// writes: few statements to step, and well under SQLite's limit of
// parameters.
const rowsPerInsert = 100

// insertRows inserts rows (values of columns) into table, all in the
// current transaction: with the dialect's copier if it has one, else in
// multi-row INSERTs prepared once per size.
func (x *executor) insertRows(ctx context.Context, table string, columns []string, rows [][]any) error {
	if len(rows) == 0 {
		return nil
	}
	if x.tx == nil {
		return x.atomic(ctx, func(x *executor) error { return x.insertRows(ctx, table, columns, rows) })
	}
	if x.d.copier != nil {
		return x.d.copier.copyRows(ctx, x.conn, table, columns, rows)
	}
	stmts := map[int]*sql.Stmt{}
	defer func() {
		for _, st := range stmts {
			st.Close()
		}
	}()
	args := make([]any, 0, rowsPerInsert*len(columns))
	for start := 0; start < len(rows); start += rowsPerInsert {
		batch := rows[start:min(start+rowsPerInsert, len(rows))]
		st := stmts[len(batch)]
		if st == nil {
			var err error
			if st, err = x.tx.PrepareContext(ctx, x.d.insertSQL(table, columns, len(batch))); err != nil {
				return err
			}
			stmts[len(batch)] = st
		}
		args = args[:0]
		for _, r := range batch {
			args = append(args, r...)
		}
		if _, err := st.ExecContext(ctx, args...); err != nil {
			return err
		}
	}
	return nil
}

// insertSQL returns an INSERT of n rows into table.
func (d *dialect) insertSQL(table string, columns []string, n int) string {
	var b strings.Builder
	b.WriteString("INSERT INTO " + table + " (" + strings.Join(columns, ", ") + ") VALUES ")
	p := 0
	for r := range n {
		if r > 0 {
			b.WriteString(", ")
		}
		b.WriteByte('(')
		for c := range columns {
			if c > 0 {
				b.WriteString(", ")
			}
			p++
			b.WriteString(d.param(p))
		}
		b.WriteByte(')')
	}
	return b.String()
}

// numbered is the placeholder $n.
func numbered(n int) string { return "$" + strconv.Itoa(n) }

// open opens a Store on dsn and applies pending migrations.
func (d *dialect) open(ctx context.Context, dsn string) (*Store, error) {
	readers, writer, err := d.openPools(dsn)
	if err != nil {
		return nil, d.internal("open", "", err)
	}
	s := &Store{d: d, dsn: dsn, readDB: readers, writeDB: writer, pollNow: make(chan chan struct{}), committed: make(chan struct{}, 1),
		origin: newOrigin()}
	s.executor = executor{s: s, d: d, read: readers, write: writer}
	if d.checkpoint != "" {
		ctx, stop := context.WithCancel(context.Background())
		s.stopCheckpoints = stop
		s.checkpoints.Add(1)
		go s.checkpointLoop(ctx)
	}
	if _, err := d.migrate(ctx, writer); err != nil {
		s.Close()
		return nil, err
	}
	if err := s.Ping(ctx); err != nil {
		s.Close()
		return nil, err
	}
	if err := s.prepareTx(ctx); err != nil {
		s.Close()
		return nil, d.internal("prepare", "", err)
	}
	if d.analyzeAtOpen {
		if err := s.analyzeNow(ctx); err != nil {
			s.Close()
			return nil, d.internal("analyze", "", err)
		}
	}
	return s, nil
}

// migrateDSN applies the pending migrations to the database at dsn.
func (d *dialect) migrateDSN(ctx context.Context, dsn string) ([]string, error) {
	readers, writer, err := d.openPools(dsn)
	if err != nil {
		return nil, d.internal("open", "", err)
	}
	defer readers.Close()
	defer writer.Close()
	return d.migrate(ctx, writer)
}

// migrate applies the pending migrations to db and returns the names of
// the ones it applied.
func (d *dialect) migrate(ctx context.Context, db *sql.DB) ([]string, error) {
	opts := []goose.ProviderOption{goose.WithDisableGlobalRegistry(true)}
	if d.lockMigrations != nil {
		lock, err := d.lockMigrations(ctx, db)
		if err != nil {
			return nil, d.internal("migrate", "", err)
		}
		opts = append(opts, lock...)
	}
	p, err := goose.NewProvider(d.gooseDialect, db, d.migrations, opts...)
	if err != nil {
		return nil, d.internal("migrate", "", err)
	}
	results, err := p.Up(ctx)
	if err != nil {
		return nil, d.internal("migrate", "", err)
	}
	applied := make([]string, len(results))
	for i, r := range results {
		applied[i] = r.Source.Path
	}
	return applied, nil
}
