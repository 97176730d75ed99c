// Package jobs runs Numan's background work: aging released numbers back
// to available, dropping expired search results, retrying failed carrier
// releases, settling interrupted purchases, finishing what feature
// providers left open (SettleFeatures), following port requests at
// the carriers they were submitted to (ports.FollowCarriers), and posting
// the monthly charges (billing.Books), and pruning events older than
// event_retention_days. Each pass is one call of
// RunOnce; Run repeats it on a ticker until its context ends. Time comes
// from the manager's clock and the injected ticker, so tests never sleep.
package jobs

import (
	"context"
	"log/slog"
	"time"

	"github.com/numan-dev/numan/event"
	"github.com/numan-dev/numan/internal/billing"
	"github.com/numan-dev/numan/internal/manager"
	"github.com/numan-dev/numan/internal/ports"
)

// Runner runs the background jobs over a manager.
type Runner struct {
	Manager *manager.Manager
	// Ports, when set, follows port requests at their carriers.
	Ports  *ports.Service
	Logger *slog.Logger
	// Every is the time between passes (default one minute).
	Every time.Duration
	// StalePurchase is how old a purchase intent must be before
	// reconciliation settles it: longer than any carrier call may take, so
	// a purchase in progress on another node is left alone (default five
	// minutes).
	StalePurchase time.Duration
	// Tick returns the channel that paces the passes; nil uses a time.Ticker.
	Tick func(d time.Duration) (<-chan time.Time, func())
	// Books, when set, records the accounts' daily bills and posts the
	// monthly charges (billing.Books), at most once every BooksEvery
	// (default an hour): a pass is a query per account.
	Books      *billing.Books
	BooksEvery time.Duration
	// Keys, when set, forgets the expired idempotency keys on every pass.
	Keys interface {
		Purge(ctx context.Context) (int, error)
	}
	// Now is the clock of the bookkeeping (default time.Now).
	Now       func() time.Time
	lastBooks time.Time
}

// Report says what one pass did.
type Report struct {
	Aged         int
	Purged       int
	Disconnected int
	Reconciled   manager.ReconcileReport
	Features     manager.FeatureReport
	Ports        ports.FollowReport
	Books        billing.BooksReport
	PrunedEvents int64 // events older than event_retention_days removed
	Errors       []error
}

// RunOnce runs every job once. A job that fails does not stop the others.
func (r *Runner) RunOnce(ctx context.Context) Report {
	var rep Report
	var err error
	ctx = event.WithClock(event.WithActor(ctx, event.Actor{Via: "job"}, ""), r.Manager.Now)
	if rep.Aged, err = r.Manager.AgeNumbers(ctx); err != nil {
		rep.Errors = append(rep.Errors, err)
	}
	if rep.Purged, err = r.Manager.PurgeDiscovery(ctx); err != nil {
		rep.Errors = append(rep.Errors, err)
	}
	if rep.Disconnected, err = r.Manager.RetryDisconnects(ctx); err != nil {
		rep.Errors = append(rep.Errors, err)
	}
	if rep.Reconciled, err = r.Manager.Reconcile(ctx, r.stale()); err != nil {
		rep.Errors = append(rep.Errors, err)
	}
	if rep.PrunedEvents, err = r.Manager.PruneEvents(ctx); err != nil {
		rep.Errors = append(rep.Errors, err)
	}
	if rep.Features, err = r.Manager.SettleFeatures(ctx); err != nil {
		rep.Errors = append(rep.Errors, err)
	}
	if r.Ports != nil {
		rep.Ports = r.Ports.FollowCarriers(ctx)
		rep.Errors = append(rep.Errors, rep.Ports.Errors...)
	}
	if r.Keys != nil {
		if _, err := r.Keys.Purge(ctx); err != nil {
			rep.Errors = append(rep.Errors, err)
		}
	}
	if r.Books != nil {
		now := time.Now
		if r.Now != nil {
			now = r.Now
		}
		every := r.BooksEvery
		if every <= 0 {
			every = time.Hour
		}
		if t := now(); r.lastBooks.IsZero() || t.Sub(r.lastBooks) >= every {
			r.lastBooks = t
			rep.Books, err = r.Books.Run(ctx, t)
			if err != nil {
				rep.Errors = append(rep.Errors, err)
			}
			rep.Errors = append(rep.Errors, rep.Books.Errors...)
		}
	}
	return rep
}

func (r *Runner) stale() time.Duration {
	if r.StalePurchase > 0 {
		return r.StalePurchase
	}
	return 5 * time.Minute
}

// Run runs a pass at once and then every r.Every until ctx ends.
func (r *Runner) Run(ctx context.Context) error {
	every := r.Every
	if every <= 0 {
		every = time.Minute
	}
	tick := r.Tick
	if tick == nil {
		tick = func(d time.Duration) (<-chan time.Time, func()) {
			t := time.NewTicker(d)
			return t.C, t.Stop
		}
	}
	c, stop := tick(every)
	defer stop()
	for {
		r.log(ctx, r.RunOnce(ctx))
		select {
		case <-ctx.Done():
			return nil
		case <-c:
		}
	}
}

func (r *Runner) log(ctx context.Context, rep Report) {
	if r.Logger == nil {
		return
	}
	for _, err := range rep.Errors {
		r.Logger.ErrorContext(ctx, "background job failed", "err", err)
	}
	if f := rep.Features; f.Refreshed+f.Deprovisioned+f.Failed > 0 {
		r.Logger.InfoContext(ctx, "feature providers settled", "refreshed", f.Refreshed, "deprovisioned", f.Deprovisioned, "failed", f.Failed)
	}
	if p := rep.Ports; p.Submitted+p.Moved+p.Canceled > 0 {
		r.Logger.InfoContext(ctx, "port requests followed at their carriers", "submitted", p.Submitted, "moved", p.Moved, "canceled", p.Canceled)
	}
	if b := rep.Books; b.Recorded+b.Posted+b.Owed > 0 {
		r.Logger.InfoContext(ctx, "bookkeeping", "bills_recorded", b.Recorded, "months_posted", b.Posted, "months_owed", b.Owed)
	}
	if rep.Aged+rep.Purged+rep.Disconnected+len(rep.Reconciled.Recorded)+len(rep.Reconciled.Dropped) > 0 {
		r.Logger.InfoContext(ctx, "background jobs", "aged", rep.Aged, "purged_search_results", rep.Purged,
			"released_at_carrier", rep.Disconnected, "purchases_recorded", len(rep.Reconciled.Recorded),
			"purchases_dropped", len(rep.Reconciled.Dropped))
	}
}
