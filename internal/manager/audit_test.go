package manager_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/numan-dev/numan/carrier"
	"github.com/numan-dev/numan/carrier/carriertest"
	"github.com/numan-dev/numan/internal/manager"
	"github.com/numan-dev/numan/number"
)

// storeNumber records a number of module in state st, with carrier data
// key/value pairs, as it was before the audit started.
func storeNumber(t *testing.T, w *world, e164 string, st number.State, module string, data ...string) {
	t.Helper()
	n := number.New(e164, st, module, epoch.Add(-time.Hour))
	if st.Holds() {
		n.AssignedTo = reseller
	}
	for i := 0; i+1 < len(data); i += 2 {
		n.CarrierData.Set(data[i], data[i+1])
	}
	if err := w.st.InsertNumber(ctx, n); err != nil {
		t.Fatal(err)
	}
}

func held(e164 string, data ...string) carrier.Held {
	h := carrier.Held{Number: e164, CarrierData: number.Doc{}, Status: "active"}
	for i := 0; i+1 < len(data); i += 2 {
		h.CarrierData.Set(data[i], data[i+1])
	}
	return h
}

func entryNumbers(es []manager.AuditEntry) []string {
	out := make([]string, 0, len(es))
	for _, e := range es {
		out = append(out, e.Number)
	}
	return out
}

// plantAudit sets up the fake carrier and the store so that an audit finds
// one number of every kind.
func plantAudit(t *testing.T, w *world, f *carriertest.Fake) {
	t.Helper()
	inactive := held("+14155550106")
	inactive.Status, inactive.Inactive = "port-pending", true
	misrouted := held("+14155550107")
	misrouted.Route, misrouted.WantRoute = "old-trunk", "numan-trunk"
	unknownInactive := held("+14155550108")
	unknownInactive.Status, unknownInactive.Inactive = "purchase-pending", true
	f.SetHeld(
		held("+14155550101", "id", "A1"),
		held("+14155550102", "id", "A2"),
		held("+14155550103", "id", "B3"),
		held("+14155550104"),
		held("+14155550105"),
		inactive, misrouted, unknownInactive,
	)
	f.SetListPageSize(3)
	storeNumber(t, w, "+14155550101", number.InService, "fake", "id", "A1", "order_id", "o-1")
	storeNumber(t, w, "+14155550103", number.InService, "fake", "id", "A3")
	storeNumber(t, w, "+14155550104", number.InService, "telnyx")
	storeNumber(t, w, "+14155550105", number.Released, "fake")
	storeNumber(t, w, "+14155550106", number.InService, "fake")
	storeNumber(t, w, "+14155550107", number.Reserved, "fake")
	storeNumber(t, w, "+14155550199", number.InService, "fake") // vanished
	storeNumber(t, w, "+14155550198", number.Aging, "knm_fake") // vanished
	storeNumber(t, w, "+14155550197", number.PortIn, "fake")    // not yet the carrier's
	storeNumber(t, w, "+14155550196", number.InService, "telnyx")
}

func TestAuditFindsUnknownVanishedAndMismatchedNumbers(t *testing.T) {
	w := newWorld(t)
	f := carriertest.NewFake(t)
	w.withCarrier(t, f, "")
	plantAudit(t, w, f)

	var progress []manager.AuditProgress
	rep, err := w.m.Audit(ctx, "knm_fake", manager.AuditOptions{Progress: func(p manager.AuditProgress) { progress = append(progress, p) }})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Carrier != "fake" || rep.Pages != 3 || rep.Held != 8 || !rep.VanishedChecked || rep.Imported != 0 {
		t.Fatalf("report %+v", rep)
	}
	if got := entryNumbers(rep.Unknown.Numbers); rep.Unknown.Count != 2 || !slices.Equal(got, []string{"+14155550102", "+14155550108"}) {
		t.Errorf("unknown %d %v", rep.Unknown.Count, got)
	}
	if rep.Unknown.Numbers[0].Imported || rep.Unknown.Numbers[0].CarrierData == nil {
		t.Errorf("unknown entry %+v", rep.Unknown.Numbers[0])
	}
	if got := entryNumbers(rep.Vanished.Numbers); rep.Vanished.Count != 2 || !slices.Equal(got, []string{"+14155550198", "+14155550199"}) {
		t.Errorf("vanished %d %v", rep.Vanished.Count, got)
	}
	if v := rep.Vanished.Numbers[1]; v.State != number.InService || v.AssignedTo != reseller {
		t.Errorf("vanished entry %+v", v)
	}
	// 101 (the same), 103 (another id), 104 (another module), 105
	// (released), 106 (inactive at the carrier), 107 (misrouted).
	wantDiffs := map[string]manager.AuditDifference{
		"+14155550103": {Field: "carrier_data.id", Numan: "A3", Carrier: "B3"},
		"+14155550104": {Field: "module", Numan: "telnyx", Carrier: "fake"},
		"+14155550105": {Field: "state", Numan: "released", Carrier: "held"},
		"+14155550106": {Field: "status", Numan: "in_service", Carrier: "port-pending"},
		"+14155550107": {Field: "route", Numan: "numan-trunk", Carrier: "old-trunk"},
	}
	if rep.Mismatched.Count != len(wantDiffs) {
		t.Errorf("mismatched %d: %+v", rep.Mismatched.Count, rep.Mismatched.Numbers)
	}
	for _, e := range rep.Mismatched.Numbers {
		want, ok := wantDiffs[e.Number]
		if !ok || len(e.Differences) != 1 || e.Differences[0] != want {
			t.Errorf("mismatch %s: %+v, want %+v", e.Number, e.Differences, want)
		}
	}
	// 101, 103, 105 (released is not a held state: not checked), 106,
	// 107, 198, 199.
	if rep.Checked != 6 {
		t.Errorf("checked %d numbers, want 6", rep.Checked)
	}
	if len(progress) < 5 || progress[0].Phase != "listing" || progress[len(progress)-1].Phase != "done" || progress[len(progress)-1].Vanished != 2 {
		t.Errorf("progress %+v", progress)
	}
	w.absent(t, "+14155550102")
}

