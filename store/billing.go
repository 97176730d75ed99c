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
// What it can spend is BalanceMinor - HeldMinor + LimitMinor: no debit and
// no hold ever takes BalanceMinor - HeldMinor below -LimitMinor.
type Credit struct {
	AccountID    string
	BalanceMinor int64
	HeldMinor    int64 // set aside by purchases not yet settled (Hold)
	LimitMinor   int64 // how far below zero the balance may go; 0 = not at all
	Currency     string
	Modified     time.Time
}

// Available is what the account can still spend.
func (c *Credit) Available() int64 { return c.BalanceMinor - c.HeldMinor + c.LimitMinor }

// Hold is money set aside against an account's balance for a purchase whose
// outcome is not known yet (the carrier has been or is being asked). It is
// released when the purchase is settled, in the same transaction as the
// debit that replaces it (bought) or instead of any debit (not bought).
type Hold struct {
	ID          string
	AccountID   string
	AmountMinor int64
	Currency    string
	Number      string // the number being bought
	RequestID   string
	Created     time.Time
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
	// account's balance gives KindInvalid, and a debit the account cannot
	// cover (Credit.Available) gives KindNotEnoughCredit; then nothing is
	// stored. Each debit appends its charge.posted event (package event)
	// in the same transaction. The balance is read locked, so concurrent
	// appends to one account serialise.
	AppendLedger(ctx context.Context, entries []*LedgerEntry) error
	// PlaceHold sets h.AmountMinor aside against h.AccountID's balance, if
	// the account has credit and can cover it (KindNotEnoughCredit
	// otherwise; KindInvalid in another currency); held is false, and
	// nothing is stored, when the account has no credit (it is billed
	// afterwards and has nothing to hold).
	PlaceHold(ctx context.Context, h *Hold) (held bool, err error)
	// ReleaseHold removes a hold and gives its amount back to what the
	// account can spend; KindNotFound when it was already released (a
	// purchase is settled once).
	ReleaseHold(ctx context.Context, id string) error
	// ListHolds returns an account's open holds, oldest first.
	ListHolds(ctx context.Context, accountID string) ([]*Hold, error)
	// SetCreditLimit sets how far below zero an account's balance may go
	// (limitMinor >= 0); KindNotFound when the account has no credit.
	SetCreditLimit(ctx context.Context, accountID string, limitMinor int64, at time.Time) error
	// ListLedger returns the entries q selects, oldest first.
	ListLedger(ctx context.Context, q LedgerQuery) ([]*LedgerEntry, error)
	// GetCredit returns an account's balance, or KindNotFound when the
	// account never had credit.
	GetCredit(ctx context.Context, accountID string) (*Credit, error)
}
