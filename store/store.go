// Package store defines how Numan persists numbers, accounts, system
// configuration, carrier orders, billing and port requests. The one implementation,
// store/sqlstore, serves SQLite and PostgreSQL and passes the conformance
// suite in store/storetest.
//
// Every write of a number or an account is conditional on the version that
// was read: of two concurrent writers exactly one wins, the other gets a
// number.KindConflict error. Errors carry number kinds: KindNotFound for a
// missing row, KindNumberExists for an insert of a number already stored.
//
// Writes that must happen together (a number's new state and its ledger
// entries) go through Store.InTx: all of them commit, or none.
package store

import (
	"context"
	"encoding/json"
	"errors"

	"github.com/numan-dev/numan/number"
)

// Store is the whole persistence contract. It has no optional parts: every
// store keeps every table.
type Store interface {
	Data
	// InTx runs fn in one transaction, committed when fn returns nil and
	// rolled back when it returns an error or panics (the panic goes on);
	// an error of the commit itself is returned. tx must not be used after
	// fn returns, and InTx must not be called again inside fn (there are
	// no nested transactions). While fn runs it holds a connection (on
	// SQLite, the only writer), so fn must write through tx, never through
	// the Store, and should do no slow work such as carrier calls.
	//
	// When a method of tx returns an error, fn should end and return an
	// error: on PostgreSQL a failed statement aborts the transaction (the
	// commit then fails), on SQLite it does not; do not rely on either.
	// Results that are not failures of a statement (KindNotFound from a
	// read, KindConflict from a conditional write) leave tx usable.
	InTx(ctx context.Context, fn func(tx Tx) error) error
	// Ping checks the database is reachable.
	Ping(ctx context.Context) error
	// Ready checks the database can serve requests: a read, and a write
	// unless the database is a read-only standby (then reads are all it
	// can serve). A database that refuses writes (a read-only file, a
	// read-only transaction mode, revoked rights) is not ready.
	Ready(ctx context.Context) error
	// Close releases the database.
	Close() error
}

// Data is every read and write of the store: what a Store does on its
// own (each method atomic by itself) and what a Tx does inside one
// transaction.
type Data interface {
	Numbers
	Accounts
	Configs
	CarrierOrders
	Billing
	Users
	Ports
	Recurring
	Requests
	Events
}

// Tx is a transaction of InTx, valid only while InTx's fn runs. Its reads
// see its own writes. Conditional writes behave as on the Store: of two
// transactions writing the same version, one wins and the other gets
// KindConflict. A method that takes several statements on the Store (a
// bulk insert, a ledger append) runs them in the Tx's transaction.
type Tx interface {
	Data
	// GetNumberForUpdate is GetNumber, and locks the number until the
	// transaction ends, so a concurrent transaction reading it for update
	// waits instead of failing later on the version (PostgreSQL; SQLite's
	// single writer already serialises transactions).
	GetNumberForUpdate(ctx context.Context, e164 string) (*number.Number, error)
	// LockAccount checks the account exists and keeps it from being
	// deleted until the transaction ends (a key share lock on PostgreSQL);
	// KindNotFound when it does not exist. A write that gives a number an
	// owner calls it, so nothing is ever owned by a missing account.
	LockAccount(ctx context.Context, id string) error
	// GetPortForUpdate is GetPort, and locks the port request until the
	// transaction ends (PostgreSQL; SQLite's single writer already
	// serialises transactions), so concurrent changes of one request wait
	// for each other instead of failing on the version.
	GetPortForUpdate(ctx context.Context, id string) (*PortRequest, error)
}

// NumberUpdater is an optional capability of a Store (found by type
// assertion): UpdateNumberFrom writes, as one atomic write, what a
// transaction of Tx.LockAccount(owner) (when owner is set) and
// Numbers.UpdateNumber(n) writes, taking the event's before from before,
// the number as read at n.Version (a write conditional on that version
// finds the same row). store/sqlstore does it in one statement on
// PostgreSQL, where the transaction takes five round trips. Its errors are
// UpdateNumber's, and, when owner does not exist, KindNotFound wrapping
// ErrOwnerNotFound; nothing is written then.
type NumberUpdater interface {
	UpdateNumberFrom(ctx context.Context, before, n *number.Number, owner string) error
}

// NumberPreparer is an optional capability of a Store (found by type
// assertion): PrepareNumbers does, before a transaction, the work of
// inserting new numbers that needs no database (encoding their rows and
// their events), so that the transaction, which on SQLite holds the only
// writer while other writers wait, only writes. Versions and events are
// those of Numbers.InsertNumbers(ns); ns must not change before Insert.
type NumberPreparer interface {
	PrepareNumbers(ctx context.Context, ns []*number.Number) (PreparedNumbers, error)
}

// PreparedNumbers are new numbers a NumberPreparer encoded.
type PreparedNumbers interface {
	// Insert is tx.InsertNumbers of the prepared numbers, with its
	// errors; tx is a transaction of the store that prepared them.
	Insert(ctx context.Context, tx Tx) error
}

// ErrOwnerNotFound is wrapped by NumberUpdater's KindNotFound when the
// number's new owner does not exist.
var ErrOwnerNotFound = errors.New("the new owner does not exist")

