package manager_test

import (
	"context"
	"encoding/json"
	"slices"
	"testing"

	"github.com/numan-dev/numan/internal/manager"
	"github.com/numan-dev/numan/number"
)

// Scenarios of kazoo-test-scenarios.md §3.1-§3.5, run against the real
// SQLite store. Unlike Kazoo's read-only fixture store, writes land, so each
// test checks the stored row too.

var ctx = context.Background()

func TestReadVisibility(t *testing.T) { // §3.1-1..3
	w := newWorld(t)
	for _, by := range []string{reseller, master, "0123456789abcdef0123456789abcdef"} {
		n := one(t, w.m.Get(ctx, []string{availableNum}, as(by)))
		if n.State != number.Available || n.ModuleName != "local" {
			t.Fatalf("as %s: %+v", by, n)
		}
	}
	r := w.m.Get(ctx, []string{"1000"}, sys())
	wantKind(t, failure(t, r, "1000"), number.KindNotReconcilable, "")
	r = w.m.Get(ctx, []string{unknownNumberDigits}, sys())
	wantKind(t, failure(t, r, "+14156301234"), number.KindNotFound, "")
	r = w.m.Get(ctx, []string{inServiceNum}, as(child))
	wantKind(t, failure(t, r, inServiceNum), number.KindForbidden, "")
}

func TestBulkGet(t *testing.T) { // §3.5-1
	w := newWorld(t)
	r := w.m.Get(ctx, []string{availableNum, notNum, availableNum, notNum, "5559871234"}, sys())
	if len(r.Succeeded) != 1 || len(r.Failed) != 2 {
		t.Fatalf("got %d successes, failures %v", len(r.Succeeded), r.Failed)
	}
	wantKind(t, failure(t, r, notNum), number.KindNotReconcilable, "")
	wantKind(t, failure(t, r, createNum), number.KindNotFound, "")
}

func TestMDNTransitions(t *testing.T) { // §3.1-4
	w := newWorld(t)
	o := manager.Op{AuthBy: number.SystemRequester, AssignTo: master, MDNRun: true}
	n := one(t, w.m.Move(ctx, []string{inServiceMDN}, master, o))
	if n.State != number.InService || n.AssignedTo != master || n.PrevAssignedTo != reseller || n.UsedBy != "" {
		t.Fatalf("move: %+v", n)
	}
	n = one(t, w.m.Release(ctx, []string{inServiceMDN}, o))
	if n.State != number.Deleted || n.AssignedTo != "" || len(n.ReserveHistory) != 0 {
		t.Fatalf("release: %+v", n)
	}
	w.absent(t, inServiceMDN)

	w = newWorld(t)
	r := w.m.Reserve(ctx, []string{inServiceMDN}, sys())
	wantKind(t, failure(t, r, inServiceMDN), number.KindAssignFailure, "field_undefined")
	r = w.m.Reserve(ctx, []string{inServiceMDN}, manager.Op{AuthBy: number.SystemRequester, AssignTo: reseller})
	wantKind(t, failure(t, r, inServiceMDN), number.KindInvalidStateTransition, "from 'MDN' to reserved")

	o.ModuleName = "knm_mdn"
	n = one(t, w.m.Create(ctx, []string{createNum}, o))
	if n.State != number.InService || n.ModuleName != "mdn" || !slices.Equal(n.FeatureNames(), []string{"local"}) || n.AssignedTo != master {
		t.Fatalf("create mdn: %+v", n)
	}
}

func TestMDNGuardOnUpdate(t *testing.T) { // §3.1-5
	body := number.Doc{"*": json.RawMessage(`42`)}
	cases := []struct {
		num    string
		by     number.Requester
		mdnRun bool
		ok     bool
	}{
		{inServiceMDN, number.By(master), true, true},
		{inServiceNum, number.By(master), true, false},
		{inServiceMDN, number.By(master), false, false},
		{inServiceNum, number.By(master), false, true},
		{inServiceMDN, number.SystemRequester, true, true},
		{inServiceMDN, number.SystemRequester, false, true},
		{inServiceNum, number.SystemRequester, true, true},
		{inServiceNum, number.SystemRequester, false, true},
	}
	for _, c := range cases {
		w := newWorld(t)
		r := w.m.Update(ctx, []string{c.num}, manager.Merge, body, manager.Op{AuthBy: c.by, MDNRun: c.mdnRun})
		if c.ok {
			one(t, r)
			continue
		}
		wantKind(t, failure(t, r, c.num), number.KindForbidden, "")
	}
}