func TestAuditImportsUnknownNumbersOnce(t *testing.T) {
	w := newWorld(t)
	f := carriertest.NewFake(t)
	w.withCarrier(t, f, "")
	plantAudit(t, w, f)

	rep, err := w.m.Audit(ctx, "fake", manager.AuditOptions{Import: true})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Imported != 1 || rep.Unknown.Count != 2 || !rep.Unknown.Numbers[0].Imported || rep.Unknown.Numbers[1].Imported {
		t.Fatalf("imported %d, unknown %+v", rep.Imported, rep.Unknown)
	}
	n := w.stored(t, "+14155550102")
	var id string
	if n.State != number.Available || n.ModuleName != "fake" || n.AssignedTo != "" || !n.CarrierData.Get("id", &id) || id != "A2" || n.Version != 1 {
		t.Fatalf("imported %+v", n)
	}
	// The number the carrier says does not work yet is not sold.
	w.absent(t, "+14155550108")

	again, err := w.m.Audit(ctx, "fake", manager.AuditOptions{Import: true})
	if err != nil {
		t.Fatal(err)
	}
	if again.Imported != 0 || again.Unknown.Count != 1 || again.Unknown.Numbers[0].Number != "+14155550108" {
		t.Fatalf("second audit: imported %d, unknown %+v", again.Imported, again.Unknown)
	}
	if again.Mismatched.Count != rep.Mismatched.Count || again.Vanished.Count != rep.Vanished.Count {
		t.Errorf("second audit: %+v", again)
	}
	if w.stored(t, "+14155550102").Version != 1 {
		t.Error("the imported number was written again")
	}
}

