package postgres

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/numan-dev/numan/number"
	"github.com/numan-dev/numan/store/internal/sqlrow"
)

func scanAccount(row pgx.Row) (*number.Account, error) {
	var (
		a                 number.Account
		path              string
		public            []byte
		keyHash           *string
		created, modified time.Time
	)
	if err := row.Scan(&a.ID, &a.Name, &a.ParentID, &path, &a.Enabled, &a.Reseller, &a.AllowNumberAdditions,
		&a.SuperduperAdmin, &public, &keyHash, &a.APIKeySealed, &created, &modified, &a.Version); err != nil {
		return nil, err
	}
	a.Tree = sqlrow.TreeFromPath(path)
	if keyHash != nil {
		a.APIKeyHash = *keyHash
	}
	a.Created = created.UTC()
	a.Modified = modified.UTC()
	var err error
	if a.Public, err = sqlrow.DecodeDoc(public); err != nil {
		return nil, err
	}
	return &a, nil
}

func (s *Store) queryAccounts(ctx context.Context, op, query string, args ...any) ([]*number.Account, error) {
	rows, err := s.db.Query(ctx, query, args...)
	if err != nil {
		return nil, internal(op, "", err)
	}
	defer rows.Close()
	out := []*number.Account{}
	for rows.Next() {
		a, err := scanAccount(rows)
		if err != nil {
			return nil, internal(op, "", err)
		}
		out = append(out, a)
	}
	if err := rows.Err(); err != nil {
		return nil, internal(op, "", err)
	}
	return out, nil
}

// accountArgs normalises a's timestamps and returns the values of
// AccountColumns without the version.
func accountArgs(a *number.Account) ([]any, error) {
	path, err := sqlrow.AccountPath(a)
	if err != nil {
		return nil, err
	}
	public, err := sqlrow.EncodeDoc(a.Public)
	if err != nil {
		return nil, number.Wrap(number.KindInvalid, a.ID, err)
	}
	var keyHash *string // NULL when unset, so keyless accounts do not collide
	if a.APIKeyHash != "" {
		keyHash = &a.APIKeyHash
	}
	a.Created = sqlrow.Time(a.Created)
	a.Modified = sqlrow.Time(a.Modified)
	return []any{a.ID, a.Name, a.ParentID, path, a.Enabled, a.Reseller, a.AllowNumberAdditions, a.SuperduperAdmin,
		string(public), keyHash, a.APIKeySealed, a.Created, a.Modified}, nil
}

// accountWriteError maps a unique violation on accounts to a conflict.
func accountWriteError(op string, a *number.Account, err error) error {
	switch c := uniqueViolation(err); {
	case strings.Contains(c, "api_key_hash"):
		return &number.Error{Kind: number.KindConflict, Number: a.ID, Message: "api key already in use", Err: err}
	case c != "":
		return &number.Error{Kind: number.KindConflict, Number: a.ID, Message: "account " + a.ID + " already exists", Err: err}
	}
	return internal(op, a.ID, err)
}

func accountNotFound(id string) error {
	return &number.Error{Kind: number.KindNotFound, Number: id, Message: "account " + id + " not found"}
}

// InsertAccount implements store.Accounts; an existing id or API key hash
// gives KindConflict.
func (s *Store) InsertAccount(ctx context.Context, a *number.Account) error {
	args, err := accountArgs(a)
	if err != nil {
		return err
	}
	_, err = s.db.Exec(ctx, "INSERT INTO accounts ("+sqlrow.AccountColumns+
		") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, 1)", args...)
	if err != nil {
		return accountWriteError("insert account", a, err)
	}
	a.Version = 1
	return nil
}

// GetAccount implements store.Accounts.
func (s *Store) GetAccount(ctx context.Context, id string) (*number.Account, error) {
	return s.getAccountWhere(ctx, "id", id)
}

// GetAccountByAPIKeyHash implements store.Accounts.
func (s *Store) GetAccountByAPIKeyHash(ctx context.Context, hash string) (*number.Account, error) {
	if hash == "" {
		return nil, accountNotFound("")
	}
	return s.getAccountWhere(ctx, "api_key_hash", hash)
}

