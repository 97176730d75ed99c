package store

import (
	"context"
	"encoding/json"
	"time"

	"github.com/numan-dev/numan/number"
)

// Recurring posting states.
const (
	PostingPosted = "posted" // its ledger entry is stored
	PostingOwed   = "owed"   // the account's credit could not cover it yet
)

// RecurringDay is an account's monthly recurring bill as the bookkeeping
// job saw it on one day: what a whole month of that day would cost.
type RecurringDay struct {
	AccountID   string
	Day         string // UTC, YYYY-MM-DD
	Currency    string
	AmountMinor int64
	// Detail is the bill's lines, as JSON (billing decides the shape).
	Detail json.RawMessage
}

// RecurringPosting is the recurring charge of one account for one month,
// stored once: its key (AccountID, Period) is what keeps a rerun, or
// another node, from charging the month twice.
type RecurringPosting struct {
	AccountID   string
	Period      string // YYYY-MM
	Currency    string
	AmountMinor int64
	Days        int    // the days of the month it covers
	Status      string // PostingPosted or PostingOwed
	LedgerID    int64  // the ledger entry of a posted posting; 0 when owed
	Detail      json.RawMessage
	Created     time.Time
	Modified    time.Time
}

// Recurring persists what the bookkeeping job records: each account's
// daily bill and the month's postings. Part of Data.
type Recurring interface {
	// RecurringAccounts returns, sorted, the accounts that hold numbers
	// in one of states, and those with a day recorded on or after since
	// (YYYY-MM-DD), whose bill may have dropped to nothing since.
	RecurringAccounts(ctx context.Context, states []number.State, since string) ([]string, error)
	// PutRecurringDays stores the days that are not stored yet; a day
	// already stored for its account is left as it is. It returns how
	// many were stored.
	PutRecurringDays(ctx context.Context, days []*RecurringDay) (int, error)
	// LastRecurringDay returns an account's latest day on or before day,
	// or KindNotFound.
	LastRecurringDay(ctx context.Context, accountID, day string) (*RecurringDay, error)
	// ListRecurringDays returns an account's days from from to to
	// (YYYY-MM-DD, both included), oldest first.
	ListRecurringDays(ctx context.Context, accountID, from, to string) ([]*RecurringDay, error)
	// InsertRecurringPosting stores a posting; KindConflict when its
	// account and period have one already.
	InsertRecurringPosting(ctx context.Context, p *RecurringPosting) error
	// SettleRecurringPosting marks an owed posting posted with its ledger
	// entry; KindConflict when it is not owed (another node settled it).
	SettleRecurringPosting(ctx context.Context, accountID, period string, ledgerID int64, at time.Time) error
	// ListRecurringPostings returns postings, oldest period first, of one
	// account ("" = all) in one status ("" = any).
	ListRecurringPostings(ctx context.Context, accountID, status string) ([]*RecurringPosting, error)
}
