package sqlstore

import (
	"context"
	"database/sql"
	"errors"

	"github.com/numan-dev/numan/event"
	"github.com/numan-dev/numan/number"
	"github.com/numan-dev/numan/store"
)

func scanNumber(row scanner) (*number.Number, error) {
	var (
		n     number.Number
		state string
		doc   []byte
	)
	if err := row.Scan(&n.Number, &state, &n.AssignedTo, &n.ModuleName, &n.Pool,
		scanTime(&n.Created), scanTime(&n.Modified), &n.Version, &doc); err != nil {
		return nil, err
	}
	n.State = number.State(state)
	if err := decodeNumber(&n, doc); err != nil {
		return nil, err
	}
	return &n, nil
}

func (x *executor) queryNumbers(ctx context.Context, op, query string, args ...any) ([]*number.Number, error) {
	ns, err := collect(x.query(ctx, query, args...), scanNumber)
	if err != nil {
		return nil, x.d.internal(op, "", err)
	}
	return ns, nil
}

// The statements of a number's writes (prepared once on SQLite:
// txStatements).
const (
	getNumberSQL    = "SELECT " + numberColumns + " FROM numbers WHERE number = $1"
	insertNumberSQL = "INSERT INTO numbers (" + numberColumns + ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)"
	updateNumberSQL = "UPDATE numbers SET state = $2, assigned_to = $3, module_name = $4, pool = $5," +
		" created = $6, modified = $7, doc = $9, version = version + 1 WHERE number = $1 AND version = $8"
	deleteNumberSQL = "DELETE FROM numbers WHERE number = $1 AND version = $2"

	// updateNumberReturningOldSQL is updateNumberSQL answering with the
	// row it replaced, for the event, in the same round trip: the join
	// reads the row in the statement's snapshot, which is the version the
	// update is conditional on whenever the update happens (a concurrent
	// write that moved the version makes it update nothing).
	updateNumberReturningOldSQL = "UPDATE numbers SET state = $2, assigned_to = $3, module_name = $4, pool = $5," +
		" created = $6, modified = $7, doc = $9, version = numbers.version + 1 FROM numbers old" +
		" WHERE numbers.number = $1 AND numbers.version = $8 AND old.number = numbers.number" +
		" RETURNING old.number, old.state, old.assigned_to, old.module_name, old.pool, old.created, old.modified, old.version, old.doc"
)

// GetNumber implements store.Numbers.
func (x *executor) GetNumber(ctx context.Context, e164 string) (*number.Number, error) {
	return x.getNumber(ctx, e164, "")
}

// getNumber reads one number; lock is "" or the dialect's FOR UPDATE.
func (x *executor) getNumber(ctx context.Context, e164, lock string) (*number.Number, error) {
	n, err := scanNumber(x.queryRow(ctx, getNumberSQL+lock, e164))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, number.NewError(number.KindNotFound, e164)
	}
	if err != nil {
		return nil, x.d.internal("get number", e164, err)
	}
	return n, nil
}

// GetNumbers implements store.Numbers.
func (x *executor) GetNumbers(ctx context.Context, e164s []string) (map[string]*number.Number, error) {
	out := make(map[string]*number.Number, len(e164s))
	for chunk := range chunks(e164s, x.d.maxKeys) {
		cond, args := x.d.keysIn("number", chunk)
		ns, err := x.queryNumbers(ctx, "get numbers", "SELECT "+numberColumns+" FROM numbers WHERE "+cond, args...)
		if err != nil {
			return nil, err
		}
		for _, n := range ns {
			out[n.Number] = n
		}
	}
	return out, nil
}

// numberArgs normalises n's timestamps and returns the values of
// numberColumns, with version.
func (x *executor) numberArgs(n *number.Number, version int64) ([]any, error) {
	n.Created = storedTime(n.Created)
	n.Modified = storedTime(n.Modified)
	doc, err := encodeNumber(n)
	if err != nil {
		return nil, err
	}
	return []any{n.Number, string(n.State), n.AssignedTo, n.ModuleName, n.Pool,
		x.d.time(n.Created), x.d.time(n.Modified), version, string(doc)}, nil
}

// InsertNumber implements store.Numbers, appending its event.NumberChange
// in the same transaction.
func (x *executor) InsertNumber(ctx context.Context, n *number.Number) error {
	return x.atomic(ctx, func(x *executor) error {
		args, err := x.numberArgs(n, 1)
		if err != nil {
			return err
		}
		_, err = x.exec(ctx, insertNumberSQL, args...)
		if x.d.is(err, uniqueViolation) {
			return number.NewError(number.KindNumberExists, n.Number)
		}
		if err != nil {
			return x.d.internal("insert number", n.Number, err)
		}
		n.Version = 1
		x.noteWritten(n)
		return x.appendNumberEvent(ctx, nil, n)
	})
}

