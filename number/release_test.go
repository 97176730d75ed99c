package number

import (
	"encoding/json"
	"fmt"
	"slices"
	"testing"
	"time"
)

// releaseWant is what Release should do, from kazoo-number-manager §5.4 and
// kazoo-test-scenarios §2.6 / §3.4.
type releaseWant struct {
	kind       Kind
	cause      string
	state      State
	assignedTo string
	history    []string
	result     ReleaseResult
}

func wantRelease(state State, module, owner string, history []string, r Requester, p ReleasePolicy) releaseWant {
	releasedState := p.ReleasedState
	if releasedState == "" {
		releasedState = Available
	}
	switch {
	case state == Released, state == Reserved, state == PortIn, state == InService, module == "local":
	default:
		return releaseWant{kind: KindInvalidStateTransition, cause: fmt.Sprintf("from %s to %s", state, releasedState)}
	}
	if !wantIsAuthorized(r, owner, "") {
		return releaseWant{kind: KindForbidden}
	}
	if len(history) >= 2 {
		return releaseWant{state: Reserved, assignedTo: history[1], history: history[1:]}
	}
	w := releaseWant{state: releasedState, result: ReleaseResult{Disconnect: true}}
	switch {
	case p.ShouldPermanentlyDelete || module == "local" || module == "mdn":
		w.state, w.result.Delete = Deleted, true
	case p.ShouldAge && releasedState == Available:
		w.state = Aging
	}
	return w
}

func TestReleaseTable(t *testing.T) {
	rel := fixtureAccounts()
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	policies := []ReleasePolicy{
		{},
		{ReleasedState: Available},
		{ReleasedState: Released},
		{ShouldAge: true},
		{ShouldAge: true, ReleasedState: Released},
		{ShouldPermanentlyDelete: true},
		{ShouldPermanentlyDelete: true, ShouldAge: true},
	}
	holders := []struct {
		owner   string
		history []string
	}{
		{"", nil},
		{child, []string{child}},
		{child, []string{child, reseller}},
		{child, []string{child, reseller, master}},
	}
	for _, state := range States {
		for _, module := range []string{"local", "mdn", "telnyx", "pacwest"} {
			for _, h := range holders {
				for _, rl := range relations {
					for _, p := range policies {
						n := New("+15551233322", state, module, now)
						n.AssignedTo = h.owner
						n.ReserveHistory = slices.Clone(h.history)
						n.UsedBy = "callflow"
						n.Features["prepend"] = json.RawMessage(`{"enabled":true,"name":"Citizen"}`)
						n.Features["inbound_cnam"] = json.RawMessage(`{"inbound_lookup":true}`)
						n.Public = Doc{"cnam": json.RawMessage(`{"inbound_lookup":true}`), "my_key": json.RawMessage(`"my string"`)}
						before := n.Clone()
						name := fmt.Sprintf("%s/%s/owner=%q/hist=%v/%s/%+v", state, module, h.owner, h.history, rl.name, p)

						want := wantRelease(state, module, h.owner, h.history, rl.req, p)
						got, err := Release(n, rl.req, rel, p)
						if want.kind != "" {
							e := AsError(err)
							if err == nil || e.Kind != want.kind || e.Cause != want.cause || e.Number != before.Number {
								t.Errorf("%s: err = %v, want %s %q", name, err, want.kind, want.cause)
							}
							if err != nil && !equalNumbers(before, n) {
								t.Errorf("%s: a refused release changed the number", name)
							}
							continue
						}
						if err != nil {
							t.Errorf("%s: %v", name, err)
							continue
						}
						if n.State != want.state || n.AssignedTo != want.assignedTo || !slices.Equal(n.ReserveHistory, want.history) || got != want.result {
							t.Errorf("%s: got state %s assigned %q history %v result %+v; want %s %q %v %+v",
								name, n.State, n.AssignedTo, n.ReserveHistory, got, want.state, want.assignedTo, want.history, want.result)
						}
						wantFeatures := []string{}
						if module == "local" || module == "mdn" {
							wantFeatures = []string{FeatureLocal}
						}
						if !slices.Equal(n.FeatureNames(), wantFeatures) || len(n.Public) != 0 {
							t.Errorf("%s: features %v public %v, want %v and no public fields", name, n.FeatureNames(), n.Public, wantFeatures)
						}
						if n.AssignedTo != before.AssignedTo && (n.UsedBy != "" || n.PrevAssignedTo != before.AssignedTo) {
							t.Errorf("%s: owner changed but used_by %q prev %q", name, n.UsedBy, n.PrevAssignedTo)
						}
					}
				}
			}
		}
	}
}

