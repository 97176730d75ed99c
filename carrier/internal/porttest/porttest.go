// Package porttest runs carrier porting end to end against a carrier's
// fake server: a port request created and submitted through the ports
// service, submitted to the carrier (number_manager.port_carrier) and
// followed by the background pass (ports.FollowCarriers) through the
// carrier's states, with the carrier built by name from its settings as
// numan serve builds it.
package porttest

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/numan-dev/numan/carrier/internal/storetesting"
	_ "github.com/numan-dev/numan/carrier/storesearch" // the local carrier, number_manager's default module
	"github.com/numan-dev/numan/internal/accounts"
	"github.com/numan-dev/numan/internal/config"
	"github.com/numan-dev/numan/internal/manager"
	"github.com/numan-dev/numan/internal/ports"
	"github.com/numan-dev/numan/number"
)

// Step is one look of the follower at the carrier.
type Step struct {
	// Set scripts the fake's answer for this look.
	Set func()
	// Want is the request's state after the look.
	Want ports.State
	// Comment, when set, must be in one of the request's comments the
	// submitter sees after the look (the carrier's reason for a
	// rejection).
	Comment string
}

// Plant is a carrier's fake set up for a port.
type Plant struct {
	// Carrier is the registry name; Settings its number_manager.<name>
	// document, pointing at the fake.
	Carrier  string
	Settings map[string]any
	// Numbers are the port's numbers; Bill is its bill object.
	Numbers []string
	Bill    map[string]string
	// Steps follow the submission, one look at the carrier each.
	Steps []Step
}

const (
	masterID = "00000000000000000000000000000001"
	childID  = "00000000000000000000000000000003"
)

// Run creates the port request, submits it, lets the follower submit it
// to the carrier, then takes p's steps; when the last state is completed
// it checks the numbers are the account's, in service, ported in. It
// returns the request's id and the service.
func Run(t *testing.T, p Plant) (string, *ports.Service) {
	t.Helper()
	ctx := context.Background()
	st := storetesting.Open(t)
	var mu sync.Mutex
	now := storetesting.Time
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	for id, doc := range map[string]any{
		"number_manager":              map[string]any{"port_carrier": p.Carrier, "port_check_interval_s": 60},
		"number_manager." + p.Carrier: p.Settings,
	} {
		raw, _ := json.Marshal(map[string]any{"default": doc})
		if err := st.PutConfig(ctx, id, raw); err != nil {
			t.Fatal(err)
		}
	}
	master := &number.Account{ID: masterID, Name: "master", Enabled: true, Reseller: true, SuperduperAdmin: true, Created: now, Modified: now}
	child := &number.Account{ID: childID, Name: "Acme", ParentID: masterID, Tree: []string{masterID}, Enabled: true, Created: now, Modified: now}
	for _, a := range []*number.Account{master, child} {
		if err := st.InsertAccount(ctx, a); err != nil {
			t.Fatal(err)
		}
	}
	mgr := manager.New(st, config.NewSource(st, "", time.Nanosecond), manager.Options{Now: clock, Accounts: accounts.New(st, accounts.Options{Now: clock})})
	svc := ports.New(mgr, ports.Options{Now: clock})

	numbers := map[string]any{}
	for _, n := range p.Numbers {
		numbers[n] = map[string]any{}
	}
	body := number.Doc{}
	body.Set("name", "end to end")
	body.Set("numbers", numbers)
	body.Set("bill", p.Bill)
	body.Set("signee_name", "Jane Doe")
	v, err := svc.Create(ctx, ports.Caller(child), childID, body)
	if err != nil {
		t.Fatalf("create: %v %+v", err, err)
	}
	id := v["id"].(string)
	if _, err := svc.Transition(ctx, ports.Caller(child), childID, id, ports.Submitted, nil, ""); err != nil {
		t.Fatal(err)
	}
	if rep := svc.FollowCarriers(ctx); rep.Submitted != 1 || len(rep.Errors) != 0 {
		t.Fatalf("submission to %s: %+v", p.Carrier, rep)
	}
	last := ports.Submitted
	for i, s := range p.Steps {
		s.Set()
		mu.Lock()
		now = now.Add(2 * time.Minute)
		mu.Unlock()
		if rep := svc.FollowCarriers(ctx); len(rep.Errors) != 0 {
			t.Fatalf("step %d: %+v", i, rep)
		}
		v, err := svc.Get(ctx, ports.Caller(child), childID, id)
		if err != nil {
			t.Fatal(err)
		}
		if got := v["port_state"]; got != s.Want {
			t.Fatalf("step %d: state %v, want %s", i, got, s.Want)
		}
		if s.Comment != "" {
			cs, _ := v["comments"].([]ports.Comment)
			if !slices.ContainsFunc(cs, func(c ports.Comment) bool { return strings.Contains(c.Content, s.Comment) }) {
				t.Errorf("step %d: no comment says %q: %+v", i, s.Comment, cs)
			}
		}
		last = s.Want
	}
	if last == ports.Completed {
		for _, e164 := range p.Numbers {
			n, err := st.GetNumber(ctx, e164)
			if err != nil || n.State != number.InService || n.AssignedTo != childID || !n.PortedIn {
				t.Errorf("%s after completion: %+v %v", e164, n, err)
			}
		}
	}
	return id, svc
}
