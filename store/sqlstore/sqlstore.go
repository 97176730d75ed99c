// Package sqlstore is Numan's one store implementation: store.Store on
// database/sql, for SQLite (modernc.org/sqlite, no cgo) and PostgreSQL
// (pgx through its stdlib driver). The SQL is shared; a small dialect value
// holds what really differs between the two databases: how a timestamp is
// stored, how a list of keys is passed (an IN list in chunks, or one array
// with = ANY), row locks, how unique and foreign-key violations are told
// apart, and two optional fast paths reached through the raw pgx connection
// beneath database/sql's: bulk inserts with COPY, and reads scanned by pgx
// itself (database/sql adds a goroutine per query and a conversion per
// column of each row, a fifth of the time of a point read or a short
// search).
//
// # Opening
//
// Open takes a PostgreSQL DSN (a postgres:// or postgresql:// URL, or
// keyword/value pairs with a host; see IsPostgres) or a SQLite file path;
// OpenSQLite and OpenPostgres open one kind. Both apply pending migrations
// (store/migrations, one directory per dialect with the same versions).
//
// SQLite allows one writer at a time, so a SQLite Store keeps two pools on
// the file: a single write connection every write goes through (concurrent
// conditional writes queue in Go and never fail with SQLITE_BUSY), and a
// pool of read-only connections, so reads run in parallel with each other
// and with the writer. A PostgreSQL Store has one pool for both.
//
// # How the code is laid out
//
// Every store method is written once, on *executor: the SQL it runs and how
// it scans rows. An executor reads and writes either through the pools
// (the Store's own executor, each method atomic by itself) or through one
// *sql.Tx (the store.Tx of InTx, where reads see the transaction's own
// writes). A method that needs several statements runs them in x.atomic,
// which begins a transaction on the Store and simply continues the current
// one inside InTx.
//
// To add a table (port requests, events, ...): add a migration with the
// same version to both migration directories; add the interface of its
// methods to package store and embed it in store.Data (so Store and Tx both
// offer it); write the methods on *executor in a new file here, reading
// with x.query/x.queryRow, writing with x.exec (x.execOne for a
// conditional write), running several statements in x.atomic, storing
// timestamps as x.d.time(t) and scanning them with scanTime, passing key
// lists through x.d.keysIn, and mapping constraint violations with
// x.d.is/x.d.violation; then add its conformance tests to
// store/storetest's Run. Nothing else changes: both databases and InTx get
// the methods at once.
package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/numan-dev/numan/number"
	"github.com/numan-dev/numan/store"
)

// Store is the SQL store. Its reads and writes are the methods of its
// executor; InTx hands fn the same methods on one transaction.
type Store struct {
	executor

	d       *dialect
	dsn     string  // what it was opened on (SQLite: the file's path)
	readDB  *sql.DB // reads outside transactions (SQLite: read-only connections)
	writeDB *sql.DB // writes and transactions (SQLite: the one write connection)

	readStmts  sync.Map // query -> *sql.Stmt on readDB, see readStmt
	writeStmts sync.Map // query -> *sql.Stmt on writeDB, see txStmt

	watch   watchers           // see WatchNumbers
	pollNow chan chan struct{} // see pollExternal
	// origin marks the events this store writes (events.origin): its
	// watches hear its writes at once, so its follower skips them. Random,
	// never 0 (the events of stores before migration 00014).
	origin int64

	afterDispatchRead func() // tests: runs between DispatchEvents' read and its write

	// dispatchFrom is the seq after the last batch this store took off the
	// queue with nothing to route to, where the next starts (see
	// dropQueued); dispatchReads counts those passes.
	dispatchFrom    atomic.Int64
	dispatchReads   atomic.Int64
	afterCheckpoint atomic.Pointer[func()] // tests: runs after each background checkpoint

	// committed wakes checkpointLoop after a commit (dialects with a
	// checkpoint).
	committed       chan struct{}
	stopCheckpoints context.CancelFunc
	checkpoints     sync.WaitGroup

	// inserted counts the numbers bulk-inserted since statistics were
	// last refreshed; analyzing is set while they are (see maybeAnalyze).
	inserted  atomic.Int64
	analyzed  atomic.Int64 // numbers bulk-inserted before the last refresh
	analyzing atomic.Bool
	analyses  sync.WaitGroup
}

var _ store.Store = (*Store)(nil)

