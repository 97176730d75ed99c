package reserved_test

import (
	"encoding/json"
	"slices"
	"testing"

	"github.com/numan-dev/numan/carrier"
	"github.com/numan-dev/numan/carrier/carriertest"
	"github.com/numan-dev/numan/carrier/internal/storetesting"
	"github.com/numan-dev/numan/carrier/reserved"
	"github.com/numan-dev/numan/number"
)

const (
	reseller = "reseller"
	child    = "child"
)

// seeds are shared with reserved_reseller's test in spirit: reservations of
// a child and of its reseller, under one prefix and just past it.
var seeds = []storetesting.Seed{
	{Number: "+13125550100", State: number.Reserved, Module: "local", AssignedTo: child},
	{Number: "+13125550101", State: number.Reserved, Module: "bandwidth2", AssignedTo: child, CarrierData: map[string]any{"order_id": "o-1"}},
	{Number: "+13125550102", State: number.InService, Module: "local", AssignedTo: child},
	{Number: "+13125550103", State: number.Reserved, Module: "local", AssignedTo: reseller},
	{Number: "+13125550104", State: number.Available, Module: "local"},
	{Number: "+13125550105", State: number.Reserved, Module: "inventory", AssignedTo: child},
	{Number: "+13130000000", State: number.Reserved, Module: "local", AssignedTo: child}, // just past +1312
}

func newCarrier(t *testing.T, st carrier.NumberSearcher) carrier.Carrier {
	t.Helper()
	c, err := carrier.New("knm_reserved", json.RawMessage(`{}`), storetesting.Deps(st))
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
		{"the account's reservations, any module, bounded by prefix", "+1312", 10,
			carrier.SearchOptions{AccountID: child, ResellerID: reseller},
			[]string{"+13125550100", "+13125550101", "+13125550105"}},
		{"quantity", "+1312", 2, carrier.SearchOptions{AccountID: child, ResellerID: reseller},
			[]string{"+13125550100", "+13125550101"}},
		{"offset", "+1312", 10, carrier.SearchOptions{AccountID: child, ResellerID: reseller, Offset: 1},
			[]string{"+13125550101", "+13125550105"}},
		{"prefix without plus", "1312", 10, carrier.SearchOptions{AccountID: child},
			[]string{"+13125550100", "+13125550101", "+13125550105"}},
		{"the reseller's own", "+1312", 10, carrier.SearchOptions{AccountID: reseller, ResellerID: reseller},
			[]string{"+13125550103"}},
		{"wider prefix", "+131", 10, carrier.SearchOptions{AccountID: child},
			[]string{"+13125550100", "+13125550101", "+13125550105", "+13130000000"}},
		{"someone else's account", "+1312", 10, carrier.SearchOptions{AccountID: "other", ResellerID: reseller}, nil},
		{"no account finds nothing", "+1312", 10, carrier.SearchOptions{ResellerID: reseller}, nil},
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
				if r.Carrier != reserved.Name || r.State != number.Reserved {
					t.Errorf("%s: Carrier %q State %q, want reserved reserved", r.Number, r.Carrier, r.State)
				}
			}
		})
	}
}

func TestFindNumbersKeepsCarrierData(t *testing.T) {
	c := newCarrier(t, storetesting.Open(t, seeds...))
	results, err := c.FindNumbers(t.Context(), "+13125550101", 1, carrier.SearchOptions{AccountID: child})
	if err != nil || len(results) != 1 {
		t.Fatalf("FindNumbers = %v, %v; want one result", results, err)
	}
	var order string
	if !results[0].CarrierData.Get("order_id", &order) || order != "o-1" {
		t.Errorf("CarrierData = %s, want order_id o-1", results[0].CarrierData)
	}
}

func TestProperties(t *testing.T) {
	c := newCarrier(t, storetesting.Open(t))
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
	if _, err := carrier.New(reserved.Name, json.RawMessage(`{"x":1}`), storetesting.Deps(storetesting.Open(t))); !number.IsKind(err, number.KindInvalid) {
		t.Errorf("unknown settings key: error %v, want kind invalid", err)
	}
	if _, err := carrier.New(reserved.Name, nil, carrier.Deps{}); !number.IsKind(err, number.KindInvalid) {
		t.Errorf("no store: error %v, want kind invalid", err)
	}
}

func TestConformance(t *testing.T) {
	st := storetesting.Open(t, seeds...)
	carriertest.Run(t, func(t *testing.T) carrier.Carrier { return newCarrier(t, st) },
		carriertest.Prefix("+1312"), carriertest.MinResults(3),
		carriertest.Search(carrier.SearchOptions{AccountID: child, ResellerID: reseller}))
}
