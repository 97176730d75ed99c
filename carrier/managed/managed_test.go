package managed_test

import (
	"encoding/json"
	"slices"
	"testing"

	"github.com/numan-dev/numan/carrier"
	"github.com/numan-dev/numan/carrier/carriertest"
	"github.com/numan-dev/numan/carrier/internal/storetesting"
	"github.com/numan-dev/numan/carrier/managed"
	"github.com/numan-dev/numan/number"
)

const (
	reseller = "reseller"
	child    = "child"    // has a pool of its own
	poorKid  = "poor-kid" // has no pool: falls back to the reseller's
	stranger = "stranger" // another reseller's pool
)

var seeds = []storetesting.Seed{
	{Number: "+15555550100", State: number.Available, Module: "managed", Pool: child},
	{Number: "+15555550101", State: number.Available, Module: "managed", Pool: child},
	{Number: "+15555550102", State: number.InService, Module: "managed", Pool: child, AssignedTo: child},
	{Number: "+15555550103", State: number.Available, Module: "local", Pool: child},
	{Number: "+15555560100", State: number.Available, Module: "managed", Pool: child}, // another prefix
	{Number: "+15555550200", State: number.Available, Module: "managed", Pool: reseller},
	{Number: "+15555550201", State: number.Available, Module: "managed", Pool: reseller},
	{Number: "+15555550300", State: number.Available, Module: "managed", Pool: stranger},
	{Number: "+15555560000", State: number.Available, Module: "managed", Pool: reseller}, // just past +155555
	{Number: "+15555550400", State: number.Available, Module: "managed"},                 // in no pool
}

func newCarrier(t *testing.T, st carrier.NumberSearcher) carrier.Carrier {
	t.Helper()
	c, err := carrier.New("knm_managed", nil, storetesting.Deps(st))
	if err != nil {
		t.Fatalf("carrier.New: %v", err)
	}
	return c
}

func TestFindNumbers(t *testing.T) {
	c := newCarrier(t, storetesting.Open(t, seeds...))
	tests := []struct {
		name     string
		prefix   string
		quantity int
		opts     carrier.SearchOptions
		want     []string
	}{
		{"own pool", "+1555555", 10, carrier.SearchOptions{AccountID: child, ResellerID: reseller},
			[]string{"+15555550100", "+15555550101"}},
		{"prefix without plus", "1555555", 10, carrier.SearchOptions{AccountID: child, ResellerID: reseller},
			[]string{"+15555550100", "+15555550101"}},
		{"own pool, quantity", "+1555555", 1, carrier.SearchOptions{AccountID: child, ResellerID: reseller},
			[]string{"+15555550100"}},
		{"own pool, offset", "+1555555", 10, carrier.SearchOptions{AccountID: child, ResellerID: reseller, Offset: 1},
			[]string{"+15555550101"}},
		{"own pool paged past its end does not fall back", "+1555555", 10,
			carrier.SearchOptions{AccountID: child, ResellerID: reseller, Offset: 2}, nil},
		{"own pool empty under the prefix falls back", "+155555502", 10,
			carrier.SearchOptions{AccountID: child, ResellerID: reseller},
			[]string{"+15555550200", "+15555550201"}},
		{"no pool falls back to the reseller", "+1555555", 10, carrier.SearchOptions{AccountID: poorKid, ResellerID: reseller},
			[]string{"+15555550200", "+15555550201"}},
		{"fallback honours offset", "+1555555", 10, carrier.SearchOptions{AccountID: poorKid, ResellerID: reseller, Offset: 1},
			[]string{"+15555550201"}},
		{"fallback honours quantity", "+1555555", 1, carrier.SearchOptions{AccountID: poorKid, ResellerID: reseller},
			[]string{"+15555550200"}},
		{"reseller searches its own pool", "+1555555", 10, carrier.SearchOptions{AccountID: reseller, ResellerID: reseller},
			[]string{"+15555550200", "+15555550201"}},
		{"no reseller, no fallback", "+1555555", 10, carrier.SearchOptions{AccountID: poorKid}, nil},
		{"no account finds nothing", "+1555555", 10, carrier.SearchOptions{ResellerID: reseller}, nil},
		{"wider prefix", "+155555", 10, carrier.SearchOptions{AccountID: poorKid, ResellerID: reseller},
			[]string{"+15555550200", "+15555550201", "+15555560000"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			results, err := c.FindNumbers(t.Context(), tc.prefix, tc.quantity, tc.opts)
			if err != nil {
				t.Fatalf("FindNumbers: %v", err)
			}
			if got := storetesting.Numbers(results); !slices.Equal(got, tc.want) {
				t.Errorf("FindNumbers(%q, %d, %+v) = %v, want %v", tc.prefix, tc.quantity, tc.opts, got, tc.want)
			}
			for _, r := range results {
				if r.Carrier != managed.Name || r.State != number.Available {
					t.Errorf("%s: Carrier %q State %q, want managed available", r.Number, r.Carrier, r.State)
				}
			}
		})
	}
}

func TestProperties(t *testing.T) {
	c := newCarrier(t, storetesting.Open(t))
	n := number.New("+15555550100", number.Available, managed.Name, storetesting.Time)
	if !c.IsLocal() || !c.IsNumberBillable(n) || !c.ShouldLookupCNAM() || c.MaxPrefixLength() != 15 {
		t.Errorf("IsLocal %v IsNumberBillable %v ShouldLookupCNAM %v MaxPrefixLength %d; want true true true 15",
			c.IsLocal(), c.IsNumberBillable(n), c.ShouldLookupCNAM(), c.MaxPrefixLength())
	}
	if acq, err := c.Acquire(t.Context(), n); err != nil || acq.CarrierData != nil {
		t.Errorf("Acquire = %+v, %v; want an empty no-op", acq, err)
	}
	if err := c.Disconnect(t.Context(), n); err != nil {
		t.Errorf("Disconnect: %v", err)
	}
	if _, err := c.CheckNumbers(t.Context(), []string{n.Number}); !number.IsKind(err, number.KindUnspecified) {
		t.Errorf("CheckNumbers error = %v, want kind %s", err, number.KindUnspecified)
	}
	if _, err := carrier.New(managed.Name, json.RawMessage(`{"x":1}`), storetesting.Deps(storetesting.Open(t))); !number.IsKind(err, number.KindInvalid) {
		t.Errorf("unknown settings key: error %v, want kind invalid", err)
	}
}

func TestConformance(t *testing.T) {
	st := storetesting.Open(t, seeds...)
	carriertest.Run(t, func(t *testing.T) carrier.Carrier { return newCarrier(t, st) },
		carriertest.Prefix("+155555"), carriertest.MinResults(3),
		carriertest.Search(carrier.SearchOptions{AccountID: poorKid, ResellerID: reseller}))
}