var numberColumnList = []string{"number", "state", "assigned_to", "module_name", "pool", "created", "modified", "version", "doc"}

// InsertNumbers implements store.Numbers, in one transaction (inside InTx,
// in a savepoint of it, so that a duplicate can still be named), with an
// event.NumberChange per number.
func (x *executor) InsertNumbers(ctx context.Context, ns []*number.Number) error {
	if len(ns) == 0 {
		return nil
	}
	return x.atomic(ctx, func(x *executor) error { return x.insertNumbers(ctx, ns) })
}

func (x *executor) insertNumbers(ctx context.Context, ns []*number.Number) error {
	p, err := x.prepareNumbers(ctx, ns)
	if err != nil {
		return err
	}
	return x.insertPrepared(ctx, p)
}

// preparedNumbers are new numbers with their rows and their events'
// rows encoded (store.PreparedNumbers).
type preparedNumbers struct {
	s         *Store
	ns        []*number.Number
	rows      [][]any
	events    [][]any
	snapshots []store.NumberChange // what the watches hear
}

// prepareNumbers encodes ns and their event.NumberChange, as of version 1.
func (x *executor) prepareNumbers(ctx context.Context, ns []*number.Number) (*preparedNumbers, error) {
	p := &preparedNumbers{s: x.s, ns: ns, rows: make([][]any, len(ns)), events: make([][]any, len(ns)),
		snapshots: make([]store.NumberChange, len(ns))}
	for i, n := range ns {
		row, err := x.numberArgs(n, 1)
		if err != nil {
			return nil, err
		}
		p.rows[i] = row
		was := n.Version
		n.Version = 1
		e := event.NumberChange(ctx, nil, n)
		p.snapshots[i] = store.NumberChange{Number: n.Number, Written: n.Clone()}
		n.Version = was
		if p.events[i], err = x.eventArgs(e); err != nil {
			return nil, x.d.internal("insert numbers", n.Number, err)
		}
	}
	return p, nil
}

// insertPrepared writes p's rows and their events.
func (x *executor) insertPrepared(ctx context.Context, p *preparedNumbers) error {
	err := x.savepoint(ctx, func() error { return x.insertRows(ctx, "numbers", numberColumnList, p.rows) })
	if err == nil {
		for _, n := range p.ns {
			n.Version = 1
		}
		x.note(p.snapshots)
		x.s.inserted.Add(int64(len(p.ns)))
		return x.insertEventRows(ctx, p.events)
	}
	if !x.d.is(err, uniqueViolation) {
		return x.d.internal("insert numbers", "", err)
	}
	// The database reports the broken key, not the row: look it up.
	stored, err := x.GetNumbers(ctx, numbersOf(p.ns))
	if err != nil {
		return err
	}
	return number.NewError(number.KindNumberExists, firstDuplicate(p.ns, stored))
}

// PrepareNumbers implements store.NumberPreparer.
func (s *Store) PrepareNumbers(ctx context.Context, ns []*number.Number) (store.PreparedNumbers, error) {
	return s.prepareNumbers(ctx, ns)
}

// Insert implements store.PreparedNumbers.
func (p *preparedNumbers) Insert(ctx context.Context, tx store.Tx) error {
	t, ok := tx.(txExecutor)
	if !ok || t.s != p.s {
		return number.Errorf(number.KindInternal, "", "numbers prepared by one store inserted in another's transaction")
	}
	if len(p.ns) == 0 {
		return nil
	}
	return t.insertPrepared(ctx, p)
}

// savepoint runs fn inside a savepoint when x is in InTx's transaction,
// so that fn's failure undoes fn's writes only and the transaction can
// still be read (PostgreSQL refuses statements in a failed transaction).
func (x *executor) savepoint(ctx context.Context, fn func() error) error {
	if x.tx == nil {
		return fn()
	}
	if _, err := x.exec(ctx, "SAVEPOINT numan_bulk"); err != nil {
		return err
	}
	if err := fn(); err != nil {
		_, _ = x.exec(ctx, "ROLLBACK TO SAVEPOINT numan_bulk")
		return err
	}
	_, err := x.exec(ctx, "RELEASE SAVEPOINT numan_bulk")
	return err
}