// Numbers persists number records.
type Numbers interface {
	// GetNumber returns the number stored under e164, or KindNotFound.
	GetNumber(ctx context.Context, e164 string) (*number.Number, error)
	// GetNumbers returns the stored numbers among e164s, keyed by number;
	// missing numbers are simply absent.
	GetNumbers(ctx context.Context, e164s []string) (map[string]*number.Number, error)
	// InsertNumber stores a new number and sets n.Version to 1; a number
	// already stored gives KindNumberExists.
	InsertNumber(ctx context.Context, n *number.Number) error
	// InsertNumbers stores many new numbers in one transaction, all or
	// nothing; a number already stored gives KindNumberExists naming it.
	InsertNumbers(ctx context.Context, ns []*number.Number) error
	// UpdateNumber writes n if the stored version is still n.Version, then
	// increments n.Version; otherwise KindConflict (or KindNotFound).
	UpdateNumber(ctx context.Context, n *number.Number) error
	// ConfirmNumber succeeds only once the number is durably stored at
	// version: where commits wait for standbys (PostgreSQL), a conditional
	// update that changes nothing, committed like a write; elsewhere a
	// read. KindConflict at another version, KindNotFound when gone. A
	// request that changes nothing answers success only after it: after a
	// primary's crash, what it read may be a commit no standby has (the
	// failover test in scripts/ha found a number sold twice that way).
	ConfirmNumber(ctx context.Context, e164 string, version int64) error
	// DeleteNumber removes the number if its stored version is version;
	// otherwise KindConflict (or KindNotFound).
	DeleteNumber(ctx context.Context, e164 string, version int64) error
	// ListNumbers pages through numbers in number order.
	ListNumbers(ctx context.Context, q ListQuery) (Page, error)
	// SearchNumbers finds numbers by prefix, state, module and owner, in
	// number order, for carrier searches.
	SearchNumbers(ctx context.Context, q SearchQuery) ([]*number.Number, error)
	// CountNumbersByState counts every stored number by state.
	CountNumbersByState(ctx context.Context) (map[number.State]int64, error)
}

// ListQuery selects a page of numbers.
type ListQuery struct {
	AssignedTo string         // only numbers owned by this account; "" = all
	States     []number.State // only these states; empty = all
	Prefix     string         // only numbers starting with this E.164 prefix
	Modules    []string       // only numbers of these carrier modules; empty = any
	Features   []string       // only numbers with one of these active features (e911, outbound_cnam, ...); empty = any
	StartKey   string         // first number of the page (inclusive); "" = from the start
	Limit      int            // page size; 0 = no limit
}

// Page is one page of a listing; NextStartKey is "" on the last page.
type Page struct {
	Numbers      []*number.Number
	NextStartKey string
}

// SearchQuery selects numbers for a carrier search. Prefix bounds the search:
// only numbers starting with it match (Kazoo's unbounded end key is a bug).
type SearchQuery struct {
	Prefix     string         // E.164 prefix, e.g. +1415
	States     []number.State // empty = any
	Modules    []string       // carrier modules; empty = any
	AssignedTo string         // "" = any owner
	Pool       string         // the account whose private inventory holds it (managed); "" = any
	Offset     int
	Limit      int
}

// Accounts persists the account tree.
type Accounts interface {
	// InsertAccount stores a new account; its Tree must already be set.
	InsertAccount(ctx context.Context, a *number.Account) error
	// GetAccount returns one account, or KindNotFound.
	GetAccount(ctx context.Context, id string) (*number.Account, error)
	// GetAccounts returns the stored accounts among ids; missing ones are absent.
	GetAccounts(ctx context.Context, ids []string) (number.Accounts, error)
	// GetAccountByAPIKeyHash returns the account whose APIKeyHash is hash, or KindNotFound.
	GetAccountByAPIKeyHash(ctx context.Context, hash string) (*number.Account, error)
	// UpdateAccount writes a if its stored version is still a.Version.
	UpdateAccount(ctx context.Context, a *number.Account) error
	// DeleteAccount removes an account; KindNotFound when missing, and
	// KindAccountHasNumbers while numbers are assigned to it (checked by
	// the database, against concurrent writes too).
	DeleteAccount(ctx context.Context, id string) error
	// CountAccountNumbers counts the numbers assigned to an account.
	CountAccountNumbers(ctx context.Context, id string) (int64, error)
	// ListChildren returns the direct children of id, by name.
	ListChildren(ctx context.Context, id string) ([]*number.Account, error)
	// ListDescendants returns every account below id, by name; one query.
	ListDescendants(ctx context.Context, id string) ([]*number.Account, error)
	// CountAccounts counts every stored account.
	CountAccounts(ctx context.Context) (int, error)
}

// Configs persists system-config documents (number_manager,
// number_manager.<carrier>, ...), each a JSON object.
type Configs interface {
	// GetConfig returns the stored document id, or KindNotFound.
	GetConfig(ctx context.Context, id string) (json.RawMessage, error)
	// PutConfig stores (creates or replaces) document id.
	PutConfig(ctx context.Context, id string, doc json.RawMessage) error
	// DeleteConfig removes document id; a missing one is KindNotFound.
	DeleteConfig(ctx context.Context, id string) error
	// ListConfigs returns the id of every stored document, sorted.
	ListConfigs(ctx context.Context) ([]string, error)
}
