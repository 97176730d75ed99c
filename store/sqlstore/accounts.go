package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"strings"

	"github.com/numan-dev/numan/number"
)

func scanAccount(row scanner) (*number.Account, error) {
	var (
		a       number.Account
		path    string
		public  []byte
		keyHash sql.NullString
	)
	if err := row.Scan(&a.ID, &a.Name, &a.ParentID, &path, &a.Enabled, &a.Reseller, &a.AllowNumberAdditions,
		&a.SuperduperAdmin, &public, &keyHash, &a.APIKeySealed, scanTime(&a.Created), scanTime(&a.Modified), &a.Version); err != nil {
		return nil, err
	}
	a.Tree = treeFromPath(path)
	a.APIKeyHash = keyHash.String
	var err error
	if a.Public, err = decodeDoc(public); err != nil {
		return nil, err
	}
	return &a, nil
}

func (x *executor) queryAccounts(ctx context.Context, op, query string, args ...any) ([]*number.Account, error) {
	as, err := nonNil(collect(x.query(ctx, query, args...), scanAccount))
	if err != nil {
		return nil, x.d.internal(op, "", err)
	}
	return as, nil
}

// accountArgs normalises a's timestamps and returns the values of
// accountColumns without the version.
func (x *executor) accountArgs(a *number.Account) ([]any, error) {
	path, err := accountPath(a)
	if err != nil {
		return nil, err
	}
	public, err := encodeDoc(a.Public)
	if err != nil {
		return nil, number.Wrap(number.KindInvalid, a.ID, err)
	}
	var keyHash any // NULL when unset, so keyless accounts do not collide
	if a.APIKeyHash != "" {
		keyHash = a.APIKeyHash
	}
	a.Created = storedTime(a.Created)
	a.Modified = storedTime(a.Modified)
	return []any{a.ID, a.Name, a.ParentID, path, a.Enabled, a.Reseller, a.AllowNumberAdditions, a.SuperduperAdmin,
		string(public), keyHash, a.APIKeySealed, x.d.time(a.Created), x.d.time(a.Modified)}, nil
}

// accountWriteError maps a unique violation on accounts to a conflict.
func (x *executor) accountWriteError(op string, a *number.Account, err error) error {
	v, what := x.d.violation(err)
	switch {
	case v == uniqueViolation && strings.Contains(what, "api_key_hash"):
		return &number.Error{Kind: number.KindConflict, Number: a.ID, Message: "api key already in use", Err: err}
	case v == uniqueViolation:
		return &number.Error{Kind: number.KindConflict, Number: a.ID, Message: "account " + a.ID + " already exists", Err: err}
	}
	return x.d.internal(op, a.ID, err)
}

func accountNotFound(id string) error {
	return &number.Error{Kind: number.KindNotFound, Number: id, Message: "account " + id + " not found"}
}

// InsertAccount implements store.Accounts; an existing id or API key hash
// gives KindConflict.
func (x *executor) InsertAccount(ctx context.Context, a *number.Account) error {
	args, err := x.accountArgs(a)
	if err != nil {
		return err
	}
	_, err = x.exec(ctx, "INSERT INTO accounts ("+accountColumns+
		", name_key, realm) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, 1, $14, $15)",
		append(args, number.AccountNameKey(a.Name), a.Realm())...)
	if err != nil {
		return x.accountWriteError("insert account", a, err)
	}
	a.Version = 1
	return nil
}

// GetAccount implements store.Accounts.
func (x *executor) GetAccount(ctx context.Context, id string) (*number.Account, error) {
	return x.getAccountWhere(ctx, "id", id)
}

// GetAccountByAPIKeyHash implements store.Accounts.
func (x *executor) GetAccountByAPIKeyHash(ctx context.Context, hash string) (*number.Account, error) {
	if hash == "" {
		return nil, accountNotFound("")
	}
	return x.getAccountWhere(ctx, "api_key_hash", hash)
}

func (x *executor) getAccountWhere(ctx context.Context, column, value string) (*number.Account, error) {
	a, err := scanAccount(x.queryRow(ctx, "SELECT "+accountColumns+" FROM accounts WHERE "+column+" = $1", value))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, accountNotFound(value)
	}
	if err != nil {
		return nil, x.d.internal("get account", value, err)
	}
	return a, nil
}

