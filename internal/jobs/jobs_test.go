package jobs_test

import (
	"context"
	"encoding/json"
	"path/filepath"
	"testing"
	"time"

	// The local carrier declares the default module number_manager's
	// defaults name (Kazoo's knm_local).
	"github.com/numan-dev/numan/carrier/carriertest"
	_ "github.com/numan-dev/numan/carrier/storesearch"
	"github.com/numan-dev/numan/internal/billing"
	"github.com/numan-dev/numan/internal/config"
	"github.com/numan-dev/numan/internal/jobs"
	"github.com/numan-dev/numan/internal/manager"
	"github.com/numan-dev/numan/internal/ports"
	"github.com/numan-dev/numan/number"
	"github.com/numan-dev/numan/store"
	"github.com/numan-dev/numan/store/sqlite"
)

func TestAgingNumbersBecomeAvailable(t *testing.T) {
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "numan.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	now := time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)
	if err := st.PutConfig(ctx, "number_manager", json.RawMessage(`{"default":{"aging_expiry_d":90}}`)); err != nil {
		t.Fatal(err)
	}
	old := number.New("+14155550100", number.Aging, "local", now.Add(-91*24*time.Hour))
	fresh := number.New("+14155550101", number.Aging, "local", now.Add(-89*24*time.Hour))
	if err := st.InsertNumbers(ctx, []*number.Number{old, fresh}); err != nil {
		t.Fatal(err)
	}
	if err := st.RememberSearch(ctx, "q", []store.Discovered{{Number: "+14155550199", Carrier: "x", State: number.Discovery}}, now.Add(-time.Second)); err != nil {
		t.Fatal(err)
	}
	m := manager.New(st, config.NewSource(st, "", time.Nanosecond), manager.Options{Now: func() time.Time { return now }})

	ticks := make(chan time.Time)
	runCtx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	r := &jobs.Runner{Manager: m, Tick: func(time.Duration) (<-chan time.Time, func()) { return ticks, func() {} }}
	go func() { defer close(done); _ = r.Run(runCtx) }()
	ticks <- now // the first pass ran before this tick was taken
	cancel()
	<-done

	if n, _ := st.GetNumber(ctx, old.Number); n.State != number.Available {
		t.Fatalf("old aging number: %s", n.State)
	}
	if n, _ := st.GetNumber(ctx, fresh.Number); n.State != number.Aging {
		t.Fatalf("fresh aging number: %s", n.State)
	}
	if rep := r.RunOnce(ctx); rep.Aged != 0 || rep.Purged != 0 || len(rep.Errors) != 0 {
		t.Fatalf("second pass: %+v", rep)
	}
}

// TestPortRequestsFollowed: a pass submits the port requests waiting for
// their carrier.
func TestPortRequestsFollowed(t *testing.T) {
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "numan.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	carriertest.RegisterFake()
	fake := carriertest.NewFake(t)
	settings, _ := json.Marshal(map[string]any{"default": fake.Settings()})
	if err := st.PutConfig(ctx, "number_manager.fake", settings); err != nil {
		t.Fatal(err)
	}
	if err := st.PutConfig(ctx, "number_manager", json.RawMessage(`{"default":{"port_carrier":"fake"}}`)); err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)
	master := &number.Account{ID: "00000000000000000000000000000001", Name: "master", Enabled: true, SuperduperAdmin: true, Created: now, Modified: now}
	if err := st.InsertAccount(ctx, master); err != nil {
		t.Fatal(err)
	}
	m := manager.New(st, config.NewSource(st, "", time.Nanosecond), manager.Options{Now: func() time.Time { return now }})
	svc := ports.New(m, ports.Options{Now: func() time.Time { return now }})
	body := number.Doc{}
	body.Set("name", "p")
	body.Set("numbers", map[string]any{"+14155550100": map[string]any{}})
	v, err := svc.Create(ctx, ports.Caller(master), master.ID, body)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Transition(ctx, ports.Caller(master), master.ID, v["id"].(string), ports.Submitted, nil, ""); err != nil {
		t.Fatal(err)
	}
	rep := (&jobs.Runner{Manager: m, Ports: svc}).RunOnce(ctx)
	if rep.Ports.Submitted != 1 || len(fake.PortSubmissions()) != 1 {
		t.Fatalf("pass: %+v", rep)
	}
}

// TestBookkeepingPace: the runner records the accounts' bills at its
// first pass and then at most once every BooksEvery, on its clock.
func TestBookkeepingPace(t *testing.T) {
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "numan.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	now := time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)
	acc := &number.Account{ID: "00000000000000000000000000000009", Name: "A", Tree: []string{}, Enabled: true, Created: now, Modified: now}
	if err := st.InsertAccount(ctx, acc); err != nil {
		t.Fatal(err)
	}
	n := number.New("+14155550100", number.InService, "local", now)
	n.AssignedTo = acc.ID
	if err := st.InsertNumbers(ctx, []*number.Number{n}); err != nil {
		t.Fatal(err)
	}
	clock := func() time.Time { return now }
	m := manager.New(st, config.NewSource(st, "", time.Nanosecond), manager.Options{Now: clock})
	bill := billing.New(st, billing.ClassifyWith(m), billing.Options{Now: clock})
	r := &jobs.Runner{Manager: m, Books: billing.NewBooks(st, bill), BooksEvery: time.Hour, Now: clock}
	for i, want := range []int{1, 0, 1} {
		if i == 2 {
			now = now.Add(24 * time.Hour)
		}
		if rep := r.RunOnce(ctx); rep.Books.Recorded != want || len(rep.Errors) > 0 {
			t.Fatalf("pass %d: %+v", i, rep)
		}
	}
}
