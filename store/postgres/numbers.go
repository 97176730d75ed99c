package postgres

import (
	"context"
	"errors"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/numan-dev/numan/number"
	"github.com/numan-dev/numan/store"
	"github.com/numan-dev/numan/store/internal/sqlrow"
)

func scanNumber(row pgx.Row) (*number.Number, error) {
	var (
		n                 number.Number
		state             string
		created, modified time.Time
		doc               []byte
	)
	if err := row.Scan(&n.Number, &state, &n.AssignedTo, &n.ModuleName, &n.Pool, &created, &modified, &n.Version, &doc); err != nil {
		return nil, err
	}
	n.State = number.State(state)
	n.Created = created.UTC()
	n.Modified = modified.UTC()
	if err := sqlrow.DecodeNumber(&n, doc); err != nil {
		return nil, err
	}
	return &n, nil
}

func (s *Store) queryNumbers(ctx context.Context, op, query string, args ...any) ([]*number.Number, error) {
	rows, err := s.db.Query(ctx, query, args...)
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
	n, err := scanNumber(s.db.QueryRow(ctx, "SELECT "+sqlrow.NumberColumns+" FROM numbers WHERE number = $1", e164))
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, number.NewError(number.KindNotFound, e164)
	}
	if err != nil {
		return nil, internal("get number", e164, err)
	}
	return n, nil
}

// GetNumbers implements store.Numbers.
func (s *Store) GetNumbers(ctx context.Context, e164s []string) (map[string]*number.Number, error) {
	out := make(map[string]*number.Number, len(e164s))
	if len(e164s) == 0 {
		return out, nil
	}
	ns, err := s.queryNumbers(ctx, "get numbers", "SELECT "+sqlrow.NumberColumns+" FROM numbers WHERE number = ANY($1)", e164s)
	if err != nil {
		return nil, err
	}
	for _, n := range ns {
		out[n.Number] = n
	}
	return out, nil
}

// numberRow normalises n's timestamps and returns its columns, version 1.
func numberRow(n *number.Number) ([]any, error) {
	n.Created = sqlrow.Time(n.Created)
	n.Modified = sqlrow.Time(n.Modified)
	doc, err := sqlrow.EncodeNumber(n)
	if err != nil {
		return nil, err
	}
	return []any{n.Number, string(n.State), n.AssignedTo, n.ModuleName, n.Pool, n.Created, n.Modified, int64(1), string(doc)}, nil
}

// InsertNumber implements store.Numbers.
func (s *Store) InsertNumber(ctx context.Context, n *number.Number) error {
	row, err := numberRow(n)
	if err != nil {
		return err
	}
	_, err = s.db.Exec(ctx, "INSERT INTO numbers ("+sqlrow.NumberColumns+") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)", row...)
	if err != nil {
		if uniqueViolation(err) != "" {
			return number.NewError(number.KindNumberExists, n.Number)
		}
		return internal("insert number", n.Number, err)
	}
	n.Version = 1
	return nil
}

var numberColumnNames = []string{"number", "state", "assigned_to", "module_name", "pool", "created", "modified", "version", "doc"}

// InsertNumbers implements store.Numbers with COPY in one transaction.
func (s *Store) InsertNumbers(ctx context.Context, ns []*number.Number) error {
	if len(ns) == 0 {
		return nil
	}
	rows := make([][]any, len(ns))
	for i, n := range ns {
		row, err := numberRow(n)
		if err != nil {
			return err
		}
		rows[i] = row
	}
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		_, err := tx.CopyFrom(ctx, pgx.Identifier{"numbers"}, numberColumnNames, pgx.CopyFromRows(rows))
		return err
	})
	if err == nil {
		for _, n := range ns {
			n.Version = 1
		}
		return nil
	}
	if uniqueViolation(err) == "" {
		return internal("insert numbers", "", err)
	}
	// COPY reports the broken key, not the row: look it up.
	stored, err := s.GetNumbers(ctx, sqlrow.Numbers(ns))
	if err != nil {
		return err
	}
	return number.NewError(number.KindNumberExists, sqlrow.FirstDuplicate(ns, stored))
}

// UpdateNumber implements store.Numbers.
func (s *Store) UpdateNumber(ctx context.Context, n *number.Number) error {
	row, err := numberRow(n)
	if err != nil {
		return err
	}
	row[7] = n.Version
	tag, err := s.db.Exec(ctx, "UPDATE numbers SET state = $2, assigned_to = $3, module_name = $4, pool = $5,"+
		" created = $6, modified = $7, doc = $9, version = version + 1 WHERE number = $1 AND version = $8", row...)
	if err != nil {
		return internal("update number", n.Number, err)
	}
	if tag.RowsAffected() == 0 {
		return s.whyUnchanged(ctx, n.Number, "update number")
	}
	n.Version++
	return nil
}

// DeleteNumber implements store.Numbers.
func (s *Store) DeleteNumber(ctx context.Context, e164 string, version int64) error {
	tag, err := s.db.Exec(ctx, "DELETE FROM numbers WHERE number = $1 AND version = $2", e164, version)
	if err != nil {
		return internal("delete number", e164, err)
	}
	if tag.RowsAffected() == 0 {
		return s.whyUnchanged(ctx, e164, "delete number")
	}
	return nil
}

// whyUnchanged explains a conditional write that changed nothing:
// KindConflict when the number is there (at another version), KindNotFound
// when it is not.
func (s *Store) whyUnchanged(ctx context.Context, e164, op string) error {
	var exists bool
	if err := s.db.QueryRow(ctx, "SELECT EXISTS (SELECT 1 FROM numbers WHERE number = $1)", e164).Scan(&exists); err != nil {
		return internal(op, e164, err)
	}
	if !exists {
		return number.NewError(number.KindNotFound, e164)
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
	query, args := sqlrow.SearchSQL(q, "")
	return s.queryNumbers(ctx, "search numbers", query, args...)
}

// CountNumbersByState implements store.Numbers.
func (s *Store) CountNumbersByState(ctx context.Context) (map[number.State]int64, error) {
	rows, err := s.db.Query(ctx, "SELECT state, count(*) FROM numbers GROUP BY state")
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