func TestE911RefusedWhereDenied(t *testing.T) { // §3.1-6, §3.1-7, §3.5-6
	e911 := number.Doc{"e911": json.RawMessage(`{"street_address":"140 Geary St.","extended_address":"3rd floor","locality":"San Francisco","region":"CA","postal_code":"94108"}`)}
	for _, num := range []string{inServiceNum, bwExistingDID} {
		w := newWorld(t)
		r := w.m.Update(ctx, []string{num}, manager.Replace, e911, as(reseller))
		e := failure(t, r, num)
		wantKind(t, e, number.KindForbidden, "")
		// Rendered as {"code": 403, "error": "forbidden", "message": ...}
		// without a cause; the code is internal/api's kind table's.
		if e.Kind.Name() != "forbidden" || e.Msg() != "requestor is unauthorized to perform operation" {
			t.Fatalf("%s: %s %q", num, e.Kind.Name(), e.Msg())
		}
		if e.Cause != "" {
			t.Fatalf("%s: unexpected cause %q", num, e.Cause)
		}
		if _, ok := w.stored(t, num).Features["e911"]; ok {
			t.Fatalf("%s: e911 stored", num)
		}
	}
}

func TestAssignToApp(t *testing.T) { // §3.1-8, §3.5-9
	w := newWorld(t)
	r := w.m.AssignToApp(ctx, []string{notNum, availableNum}, "my_app", sys())
	wantKind(t, failure(t, r, notNum), number.KindNotReconcilable, "")
	if len(r.Succeeded) != 1 || r.Succeeded[0].UsedBy != "my_app" {
		t.Fatalf("got %+v", r.Succeeded)
	}
	if got := w.stored(t, availableNum).UsedBy; got != "my_app" {
		t.Fatalf("stored used_by %q", got)
	}
	n := one(t, w.m.AssignToApp(ctx, []string{inServiceNum}, "", sys()))
	if n.UsedBy != "" || w.stored(t, inServiceNum).UsedBy != "" {
		t.Fatal("used_by not cleared")
	}
}