// GetAccounts implements store.Accounts.
func (x *executor) GetAccounts(ctx context.Context, ids []string) (number.Accounts, error) {
	out := make(number.Accounts, len(ids))
	for chunk := range chunks(ids, x.d.maxKeys) {
		cond, args := x.d.keysIn("id", chunk)
		as, err := x.queryAccounts(ctx, "get accounts", "SELECT "+accountColumns+" FROM accounts WHERE "+cond, args...)
		if err != nil {
			return nil, err
		}
		for _, a := range as {
			out[a.ID] = a
		}
	}
	return out, nil
}

// UpdateAccount implements store.Accounts. Changing a's Tree moves its
// whole subtree: the descendants' trees follow in the same transaction (and
// their versions change).
func (x *executor) UpdateAccount(ctx context.Context, a *number.Account) error {
	args, err := x.accountArgs(a)
	if err != nil {
		return err
	}
	newPath := args[3].(string)
	err = x.atomic(ctx, func(x *executor) error {
		var oldPath string
		// Locked where rows lock: a concurrent move of the same account
		// waits, then fails on the version.
		err := x.queryRow(ctx, "SELECT path FROM accounts WHERE id = $1"+x.d.forUpdate, a.ID).Scan(&oldPath)
		if errors.Is(err, sql.ErrNoRows) {
			return accountNotFound(a.ID)
		}
		if err != nil {
			return x.d.internal("update account", a.ID, err)
		}
		if err := checkMove(a.ID, oldPath, newPath); err != nil {
			return err
		}
		changed, err := x.execOne(ctx, "UPDATE accounts SET name = $2, parent_id = $3, path = $4, enabled = $5,"+
			" reseller = $6, allow_number_additions = $7, superduper_admin = $8, public = $9, api_key_hash = $10,"+
			" api_key_sealed = $11, created = $12, modified = $13, name_key = $15, realm = $16, version = version + 1"+
			" WHERE id = $1 AND version = $14",
			append(args, a.Version, number.AccountNameKey(a.Name), a.Realm())...)
		if err != nil {
			return x.accountWriteError("update account", a, err)
		}
		if !changed {
			return &number.Error{Kind: number.KindConflict, Number: a.ID, Message: "account " + a.ID + " was changed by another request"}
		}
		if newPath != oldPath {
			query, args := moveSubtreeSQL(oldPath, newPath)
			if _, err := x.exec(ctx, query, args...); err != nil {
				return x.d.internal("move account", a.ID, err)
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
func (x *executor) DeleteAccount(ctx context.Context, id string) error {
	changed, err := x.execOne(ctx, "DELETE FROM accounts WHERE id = $1", id)
	if err != nil && strings.Contains(err.Error(), "account holds numbers") {
		// The trigger accounts_keep_owners refused (migration 00005).
		return &number.Error{Kind: number.KindAccountHasNumbers, Number: id, Err: err}
	}
	if err != nil {
		return x.d.internal("delete account", id, err)
	}
	if !changed {
		return accountNotFound(id)
	}
	return nil
}

// CountAccountNumbers implements store.Accounts.
func (x *executor) CountAccountNumbers(ctx context.Context, id string) (int64, error) {
	var n int64
	if err := x.queryRow(ctx, "SELECT count(*) FROM numbers WHERE assigned_to = $1 AND assigned_to <> ''", id).Scan(&n); err != nil {
		return 0, x.d.internal("count account numbers", id, err)
	}
	return n, nil
}

// LockAccount implements store.Tx.
func (t txExecutor) LockAccount(ctx context.Context, id string) error {
	var one int
	err := t.queryRow(ctx, "SELECT 1 FROM accounts WHERE id = $1"+t.d.forKeyShare, id).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return accountNotFound(id)
	}
	if err != nil {
		return t.d.internal("lock account", id, err)
	}
	return nil
}

// ListChildren implements store.Accounts.
func (x *executor) ListChildren(ctx context.Context, id string) ([]*number.Account, error) {
	return x.queryAccounts(ctx, "list children", "SELECT "+accountColumns+" FROM accounts WHERE parent_id = $1 ORDER BY name, id", id)
}

// ListDescendants implements store.Accounts.
func (x *executor) ListDescendants(ctx context.Context, id string) ([]*number.Account, error) {
	return x.queryAccounts(ctx, "list descendants", descendantsSQL, id)
}

// CountAccounts implements store.Accounts.
func (x *executor) CountAccounts(ctx context.Context) (int, error) {
	var n int
	if err := x.queryRow(ctx, "SELECT count(*) FROM accounts").Scan(&n); err != nil {
		return 0, x.d.internal("count accounts", "", err)
	}
	return n, nil
}
