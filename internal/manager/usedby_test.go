package manager_test

import (
	"encoding/json"
	"errors"
	"testing"

	"github.com/numan-dev/numan/internal/manager"
	"github.com/numan-dev/numan/number"
)

// Who may set used_by: the owner, its ancestors and admins; not whoever
// can merely see the number.
func TestAssignToAppAuthorization(t *testing.T) {
	tests := []struct {
		name string
		num  string
		op   manager.Op
		want number.Kind // "" = allowed
	}{
		{"the owner", inServiceNum, as(reseller), ""},
		{"an admin", inServiceNum, as(master), ""},
		{"a descendant of the owner", inServiceNum, as(child), number.KindForbidden},
		{"an unrelated account", inServiceNum, as(unrelated), number.KindForbidden},
		{"an account that only sees an available number", availableNum, as(reseller), number.KindForbidden},
		{"the system, on an available number (Kazoo's apps)", availableNum, sys(), ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			w := newWorld(t)
			r := w.m.AssignToApp(ctx, []string{tc.num}, "trunkstore", tc.op)
			if tc.want == "" {
				if n := one(t, r); n.UsedBy != "trunkstore" || w.stored(t, tc.num).UsedBy != "trunkstore" {
					t.Fatalf("used_by %q, stored %q", n.UsedBy, w.stored(t, tc.num).UsedBy)
				}
				return
			}
			wantKind(t, failure(t, r, tc.num), tc.want, "")
			if got := w.stored(t, tc.num).UsedBy; got == "trunkstore" {
				t.Fatalf("a refused write changed used_by")
			}
		})
	}
}

func TestAssignToAppRefusesABadName(t *testing.T) {
	w := newWorld(t)
	r := w.m.AssignToApp(ctx, []string{inServiceNum}, "Trunk Store!", as(reseller))
	var fe *number.FieldError
	if err := r.Failed[inServiceNum]; !errors.As(err, &fe) || fe.Field != "used_by" {
		t.Fatalf("got %v", r.Failed)
	}
	if w.stored(t, inServiceNum).UsedBy != "callflow" {
		t.Fatal("a refused name was stored")
	}
}

// Failover is available to trunkstore numbers only: set used_by, then
// failover can be switched on; leave trunkstore, and it goes, so the number
// can still be updated.
func TestUsedByGatesFailover(t *testing.T) {
	w := newWorld(t)
	failover := number.Doc{"failover": json.RawMessage(`{"e164":"+14155550199"}`)}
	wantKind(t, failure(t, w.m.Update(ctx, []string{inServiceNum}, manager.Merge, failover, as(reseller)), inServiceNum), number.KindForbidden, "")

	one(t, w.m.AssignToApp(ctx, []string{inServiceNum}, number.AppTrunkstore, as(reseller)))
	n := one(t, w.m.Update(ctx, []string{inServiceNum}, manager.Merge, failover, as(reseller)))
	if _, ok := n.Features[number.FeatureFailover]; !ok {
		t.Fatalf("failover not active on a trunkstore number: %v", n.FeatureNames())
	}

	n = one(t, w.m.AssignToApp(ctx, []string{inServiceNum}, "callflow", as(reseller)))
	if _, ok := n.Features[number.FeatureFailover]; ok {
		t.Fatalf("failover still active after leaving trunkstore")
	}
	if _, ok := w.stored(t, inServiceNum).Public[number.FeatureFailover]; ok {
		t.Fatalf("the failover request stayed")
	}
	one(t, w.m.Update(ctx, []string{inServiceNum}, manager.Merge, number.Doc{"note": json.RawMessage(`"x"`)}, as(reseller)))
}