func TestCreate(t *testing.T) { // §3.2
	opAssign := func(by, to string) manager.Op { return manager.Op{AuthBy: number.By(by), AssignTo: to} }
	t.Run("admin creates", func(t *testing.T) {
		w := newWorld(t)
		n := one(t, w.m.Create(ctx, []string{createNum}, opAssign(master, reseller)))
		if n.AssignedTo != reseller || n.State != number.InService || len(n.ReserveHistory) != 0 || n.ModuleName != "local" || n.Created.IsZero() {
			t.Fatalf("%+v", n)
		}
		if s := w.stored(t, createNum); s.State != number.InService || s.Version != 1 {
			t.Fatalf("stored %+v", s)
		}
		view := w.m.View(ctx, n, number.By(master))
		if ro := view["_read_only"].(map[string]any); ro["created"].(int64) != manager.Gregorian(epoch) {
			t.Fatalf("_read_only %v", ro)
		}
	})
	t.Run("with a carrier module", func(t *testing.T) {
		w := newWorld(t)
		o := opAssign(master, reseller)
		o.ModuleName = "blipblop"
		n := one(t, w.m.Create(ctx, []string{createNum}, o))
		if n.ModuleName != "blipblop" || len(n.FeatureNames()) != 0 || n.State != number.InService {
			t.Fatalf("%+v", n)
		}
	})
	t.Run("reseller for itself", func(t *testing.T) {
		w := newWorld(t)
		n := one(t, w.m.Create(ctx, []string{createNum}, opAssign(reseller, reseller)))
		if n.AssignedTo != reseller || n.State != number.InService {
			t.Fatalf("%+v", n)
		}
	})
	t.Run("account without the additions right", func(t *testing.T) {
		w := newWorld(t)
		r := w.m.Create(ctx, []string{createNum}, opAssign(child, child))
		wantKind(t, failure(t, r, createNum), number.KindForbidden, "creating number in state 'in_service' is not allowed")
		w.absent(t, createNum)
	})
	t.Run("admin creates available", func(t *testing.T) {
		w := newWorld(t)
		o := opAssign(master, master)
		o.State = number.Available
		n := one(t, w.m.Create(ctx, []string{createNum}, o))
		if n.AssignedTo != "" || n.State != number.Available {
			t.Fatalf("%+v", n)
		}
	})
	t.Run("existing available number", func(t *testing.T) {
		w := newWorld(t)
		n := one(t, w.m.Create(ctx, []string{availableNum}, opAssign(master, reseller)))
		if n.AssignedTo != reseller || n.State != number.InService || len(n.ReserveHistory) != 0 {
			t.Fatalf("%+v", n)
		}
	})
	t.Run("port_in by an account without the additions right", func(t *testing.T) {
		w := newWorld(t)
		o := opAssign(child, child)
		o.State = number.PortIn
		o.ModuleName = "knm_local"
		n := one(t, w.m.Create(ctx, []string{createNum}, o))
		if n.State != number.PortIn || n.AssignedTo != child || n.PortedIn || n.ModuleName != "local" {
			t.Fatalf("%+v", n)
		}
	})
	t.Run("in service number exists", func(t *testing.T) {
		w := newWorld(t)
		r := w.m.Create(ctx, []string{inServiceNum}, manager.Op{AuthBy: number.SystemRequester, AssignTo: reseller})
		e := failure(t, r, inServiceNum)
		// A 409 (internal/api's kind table).
		if e.Kind.Name() != "number_exists" || e.Msg() != "number +15551233322 already exists" {
			t.Fatalf("%v", e)
		}
	})
	t.Run("dry run writes nothing", func(t *testing.T) {
		w := newWorld(t)
		o := opAssign(master, reseller)
		o.DryRun = true
		n := one(t, w.m.Create(ctx, []string{createNum}, o))
		if n.State != number.InService {
			t.Fatalf("%+v", n)
		}
		w.absent(t, createNum)
	})
	t.Run("move does not create", func(t *testing.T) {
		w := newWorld(t)
		o := opAssign(master, reseller)
		o.ModuleName = "mdn"
		r := w.m.Move(ctx, []string{createNum}, reseller, o)
		wantKind(t, failure(t, r, createNum), number.KindNotFound, "")
	})
	t.Run("mdn create keeps public fields", func(t *testing.T) {
		w := newWorld(t)
		o := opAssign(master, reseller)
		o.ModuleName, o.MDNRun = "mdn", true
		o.PublicFields = number.Doc{"mobile": json.RawMessage(`{"provider":"tower-of-power"}`)}
		n := one(t, w.m.Create(ctx, []string{createNum}, o))
		if string(n.Public["mobile"]) != `{"provider":"tower-of-power"}` || n.ModuleName != "mdn" {
			t.Fatalf("%+v", n)
		}
	})
	t.Run("which existing states may be created", func(t *testing.T) {
		for _, st := range number.States {
			w := newWorld(t)
			n := w.stored(t, availableNum)
			n.State = st
			if err := w.st.UpdateNumber(ctx, n); err != nil {
				t.Fatal(err)
			}
			r := w.m.Create(ctx, []string{availableNum}, manager.Op{AuthBy: number.SystemRequester, AssignTo: reseller})
			mayCreate := st == number.Available || st == number.PortIn || st == number.Aging
			if _, failed := r.Failed[availableNum]; failed == mayCreate && number.KindOf(r.Failed[availableNum]) != number.KindNumberExists {
				t.Fatalf("state %s: failures %v", st, r.Failed)
			} else if !mayCreate {
				wantKind(t, failure(t, r, availableNum), number.KindNumberExists, "")
			}
		}
	})
	t.Run("no requester", func(t *testing.T) {
		w := newWorld(t)
		r := w.m.Create(ctx, []string{createNum}, manager.Op{AssignTo: reseller})
		wantKind(t, failure(t, r, createNum), number.KindForbidden, "creating number in state 'in_service' is not allowed")
	})
	t.Run("bad assign_to", func(t *testing.T) {
		w := newWorld(t)
		r := w.m.Create(ctx, []string{createNum}, manager.Op{AuthBy: number.SystemRequester, AssignTo: "nope"})
		wantKind(t, failure(t, r, createNum), number.KindAssignFailure, "field_undefined")
	})
	t.Run("mixed", func(t *testing.T) { // §3.5-3
		w := newWorld(t)
		r := w.m.Create(ctx, []string{telnyxNum, notNum, createNum}, opAssign(master, reseller))
		if len(r.Succeeded) != 2 || len(r.Failed) != 1 {
			t.Fatalf("got %d successes, failures %v", len(r.Succeeded), r.Failed)
		}
		for _, n := range r.Succeeded {
			if n.AssignedTo != reseller || n.State != number.InService {
				t.Fatalf("%+v", n)
			}
		}
	})
}