// IsPostgres reports whether dsn names a PostgreSQL database rather than a
// SQLite file: a postgres:// or postgresql:// URL, or keyword/value pairs
// with a host ("host=db1,db2 dbname=numan target_session_attrs=read-write").
func IsPostgres(dsn string) bool {
	if strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://") {
		return true
	}
	host := false
	for _, f := range strings.Fields(dsn) {
		if !strings.Contains(f, "=") {
			return false
		}
		host = host || strings.HasPrefix(f, "host=")
	}
	return host
}

// Open opens (and migrates) the store dsn names: a PostgreSQL DSN (see
// IsPostgres), or else a SQLite file path.
func Open(ctx context.Context, dsn string) (*Store, error) {
	if IsPostgres(dsn) {
		return OpenPostgres(ctx, dsn)
	}
	return OpenSQLite(ctx, dsn)
}

// Migrate applies the pending migrations to the database dsn names (as
// Open reads it) and returns the names of the ones it applied.
func Migrate(ctx context.Context, dsn string) ([]string, error) {
	if IsPostgres(dsn) {
		return MigratePostgres(ctx, dsn)
	}
	return MigrateSQLite(ctx, dsn)
}

// Ping checks the pools reach the database.
func (s *Store) Ping(ctx context.Context) error {
	for _, db := range s.pools() {
		if err := db.PingContext(ctx); err != nil {
			return s.d.internal("ping", "", err)
		}
	}
	return nil
}

// Close closes the pools.
func (s *Store) Close() error {
	if s.stopCheckpoints != nil {
		s.stopCheckpoints()
		s.checkpoints.Wait()
	}
	for _, m := range []*sync.Map{&s.readStmts, &s.writeStmts} {
		m.Range(func(_, v any) bool {
			v.(*sql.Stmt).Close()
			return true
		})
	}
	var errs []error
	for _, db := range s.pools() {
		errs = append(errs, db.Close())
	}
	return errors.Join(errs...)
}

func (s *Store) pools() []*sql.DB {
	if s.readDB == s.writeDB {
		return []*sql.DB{s.readDB}
	}
	return []*sql.DB{s.readDB, s.writeDB}
}

// readStmt returns query prepared on the read pool, preparing it once:
// parsing a statement costs SQLite about as much as running a point read.
// Only for queries of which there are few variants (not IN lists of any
// length).
func (s *Store) readStmt(ctx context.Context, query string) (*sql.Stmt, error) {
	if st, ok := s.readStmts.Load(query); ok {
		return st.(*sql.Stmt), nil
	}
	st, err := s.readDB.PrepareContext(ctx, query)
	if err != nil {
		return nil, err
	}
	if prev, loaded := s.readStmts.LoadOrStore(query, st); loaded {
		st.Close()
		return prev.(*sql.Stmt), nil
	}
	return st, nil
}

// txStmt returns query prepared once on the write pool, as a statement of
// x's transaction: where the write pool is one connection (SQLite), a
// transaction's statements then skip parsing, which costs SQLite about as
// much as running a short statement (a number write runs three). nil
// outside a transaction, on dialects that do not prepare, and for
// queries of many variants (long argument lists).
func (x *executor) txStmt(ctx context.Context, query string, nargs int) *sql.Stmt {
	if x.tx == nil || !x.d.prepareReads || nargs > maxPreparedArgs {
		return nil
	}
	s := x.s
	// Only statements prepared when the store opened (txStatements): the
	// one write connection is the transaction's, so none is free to
	// prepare on now.
	st, ok := s.writeStmts.Load(query)
	if !ok {
		return nil
	}
	return x.tx.StmtContext(ctx, st.(*sql.Stmt))
}

// txStatements are the statements every number write runs in its
// transaction, prepared on the write pool when a store whose dialect
// prepares (SQLite) opens.
var txStatements = []string{getNumberSQL, insertNumberSQL, updateNumberSQL, deleteNumberSQL, insertEventSQL, insertEventReturningSQL}

// prepareTx prepares txStatements on the write pool.
func (s *Store) prepareTx(ctx context.Context) error {
	if !s.d.prepareReads {
		return nil
	}
	for _, q := range txStatements {
		st, err := s.writeDB.PrepareContext(ctx, q)
		if err != nil {
			return err
		}
		s.writeStmts.Store(q, st)
	}
	return nil
}

// queryer is where an executor sends statements: a pool or a transaction.
type queryer interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// executor runs the store's methods, on the Store's pools or inside one
// transaction (tx and conn set, read and write both the transaction).
type executor struct {
	s     *Store
	d     *dialect
	read  queryer
	write queryer
	tx    *sql.Tx
	conn  *sql.Conn // the transaction's connection, for the dialect's raw access (COPY)
	// changes are the transaction's writes of numbers, reported to the
	// Store's watches once it commits (nil outside a transaction).
	changes *[]store.NumberChange
}

