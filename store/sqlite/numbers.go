package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"time"

	"github.com/numan-dev/numan/number"
	"github.com/numan-dev/numan/store"
	"github.com/numan-dev/numan/store/internal/sqlrow"
)

// fromMicro reads a stored timestamp: Unix microseconds.
func fromMicro(us int64) time.Time { return time.UnixMicro(us).UTC() }

func scanNumber(row scanner) (*number.Number, error) {
	var (
		n                 number.Number
		state             string
		created, modified int64
		doc               []byte
	)
	if err := row.Scan(&n.Number, &state, &n.AssignedTo, &n.ModuleName, &n.Pool, &created, &modified, &n.Version, &doc); err != nil {
		return nil, err
	}
	n.State = number.State(state)
	n.Created = fromMicro(created)
	n.Modified = fromMicro(modified)
	if err := sqlrow.DecodeNumber(&n, doc); err != nil {
		return nil, err
	}
	return &n, nil
}

// maxPreparedArgs bounds the queries queryNumbers keeps prepared: longer
// argument lists are IN lists of many lengths.
const maxPreparedArgs = 12

func (s *Store) queryNumbers(ctx context.Context, op, query string, args ...any) ([]*number.Number, error) {
	var (
		rows *sql.Rows
		err  error
	)
	if len(args) <= maxPreparedArgs {
		var st *sql.Stmt
		if st, err = s.readStmt(ctx, query); err == nil {
			rows, err = st.QueryContext(ctx, args...)
		}
	} else {
		rows, err = s.db.QueryContext(ctx, query, args...)
	}
	if err != nil {
		return nil, internal(op, "", err)
	}
	defer rows.Close()
	var out []*number.Number
	for rows.Next() {
		n, err := scanNumber(rows)
		if err != nil {
			return nil, internal(op, "", err)
		}
		out = append(out, n)
	}
	if err := rows.Err(); err != nil {
		return nil, internal(op, "", err)
	}
	return out, nil
}

// GetNumber implements store.Numbers.
func (s *Store) GetNumber(ctx context.Context, e164 string) (*number.Number, error) {
	st, err := s.readStmt(ctx, "SELECT "+sqlrow.NumberColumns+" FROM numbers WHERE number = $1")
	if err != nil {
		return nil, internal("get number", e164, err)
	}
	n, err := scanNumber(st.QueryRowContext(ctx, e164))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, number.NewError(number.KindNotFound, e164)
	}
	if err != nil {
		return nil, internal("get number", e164, err)
	}
	return n, nil
}

// maxVars bounds the parameters of one IN list, well below SQLite's limit.
const maxVars = 500

// GetNumbers implements store.Numbers.
func (s *Store) GetNumbers(ctx context.Context, e164s []string) (map[string]*number.Number, error) {
	out := make(map[string]*number.Number, len(e164s))
	for chunk := range chunks(e164s, maxVars) {
		var q sqlrow.Query
		q.In("number", chunk)
		ns, err := s.queryNumbers(ctx, "get numbers", "SELECT "+sqlrow.NumberColumns+" FROM numbers"+q.Clause(), q.Args...)
		if err != nil {
			return nil, err
		}
		for _, n := range ns {
			out[n.Number] = n
		}
	}
	return out, nil
}

func chunks(s []string, size int) func(func([]string) bool) {
	return func(yield func([]string) bool) {
		for len(s) > 0 {
			c := s[:min(size, len(s))]
			s = s[len(c):]
			if !yield(c) {
				return
			}
		}
	}
}

const insertNumberSQL = "INSERT INTO numbers (" + sqlrow.NumberColumns + ") VALUES ($1, $2, $3, $4, $5, $6, $7, 1, $8)"

// numberArgs normalises n's timestamps and returns the arguments of
// insertNumberSQL (and of updateNumberSQL, which adds the version).
func numberArgs(n *number.Number) ([]any, error) {
	n.Created = sqlrow.Time(n.Created)
	n.Modified = sqlrow.Time(n.Modified)
	doc, err := sqlrow.EncodeNumber(n)
	if err != nil {
		return nil, err
	}
	return []any{n.Number, string(n.State), n.AssignedTo, n.ModuleName, n.Pool,
		n.Created.UnixMicro(), n.Modified.UnixMicro(), string(doc)}, nil
}

// InsertNumber implements store.Numbers.
func (s *Store) InsertNumber(ctx context.Context, n *number.Number) error {
	args, err := numberArgs(n)
	if err != nil {
		return err
	}
	if _, err := s.writer.ExecContext(ctx, insertNumberSQL, args...); err != nil {
		if ok, _ := isUnique(err); ok {
			return number.NewError(number.KindNumberExists, n.Number)
		}
		return internal("insert number", n.Number, err)
	}
	n.Version = 1
	return nil
}

// insertRowsPerStatement is how many numbers one INSERT statement of a
// bulk insert writes: fewer statements to step, 9 x 100 parameters.
const insertRowsPerStatement = 100