func TestMove(t *testing.T) { // §3.3
	t.Run("available to a child", func(t *testing.T) {
		w := newWorld(t)
		n := one(t, w.m.Move(ctx, []string{availableNum}, child, sys()))
		if n.AssignedTo != child || n.State != number.InService {
			t.Fatalf("%+v", n)
		}
	})
	t.Run("a sub-account takes a parent-reserved number", func(t *testing.T) {
		for _, o := range []manager.Op{as(child), sys()} {
			w := newWorld(t)
			n := one(t, w.m.Move(ctx, []string{reservedNum}, child, o))
			if n.AssignedTo != child || n.State != number.InService {
				t.Fatalf("%+v", n)
			}
		}
	})
	t.Run("an unrelated account cannot", func(t *testing.T) {
		w := newWorld(t)
		r := w.m.Move(ctx, []string{reservedNum}, unrelated, as(unrelated))
		wantKind(t, failure(t, r, reservedNum), number.KindForbidden, "")
		if s := w.stored(t, reservedNum); s.AssignedTo != reseller || s.State != number.Reserved {
			t.Fatalf("changed: %+v", s)
		}
		// Unlike Kazoo, the system cannot give a number to an account that
		// does not exist: nothing is ever owned by a missing account.
		r = w.m.Move(ctx, []string{reservedNum}, unrelated, sys())
		if e := failure(t, r, reservedNum); e.Kind != number.KindAssignFailure {
			t.Fatalf("%v", e)
		}
		if err := w.st.InsertAccount(ctx, &number.Account{ID: unrelated, Name: "Unrelated", Enabled: true, Created: epoch, Modified: epoch}); err != nil {
			t.Fatal(err)
		}
		n := one(t, w.m.Move(ctx, []string{reservedNum}, unrelated, sys()))
		if n.AssignedTo != unrelated {
			t.Fatalf("%+v", n)
		}
	})
	t.Run("public fields are replaced", func(t *testing.T) {
		w := newWorld(t)
		o := sys()
		o.PublicFields = number.Doc{"a": json.RawMessage(`"bla"`), "my_key": json.RawMessage(`42`)}
		n := one(t, w.m.Move(ctx, []string{availableNum}, reseller, o))
		if string(n.Public["my_key"]) != "42" || string(n.Public["a"]) != `"bla"` {
			t.Fatalf("%v", n.Public)
		}
	})
	for _, num := range []string{availableNum, availableNonLocal} {
		t.Run("everyone may buy available "+num, func(t *testing.T) {
			for _, by := range []string{child, reseller, master} {
				for _, to := range []string{child, reseller, master} {
					w := newWorld(t)
					n := one(t, w.m.Move(ctx, []string{num}, to, as(by)))
					if n.State != number.InService || n.AssignedTo != to || n.PrevAssignedTo != reseller || len(n.ReserveHistory) != 0 {
						t.Fatalf("by %s to %s: %+v", by, to, n)
					}
				}
			}
		})
	}
	t.Run("mixed", func(t *testing.T) { // §3.5-4
		w := newWorld(t)
		r := w.m.Move(ctx, []string{notNum, availableNum}, child, sys())
		wantKind(t, failure(t, r, notNum), number.KindNotReconcilable, "")
		if len(r.Succeeded) != 1 || r.Succeeded[0].AssignedTo != child {
			t.Fatalf("%+v", r.Succeeded)
		}
	})
}

