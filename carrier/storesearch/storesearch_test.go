package storesearch_test

import (
	"encoding/json"
	"reflect"
	"slices"
	"testing"

	"github.com/numan-dev/numan/carrier"
	"github.com/numan-dev/numan/carrier/carriertest"
	"github.com/numan-dev/numan/carrier/internal/storetesting"
	"github.com/numan-dev/numan/carrier/storesearch"
	"github.com/numan-dev/numan/number"
	"github.com/numan-dev/numan/store"
)

// newCarrier builds the store-backed carrier registered as name (given in
// Kazoo's knm_ spelling, which must work too) over st.
func newCarrier(t *testing.T, name string, st store.Numbers) carrier.Carrier {
	t.Helper()
	c, err := carrier.New("knm_"+name, json.RawMessage(`{}`), storetesting.Deps(st))
	if err != nil {
		t.Fatalf("carrier.New: %v", err)
	}
	return c
}

// searchCase is one search and the numbers it must find, in order.
type searchCase struct {
	name     string
	prefix   string
	quantity int
	opts     carrier.SearchOptions
	want     []string
}

// runSearches runs each case against c and checks every result is offered
// by c in state st.
func runSearches(t *testing.T, c carrier.Carrier, st number.State, tests []searchCase) {
	t.Helper()
	name := c.Info().Name
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
				if r.Carrier != name || r.State != st {
					t.Errorf("%s: Carrier %q State %q, want %s %s", r.Number, r.Carrier, r.State, name, st)
				}
			}
		})
	}
}

// TestInfo pins Kazoo's figures for each store-backed carrier, and that
// none of them buys, releases or checks anything at a carrier.
func TestInfo(t *testing.T) {
	st := storetesting.Open(t)
	for _, tc := range []struct {
		name            string
		local, billable bool
		maxPrefix       int
		usable          bool
		rank            int
		module          number.Module
	}{
		{storesearch.Local, true, false, 10, true, 3, number.Module{Name: storesearch.Local, Default: true, LocalNumbers: true}},
		{storesearch.Inventory, false, false, 10, true, 0, number.Module{Name: storesearch.Inventory}},
		{storesearch.Managed, true, true, 15, true, 0, number.Module{Name: storesearch.Managed}},
		{storesearch.Reserved, true, false, 10, false, 1, number.Module{Name: storesearch.Reserved}},
		{storesearch.ReservedReseller, true, false, 10, false, 2, number.Module{Name: storesearch.ReservedReseller}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := newCarrier(t, tc.name, st)
			i := c.Info()
			if i.Name != tc.name || i.Local != tc.local || i.Billable != tc.billable || !i.LookupCNAM ||
				i.MaxPrefixLength != tc.maxPrefix || i.Usable != tc.usable || i.AccountSearchRank != tc.rank {
				t.Errorf("Info = %+v", i)
			}
			if i.Default != tc.module.Default || i.LocalNumbers != tc.module.LocalNumbers || i.MDN {
				t.Errorf("Module = %+v, want %+v", i.Module, tc.module)
			}
			n := number.New("+14155550100", number.Available, tc.name, storetesting.Time)
			acq, err := c.Acquire(t.Context(), n)
			if err != nil || acq.CarrierData != nil || acq.Locality != nil {
				t.Errorf("Acquire = %+v, %v; want an empty no-op", acq, err)
			}
			if err := c.Disconnect(t.Context(), n); err != nil {
				t.Errorf("Disconnect: %v", err)
			}
			if _, ok := c.(carrier.Checker); ok {
				t.Error("offers CheckNumbers; Kazoo's does not")
			}
			if _, ok := c.(carrier.Holder); ok {
				t.Error("offers Holds; nothing is bought from it")
			}
		})
	}
}

func TestSettings(t *testing.T) {
	st := storetesting.Open(t)
	for _, name := range []string{storesearch.Local, storesearch.Inventory, storesearch.Managed, storesearch.Reserved, storesearch.ReservedReseller} {
		for _, tc := range []struct {
			name     string
			settings string
			deps     carrier.Deps
			wantErr  bool
		}{
			{"none", "", storetesting.Deps(st), false},
			{"empty object", "{}", storetesting.Deps(st), false},
			{"unknown key", `{"numbers_db": "x"}`, storetesting.Deps(st), true},
			{"no store", "{}", carrier.Deps{}, true},
		} {
			t.Run(name+"/"+tc.name, func(t *testing.T) {
				_, err := carrier.New(name, json.RawMessage(tc.settings), tc.deps)
				if (err != nil) != tc.wantErr {
					t.Fatalf("carrier.New error = %v, want error %v", err, tc.wantErr)
				}
				if err != nil && !number.IsKind(err, number.KindInvalid) {
					t.Errorf("error kind = %s, want %s", number.KindOf(err), number.KindInvalid)
				}
			})
		}
	}
}

// ---- local: available numbers of module local ----