func (s *Store) getAccountWhere(ctx context.Context, column, value string) (*number.Account, error) {
	a, err := scanAccount(s.db.QueryRow(ctx, "SELECT "+sqlrow.AccountColumns+" FROM accounts WHERE "+column+" = $1", value))
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, accountNotFound(value)
	}
	if err != nil {
		return nil, internal("get account", value, err)
	}
	return a, nil
}

// GetAccounts implements store.Accounts.
func (s *Store) GetAccounts(ctx context.Context, ids []string) (number.Accounts, error) {
	out := make(number.Accounts, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	as, err := s.queryAccounts(ctx, "get accounts", "SELECT "+sqlrow.AccountColumns+" FROM accounts WHERE id = ANY($1)", ids)
	if err != nil {
		return nil, err
	}
	for _, a := range as {
		out[a.ID] = a
	}
	return out, nil
}

// UpdateAccount implements store.Accounts. Changing a's Tree moves its
// whole subtree: the descendants' trees follow in the same transaction (and
// their versions change).
func (s *Store) UpdateAccount(ctx context.Context, a *number.Account) error {
	args, err := accountArgs(a)
	if err != nil {
		return err
	}
	newPath := args[3].(string)
	err = s.inTx(ctx, func(tx pgx.Tx) error {
		var oldPath string
		// FOR UPDATE: a concurrent move of the same account waits, then
		// fails on the version.
		err := tx.QueryRow(ctx, "SELECT path FROM accounts WHERE id = $1 FOR UPDATE", a.ID).Scan(&oldPath)
		if errors.Is(err, pgx.ErrNoRows) {
			return accountNotFound(a.ID)
		}
		if err != nil {
			return internal("update account", a.ID, err)
		}
		if err := sqlrow.CheckMove(a.ID, oldPath, newPath); err != nil {
			return err
		}
		tag, err := tx.Exec(ctx, "UPDATE accounts SET name = $2, parent_id = $3, path = $4, enabled = $5,"+
			" reseller = $6, allow_number_additions = $7, superduper_admin = $8, public = $9, api_key_hash = $10,"+
			" api_key_sealed = $11, created = $12, modified = $13, version = version + 1 WHERE id = $1 AND version = $14",
			append(args, a.Version)...)
		if err != nil {
			return accountWriteError("update account", a, err)
		}
		if tag.RowsAffected() == 0 {
			return &number.Error{Kind: number.KindConflict, Number: a.ID, Message: "account " + a.ID + " was changed by another request"}
		}
		if newPath != oldPath {
			query, args := sqlrow.MoveSubtreeSQL(oldPath, newPath)
			if _, err := tx.Exec(ctx, query, args...); err != nil {
				return internal("move account", a.ID, err)
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	a.Version++
	return nil
}

// DeleteAccount implements store.Accounts; a missing account gives KindNotFound.
func (s *Store) DeleteAccount(ctx context.Context, id string) error {
	tag, err := s.db.Exec(ctx, "DELETE FROM accounts WHERE id = $1", id)
	if err != nil {
		return internal("delete account", id, err)
	}
	if tag.RowsAffected() == 0 {
		return accountNotFound(id)
	}
	return nil
}

// ListChildren implements store.Accounts.
func (s *Store) ListChildren(ctx context.Context, id string) ([]*number.Account, error) {
	return s.queryAccounts(ctx, "list children", "SELECT "+sqlrow.AccountColumns+" FROM accounts WHERE parent_id = $1 ORDER BY name, id", id)
}

// ListDescendants implements store.Accounts.
func (s *Store) ListDescendants(ctx context.Context, id string) ([]*number.Account, error) {
	return s.queryAccounts(ctx, "list descendants", sqlrow.DescendantsSQL, id)
}

// CountAccounts implements store.Accounts.
func (s *Store) CountAccounts(ctx context.Context) (int, error) {
	var n int
	if err := s.db.QueryRow(ctx, "SELECT count(*) FROM accounts").Scan(&n); err != nil {
		return 0, internal("count accounts", "", err)
	}
	return n, nil
}