func TestAuditImportsEverythingThenFindsNothingUnknown(t *testing.T) {
	w := newWorld(t)
	f := carriertest.NewFake(t)
	w.withCarrier(t, f, "")
	var hs []carrier.Held
	for i := range 25 {
		hs = append(hs, held(fmt.Sprintf("+1415555%04d", 2000+i), "id", fmt.Sprint(i)))
	}
	f.SetHeld(hs...)
	f.SetListPageSize(7)
	rep, err := w.m.Audit(ctx, "fake", manager.AuditOptions{Import: true, Limit: 5})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Imported != 25 || rep.Unknown.Count != 25 || len(rep.Unknown.Numbers) != 5 || rep.Pages != 4 {
		t.Fatalf("imported %d, unknown %d (%d listed), %d pages", rep.Imported, rep.Unknown.Count, len(rep.Unknown.Numbers), rep.Pages)
	}
	again, err := w.m.Audit(ctx, "fake", manager.AuditOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if again.Unknown.Count != 0 || again.Vanished.Count != 0 || again.Mismatched.Count != 0 || again.Checked != 25 {
		t.Fatalf("after import: %+v", again)
	}
}

// A listing that fails midway stops the audit with an error naming where:
// what was imported stays, nothing is called vanished, and the next audit
// imports the rest and nothing twice.
func TestAuditListingFailingMidway(t *testing.T) {
	w := newWorld(t)
	f := carriertest.NewFake(t)
	w.withCarrier(t, f, "")
	var hs []carrier.Held
	for i := range 10 {
		hs = append(hs, held(fmt.Sprintf("+1415555%04d", 3000+i)))
	}
	f.SetHeld(hs...)
	f.SetListPageSize(4)
	storeNumber(t, w, "+14155553999", number.InService, "fake") // vanished, once the listing is whole
	broken := carrier.Uncertain(number.Errorf(number.KindByCarrier, "", "fake: HTTP 503 on page 3"))
	f.FailListFrom(3, broken)

	rep, err := w.m.Audit(ctx, "fake", manager.AuditOptions{Import: true})
	if err == nil {
		t.Fatal("an audit whose listing failed succeeded")
	}
	if !number.IsKind(err, number.KindByCarrier) || !errors.Is(err, broken) ||
		!strings.Contains(err.Error(), "stopped after 2 pages (8 numbers listed, 8 imported)") || !strings.Contains(err.Error(), "HTTP 503 on page 3") {
		t.Fatalf("err = %v", err)
	}
	if rep == nil || rep.Imported != 8 || rep.VanishedChecked || rep.Vanished.Count != 0 {
		t.Fatalf("report %+v", rep)
	}
	w.absent(t, "+14155553008")

	f.FailListFrom(0, nil)
	again, err := w.m.Audit(ctx, "fake", manager.AuditOptions{Import: true})
	if err != nil {
		t.Fatal(err)
	}
	if again.Imported != 2 || again.Unknown.Count != 2 || again.Vanished.Count != 1 || !again.VanishedChecked {
		t.Fatalf("second audit: %+v", again)
	}
	for _, h := range hs {
		if n := w.stored(t, h.Number); n.Version != 1 {
			t.Errorf("%s written %d times", h.Number, n.Version)
		}
	}
}

// Audits importing at the same time import each number exactly once.
func TestConcurrentAuditsImportEachNumberOnce(t *testing.T) {
	w := newWorld(t)
	f := carriertest.NewFake(t)
	w.withCarrier(t, f, "")
	var hs []carrier.Held
	for i := range 40 {
		hs = append(hs, held(fmt.Sprintf("+1415555%04d", 4000+i)))
	}
	f.SetHeld(hs...)
	f.SetListPageSize(5)
	const callers = 4
	var (
		wg       sync.WaitGroup
		mu       sync.Mutex
		imported int
		errs     []error
	)
	for range callers {
		wg.Go(func() {
			rep, err := w.m.Audit(ctx, "fake", manager.AuditOptions{Import: true})
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				errs = append(errs, err)
				return
			}
			imported += rep.Imported
		})
	}
	wg.Wait()
	if len(errs) != 0 {
		t.Fatalf("errors: %v", errs)
	}
	if imported != len(hs) {
		t.Fatalf("%d imports of %d numbers", imported, len(hs))
	}
	for _, h := range hs {
		if n := w.stored(t, h.Number); n.Version != 1 || n.State != number.Available {
			t.Errorf("%s: %+v", h.Number, n)
		}
	}
}

func TestAuditRefusals(t *testing.T) {
	w := newWorld(t)
	f := carriertest.NewFake(t)
	w.withCarrier(t, f, "")
	for _, name := range []string{"local", "nosuch", "mdn"} {
		if _, err := w.m.Audit(ctx, name, manager.AuditOptions{}); !number.IsKind(err, number.KindInvalid) {
			t.Errorf("audit of %s: err = %v, want invalid", name, err)
		}
	}
	f.HoldNumbers("+14155550101")
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	rep, err := w.m.Audit(cctx, "fake", manager.AuditOptions{Import: true})
	if err == nil || rep != nil && rep.Imported != 0 {
		t.Fatalf("cancelled audit: %+v, %v", rep, err)
	}
	w.absent(t, "+14155550101")
}

// An account larger than an audit remembers is still searched for unknown
// and mismatched numbers; vanished ones are not looked for, and the report
// says so.
func TestAuditPastMaxHeld(t *testing.T) {
	w := newWorld(t)
	f := carriertest.NewFake(t)
	w.withCarrier(t, f, "")
	f.HoldNumbers("+14155550101", "+14155550102", "+14155550103")
	storeNumber(t, w, "+14155550199", number.InService, "fake")
	rep, err := w.m.Audit(ctx, "fake", manager.AuditOptions{MaxHeld: 2})
	if err != nil {
		t.Fatal(err)
	}
	if rep.VanishedChecked || rep.Vanished.Count != 0 || rep.Unknown.Count != 3 || rep.Held != 3 {
		t.Fatalf("report %+v", rep)
	}
}

// Numbers changed after the audit started (bought or released while it
// ran) are not judged.
func TestAuditSkipsNumbersChangedWhileItRuns(t *testing.T) {
	w := newWorld(t)
	f := carriertest.NewFake(t)
	w.withCarrier(t, f, "")
	f.SetHeld(held("+14155550101", "id", "new"))
	for _, e := range []string{"+14155550101", "+14155550102"} {
		n := number.New(e, number.InService, "fake", epoch.Add(time.Minute))
		n.CarrierData.Set("id", "old")
		if err := w.st.InsertNumber(ctx, n); err != nil {
			t.Fatal(err)
		}
	}
	rep, err := w.m.Audit(ctx, "fake", manager.AuditOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Skipped != 2 || rep.Mismatched.Count != 0 || rep.Vanished.Count != 0 {
		t.Fatalf("report %+v", rep)
	}
}