const account = "acct-1"

var localSeeds = []storetesting.Seed{
	{Number: "+14149999999", State: number.Available, Module: "local"},
	{Number: "+14155550100", State: number.Available, Module: "local", CarrierData: map[string]any{"note": "desk"}},
	{Number: "+14155550101", State: number.Available, Module: "local",
		Locality: map[string]any{"city": "San Francisco", "region": "CA", "country": "US", "rate_center": "SNFC CA 01"}},
	{Number: "+14155550102", State: number.Available, Module: "local"},
	{Number: "+14155550103", State: number.InService, Module: "local", AssignedTo: account},
	{Number: "+14155550104", State: number.Available, Module: "inventory"},
	{Number: "+14155550105", State: number.Available, Module: "bandwidth2"},
	{Number: "+14160000000", State: number.Available, Module: "local"}, // just past +1415
}

func TestLocalFindNumbers(t *testing.T) {
	c := newCarrier(t, storesearch.Local, storetesting.Open(t, localSeeds...))
	runSearches(t, c, number.Available, []searchCase{
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
	})
}

func TestLocalFindNumbersKeepsCarrierData(t *testing.T) {
	c := newCarrier(t, storesearch.Local, storetesting.Open(t, localSeeds...))
	results, err := c.FindNumbers(t.Context(), "+14155550100", 1, carrier.SearchOptions{AccountID: account})
	if err != nil || len(results) != 1 {
		t.Fatalf("FindNumbers = %v, %v; want one result", results, err)
	}
	var note string
	if !results[0].CarrierData.Get("note", &note) || note != "desk" {
		t.Errorf("CarrierData = %s, want note desk", results[0].CarrierData)
	}
}

// A stored number shows the locality Numan keeps for it; nothing else is
// known of it, and one without a locality shows nothing.
func TestLocalFindNumbersShowsTheStoredLocality(t *testing.T) {
	c := newCarrier(t, storesearch.Local, storetesting.Open(t, localSeeds...))
	results, err := c.FindNumbers(t.Context(), "+1415555010", 2, carrier.SearchOptions{AccountID: account, Offset: 1})
	if err != nil || len(results) != 2 {
		t.Fatalf("FindNumbers = %v, %v; want two results", results, err)
	}
	want := carrier.Details{Locality: carrier.Locality{City: "San Francisco", Region: "CA", Country: "US"}, RateCenter: "SNFC CA 01"}
	if !reflect.DeepEqual(results[0].Details, want) || !results[1].Details.IsZero() {
		t.Errorf("details = %+v and %+v, want %+v and none", results[0].Details, results[1].Details, want)
	}
}

func TestLocalConformance(t *testing.T) {
	st := storetesting.Open(t, localSeeds...)
	carriertest.Run(t, func(t *testing.T) carrier.Carrier { return newCarrier(t, storesearch.Local, st) },
		carriertest.Prefix("+1415"), carriertest.MinResults(3),
		carriertest.Search(carrier.SearchOptions{AccountID: account, ResellerID: account}))
}

// ---- inventory: available numbers of module inventory ----

var inventorySeeds = []storetesting.Seed{
	{Number: "+12125550100", State: number.Available, Module: "inventory"},
	{Number: "+12125550101", State: number.Available, Module: "inventory"},
	{Number: "+12125550102", State: number.Aging, Module: "inventory"},
	{Number: "+12125550103", State: number.InService, Module: "inventory", AssignedTo: account},
	{Number: "+12125550104", State: number.Available, Module: "local"},
	{Number: "+12125550105", State: number.Available, Module: "inventory"},
	{Number: "+12130000000", State: number.Available, Module: "inventory"}, // just past +1212
}

func TestInventoryFindNumbers(t *testing.T) {
	c := newCarrier(t, storesearch.Inventory, storetesting.Open(t, inventorySeeds...))
	runSearches(t, c, number.Available, []searchCase{
		{"available inventory only, bounded by prefix", "+1212", 10, carrier.SearchOptions{AccountID: account},
			[]string{"+12125550100", "+12125550101", "+12125550105"}},
		{"prefix without plus", "1212", 10, carrier.SearchOptions{AccountID: account},
			[]string{"+12125550100", "+12125550101", "+12125550105"}},
		{"quantity", "+1212", 1, carrier.SearchOptions{AccountID: account}, []string{"+12125550100"}},
		{"offset", "+1212", 10, carrier.SearchOptions{AccountID: account, Offset: 2}, []string{"+12125550105"}},
		{"wider prefix reaches past", "+121", 10, carrier.SearchOptions{AccountID: account},
			[]string{"+12125550100", "+12125550101", "+12125550105", "+12130000000"}},
		{"no account finds nothing", "+1212", 10, carrier.SearchOptions{}, nil},
	})
}