func TestRelease(t *testing.T) { // §3.4, §3.5-10
	t.Run("unknown number", func(t *testing.T) {
		w := newWorld(t)
		wantKind(t, failure(t, w.m.Release(ctx, []string{createNum}, sys()), createNum), number.KindNotFound, "")
	})
	t.Run("available local number is deleted", func(t *testing.T) {
		w := newWorld(t)
		n := one(t, w.m.Release(ctx, []string{availableNum}, sys()))
		if n.State != number.Deleted || n.AssignedTo != "" {
			t.Fatalf("%+v", n)
		}
		w.absent(t, availableNum)
	})
	t.Run("available non-local number cannot be released", func(t *testing.T) {
		w := newWorld(t)
		r := w.m.Release(ctx, []string{telnyxNum}, sys())
		wantKind(t, failure(t, r, telnyxNum), number.KindInvalidStateTransition, "from available to available")
	})
	t.Run("unknown carrier module", func(t *testing.T) {
		w := newWorld(t)
		n := one(t, w.m.Release(ctx, []string{badCarrierNum}, sys()))
		if n.State != number.Available || n.AssignedTo != "" || len(n.ReserveHistory) != 0 {
			t.Fatalf("%+v", n)
		}
		if s := w.stored(t, badCarrierNum); s.State != number.Available || s.UsedBy != "" {
			t.Fatalf("stored %+v", s)
		}
	})
	matrix := []struct {
		num    string
		ops    []manager.Op
		state  number.State
		owner  string
		hist   []string
		stored bool
	}{
		{inServiceNum, []manager.Op{sys(), as(master), as(reseller)}, number.Deleted, "", nil, false},
		{withHistoryNum, []manager.Op{sys(), as(master), as(reseller)}, number.Reserved, master, []string{master}, true},
		{inServiceMDN, []manager.Op{{AuthBy: number.SystemRequester, MDNRun: true}, {AuthBy: number.By(master), MDNRun: true}, {AuthBy: number.By(reseller), MDNRun: true}}, number.Deleted, "", nil, false},
	}
	for _, c := range matrix {
		for _, o := range c.ops {
			w := newWorld(t)
			n := one(t, w.m.Release(ctx, []string{c.num}, o))
			if n.State != c.state || n.AssignedTo != c.owner || !slices.Equal(n.ReserveHistory, c.hist) || !slices.Equal(n.FeatureNames(), []string{"local"}) {
				t.Fatalf("%s by %s: %+v", c.num, o.AuthBy, n)
			}
			if c.stored {
				if s := w.stored(t, c.num); s.State != c.state || s.AssignedTo != c.owner {
					t.Fatalf("stored %+v", s)
				}
			} else {
				w.absent(t, c.num)
			}
		}
	}
	t.Run("child cannot release its parent's number", func(t *testing.T) {
		w := newWorld(t)
		wantKind(t, failure(t, w.m.Release(ctx, []string{inServiceNum}, as(child)), inServiceNum), number.KindForbidden, "")
	})
	t.Run("released features and public fields are stripped", func(t *testing.T) {
		w := newWorld(t)
		o := sys()
		cfg := `{"default":{"released_state":"available"}}`
		if err := w.st.PutConfig(ctx, "number_manager", json.RawMessage(cfg)); err != nil {
			t.Fatal(err)
		}
		n := one(t, w.m.Update(ctx, []string{badCarrierNum}, manager.Replace, number.Doc{"force_outbound": json.RawMessage(`true`), "ui_metadata": json.RawMessage(`{"x":1}`)}, o))
		if _, ok := n.Features["force_outbound"]; !ok {
			t.Fatalf("force_outbound not active: %v", n.Features)
		}
		n = one(t, w.m.Release(ctx, []string{badCarrierNum}, o))
		if len(n.Features) != 0 || len(n.Public) != 0 {
			t.Fatalf("%+v", n)
		}
	})
	t.Run("should_age sends available numbers to aging", func(t *testing.T) {
		w := newWorld(t)
		if err := w.st.PutConfig(ctx, "number_manager", json.RawMessage(`{"default":{"should_age":true}}`)); err != nil {
			t.Fatal(err)
		}
		n := one(t, w.m.Release(ctx, []string{badCarrierNum}, sys()))
		if n.State != number.Aging {
			t.Fatalf("%+v", n)
		}
		// Anyone may buy an aging number back.
		n = one(t, w.m.Move(ctx, []string{badCarrierNum}, reseller, manager.Op{AuthBy: number.SystemRequester}))
		if n.State != number.InService {
			t.Fatalf("%+v", n)
		}
	})
	t.Run("should_permanently_delete", func(t *testing.T) {
		w := newWorld(t)
		if err := w.st.PutConfig(ctx, "number_manager", json.RawMessage(`{"default":{"should_permanently_delete":true}}`)); err != nil {
			t.Fatal(err)
		}
		n := one(t, w.m.Release(ctx, []string{badCarrierNum}, sys()))
		if n.State != number.Deleted {
			t.Fatalf("%+v", n)
		}
		w.absent(t, badCarrierNum)
	})
	t.Run("mixed", func(t *testing.T) {
		w := newWorld(t)
		r := w.m.Release(ctx, []string{notNum, withHistoryNum}, sys())
		wantKind(t, failure(t, r, notNum), number.KindNotReconcilable, "")
		if len(r.Succeeded) != 1 || r.Succeeded[0].State != number.Reserved || r.Succeeded[0].AssignedTo != master {
			t.Fatalf("%+v", r.Succeeded)
		}
	})
}