// UpdateNumber implements store.Numbers, appending its event.NumberChange
// (from the row it replaces, read in the same transaction).
func (x *executor) UpdateNumber(ctx context.Context, n *number.Number) error {
	if x.d.updateReturnsOld {
		return x.atomic(ctx, func(x *executor) error { return x.updateNumberReturningOld(ctx, n) })
	}
	return x.atomic(ctx, func(x *executor) error {
		before, err := x.getNumber(ctx, n.Number, "")
		if err != nil {
			return err
		}
		if before.Version != n.Version {
			return number.NewError(number.KindConflict, n.Number)
		}
		args, err := x.numberArgs(n, n.Version)
		if err != nil {
			return err
		}
		changed, err := x.execOne(ctx, updateNumberSQL, args...)
		if err != nil {
			return x.d.internal("update number", n.Number, err)
		}
		if !changed {
			return x.whyUnchanged(ctx, n.Number, "update number")
		}
		n.Version++
		x.noteWritten(n)
		return x.appendNumberEvent(ctx, before, n)
	})
}

// updateNumberReturningOld is UpdateNumber in one statement, on dialects
// whose UPDATE can return the row it replaced.
func (x *executor) updateNumberReturningOld(ctx context.Context, n *number.Number) error {
	args, err := x.numberArgs(n, n.Version)
	if err != nil {
		return err
	}
	before, err := scanNumber(x.queryRow(ctx, updateNumberReturningOldSQL, args...))
	if errors.Is(err, sql.ErrNoRows) {
		return x.whyUnchanged(ctx, n.Number, "update number")
	}
	if err != nil {
		return x.d.internal("update number", n.Number, err)
	}
	n.Version++
	x.noteWritten(n)
	return x.appendNumberEvent(ctx, before, n)
}

// UpdateNumberFrom implements store.NumberUpdater: on dialects whose
// statements can write several tables (PostgreSQL's data-modifying WITH),
// the owner's lock, the conditional update and its event are one
// statement; elsewhere, a transaction of LockAccount and UpdateNumber.
func (x *executor) UpdateNumberFrom(ctx context.Context, before, n *number.Number, owner string) error {
	if !x.d.writableWith {
		return x.atomic(ctx, func(x *executor) error {
			if owner != "" {
				if err := (txExecutor{x}).LockAccount(ctx, owner); err != nil {
					return ownerNotFound(err)
				}
			}
			return x.UpdateNumber(ctx, n)
		})
	}
	args, err := x.numberArgs(n, n.Version)
	if err != nil {
		return err
	}
	// The event is of the write as it will be: at the next version.
	n.Version++
	e := event.NumberChange(ctx, before, n)
	n.Version--
	eargs, err := x.eventArgs(e)
	if err != nil {
		return x.d.internal("update number", n.Number, err)
	}
	query := updateNumberWithEventSQL
	if owner != "" {
		query = updateNumberOwnedWithEventSQL
		args = append(args, owner)
	}
	changed, err := x.execOne(ctx, query, append(args, eargs...)...)
	if err != nil {
		if _, unsent := x.d.lost(err); !unsent && x.tx == nil {
			// One statement, its own commit: it may have been applied.
			x.s.doubt([]string{n.Number})
		}
		return x.d.internal("update number", n.Number, err)
	}
	if !changed {
		if owner != "" {
			if err := x.accountExists(ctx, owner); err != nil {
				return ownerNotFound(err)
			}
		}
		return x.whyUnchanged(ctx, n.Number, "update number")
	}
	n.Version++
	x.noteWritten(n)
	return nil
}

// updateNumberWithEventSQL is updateNumberSQL and, when it updated the
// row, the insert of its event ($10-$16: insertEventSQL's), in one
// statement; updateNumberOwnedWithEventSQL also takes the key share lock
// of the new owner ($10), and updates nothing when it does not exist.
const (
	updateNumberWithEventSQL = "WITH changed AS (" + updateNumberSQL + " RETURNING number)" +
		" INSERT INTO events (id, type, created, account_id, number, doc, origin) SELECT $10, $11, $12, $13, $14, $15, $16 FROM changed"
	updateNumberOwnedWithEventSQL = "WITH owner AS (SELECT 1 FROM accounts WHERE id = $10 FOR KEY SHARE)," +
		" changed AS (" + updateNumberSQL + " AND EXISTS (SELECT 1 FROM owner) RETURNING number)" +
		" INSERT INTO events (id, type, created, account_id, number, doc, origin) SELECT $11, $12, $13, $14, $15, $16, $17 FROM changed"
)