// maxPreparedArgs bounds the queries kept prepared: longer argument lists
// are IN lists of many lengths.
const maxPreparedArgs = 12

// query returns a read of query: collect runs it and scans every row,
// Scan scans its first row.
func (x *executor) query(ctx context.Context, query string, args ...any) read {
	return read{x: x, ctx: ctx, query: query, args: args}
}

// queryRow returns a read of one row, to Scan.
func (x *executor) queryRow(ctx context.Context, query string, args ...any) read {
	return x.query(ctx, query, args...)
}

// read is a query not run yet.
type read struct {
	x     *executor
	ctx   context.Context
	query string
	args  []any
}

// each runs the read and calls fn on every row. On a dialect with a
// rowReader, rows are read on the driver's own connection; otherwise
// through database/sql, where short queries outside a transaction run as
// statements prepared once on the read pool (on dialects that gain from
// it).
func (r read) each(fn func(row scanner) error) error {
	// A read outside a transaction whose connection was lost before it
	// delivered a row runs again once, on a fresh connection: a node's
	// connections dropping (a restart of the database, a failover, an
	// idle connection killed) does not fail the request in flight.
	started := false
	err := r.eachOnce(func(row scanner) error { started = true; return fn(row) })
	if err != nil && !started && r.x.tx == nil {
		if lost, _ := r.x.d.lost(err); lost {
			err = r.eachOnce(fn)
		}
	}
	return err
}

// eachOnce runs the read once.
func (r read) eachOnce(fn func(row scanner) error) error {
	x := r.x
	if x.d.rowReader != nil {
		conn := x.conn
		if conn == nil {
			c, err := x.s.readDB.Conn(r.ctx)
			if err != nil {
				return err
			}
			defer c.Close()
			conn = c
		}
		return x.d.rowReader.eachRow(r.ctx, conn, r.query, r.args, fn)
	}
	var (
		rows *sql.Rows
		err  error
	)
	if x.tx == nil && x.d.prepareReads && len(r.args) <= maxPreparedArgs {
		var st *sql.Stmt
		if st, err = x.s.readStmt(r.ctx, r.query); err == nil {
			rows, err = st.QueryContext(r.ctx, r.args...)
		}
	} else if st := x.txStmt(r.ctx, r.query, len(r.args)); st != nil {
		rows, err = st.QueryContext(r.ctx, r.args...)
	} else {
		rows, err = x.read.QueryContext(r.ctx, r.query, r.args...)
	}
	if err != nil {
		return err
	}
	defer rows.Close()
	return forEach(rows, fn)
}

// rowIter is a *sql.Rows or a driver's rows.
type rowIter interface {
	scanner
	Next() bool
	Err() error
}

// forEach calls fn on every row of rows.
func forEach(rows rowIter, fn func(row scanner) error) error {
	for rows.Next() {
		if err := fn(rows); err != nil {
			return err
		}
	}
	return rows.Err()
}

// Scan scans the first row into dest, or returns sql.ErrNoRows.
func (r read) Scan(dest ...any) error {
	found := false
	err := r.each(func(row scanner) error {
		if found {
			return nil
		}
		found = true
		return row.Scan(dest...)
	})
	switch {
	case err != nil:
		return err
	case !found:
		return sql.ErrNoRows
	}
	return nil
}

// exec runs one write. Outside a transaction, a write whose connection was
// lost before it reached the server runs again once; one that may have
// been applied answers unavailable (retryable), never an internal error.
// Inside one, InTx decides for the whole transaction.
func (x *executor) exec(ctx context.Context, query string, args ...any) (sql.Result, error) {
	if st := x.txStmt(ctx, query, len(args)); st != nil {
		return st.ExecContext(ctx, args...)
	}
	res, err := x.write.ExecContext(ctx, query, args...)
	if err == nil || x.tx != nil {
		return res, err
	}
	lost, unsent := x.d.lost(err)
	switch {
	case lost && unsent:
		res, err = x.write.ExecContext(ctx, query, args...)
		if lost, _ := x.d.lost(err); lost {
			return nil, x.d.unavailable("write", "", err, true)
		}
		return res, err
	case lost:
		return nil, x.d.unavailable("write", "", err, true)
	}
	return res, err
}