func TestHardDelete(t *testing.T) { // §3.4-6, §3.5-7
	for _, num := range []string{inServiceNum, withHistoryNum, inServiceMDN} {
		for _, o := range []manager.Op{sys(), {AuthBy: number.By(master), MDNRun: num == inServiceMDN}} {
			w := newWorld(t)
			n := one(t, w.m.Delete(ctx, []string{num}, o))
			if n.State != number.Deleted || !slices.Equal(n.FeatureNames(), []string{"local"}) {
				t.Fatalf("%+v", n)
			}
			w.absent(t, num)
		}
	}
	w := newWorld(t)
	r := w.m.Delete(ctx, []string{notNum, availableNum}, sys())
	wantKind(t, failure(t, r, notNum), number.KindNotReconcilable, "")
	if one := r.Succeeded; len(one) != 1 || one[0].State != number.Deleted {
		t.Fatalf("%+v", r.Succeeded)
	}
	r = w.m.Delete(ctx, []string{inServiceNum}, as(reseller))
	wantKind(t, failure(t, r, inServiceNum), number.KindForbidden, "")
	w.stored(t, inServiceNum)
}

func TestUpdate(t *testing.T) { // §3.5-5
	w := newWorld(t)
	r := w.m.Update(ctx, []string{notNum, availableNum}, manager.Merge, number.Doc{}, sys())
	if len(r.Succeeded) != 1 || w.stored(t, availableNum).Version != 1 {
		t.Fatalf("a no-op update wrote: %+v", r)
	}
	n := one(t, w.m.Update(ctx, []string{inServiceNum}, manager.Merge, number.Doc{"ui_metadata": json.RawMessage(`{"origin":"monster"}`), "pvt_state": json.RawMessage(`"available"`), "state": json.RawMessage(`"available"`)}, as(reseller)))
	if n.State != number.InService || string(n.Public["ui_metadata"]) != `{"origin":"monster"}` {
		t.Fatalf("%+v", n)
	}
	if _, ok := n.Public["pvt_state"]; ok {
		t.Fatal("a private field was written")
	}
	wantKind(t, failure(t, w.m.Update(ctx, []string{inServiceNum}, manager.Merge, number.Doc{"x": json.RawMessage(`1`)}, as(child)), inServiceNum), number.KindForbidden, "")
}

