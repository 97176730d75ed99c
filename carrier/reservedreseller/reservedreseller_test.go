package reservedreseller_test

import (
	"encoding/json"
	"slices"
	"testing"

	"github.com/numan-dev/numan/carrier"
	"github.com/numan-dev/numan/carrier/carriertest"
	"github.com/numan-dev/numan/carrier/internal/storetesting"
	"github.com/numan-dev/numan/carrier/reservedreseller"
	"github.com/numan-dev/numan/number"
)

const (
	reseller = "reseller"
	child    = "child"
)

var seeds = []storetesting.Seed{
	{Number: "+13125550100", State: number.Reserved, Module: "local", AssignedTo: reseller},
	{Number: "+13125550101", State: number.Reserved, Module: "bandwidth2", AssignedTo: reseller},
	{Number: "+13125550102", State: number.InService, Module: "local", AssignedTo: reseller},
	{Number: "+13125550103", State: number.Reserved, Module: "local", AssignedTo: child},
	{Number: "+13125550104", State: number.Available, Module: "local"},
	{Number: "+13125550105", State: number.Reserved, Module: "local", AssignedTo: reseller},
	{Number: "+13130000000", State: number.Reserved, Module: "local", AssignedTo: reseller}, // just past +1312
}

func newCarrier(t *testing.T, st carrier.NumberSearcher) carrier.Carrier {
	t.Helper()
	c, err := carrier.New("knm_reserved_reseller", json.RawMessage(`{}`), storetesting.Deps(st))
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
		{"the reseller's reservations, bounded by prefix", "+1312", 10,
			carrier.SearchOptions{AccountID: child, ResellerID: reseller},
			[]string{"+13125550100", "+13125550101", "+13125550105"}},
		{"quantity", "+1312", 1, carrier.SearchOptions{AccountID: child, ResellerID: reseller},
			[]string{"+13125550100"}},
		// Kazoo's second page swapped the query id and the account id; every
		// page here stays with the reseller.
		{"offset stays with the reseller", "+1312", 10, carrier.SearchOptions{AccountID: child, ResellerID: reseller, Offset: 2},
			[]string{"+13125550105"}},
		{"prefix without plus", "1312", 10, carrier.SearchOptions{AccountID: child, ResellerID: reseller},
			[]string{"+13125550100", "+13125550101", "+13125550105"}},
		{"wider prefix", "+131", 10, carrier.SearchOptions{AccountID: child, ResellerID: reseller},
			[]string{"+13125550100", "+13125550101", "+13125550105", "+13130000000"}},
		{"the child's own reservations are not the reseller's", "+1312", 10,
			carrier.SearchOptions{AccountID: reseller, ResellerID: child}, []string{"+13125550103"}},
		{"no reseller finds nothing", "+1312", 10, carrier.SearchOptions{AccountID: reseller}, nil},
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
				if r.Carrier != reservedreseller.Name || r.State != number.Reserved {
					t.Errorf("%s: Carrier %q State %q, want reserved_reseller reserved", r.Number, r.Carrier, r.State)
				}
			}
		})
	}
}

func TestProperties(t *testing.T) {
	c := newCarrier(t, storetesting.Open(t))
	if c.Name() != "reserved_reseller" {
		t.Errorf("Name() = %q, want reserved_reseller", c.Name())
	}
	n := number.New("+13125550100", number.Reserved, "local", storetesting.Time)
	if !c.IsLocal() || c.IsNumberBillable(n) || !c.ShouldLookupCNAM() || c.MaxPrefixLength() != 10 {
		t.Errorf("IsLocal %v IsNumberBillable %v ShouldLookupCNAM %v MaxPrefixLength %d; want true false true 10",
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
	if _, err := carrier.New(reservedreseller.Name, json.RawMessage(`{"x":1}`), storetesting.Deps(storetesting.Open(t))); !number.IsKind(err, number.KindInvalid) {
		t.Errorf("unknown settings key: error %v, want kind invalid", err)
	}
}

func TestConformance(t *testing.T) {
	st := storetesting.Open(t, seeds...)
	carriertest.Run(t, func(t *testing.T) carrier.Carrier { return newCarrier(t, st) },
		carriertest.Prefix("+1312"), carriertest.MinResults(3),
		carriertest.Search(carrier.SearchOptions{AccountID: child, ResellerID: reseller}))
}