// ownerNotFound marks an owner's KindNotFound as store.ErrOwnerNotFound.
func ownerNotFound(err error) error {
	var ne *number.Error
	if errors.As(err, &ne) && ne.Kind == number.KindNotFound {
		c := *ne
		c.Err = store.ErrOwnerNotFound
		return &c
	}
	return err
}

// accountExists is nil when the account exists, else KindNotFound.
func (x *executor) accountExists(ctx context.Context, id string) error {
	var one int
	err := x.queryRow(ctx, "SELECT 1 FROM accounts WHERE id = $1", id).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return accountNotFound(id)
	}
	if err != nil {
		return x.d.internal("get account", id, err)
	}
	return nil
}

// DeleteNumber implements store.Numbers, appending its event.NumberChange.
func (x *executor) DeleteNumber(ctx context.Context, e164 string, version int64) error {
	return x.atomic(ctx, func(x *executor) error {
		before, err := x.getNumber(ctx, e164, "")
		if err != nil {
			return err
		}
		if before.Version != version {
			return number.NewError(number.KindConflict, e164)
		}
		changed, err := x.execOne(ctx, deleteNumberSQL, e164, version)
		if err != nil {
			return x.d.internal("delete number", e164, err)
		}
		if !changed {
			return x.whyUnchanged(ctx, e164, "delete number")
		}
		x.noteDeleted(e164)
		return x.appendNumberEvent(ctx, before, nil)
	})
}

// ConfirmNumber succeeds only once the number is durably stored at
// version, implementing store.Numbers (see it for why): KindConflict when it
// is at another version, KindNotFound when it is gone. On a dialect whose
// database may have replicas (PostgreSQL) it is a conditional update that
// changes nothing: its commit waits for the synchronous standbys like any
// write, and fails on a server that does not hold that version (a crashed
// primary serving a commit its standby never got). SQLite has no replicas:
// a read of the version is enough.
func (x *executor) ConfirmNumber(ctx context.Context, e164 string, version int64) error {
	var (
		held bool
		err  error
	)
	if x.d.replicated {
		held, err = x.execOne(ctx, "UPDATE numbers SET version = version WHERE number = $1 AND version = $2", e164, version)
	} else {
		var one int
		err = x.queryRow(ctx, "SELECT 1 FROM numbers WHERE number = $1 AND version = $2", e164, version).Scan(&one)
		held = err == nil
		if errors.Is(err, sql.ErrNoRows) {
			err = nil
		}
	}
	if err != nil {
		return x.d.internal("confirm number", e164, err)
	}
	if !held {
		return x.whyUnchanged(ctx, e164, "confirm number")
	}
	return nil
}

// whyUnchanged explains a conditional write that changed nothing:
// KindConflict when the number is there (at another version), KindNotFound
// when it is not.
func (x *executor) whyUnchanged(ctx context.Context, e164, op string) error {
	var one int
	err := x.queryRow(ctx, "SELECT 1 FROM numbers WHERE number = $1", e164).Scan(&one)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return number.NewError(number.KindNotFound, e164)
	case err != nil:
		return x.d.internal(op, e164, err)
	}
	return number.NewError(number.KindConflict, e164)
}

// ListNumbers implements store.Numbers.
func (x *executor) ListNumbers(ctx context.Context, q store.ListQuery) (store.Page, error) {
	query, args := listSQL(q, x.d.hasFeature)
	ns, err := x.queryNumbers(ctx, "list numbers", query, args...)
	if err != nil {
		return store.Page{}, err
	}
	return page(ns, q.Limit), nil
}

// SearchNumbers implements store.Numbers.
func (x *executor) SearchNumbers(ctx context.Context, q store.SearchQuery) ([]*number.Number, error) {
	query, args := searchSQL(q, x.d.noLimit)
	return x.queryNumbers(ctx, "search numbers", query, args...)
}

// CountNumbersByState implements store.Numbers.
func (x *executor) CountNumbersByState(ctx context.Context) (map[number.State]int64, error) {
	type count struct {
		state string
		n     int64
	}
	counts, err := collect(x.query(ctx, "SELECT state, count(*) FROM numbers GROUP BY state"), func(r scanner) (c count, err error) { return c, r.Scan(&c.state, &c.n) })
	if err != nil {
		return nil, x.d.internal("count numbers", "", err)
	}
	out := make(map[number.State]int64, len(counts))
	for _, c := range counts {
		out[number.State(c.state)] = c.n
	}
	return out, nil
}
