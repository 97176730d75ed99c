package number

import (
	"fmt"
	"reflect"
	"slices"
	"testing"
	"time"
)

// outcome is what a transition should do, derived from kazoo-number-manager
// §5.2 and kazoo-test-scenarios §2.5 without looking at transition.go.
type outcome struct {
	kind        Kind   // "" = success
	cause       string // the error's cause, exactly
	assign      bool   // assigned_to := assign_to
	pushHistory bool   // assign_to pushed onto the reserve history
	acquire     bool   // the carrier must buy the number
	unchanged   bool   // success that changes nothing (in_service, already assigned)
}

// wantTransition is the expectation table. from/to are states, owner the
// current assigned_to ("" = unowned), assignTo the target account.
func wantTransition(from, to State, owner, assignTo string, mdn bool, r Requester) outcome {
	invalid := func(src string) outcome {
		return outcome{kind: KindInvalidStateTransition, cause: "from " + src + " to " + string(to)}
	}
	forbidden := outcome{kind: KindForbidden}
	// Authorised moves that assign need someone to assign to: Numan refuses
	// an empty assign_to in the domain (Kazoo's ops refuse it earlier, with
	// the same assign_failure/field_undefined).
	move := func(o outcome) outcome {
		if o.assign && assignTo == "" {
			return outcome{kind: KindAssignFailure, cause: "field_undefined"}
		}
		return o
	}
	auth := wantIsAuthorized(r, owner, assignTo)

	switch to {
	case Reserved:
		if mdn {
			return invalid("'MDN'")
		}
		switch from {
		case Reserved:
			switch {
			case assignTo == "":
				return outcome{kind: KindForbidden, cause: "can not assign to self"}
			case assignTo == owner:
				return outcome{kind: KindNoChangeRequired}
			case !auth:
				return forbidden
			}
			return move(outcome{assign: true, pushHistory: true, acquire: true})
		case Discovery:
			if !auth {
				return forbidden
			}
			return move(outcome{assign: true, pushHistory: true, acquire: true})
		case Available, InService:
			if !auth {
				return forbidden
			}
			return move(outcome{assign: true, pushHistory: true})
		}
		return invalid(string(from))

	case InService:
		if mdn && from != InService {
			return invalid(string(from))
		}
		switch from {
		case InService:
			if assignTo == owner {
				return outcome{unchanged: true}
			}
			if !auth {
				return forbidden
			}
			return move(outcome{assign: true})
		case Discovery:
			if !auth {
				return forbidden
			}
			return move(outcome{assign: true, acquire: true})
		case PortIn:
			if !auth {
				return forbidden
			}
			return move(outcome{assign: true})
		case Available, Aging: // everyone may buy available numbers
			return move(outcome{assign: true})
		case Reserved:
			if !auth && !wantReservedFromParent(from, owner, r) {
				return forbidden
			}
			return move(outcome{assign: true})
		}
		return invalid(string(from))

	case Available:
		if mdn || from != Available {
			return invalid(string(from))
		}
		if !auth {
			return forbidden
		}
		return outcome{}

	case Aging:
		if mdn {
			return invalid(string(from))
		}
		switch from {
		case Aging, Released, Available:
			return outcome{}
		}
		return invalid(string(from))

	case PortIn:
		if mdn || from != PortIn {
			return invalid(string(from))
		}
		return outcome{}
	}
	// released, deleted, port_out, discovery: never a target; no cause.
	return outcome{kind: KindInvalidStateTransition}
}

// TestTransitionTable walks every current state × target state × requester
// relation × owner × assign_to × MDN combination.
func TestTransitionTable(t *testing.T) {
	rel := fixtureAccounts()
	const prevOwner = "0000000000000000000000000000beef"
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	owners := []string{"", child}
	assignTos := []string{"", child, grandchild, reseller}
	counted := map[Kind]int{}
	for _, from := range States {
		for _, to := range States {
			for _, rl := range relations {
				for _, owner := range owners {
					for _, assignTo := range assignTos {
						for _, mdn := range []bool{false, true} {
							module := "telnyx"
							if mdn {
								module = "mdn"
							}
							n := New("+14155550100", from, module, now)
							n.AssignedTo = owner
							n.PrevAssignedTo = prevOwner
							n.UsedBy = "callflow"
							if owner != "" {
								n.ReserveHistory = []string{owner}
							}
							before := n.Clone()
							name := fmt.Sprintf("%s->%s/%s/owner=%q/assign_to=%q/mdn=%v", from, to, rl.name, owner, assignTo, mdn)
							want := wantTransition(from, to, owner, assignTo, mdn, rl.req)
							got, err := Transition(n, to, assignTo, rl.req, rel)
							counted[want.kind]++
							checkTransition(t, name, before, n, to, assignTo, want, got, err)
						}
					}
				}
			}
		}
	}
	// The walk must exercise every outcome, or the table above is hollow.
	for _, k := range []Kind{"", KindForbidden, KindInvalidStateTransition, KindNoChangeRequired, KindAssignFailure} {
		if counted[k] == 0 {
			t.Errorf("no combination expected %q", k)
		}
	}
}

