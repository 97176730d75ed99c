package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"strings"

	"github.com/numan-dev/numan/number"
	"github.com/numan-dev/numan/store"
)

const userColumns = "id, account_id, username, email, first_name, last_name, admin, enabled, md5_tag, sha1_tag," +
	" md5_hash, sha1_hash, stamp, public, created, modified, version"

func scanUser(row scanner) (*store.User, error) {
	var (
		u      store.User
		public []byte
	)
	if err := row.Scan(&u.ID, &u.AccountID, &u.Username, &u.Email, &u.FirstName, &u.LastName, &u.Admin, &u.Enabled,
		&u.MD5Tag, &u.SHA1Tag, &u.MD5Hash, &u.SHA1Hash, &u.Stamp, &public, scanTime(&u.Created), scanTime(&u.Modified),
		&u.Version); err != nil {
		return nil, err
	}
	u.Public = append([]byte(nil), public...)
	return &u, nil
}

// userArgs normalises u's timestamps and returns the values of
// userColumns without the version.
func (x *executor) userArgs(u *store.User) []any {
	u.Created = storedTime(u.Created)
	u.Modified = storedTime(u.Modified)
	public := string(u.Public)
	if public == "" {
		public = "{}"
	}
	return []any{u.ID, u.AccountID, u.Username, u.Email, u.FirstName, u.LastName, u.Admin, u.Enabled,
		u.MD5Tag, u.SHA1Tag, u.MD5Hash, u.SHA1Hash, u.Stamp, public, x.d.time(u.Created), x.d.time(u.Modified)}
}

func userNotFound(id string) error {
	return &number.Error{Kind: number.KindNotFound, Number: id, Message: "user " + id + " not found"}
}

// userWriteError maps the constraints of users: a username the account
// has already, an id taken, an account that does not exist.
func (x *executor) userWriteError(op string, u *store.User, err error) error {
	v, what := x.d.violation(err)
	switch {
	case v == uniqueViolation && strings.Contains(what, "username"):
		return &number.Error{Kind: number.KindConflict, Number: u.ID, Cause: "username_not_unique",
			Message: "the account has a user " + u.Username + " already", Err: err}
	case v == uniqueViolation:
		return &number.Error{Kind: number.KindConflict, Number: u.ID, Message: "user " + u.ID + " already exists", Err: err}
	case v == foreignKeyViolation:
		return accountNotFound(u.AccountID)
	}
	return x.d.internal(op, u.ID, err)
}

// InsertUser implements store.Users.
func (x *executor) InsertUser(ctx context.Context, u *store.User) error {
	_, err := x.exec(ctx, "INSERT INTO users ("+userColumns+") VALUES"+
		" ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, 1)", x.userArgs(u)...)
	if err != nil {
		return x.userWriteError("insert user", u, err)
	}
	u.Version = 1
	return nil
}

// GetUser implements store.Users.
func (x *executor) GetUser(ctx context.Context, accountID, id string) (*store.User, error) {
	return x.getUserWhere(ctx, id, "id = $2", accountID, id)
}

// GetUserByUsername implements store.Users.
func (x *executor) GetUserByUsername(ctx context.Context, accountID, username string) (*store.User, error) {
	if username == "" {
		return nil, userNotFound(username)
	}
	return x.getUserWhere(ctx, username, "username = $2", accountID, username)
}

func (x *executor) getUserWhere(ctx context.Context, key, cond string, args ...any) (*store.User, error) {
	u, err := scanUser(x.queryRow(ctx, "SELECT "+userColumns+" FROM users WHERE account_id = $1 AND "+cond, args...))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, userNotFound(key)
	}
	if err != nil {
		return nil, x.d.internal("get user", key, err)
	}
	return u, nil
}

// UpdateUser implements store.Users.
func (x *executor) UpdateUser(ctx context.Context, u *store.User) error {
	changed, err := x.execOne(ctx, "UPDATE users SET username = $3, email = $4, first_name = $5, last_name = $6,"+
		" admin = $7, enabled = $8, md5_tag = $9, sha1_tag = $10, md5_hash = $11, sha1_hash = $12, stamp = $13,"+
		" public = $14, created = $15, modified = $16, version = version + 1"+
		" WHERE id = $1 AND account_id = $2 AND version = $17", append(x.userArgs(u), u.Version)...)
	if err != nil {
		return x.userWriteError("update user", u, err)
	}
	if !changed {
		if _, err := x.GetUser(ctx, u.AccountID, u.ID); err != nil {
			return err
		}
		return &number.Error{Kind: number.KindConflict, Number: u.ID, Message: "user " + u.ID + " was changed by another request"}
	}
	u.Version++
	return nil
}

// DeleteUser implements store.Users.
func (x *executor) DeleteUser(ctx context.Context, accountID, id string) error {
	changed, err := x.execOne(ctx, "DELETE FROM users WHERE account_id = $1 AND id = $2", accountID, id)
	if err != nil {
		return x.d.internal("delete user", id, err)
	}
	if !changed {
		return userNotFound(id)
	}
	return nil
}

func (x *executor) queryUsers(ctx context.Context, op, query string, args ...any) ([]*store.User, error) {
	us, err := nonNil(collect(x.query(ctx, query, args...), scanUser))
	if err != nil {
		return nil, x.d.internal(op, "", err)
	}
	return us, nil
}

// ListUsers implements store.Users.
func (x *executor) ListUsers(ctx context.Context, accountID string) ([]*store.User, error) {
	return x.queryUsers(ctx, "list users", "SELECT "+userColumns+" FROM users WHERE account_id = $1 ORDER BY username, id", accountID)
}

// FindUsersByTag implements store.Users.
func (x *executor) FindUsersByTag(ctx context.Context, accountIDs []string, sha1 bool, tag int64) ([]*store.User, error) {
	column := "md5_tag"
	if sha1 {
		column = "sha1_tag"
	}
	out := []*store.User{}
	if tag == 0 {
		return out, nil
	}
	for chunk := range chunks(accountIDs, x.d.maxKeys) {
		var q where
		q.and(column + " = " + q.arg(tag))
		if x.d.maxKeys == 0 {
			q.and("account_id = ANY(" + q.arg(chunk) + ")")
		} else {
			q.in("account_id", chunk)
		}
		us, err := x.queryUsers(ctx, "find users", "SELECT "+userColumns+" FROM users"+q.clause()+" ORDER BY id", q.args...)
		if err != nil {
			return nil, err
		}
		out = append(out, us...)
	}
	return out, nil
}

// FindAccountIDs implements store.Users.
func (x *executor) FindAccountIDs(ctx context.Context, nameKey, realm string) ([]string, error) {
	column, value := "name_key", nameKey
	if nameKey == "" {
		column, value = "realm", realm
	}
	if value == "" {
		return []string{}, nil
	}
	ids, err := nonNil(collect(x.query(ctx, "SELECT id FROM accounts WHERE "+column+" = $1 ORDER BY id", value),
		func(row scanner) (string, error) {
			var id string
			return id, row.Scan(&id)
		}))
	if err != nil {
		return nil, x.d.internal("find accounts", value, err)
	}
	return ids, nil
}
