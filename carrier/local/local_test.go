package local_test

import (
	"encoding/json"
	"slices"
	"testing"

	"github.com/numan-dev/numan/carrier"
	"github.com/numan-dev/numan/carrier/carriertest"
	"github.com/numan-dev/numan/carrier/internal/storetesting"
	"github.com/numan-dev/numan/carrier/local"
	"github.com/numan-dev/numan/number"
)

const account = "acct-1"

var seeds = []storetesting.Seed{
	{Number: "+14149999999", State: number.Available, Module: "local"},
	{Number: "+14155550100", State: number.Available, Module: "local", CarrierData: map[string]any{"note": "desk"}},
	{Number: "+14155550101", State: number.Available, Module: "local"},
	{Number: "+14155550102", State: number.Available, Module: "local"},
	{Number: "+14155550103", State: number.InService, Module: "local", AssignedTo: account},
	{Number: "+14155550104", State: number.Available, Module: "inventory"},
	{Number: "+14155550105", State: number.Available, Module: "bandwidth2"},
	{Number: "+14160000000", State: number.Available, Module: "local"}, // just past +1415
}

func newCarrier(t *testing.T, st carrier.NumberSearcher) carrier.Carrier {
	t.Helper()
	c, err := carrier.New("knm_local", json.RawMessage(`{}`), storetesting.Deps(st))
	if err != nil {
		t.Fatalf("carrier.New: %v", err)
	}
	return c
}

func TestFindNumbers(t *testing.T) {
	st := storetesting.Open(t, seeds...)
	c := newCarrier(t, st)
	tests := []struct {
		name     string
		prefix   string
		quantity int
		opts     carrier.SearchOptions
		want     []string
	}{
		{"prefix bounds the range", "+1415", 10, carrier.SearchOptions{AccountID: account},
			[]string{"+14155550100", "+14155550101", "+14155550102"}},
		{"prefix without plus", "1415", 10, carrier.SearchOptions{AccountID: account},
			[]string{"+14155550100", "+14155550101", "+14155550102"}},
		{"quantity", "+1415", 2, carrier.SearchOptions{AccountID: account},
			[]string{"+14155550100", "+14155550101"}},
		{"offset", "+1415", 10, carrier.SearchOptions{AccountID: account, Offset: 1},
			[]string{"+14155550101", "+14155550102"}},
		{"offset and quantity", "+1415", 1, carrier.SearchOptions{AccountID: account, Offset: 2},
			[]string{"+14155550102"}},
		{"offset past the end", "+1415", 10, carrier.SearchOptions{AccountID: account, Offset: 3}, nil},
		{"wildcard", "+1415*", 10, carrier.SearchOptions{AccountID: account},
			[]string{"+14155550100", "+14155550101", "+14155550102"}},
		{"whole number", "+14155550101", 10, carrier.SearchOptions{AccountID: account},
			[]string{"+14155550101"}},
		{"short prefix", "+1", 10, carrier.SearchOptions{AccountID: account},
			[]string{"+14149999999", "+14155550100", "+14155550101", "+14155550102", "+14160000000"}},
		{"no match", "+44", 10, carrier.SearchOptions{AccountID: account}, nil},
		{"no account finds nothing", "+1415", 10, carrier.SearchOptions{}, nil},
		{"zero quantity", "+1415", 0, carrier.SearchOptions{AccountID: account}, nil},
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
				if r.Carrier != local.Name || r.State != number.Available {
					t.Errorf("%s: Carrier %q State %q, want local available", r.Number, r.Carrier, r.State)
				}
			}
		})
	}
}

func TestFindNumbersKeepsCarrierData(t *testing.T) {
	c := newCarrier(t, storetesting.Open(t, seeds...))
	results, err := c.FindNumbers(t.Context(), "+14155550100", 1, carrier.SearchOptions{AccountID: account})
	if err != nil || len(results) != 1 {
		t.Fatalf("FindNumbers = %v, %v; want one result", results, err)
	}
	var note string
	if !results[0].CarrierData.Get("note", &note) || note != "desk" {
		t.Errorf("CarrierData = %s, want note desk", results[0].CarrierData)
	}
}

func TestProperties(t *testing.T) {
	c := newCarrier(t, storetesting.Open(t))
	n := number.New("+14155550100", number.Available, local.Name, storetesting.Time)
	if !c.IsLocal() || c.IsNumberBillable(n) || !c.ShouldLookupCNAM() || c.MaxPrefixLength() != 10 {
		t.Errorf("IsLocal %v IsNumberBillable %v ShouldLookupCNAM %v MaxPrefixLength %d; want true false true 10",
			c.IsLocal(), c.IsNumberBillable(n), c.ShouldLookupCNAM(), c.MaxPrefixLength())
	}
	acq, err := c.Acquire(t.Context(), n)
	if err != nil || acq.CarrierData != nil || acq.Locality != nil {
		t.Errorf("Acquire = %+v, %v; want an empty no-op", acq, err)
	}
	if err := c.Disconnect(t.Context(), n); err != nil {
		t.Errorf("Disconnect: %v", err)
	}
	if _, err := c.CheckNumbers(t.Context(), []string{n.Number}); !number.IsKind(err, number.KindUnspecified) {
		t.Errorf("CheckNumbers error = %v, want kind %s", err, number.KindUnspecified)
	}
}

func TestSettings(t *testing.T) {
	st := storetesting.Open(t)
	tests := []struct {
		name     string
		settings string
		deps     carrier.Deps
		wantErr  bool
	}{
		{"none", "", storetesting.Deps(st), false},
		{"empty object", "{}", storetesting.Deps(st), false},
		{"unknown key", `{"numbers_db": "x"}`, storetesting.Deps(st), true},
		{"no store", "{}", carrier.Deps{}, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := carrier.New(local.Name, json.RawMessage(tc.settings), tc.deps)
			if (err != nil) != tc.wantErr {
				t.Fatalf("carrier.New error = %v, want error %v", err, tc.wantErr)
			}
			if err != nil && !number.IsKind(err, number.KindInvalid) {
				t.Errorf("error kind = %s, want %s", number.KindOf(err), number.KindInvalid)
			}
		})
	}
}

func TestConformance(t *testing.T) {
	st := storetesting.Open(t, seeds...)
	carriertest.Run(t, func(t *testing.T) carrier.Carrier { return newCarrier(t, st) },
		carriertest.Prefix("+1415"), carriertest.MinResults(3),
		carriertest.Search(carrier.SearchOptions{AccountID: account, ResellerID: account}))
}