func checkTransition(t *testing.T, name string, before, n *Number, to State, assignTo string, want outcome, got TransitionResult, err error) {
	t.Helper()
	if want.kind != "" {
		if err == nil {
			t.Errorf("%s: succeeded, want %s (%q)", name, want.kind, want.cause)
			return
		}
		e := AsError(err)
		if e.Kind != want.kind || e.Cause != want.cause || e.Number != before.Number {
			t.Errorf("%s: error %s cause %q number %q, want %s cause %q", name, e.Kind, e.Cause, e.Number, want.kind, want.cause)
		}
		if !reflect.DeepEqual(before, n) {
			t.Errorf("%s: a refused transition changed the number:\n got %+v\nwant %+v", name, n, before)
		}
		return
	}
	if err != nil {
		t.Errorf("%s: error %v, want success", name, err)
		return
	}
	if want.unchanged {
		if !reflect.DeepEqual(before, n) || got.Changed || got.Acquire {
			t.Errorf("%s: want an unchanged success, got %+v and %+v", name, got, n)
		}
		return
	}
	wantNum := before.Clone()
	wantNum.State = to
	if want.pushHistory && (len(wantNum.ReserveHistory) == 0 || wantNum.ReserveHistory[0] != assignTo) {
		wantNum.ReserveHistory = append([]string{assignTo}, wantNum.ReserveHistory...)
	}
	if want.assign && wantNum.AssignedTo != assignTo {
		if wantNum.AssignedTo != "" {
			wantNum.PrevAssignedTo = wantNum.AssignedTo
		}
		wantNum.AssignedTo = assignTo
		wantNum.UsedBy = ""
	}
	if !reflect.DeepEqual(wantNum, n) {
		t.Errorf("%s: number after\n got %+v\nwant %+v", name, n, wantNum)
	}
	if got.Acquire != want.acquire {
		t.Errorf("%s: Acquire = %v, want %v", name, got.Acquire, want.acquire)
	}
	changed := before.State != n.State || before.AssignedTo != n.AssignedTo || !slices.Equal(before.ReserveHistory, n.ReserveHistory)
	if got.Changed != changed {
		t.Errorf("%s: Changed = %v, want %v", name, got.Changed, changed)
	}
}

// TestTransitionScenarios pins the named examples of the references.
func TestTransitionScenarios(t *testing.T) {
	rel := fixtureAccounts()
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	t.Run("reserve pushes history and re-reserve to another account stacks it", func(t *testing.T) {
		n := New("+14252151010", Available, "telnyx", now)
		if _, err := Transition(n, Reserved, reseller, By(reseller), rel); err != nil {
			t.Fatal(err)
		}
		res, err := Transition(n, Reserved, child, By(reseller), rel)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(n.ReserveHistory, []string{child, reseller}) || n.AssignedTo != child || n.PrevAssignedTo != reseller || !res.Acquire {
			t.Errorf("got %+v / %+v", n, res)
		}
		// The new owner's ancestor may still reserve it back; the history does not repeat the head.
		if _, err := Transition(n, Reserved, child, By(child), rel); !IsKind(err, KindNoChangeRequired) {
			t.Errorf("re-reserve to the owner: %v, want no_change_required", err)
		}
	})
	t.Run("descendant takes a number reserved by its parent into service", func(t *testing.T) {
		n := New("+14252151010", Reserved, "local", now)
		n.AssignedTo, n.ReserveHistory = reseller, []string{reseller}
		if _, err := Transition(n, InService, child, By(child), rel); err != nil {
			t.Fatal(err)
		}
		if n.AssignedTo != child || n.State != InService {
			t.Errorf("got %+v", n)
		}
	})
	t.Run("anyone takes a number reserved by a superduper admin (quirk 10)", func(t *testing.T) {
		n := New("+14252151010", Reserved, "local", now)
		n.AssignedTo = master
		if _, err := Transition(n, InService, unrelated, By(unrelated), rel); err != nil {
			t.Fatalf("unrelated account: %v", err)
		}
	})
	t.Run("MDN to reserved names 'MDN'", func(t *testing.T) {
		n := New("+15551233324", InService, "mdn", now)
		n.AssignedTo = reseller
		_, err := Transition(n, Reserved, child, SystemRequester, rel)
		if e := AsError(err); e.Kind != KindInvalidStateTransition || e.Cause != "from 'MDN' to reserved" {
			t.Errorf("err = %v", err)
		}
		if e := AsError(err); e.Cause != "from 'MDN' to reserved" {
			t.Errorf("cause = %q", e.Cause)
		}
	})
	t.Run("unknown target has no cause", func(t *testing.T) {
		n := New("+15551233322", InService, "local", now)
		_, err := Transition(n, Released, "", SystemRequester, rel)
		if has := AsError(err).Cause != ""; has || !IsKind(err, KindInvalidStateTransition) {
			t.Errorf("err = %#v", err)
		}
	})
	t.Run("forbidden carries no cause (quirk 15)", func(t *testing.T) {
		n := New("+15551233322", InService, "local", now)
		n.AssignedTo = reseller
		_, err := Transition(n, InService, unrelated, By(unrelated), rel)
		if has := AsError(err).Cause != ""; has || !IsKind(err, KindForbidden) {
			t.Errorf("err = %#v", err)
		}
	})
	t.Run("a state from nothing names (nothing)", func(t *testing.T) {
		n := New("+15551233322", "", "local", now)
		_, err := Transition(n, InService, child, SystemRequester, rel)
		if e := AsError(err); e.Cause != "from (nothing) to in_service" {
			t.Errorf("err = %v", err)
		}
	})
}

func TestCanTransition(t *testing.T) {
	for _, from := range States {
		for _, to := range States {
			want := wantTransition(from, to, child, grandchild, false, SystemRequester).kind != KindInvalidStateTransition
			if got := CanTransition(from, to); got != want {
				t.Errorf("CanTransition(%s, %s) = %v, want %v", from, to, got, want)
			}
		}
	}
}