func TestInventoryConformance(t *testing.T) {
	st := storetesting.Open(t, inventorySeeds...)
	carriertest.Run(t, func(t *testing.T) carrier.Carrier { return newCarrier(t, storesearch.Inventory, st) },
		carriertest.Prefix("+1212"), carriertest.MinResults(3),
		carriertest.Search(carrier.SearchOptions{AccountID: account, ResellerID: account}))
}

// ---- managed: an account's pool, else its reseller's ----

const (
	reseller = "reseller"
	child    = "child"    // has a pool of its own
	poorKid  = "poor-kid" // has no pool: falls back to the reseller's
	stranger = "stranger" // another reseller's pool
)

var managedSeeds = []storetesting.Seed{
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

func TestManagedFindNumbers(t *testing.T) {
	c := newCarrier(t, storesearch.Managed, storetesting.Open(t, managedSeeds...))
	runSearches(t, c, number.Available, []searchCase{
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
	})
}

func TestManagedConformance(t *testing.T) {
	st := storetesting.Open(t, managedSeeds...)
	carriertest.Run(t, func(t *testing.T) carrier.Carrier { return newCarrier(t, storesearch.Managed, st) },
		carriertest.Prefix("+155555"), carriertest.MinResults(3),
		carriertest.Search(carrier.SearchOptions{AccountID: poorKid, ResellerID: reseller}))
}

// ---- reserved: the searching account's reservations, any module ----

// reservedSeeds are reservations of a child and of its reseller, under one
// prefix and just past it.
var reservedSeeds = []storetesting.Seed{
	{Number: "+13125550100", State: number.Reserved, Module: "local", AssignedTo: child},
	{Number: "+13125550101", State: number.Reserved, Module: "bandwidth2", AssignedTo: child, CarrierData: map[string]any{"order_id": "o-1"}},
	{Number: "+13125550102", State: number.InService, Module: "local", AssignedTo: child},
	{Number: "+13125550103", State: number.Reserved, Module: "local", AssignedTo: reseller},
	{Number: "+13125550104", State: number.Available, Module: "local"},
	{Number: "+13125550105", State: number.Reserved, Module: "inventory", AssignedTo: child},
	{Number: "+13130000000", State: number.Reserved, Module: "local", AssignedTo: child}, // just past +1312
}

func TestReservedFindNumbers(t *testing.T) {
	c := newCarrier(t, storesearch.Reserved, storetesting.Open(t, reservedSeeds...))
	runSearches(t, c, number.Reserved, []searchCase{
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
	})
}

func TestReservedFindNumbersKeepsCarrierData(t *testing.T) {
	c := newCarrier(t, storesearch.Reserved, storetesting.Open(t, reservedSeeds...))
	results, err := c.FindNumbers(t.Context(), "+13125550101", 1, carrier.SearchOptions{AccountID: child})
	if err != nil || len(results) != 1 {
		t.Fatalf("FindNumbers = %v, %v; want one result", results, err)
	}
	var order string
	if !results[0].CarrierData.Get("order_id", &order) || order != "o-1" {
		t.Errorf("CarrierData = %s, want order_id o-1", results[0].CarrierData)
	}
}

func TestReservedConformance(t *testing.T) {
	st := storetesting.Open(t, reservedSeeds...)
	carriertest.Run(t, func(t *testing.T) carrier.Carrier { return newCarrier(t, storesearch.Reserved, st) },
		carriertest.Prefix("+1312"), carriertest.MinResults(3),
		carriertest.Search(carrier.SearchOptions{AccountID: child, ResellerID: reseller}))
}

// ---- reserved_reseller: the reseller's reservations ----

var resellerSeeds = []storetesting.Seed{
	{Number: "+13125550100", State: number.Reserved, Module: "local", AssignedTo: reseller},
	{Number: "+13125550101", State: number.Reserved, Module: "bandwidth2", AssignedTo: reseller},
	{Number: "+13125550102", State: number.InService, Module: "local", AssignedTo: reseller},
	{Number: "+13125550103", State: number.Reserved, Module: "local", AssignedTo: child},
	{Number: "+13125550104", State: number.Available, Module: "local"},
	{Number: "+13125550105", State: number.Reserved, Module: "local", AssignedTo: reseller},
	{Number: "+13130000000", State: number.Reserved, Module: "local", AssignedTo: reseller}, // just past +1312
}

func TestReservedResellerFindNumbers(t *testing.T) {
	c := newCarrier(t, storesearch.ReservedReseller, storetesting.Open(t, resellerSeeds...))
	runSearches(t, c, number.Reserved, []searchCase{
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
	})
}

func TestReservedResellerConformance(t *testing.T) {
	st := storetesting.Open(t, resellerSeeds...)
	carriertest.Run(t, func(t *testing.T) carrier.Carrier { return newCarrier(t, storesearch.ReservedReseller, st) },
		carriertest.Prefix("+1312"), carriertest.MinResults(3),
		carriertest.Search(carrier.SearchOptions{AccountID: child, ResellerID: reseller}))
}