func equalNumbers(a, b *Number) bool {
	return a.State == b.State && a.AssignedTo == b.AssignedTo && slices.Equal(a.ReserveHistory, b.ReserveHistory) &&
		a.Features.Equal(b.Features) && a.Public.Equal(b.Public) && a.UsedBy == b.UsedBy && a.PrevAssignedTo == b.PrevAssignedTo
}

// TestReleaseScenarios is knm_release_number_tests (§3.4) on the fixture numbers.
func TestReleaseScenarios(t *testing.T) {
	rel := fixtureAccounts()
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	tests := []struct {
		name       string
		number     func() *Number
		by         Requester
		wantState  State
		wantOwner  string
		wantHist   []string
		wantKind   Kind
		wantCause  string
		wantDelete bool
	}{
		{
			name: "available local number is deleted",
			number: func() *Number {
				n := New("+15551239876", Available, "local", now)
				n.PrevAssignedTo = reseller
				return n
			},
			by: SystemRequester, wantState: Deleted, wantDelete: true,
		},
		{
			name: "available telnyx number may not be released",
			number: func() *Number {
				n := New("+14352154006", Available, "knm_telnyx", now)
				n.AssignedTo = reseller
				return n
			},
			by: SystemRequester, wantKind: KindInvalidStateTransition, wantCause: "from available to available",
		},
		{
			name: "in service with an unknown carrier goes back to available",
			number: func() *Number {
				n := New("+15551233337", InService, "knm_pacwest", now)
				n.AssignedTo, n.ReserveHistory = reseller, []string{reseller}
				return n
			},
			by: SystemRequester, wantState: Available,
		},
		{
			name: "in service MDN is deleted",
			number: func() *Number {
				n := New("+15551233324", InService, "knm_mdn", now)
				n.AssignedTo, n.ReserveHistory = reseller, []string{reseller}
				return n
			},
			by: By(master), wantState: Deleted, wantDelete: true,
		},
		{
			name: "history hands the number back to MASTER, reserved",
			number: func() *Number {
				n := New("+15551255693", InService, "local", now)
				n.AssignedTo, n.ReserveHistory = reseller, []string{reseller, master}
				return n
			},
			by: By(reseller), wantState: Reserved, wantOwner: master, wantHist: []string{master},
		},
		{
			name: "a descendant may not release its parent's number",
			number: func() *Number {
				n := New("+15551233322", InService, "local", now)
				n.AssignedTo, n.ReserveHistory = reseller, []string{reseller}
				return n
			},
			by: By(child), wantKind: KindForbidden,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n := tt.number()
			res, err := Release(n, tt.by, rel, ReleasePolicy{})
			if tt.wantKind != "" {
				if e := AsError(err); e.Kind != tt.wantKind || e.Cause != tt.wantCause {
					t.Fatalf("err = %v, want %s %q", err, tt.wantKind, tt.wantCause)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if n.State != tt.wantState || n.AssignedTo != tt.wantOwner || !slices.Equal(n.ReserveHistory, tt.wantHist) || res.Delete != tt.wantDelete {
				t.Errorf("got %s %q %v %+v", n.State, n.AssignedTo, n.ReserveHistory, res)
			}
			if IsLocalModule(n.ModuleName) && !slices.Equal(n.FeatureNames(), []string{FeatureLocal}) {
				t.Errorf("local number lost its local feature: %v", n.FeatureNames())
			}
		})
	}
}

// A non-local number that carries the "local" feature loses it on release:
// Kazoo resets features to {} for every module but knm_local and knm_mdn.
func TestReleaseDropsLocalFeatureOfNonLocalModule(t *testing.T) {
	n := New("+14352154006", InService, "telnyx", time.Time{})
	n.AssignedTo = reseller
	n.Features[FeatureLocal] = json.RawMessage(`{}`)
	if _, err := Release(n, SystemRequester, fixtureAccounts(), ReleasePolicy{}); err != nil {
		t.Fatal(err)
	}
	if len(n.Features) != 0 {
		t.Errorf("features = %v, want none", n.FeatureNames())
	}
}