// execOne runs a write that should change one row and reports whether it
// did.
func (x *executor) execOne(ctx context.Context, query string, args ...any) (bool, error) {
	res, err := x.exec(ctx, query, args...)
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n > 0, err
}

// atomic runs fn as one unit: in a transaction of its own on the Store,
// or as part of the current transaction inside InTx.
func (x *executor) atomic(ctx context.Context, fn func(x *executor) error) error {
	if x.tx != nil {
		return fn(x)
	}
	return x.s.inTx(ctx, fn)
}

// InTx implements store.Store. On SQLite the transaction begins IMMEDIATE
// on the one write connection; on PostgreSQL it is a read-committed
// transaction, where GetNumberForUpdate locks rows.
func (s *Store) InTx(ctx context.Context, fn func(tx store.Tx) error) error {
	return s.inTx(ctx, func(x *executor) error { return fn(txExecutor{x}) })
}

// inTx runs fn on an executor of one transaction, committed when fn
// returns nil and rolled back when it returns an error or panics.
//
// A lost connection (see dialect.lostConn) never gives an internal error:
// lost before the transaction began, it begins again once on a fresh
// connection; lost while fn ran, nothing was committed and the error is
// unavailable (retryable); lost while committing, the transaction may or
// may not have been applied, and the error is unavailable and says so.
func (s *Store) inTx(ctx context.Context, fn func(x *executor) error) (err error) {
	conn, tx, err := s.begin(ctx)
	if lost, _ := s.d.lost(err); lost {
		conn, tx, err = s.begin(ctx)
	}
	if err != nil {
		if lost, _ := s.d.lost(err); lost {
			return s.d.unavailable("begin", "", err, false)
		}
		return s.d.internal("begin", "", err)
	}
	released := false
	defer func() {
		if !released {
			conn.Close()
		}
	}()
	committed := false
	defer func() {
		if !committed {
			_ = tx.Rollback() // after a panic too
		}
	}()
	var changes []store.NumberChange
	if err := fn(&executor{s: s, d: s.d, read: tx, write: tx, tx: tx, conn: conn, changes: &changes}); err != nil {
		if lost, _ := s.d.lost(err); lost {
			return s.d.unavailable("transaction", number.AsError(err).Number, err, false)
		}
		return err
	}
	committed = true
	err = tx.Commit()
	if err != nil {
		// Maybe committed: the watches read the numbers again.
		for i := range changes {
			changes[i].Written = nil
		}
	}
	// Queued while the connection is held, reported once it is released
	// (see watchers): the watches hear the commits in their order, and the
	// next writer does not wait for them.
	ticket := s.queue(changes)
	released = true
	conn.Close()
	s.drain(ticket)
	if err != nil && len(changes) > 0 {
		s.doubt(changedNumbers(changes))
	}
	if err != nil {
		if lost, _ := s.d.lost(err); lost {
			return s.d.unavailable("commit", "", err, true)
		}
		return s.d.internal("commit", "", err)
	}
	s.maybeAnalyze()
	select {
	case s.committed <- struct{}{}:
	default:
	}
	return nil
}

// checkpointEvery is the least time between two background checkpoints:
// each copies what the commits meanwhile appended to the log, once per
// page however often it was rewritten.
const checkpointEvery = 100 * time.Millisecond

// checkpointLoop runs the dialect's checkpoint after commits, at most
// every checkpointEvery, until ctx ends. On SQLite the writer otherwise
// checkpoints inside a commit every 1,000 pages of log, copying pages to
// the database file and syncing it while every other writer waits: a
// sixth of a bulk import's time (issue 13). A passive checkpoint on a
// read connection runs beside the writer and never blocks it.
func (s *Store) checkpointLoop(ctx context.Context) {
	defer s.checkpoints.Done()
	wait := time.NewTimer(checkpointEvery)
	wait.Stop()
	defer wait.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-s.committed:
		}
		// A failed checkpoint is left to the next one (or to the
		// writer's backstop): nothing is lost, the log is only longer.
		_, _ = s.readDB.ExecContext(ctx, s.d.checkpoint)
		if fn := s.afterCheckpoint.Load(); fn != nil {
			(*fn)()
		}
		wait.Reset(checkpointEvery)
		select {
		case <-ctx.Done():
			return
		case <-wait.C:
		}
	}
}

// analyzeAfter is how many numbers bulk inserts add before the store
// refreshes the planner's statistics of the numbers table.
const analyzeAfter = 50_000

