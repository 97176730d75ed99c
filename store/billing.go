package store

import (
	"context"
	"encoding/json"
	"time"
)

// ServicePlan is a stored service-plan document. The store keeps the
// document opaque (package internal/billing gives it meaning); it indexes
// only who owns it and the currency its prices are in.
type ServicePlan struct {
	ID       string
	OwnerID  string // the master or reseller account that manages it
	Name     string
	Currency string // ISO 4217 code; every price in Doc is in it
	Doc      json.RawMessage
	Created  time.Time
	Modified time.Time
	Version  int64 // incremented on every write; 0 = never stored
}

// Ledger entry types.
const (
	LedgerDebit  = "debit"  // a charge to the account
	LedgerCredit = "credit" // money added to the account's credit
)

// LedgerEntry is one immutable line of an account's ledger: a charge for a
// number's activation, or credit added. Amounts are integer minor units of
// Currency (cents for USD), always positive; Type says which way they go.
type LedgerEntry struct {
	ID          int64 // assigned by the store, increasing
	AccountID   string
	Type        string // LedgerDebit or LedgerCredit
	Reason      string // e.g. "number_activation", "manual_addition"
	Number      string // the number charged for; "" for credit
	Category    string // billing category of the main item (phone_numbers, number_services, ...)
	Item        string // billing item (did_us, e911, ...)
	Description string
	AmountMinor int64
	Currency    string
	RequestID   string
	Detail      json.RawMessage // the lines that make up the amount, as JSON; may be nil
	Created     time.Time
}

// LedgerQuery selects an account's ledger entries, oldest first.
type LedgerQuery struct {
	AccountID string
	Since     time.Time // inclusive; zero = from the start
	Until     time.Time // exclusive; zero = up to now
	AfterID   int64     // only entries with a larger ID (paging)
	RequestID string    // only entries of this request; "" = any
	Limit     int       // 0 = no limit
}

// Credit is an account's prepaid balance. An account has one once credit
// was first added; from then on activations it cannot cover are refused.
type Credit struct {
	AccountID    string
	BalanceMinor int64 // may go below zero when concurrent purchases raced the check
	Currency     string
	Modified     time.Time
}

// Billing persists service plans, which accounts they apply to, the ledger
// and credit balances. Part of Data.
type Billing interface {
	// InsertServicePlan stores a new plan and sets p.Version to 1; an
	// existing id gives KindConflict.
	InsertServicePlan(ctx context.Context, p *ServicePlan) error
	// UpdateServicePlan writes p if its stored version is still p.Version,
	// then increments p.Version; otherwise KindConflict (or KindNotFound).
	UpdateServicePlan(ctx context.Context, p *ServicePlan) error
	// GetServicePlan returns one plan, or KindNotFound.
	GetServicePlan(ctx context.Context, id string) (*ServicePlan, error)
	// ListServicePlans returns the plans owned by ownerID ("" = every
	// plan), by name.
	ListServicePlans(ctx context.Context, ownerID string) ([]*ServicePlan, error)
	// DeleteServicePlan removes a plan; KindNotFound when missing,
	// KindConflict while an account still uses it.
	DeleteServicePlan(ctx context.Context, id string) error

	// LinkServicePlan makes a plan apply to an account (again linking a
	// linked plan changes nothing); KindNotFound when the plan is missing.
	LinkServicePlan(ctx context.Context, accountID, planID string, at time.Time) error
	// UnlinkServicePlan stops a plan applying to an account; KindNotFound
	// when it did not.
	UnlinkServicePlan(ctx context.Context, accountID, planID string) error
	// LinkedServicePlans returns the plans linked to each of accountIDs, in
	// the order they were linked; accounts without plans are absent.
	LinkedServicePlans(ctx context.Context, accountIDs []string) (map[string][]*ServicePlan, error)

	// AppendLedger stores entries in one transaction, setting their IDs,
	// and moves the balance of every account that has credit (a credit
	// entry creates the balance). An entry in another currency than the
	// account's balance gives KindInvalid and nothing is stored.
	AppendLedger(ctx context.Context, entries []*LedgerEntry) error
	// ListLedger returns the entries q selects, oldest first.
	ListLedger(ctx context.Context, q LedgerQuery) ([]*LedgerEntry, error)
	// GetCredit returns an account's balance, or KindNotFound when the
	// account never had credit.
	GetCredit(ctx context.Context, accountID string) (*Credit, error)
}