func TestReserve(t *testing.T) { // §3.5-8
	w := newWorld(t)
	r := w.m.Reserve(ctx, []string{notNum, availableNum}, manager.Op{AuthBy: number.By(master), AssignTo: reseller})
	wantKind(t, failure(t, r, notNum), number.KindNotReconcilable, "")
	if n := r.Succeeded[0]; n.State != number.Reserved || n.AssignedTo != reseller || !slices.Equal(n.ReserveHistory, []string{reseller}) {
		t.Fatalf("%+v", n)
	}
	r = w.m.Reserve(ctx, []string{notNum, inServiceNum}, sys())
	if len(r.Succeeded) != 0 {
		t.Fatal("reserved without assign_to")
	}
	wantKind(t, failure(t, r, inServiceNum), number.KindAssignFailure, "field_undefined")

	w = newWorld(t)
	n := one(t, w.m.Reserve(ctx, []string{inServiceNum}, manager.Op{AuthBy: number.SystemRequester, AssignTo: reseller}))
	if !slices.Equal(n.ReserveHistory, []string{reseller}) || n.State != number.Reserved {
		t.Fatalf("%+v", n)
	}
	w = newWorld(t)
	n = one(t, w.m.Reserve(ctx, []string{inServiceNum}, manager.Op{AuthBy: number.SystemRequester, AssignTo: child}))
	if !slices.Equal(n.ReserveHistory, []string{child, reseller}) || n.AssignedTo != child {
		t.Fatalf("%+v", n)
	}
	r = w.m.Reserve(ctx, []string{inServiceNum}, manager.Op{AuthBy: number.SystemRequester, AssignTo: child})
	wantKind(t, failure(t, r, inServiceNum), number.KindNoChangeRequired, "")
	// Releasing unwinds the history back to the reseller.
	n = one(t, w.m.Release(ctx, []string{inServiceNum}, sys()))
	if n.State != number.Reserved || n.AssignedTo != reseller {
		t.Fatalf("%+v", n)
	}
}

func TestIdentify(t *testing.T) {
	w := newWorld(t)
	l, err := w.m.Identify(ctx, "+1 555 123 3322", number.SystemRequester)
	if err != nil || l.AccountID != reseller || !l.Local || !l.ForceOutbound {
		t.Fatalf("%+v %v", l, err)
	}
	_, err = w.m.Identify(ctx, availableNum, number.SystemRequester)
	wantKind(t, number.AsError(err), number.KindInvalid, "unassigned")
	_, err = w.m.Identify(ctx, createNum, number.SystemRequester)
	wantKind(t, number.AsError(err), number.KindNotFound, "")
}

// Identify tells the owner only to those who may route the number: the
// system, admins and the owner's tree. Anyone else gets what Get answers.
func TestIdentifyIsForTheOwnersTree(t *testing.T) {
	w := newWorld(t)
	for _, tc := range []struct {
		name string
		by   number.Requester
		num  string
		kind number.Kind // "" = identified
	}{
		{"system", number.SystemRequester, inServiceNum, ""},
		{"master (admin)", number.By(master), inServiceNum, ""},
		{"owner", number.By(reseller), inServiceNum, ""},
		{"owner's child", number.By(child), inServiceNum, number.KindForbidden},
		{"unrelated account", number.By(unrelated), inServiceNum, number.KindForbidden},
		{"reserved for a child by its reseller", number.By(child), reservedNum, number.KindForbidden},
		{"not stored", number.By(child), createNum, number.KindNotFound},
		{"available, no owner: nothing to tell", number.By(child), availableNum, number.KindInvalid},
	} {
		t.Run(tc.name, func(t *testing.T) {
			l, err := w.m.Identify(ctx, tc.num, tc.by)
			if tc.kind == "" {
				if err != nil || l.AccountID != reseller {
					t.Fatalf("Identify = %+v, %v; want the owner", l, err)
				}
				return
			}
			if !number.IsKind(err, tc.kind) {
				t.Fatalf("Identify = %+v, %v; want %s", l, err, tc.kind)
			}
			if tc.kind == number.KindForbidden {
				// The same answer as a GET of the number.
				res := w.m.Get(ctx, []string{tc.num}, manager.Op{AuthBy: tc.by})
				if getErr := res.Failed[tc.num]; tc.num != reservedNum && !number.IsKind(getErr, number.KindForbidden) {
					t.Fatalf("GET answered %v, identify forbidden", getErr)
				}
			}
		})
	}
}
