package inventory_test

import (
	"encoding/json"
	"slices"
	"testing"

	"github.com/numan-dev/numan/carrier"
	"github.com/numan-dev/numan/carrier/carriertest"
	"github.com/numan-dev/numan/carrier/internal/storetesting"
	"github.com/numan-dev/numan/carrier/inventory"
	"github.com/numan-dev/numan/number"
)

const account = "acct-1"

var seeds = []storetesting.Seed{
	{Number: "+12125550100", State: number.Available, Module: "inventory"},
	{Number: "+12125550101", State: number.Available, Module: "inventory"},
	{Number: "+12125550102", State: number.Aging, Module: "inventory"},
	{Number: "+12125550103", State: number.InService, Module: "inventory", AssignedTo: account},
	{Number: "+12125550104", State: number.Available, Module: "local"},
	{Number: "+12125550105", State: number.Available, Module: "inventory"},
	{Number: "+12130000000", State: number.Available, Module: "inventory"}, // just past +1212
}

func newCarrier(t *testing.T, st carrier.NumberSearcher) carrier.Carrier {
	t.Helper()
	c, err := carrier.New("knm_inventory", json.RawMessage(`{}`), storetesting.Deps(st))
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
		{"available inventory only, bounded by prefix", "+1212", 10, carrier.SearchOptions{AccountID: account},
			[]string{"+12125550100", "+12125550101", "+12125550105"}},
		{"prefix without plus", "1212", 10, carrier.SearchOptions{AccountID: account},
			[]string{"+12125550100", "+12125550101", "+12125550105"}},
		{"quantity", "+1212", 1, carrier.SearchOptions{AccountID: account}, []string{"+12125550100"}},
		{"offset", "+1212", 10, carrier.SearchOptions{AccountID: account, Offset: 2}, []string{"+12125550105"}},
		{"wider prefix reaches past", "+121", 10, carrier.SearchOptions{AccountID: account},
			[]string{"+12125550100", "+12125550101", "+12125550105", "+12130000000"}},
		{"no account finds nothing", "+1212", 10, carrier.SearchOptions{}, nil},
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
				if r.Carrier != inventory.Name || r.State != number.Available {
					t.Errorf("%s: Carrier %q State %q, want inventory available", r.Number, r.Carrier, r.State)
				}
			}
		})
	}
}

func TestProperties(t *testing.T) {
	c := newCarrier(t, storetesting.Open(t))
	n := number.New("+12125550100", number.Available, inventory.Name, storetesting.Time)
	if c.IsLocal() || c.IsNumberBillable(n) || !c.ShouldLookupCNAM() || c.MaxPrefixLength() != 10 {
		t.Errorf("IsLocal %v IsNumberBillable %v ShouldLookupCNAM %v MaxPrefixLength %d; want false false true 10",
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
	if _, err := carrier.New(inventory.Name, json.RawMessage(`{"x":1}`), storetesting.Deps(storetesting.Open(t))); !number.IsKind(err, number.KindInvalid) {
		t.Errorf("unknown settings key: error %v, want kind invalid", err)
	}
}

func TestConformance(t *testing.T) {
	st := storetesting.Open(t, seeds...)
	carriertest.Run(t, func(t *testing.T) carrier.Carrier { return newCarrier(t, st) },
		carriertest.Prefix("+1212"), carriertest.MinResults(3),
		carriertest.Search(carrier.SearchOptions{AccountID: account, ResellerID: account}))
}
