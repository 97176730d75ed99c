package httpx

import (
	"context"
	"errors"
	"time"
)

// ErrStillPending is returned by Poll when the carrier has not settled the
// order within the bounds. The order may still complete at the carrier, so
// the caller must report it as unsettled, not as failed-and-forgotten.
var ErrStillPending = errors.New("order still pending at the carrier")

// Poller follows an asynchronous carrier order (Bandwidth orders and
// disconnects, Telnyx number orders) until it settles, within bounds both in
// time and in number of checks, so that a zero Interval in tests cannot
// spin forever.
type Poller struct {
	// Interval is the wait between checks.
	Interval time.Duration
	// MaxWait bounds the whole wait; 0 means only MaxChecks bounds it.
	MaxWait time.Duration
	// MaxChecks bounds the number of checks; 0 means MaxWait/Interval+1,
	// or 30 when that cannot be computed.
	MaxChecks int
	// Sleep waits between checks; nil means Sleep.
	Sleep Sleeper
}

// Poll calls check until it reports done or fails. It returns
// ErrStillPending (wrapped with ctx's error if the context ended first)
// when the bounds run out.
func (p Poller) Poll(ctx context.Context, check func(ctx context.Context) (done bool, err error)) error {
	if p.MaxWait > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, p.MaxWait)
		defer cancel()
	}
	sleep := p.Sleep
	if sleep == nil {
		sleep = Sleep
	}
	maxChecks := p.MaxChecks
	if maxChecks <= 0 {
		maxChecks = 30
		if p.Interval > 0 && p.MaxWait > 0 {
			maxChecks = int(p.MaxWait/p.Interval) + 1
		}
	}
	for i := 1; ; i++ {
		done, err := check(ctx)
		if err != nil {
			if ctx.Err() != nil {
				return errors.Join(ErrStillPending, err)
			}
			return err
		}
		if done {
			return nil
		}
		if i >= maxChecks {
			return ErrStillPending
		}
		if err := sleep(ctx, p.Interval); err != nil {
			return errors.Join(ErrStillPending, err)
		}
	}
}