// insertRowsSQL returns an INSERT of rows numbers. Its parameters are
// anonymous: binding numbered ones makes the driver look each name up.
func insertRowsSQL(rows int) string {
	var b strings.Builder
	b.WriteString("INSERT INTO numbers (" + sqlrow.NumberColumns + ") VALUES ")
	for r := range rows {
		if r > 0 {
			b.WriteString(", ")
		}
		b.WriteString("(?, ?, ?, ?, ?, ?, ?, 1, ?)")
	}
	return b.String()
}

// InsertNumbers implements store.Numbers: prepared multi-row INSERTs in
// one transaction.
func (s *Store) InsertNumbers(ctx context.Context, ns []*number.Number) error {
	if len(ns) == 0 {
		return nil
	}
	args := make([]any, 0, 8*len(ns))
	for _, n := range ns {
		a, err := numberArgs(n)
		if err != nil {
			return err
		}
		args = append(args, a...)
	}
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		var full *sql.Stmt
		for start := 0; start < len(ns); start += insertRowsPerStatement {
			rows := min(insertRowsPerStatement, len(ns)-start)
			stmt := full
			if stmt == nil || rows < insertRowsPerStatement {
				var err error
				if stmt, err = tx.PrepareContext(ctx, insertRowsSQL(rows)); err != nil {
					return err
				}
				defer stmt.Close()
				if rows == insertRowsPerStatement {
					full = stmt
				}
			}
			if _, err := stmt.ExecContext(ctx, args[8*start:8*(start+rows)]...); err != nil {
				return err
			}
		}
		return nil
	})
	if err == nil {
		for _, n := range ns {
			n.Version = 1
		}
		return nil
	}
	if ok, _ := isUnique(err); !ok {
		return internal("insert numbers", "", err)
	}
	// The statement does not say which row broke the key: look it up.
	stored, err := s.GetNumbers(ctx, sqlrow.Numbers(ns))
	if err != nil {
		return err
	}
	return number.NewError(number.KindNumberExists, sqlrow.FirstDuplicate(ns, stored))
}

const updateNumberSQL = "UPDATE numbers SET state = $2, assigned_to = $3, module_name = $4, pool = $5," +
	" created = $6, modified = $7, doc = $8, version = version + 1 WHERE number = $1 AND version = $9"

// UpdateNumber implements store.Numbers.
func (s *Store) UpdateNumber(ctx context.Context, n *number.Number) error {
	args, err := numberArgs(n)
	if err != nil {
		return err
	}
	res, err := s.writer.ExecContext(ctx, updateNumberSQL, append(args, n.Version)...)
	if err != nil {
		return internal("update number", n.Number, err)
	}
	if err := s.changedOne(ctx, res, n.Number, "update number"); err != nil {
		return err
	}
	n.Version++
	return nil
}

// DeleteNumber implements store.Numbers.
func (s *Store) DeleteNumber(ctx context.Context, e164 string, version int64) error {
	res, err := s.writer.ExecContext(ctx, "DELETE FROM numbers WHERE number = $1 AND version = $2", e164, version)
	if err != nil {
		return internal("delete number", e164, err)
	}
	return s.changedOne(ctx, res, e164, "delete number")
}

// changedOne turns a conditional write that changed nothing into
// KindConflict when the number is there (at another version) or
// KindNotFound when it is not.
func (s *Store) changedOne(ctx context.Context, res sql.Result, e164, op string) error {
	changed, err := res.RowsAffected()
	if err != nil {
		return internal(op, e164, err)
	}
	if changed > 0 {
		return nil
	}
	var one int
	err = s.db.QueryRowContext(ctx, "SELECT 1 FROM numbers WHERE number = $1", e164).Scan(&one)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return number.NewError(number.KindNotFound, e164)
	case err != nil:
		return internal(op, e164, err)
	}
	return number.NewError(number.KindConflict, e164)
}

// ListNumbers implements store.Numbers.
func (s *Store) ListNumbers(ctx context.Context, q store.ListQuery) (store.Page, error) {
	query, args := sqlrow.ListSQL(q)
	ns, err := s.queryNumbers(ctx, "list numbers", query, args...)
	if err != nil {
		return store.Page{}, err
	}
	return sqlrow.Page(ns, q.Limit), nil
}

// SearchNumbers implements store.Numbers.
func (s *Store) SearchNumbers(ctx context.Context, q store.SearchQuery) ([]*number.Number, error) {
	query, args := sqlrow.SearchSQL(q, "LIMIT -1")
	return s.queryNumbers(ctx, "search numbers", query, args...)
}

// CountNumbersByState implements store.Numbers.
func (s *Store) CountNumbersByState(ctx context.Context) (map[number.State]int64, error) {
	rows, err := s.db.QueryContext(ctx, "SELECT state, count(*) FROM numbers GROUP BY state")
	if err != nil {
		return nil, internal("count numbers", "", err)
	}
	defer rows.Close()
	out := map[number.State]int64{}
	for rows.Next() {
		var (
			st string
			c  int64
		)
		if err := rows.Scan(&st, &c); err != nil {
			return nil, internal("count numbers", "", err)
		}
		out[number.State(st)] = c
	}
	if err := rows.Err(); err != nil {
		return nil, internal("count numbers", "", err)
	}
	return out, nil
}
