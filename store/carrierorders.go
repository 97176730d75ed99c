package store

import (
	"context"
	"time"

	"github.com/numan-dev/numan/number"
)

// Discovered is a number a carrier offered in a search, remembered so that
// paging through the results is stable and buying it goes to the carrier
// that offered it.
type Discovered struct {
	Number      string
	Carrier     string
	State       number.State
	CarrierData number.Doc
}

// PendingDisconnect is a carrier release that failed and waits for a retry.
type PendingDisconnect struct {
	Number      string
	Carrier     string
	CarrierData number.Doc
	Attempts    int
	NextAttempt time.Time
	LastError   string
}

// CarrierOrders persists what Numan owes carriers or got from them:
// remembered search results and releases to retry. Part of Data.
type CarrierOrders interface {
	// RememberSearch replaces the results kept for queryID with found, in
	// order, until expires.
	RememberSearch(ctx context.Context, queryID string, found []Discovered, expires time.Time) error
	// RecallSearch returns up to limit results of queryID from offset, and
	// how many there are; ok is false when nothing unexpired is kept.
	RecallSearch(ctx context.Context, queryID string, now time.Time, offset, limit int) (found []Discovered, total int, ok bool, err error)
	// DiscoveredNumber returns the most recent unexpired offer of a number,
	// or KindNotFound.
	DiscoveredNumber(ctx context.Context, e164 string, now time.Time) (*Discovered, error)
	// PurgeDiscovery drops expired search results and returns how many.
	PurgeDiscovery(ctx context.Context, now time.Time) (int, error)

	// QueueDisconnect records (or replaces) a release to retry.
	QueueDisconnect(ctx context.Context, d PendingDisconnect) error
	// DueDisconnects returns up to limit releases whose NextAttempt has come.
	DueDisconnects(ctx context.Context, now time.Time, limit int) ([]PendingDisconnect, error)
	// PendingDisconnect returns the release of e164 waiting for a retry, or
	// KindNotFound when none waits.
	PendingDisconnect(ctx context.Context, e164 string) (*PendingDisconnect, error)
	// DeleteDisconnect forgets a release (it succeeded, or the number came back).
	DeleteDisconnect(ctx context.Context, e164 string) error
}