// maybeAnalyze refreshes the statistics of the numbers table, in the
// background, once bulk inserts added analyzeAfter numbers since the last
// time (dialects with an analyze statement): a server whose autovacuum is
// slow or off would otherwise plan a freshly loaded table from the
// statistics of an empty one and scan it sequentially (issue 13).
//
// Past the first refresh, the next waits until bulk inserts doubled what
// they had added: a load of a million numbers refreshes five times, not
// twenty (each refresh samples the table, about as long whatever its
// size); the planner only needs to know the table is not empty, and
// scales the statistics by the table's size in pages on its own.
func (s *Store) maybeAnalyze() {
	if s.d.analyze == "" || s.inserted.Load() < max(analyzeAfter, s.analyzed.Load()) || !s.analyzing.CompareAndSwap(false, true) {
		return
	}
	s.analyzed.Add(s.inserted.Swap(0))
	s.analyses.Add(1)
	go func() {
		defer s.analyses.Done()
		defer s.analyzing.Store(false)
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
		defer cancel()
		_ = s.analyzeNow(ctx)
	}()
}

// analyzeNow runs the dialect's analyze statements.
func (s *Store) analyzeNow(ctx context.Context) error {
	for _, stmt := range strings.Split(s.d.analyze, ";") {
		if stmt = strings.TrimSpace(stmt); stmt != "" {
			if _, err := s.writeDB.ExecContext(ctx, stmt); err != nil {
				return err
			}
		}
	}
	return nil
}

// begin takes a connection of the write pool and begins a transaction on
// it.
func (s *Store) begin(ctx context.Context) (*sql.Conn, *sql.Tx, error) {
	conn, err := s.writeDB.Conn(ctx)
	if err != nil {
		return nil, nil, err
	}
	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		conn.Close()
		return nil, nil, err
	}
	return conn, tx, nil
}

// txExecutor is the store.Tx of InTx: the executor's methods plus row
// locks.
type txExecutor struct{ *executor }

// GetNumberForUpdate implements store.Tx.
func (t txExecutor) GetNumberForUpdate(ctx context.Context, e164 string) (*number.Number, error) {
	return t.getNumber(ctx, e164, t.d.forUpdate)
}

// GetPortForUpdate implements store.Tx.
func (t txExecutor) GetPortForUpdate(ctx context.Context, id string) (*store.PortRequest, error) {
	p, err := t.getPort(ctx, id, t.d.forUpdate)
	if err != nil {
		return nil, err
	}
	return p, t.loadPortNumbers(ctx, []*store.PortRequest{p})
}

// scanTime scans a stored timestamp, whichever way the dialect keeps it
// (Unix microseconds or a timestamp), as UTC.
func scanTime(t *time.Time) sql.Scanner { return timeScanner{t} }

type timeScanner struct{ t *time.Time }

func (s timeScanner) Scan(src any) error {
	switch v := src.(type) {
	case int64:
		*s.t = time.UnixMicro(v).UTC()
	case time.Time:
		*s.t = v.UTC()
	default:
		return fmt.Errorf("timestamp stored as %T", src)
	}
	return nil
}

// scanner is a *sql.Row or *sql.Rows.
type scanner interface{ Scan(dest ...any) error }

// collect runs r and scans every row with scan; no rows give nil.
func collect[T any](r read, scan func(scanner) (T, error)) ([]T, error) {
	var out []T
	err := r.each(func(row scanner) error {
		v, err := scan(row)
		out = append(out, v)
		return err
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// nonNil gives an empty slice for nil, for listings that answer [] rather
// than null.
func nonNil[T any](s []T, err error) ([]T, error) {
	if s == nil && err == nil {
		s = []T{}
	}
	return s, err
}

// chunks cuts s into slices of at most size elements; size 0 means one
// chunk.
func chunks(s []string, size int) func(func([]string) bool) {
	return func(yield func([]string) bool) {
		if size <= 0 {
			size = len(s)
		}
		for len(s) > 0 {
			c := s[:min(size, len(s))]
			s = s[len(c):]
			if !yield(c) {
				return
			}
		}
	}
}

// ReadDB is the pool reads outside transactions use, for the bare-query
// baselines of benchmarks (numan bench, the Go benchmarks): never write
// through it.
func (s *Store) ReadDB() *sql.DB { return s.readDB }

// IsPostgresStore reports whether the store is on PostgreSQL (its bare
// queries use $n parameters; SQLite's accept them too).
func (s *Store) IsPostgresStore() bool { return s.d.replicated }
