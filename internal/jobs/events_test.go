package jobs_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/numan-dev/numan/event"
	"github.com/numan-dev/numan/internal/config"
	"github.com/numan-dev/numan/internal/jobs"
	"github.com/numan-dev/numan/internal/manager"
	"github.com/numan-dev/numan/number"
	"github.com/numan-dev/numan/store"
	"github.com/numan-dev/numan/store/storetest"
)

// Events older than event_retention_days are pruned by the jobs; younger
// ones stay; 0 keeps them all. On both stores.
func TestEventsPruned(t *testing.T) {
	storetest.EachStore(t, func(t *testing.T, st store.Store) {
		ctx := context.Background()
		now := time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)
		for i, age := range []time.Duration{31 * 24 * time.Hour, 29 * 24 * time.Hour} {
			at := now.Add(-age)
			wctx := event.WithClock(ctx, func() time.Time { return at })
			if err := st.InsertNumber(wctx, number.New([]string{"+14155550100", "+14155550101"}[i], number.Available, "local", at)); err != nil {
				t.Fatal(err)
			}
		}
		m := manager.New(st, config.NewSource(st, "", time.Nanosecond), manager.Options{Now: func() time.Time { return now }})
		r := &jobs.Runner{Manager: m}
		for _, tc := range []struct {
			days   int
			pruned int64
			left   int
		}{{0, 0, 2}, {30, 1, 1}, {30, 0, 1}} {
			if err := st.PutConfig(ctx, "number_manager", json.RawMessage(`{"default":{"event_retention_days":`+jsonInt(tc.days)+`}}`)); err != nil {
				t.Fatal(err)
			}
			rep := r.RunOnce(ctx)
			if rep.PrunedEvents != tc.pruned {
				t.Errorf("retention %d days: pruned %d, want %d (%v)", tc.days, rep.PrunedEvents, tc.pruned, rep.Errors)
			}
			if es, _ := st.ListEvents(ctx, event.Query{}); len(es) != tc.left {
				t.Errorf("retention %d days: %d events left, want %d", tc.days, len(es), tc.left)
			}
		}
	})
}

func jsonInt(n int) string { raw, _ := json.Marshal(n); return string(raw) }
