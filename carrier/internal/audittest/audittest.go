// Package audittest runs the carrier audit (Manager.Audit) end to end
// against a carrier's fake server: a real store seeded with Numan's
// records, the carrier built by name from its settings, as numan serve and
// numan carriers audit build it. Each remote carrier that lists its
// numbers plants one finding of each kind and checks the audit finds them.
package audittest

import (
	"context"
	"encoding/json"
	"slices"
	"testing"
	"time"

	"github.com/numan-dev/numan/carrier/internal/storetesting"
	"github.com/numan-dev/numan/internal/config"
	"github.com/numan-dev/numan/internal/manager"
	"github.com/numan-dev/numan/number"
)

// Plant is a carrier's fake set up for an audit, and what the audit must
// find.
type Plant struct {
	// Carrier is the registry name; Settings its number_manager.<name>
	// document, pointing at the fake.
	Carrier  string
	Settings map[string]any
	// Seeds are Numan's records.
	Seeds []storetesting.Seed
	// Unknown are the numbers the fake holds that Numan does not record;
	// Inactive, those of them the carrier says do not work (never
	// imported).
	Unknown  []string
	Inactive []string
	// Vanished are the numbers Numan records as held that the fake does
	// not list.
	Vanished []string
	// Mismatched maps each number both know but describe differently to
	// the field that differs.
	Mismatched map[string]string
}

// Run audits p's carrier and checks the report finds exactly the planted
// numbers; then it audits again importing the unknown numbers, and a third
// time, which must find nothing unknown but the inactive numbers. It
// returns the first report.
func Run(t *testing.T, p Plant) *manager.AuditReport {
	t.Helper()
	ctx := context.Background()
	st := storetesting.Open(t, p.Seeds...)
	raw, err := json.Marshal(map[string]any{"default": p.Settings})
	if err != nil {
		t.Fatal(err)
	}
	if err := st.PutConfig(ctx, "number_manager."+p.Carrier, raw); err != nil {
		t.Fatal(err)
	}
	now := storetesting.Time.Add(time.Hour)
	m := manager.New(st, config.NewSource(st, "", time.Nanosecond), manager.Options{Now: func() time.Time { return now }})

	rep, err := m.Audit(ctx, p.Carrier, manager.AuditOptions{})
	if err != nil {
		t.Fatalf("audit of %s: %v", p.Carrier, err)
	}
	if !rep.VanishedChecked {
		t.Errorf("vanished numbers were not looked for: %+v", rep)
	}
	check(t, "unknown", rep.Unknown, p.Unknown)
	check(t, "vanished", rep.Vanished, p.Vanished)
	var mismatched []string
	for n := range p.Mismatched {
		mismatched = append(mismatched, n)
	}
	check(t, "mismatched", rep.Mismatched, mismatched)
	for _, e := range rep.Mismatched.Numbers {
		want := p.Mismatched[e.Number]
		if !slices.ContainsFunc(e.Differences, func(d manager.AuditDifference) bool { return d.Field == want }) {
			t.Errorf("mismatched %s: differences %+v, want one in %s", e.Number, e.Differences, want)
		}
	}

	imported, err := m.Audit(ctx, p.Carrier, manager.AuditOptions{Import: true})
	if err != nil {
		t.Fatalf("audit of %s importing: %v", p.Carrier, err)
	}
	if want := len(p.Unknown) - len(p.Inactive); imported.Imported != want {
		t.Errorf("imported %d numbers, want %d", imported.Imported, want)
	}
	for _, e164 := range p.Unknown {
		n, err := st.GetNumber(ctx, e164)
		switch {
		case slices.Contains(p.Inactive, e164):
			if !number.IsKind(err, number.KindNotFound) {
				t.Errorf("inactive %s imported: %+v, %v", e164, n, err)
			}
		case err != nil:
			t.Errorf("%s not imported: %v", e164, err)
		case n.State != number.Available || n.ModuleName != p.Carrier || n.AssignedTo != "":
			t.Errorf("%s imported as %+v", e164, n)
		}
	}
	again, err := m.Audit(ctx, p.Carrier, manager.AuditOptions{Import: true})
	if err != nil {
		t.Fatalf("audit of %s after the import: %v", p.Carrier, err)
	}
	check(t, "unknown after the import", again.Unknown, p.Inactive)
	if again.Imported != 0 {
		t.Errorf("imported %d numbers a second time", again.Imported)
	}
	return rep
}

func check(t *testing.T, what string, f manager.AuditFindings, want []string) {
	t.Helper()
	got := make([]string, 0, len(f.Numbers))
	for _, e := range f.Numbers {
		got = append(got, e.Number)
	}
	slices.Sort(got)
	want = slices.Sorted(slices.Values(want))
	if f.Count != len(want) || !slices.Equal(got, want) {
		t.Errorf("%s: %d %v, want %v", what, f.Count, got, want)
	}
}
