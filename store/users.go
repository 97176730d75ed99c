package store

import (
	"context"
	"encoding/json"
	"time"
)

// User is a person who signs in to an account (Kazoo's user document).
// Passwords are never stored: only slow, salted hashes of the credentials
// Kazoo clients send (see internal/users), and short keyed tags that find
// the candidates among an account's users without revealing anything.
type User struct {
	ID        string // 32 hex characters
	AccountID string
	// Username is lower case; unique within the account. "" for a user
	// who cannot sign in.
	Username  string
	Email     string
	FirstName string
	LastName  string
	Admin     bool // Kazoo's priv_level "admin"; else "user"
	Enabled   bool
	// MD5Tag and SHA1Tag are keyed tags of the user's credentials
	// digests (0 without credentials): a sign-in looks its candidates up
	// by them.
	MD5Tag  int64
	SHA1Tag int64
	// MD5Hash and SHA1Hash are the argon2id hashes (PHC strings) of the
	// MD5 and SHA-1 credentials digests; "" without credentials.
	MD5Hash  string
	SHA1Hash string
	// Stamp changes whenever the user's credentials, status or rights
	// change: auth tokens carry it, so such a change ends the user's
	// sessions on every node.
	Stamp string
	// Public is the user's other fields, kept as sent (a JSON object).
	Public   json.RawMessage
	Created  time.Time
	Modified time.Time
	Version  int64
}

// Users persists users. Writes are conditional on the version read, as
// for numbers and accounts.
type Users interface {
	// InsertUser stores a new user and sets u.Version to 1. A username the
	// account already has gives KindConflict with the cause
	// "username_not_unique".
	InsertUser(ctx context.Context, u *User) error
	// GetUser returns the account's user id, or KindNotFound.
	GetUser(ctx context.Context, accountID, id string) (*User, error)
	// GetUserByUsername returns the account's user with that (lower case)
	// username, or KindNotFound.
	GetUserByUsername(ctx context.Context, accountID, username string) (*User, error)
	// UpdateUser writes u if its stored version is still u.Version, then
	// increments u.Version; otherwise KindConflict (or KindNotFound). A
	// username the account already has gives KindConflict with the cause
	// "username_not_unique".
	UpdateUser(ctx context.Context, u *User) error
	// DeleteUser removes the account's user id, or KindNotFound.
	DeleteUser(ctx context.Context, accountID, id string) error
	// ListUsers returns the account's users, by username.
	ListUsers(ctx context.Context, accountID string) ([]*User, error)
	// FindUsersByTag returns the enabled and disabled users of the
	// accounts whose MD5 tag (sha1 false) or SHA-1 tag (sha1 true) is tag.
	FindUsersByTag(ctx context.Context, accountIDs []string, sha1 bool, tag int64) ([]*User, error)
	// FindAccountIDs returns the ids of the accounts a sign-in names: by
	// normalised name (lower case letters and digits, as Kazoo compares
	// account names), or by realm (lower case); "" matches nothing.
	FindAccountIDs(ctx context.Context, nameKey, realm string) ([]string, error)
}
