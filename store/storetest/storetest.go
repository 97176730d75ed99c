// Package storetest is the conformance suite of store.Store, and the
// helpers other packages' tests open stores with.
//
// Run is the one entry point of the suite: numbers, accounts, configs,
// races, carrier orders, billing, transactions, users and port requests,
// each subtest on a
// fresh, empty store. OpenSQLite, OpenPostgres, EachKind and EachStore
// give any test both stores in one line:
//
//	storetest.EachStore(t, func(t *testing.T, st store.Store) { ... })
package storetest

import (
	"context"
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/numan-dev/numan/number"
	"github.com/numan-dev/numan/store"
)

// Run runs every conformance suite. open returns a new, empty store for
// one subtest; it should close it at the test's cleanup.
func Run(t *testing.T, open Opener) {
	suite{
		{"create and get", testCreateGet},
		{"round trip of every field", testRoundTrip},
		{"get many", testGetMany},
		{"not found", testNotFound},
		{"number exists", testNumberExists},
		{"bulk insert", testBulkInsert},
		{"update", testUpdate},
		{"version conflicts", testVersionConflicts},
		{"delete", testDelete},
		{"list paging", testListPaging},
		{"list filters", testListFilters},
		{"list by feature", testListByFeature},
		{"search bounded by prefix", testSearchPrefix},
		{"search filters", testSearchFilters},
		{"count by state", testCountByState},
		{"accounts", testAccounts},
		{"account tree", testAccountTree},
		{"account conflicts", testAccountConflicts},
		{"nothing owned by a missing account", testAccountOwners},
		{"configs", testConfigs},
		{"race to reserve", testRace},
	}.run(t, open)
	t.Run("carrier orders", func(t *testing.T) { runCarrierOrders(t, open) })
	t.Run("billing", func(t *testing.T) { runBilling(t, open) })
	t.Run("credit holds", func(t *testing.T) { runHolds(t, open) })
	t.Run("transactions", func(t *testing.T) { runTx(t, open) })
	t.Run("users", func(t *testing.T) { runUsers(t, open) })
	t.Run("port requests", func(t *testing.T) { runPorts(t, open) })
	t.Run("recurring charges", func(t *testing.T) { runRecurring(t, open) })
	t.Run("idempotency keys and rate buckets", func(t *testing.T) { runRequests(t, open) })
	t.Run("events", func(t *testing.T) { runEvents(t, open) })
}

// suite is a list of tests, each run on a fresh store.
type suite []struct {
	name string
	fn   func(t *testing.T, s store.Store)
}

func (s suite) run(t *testing.T, open Opener) {
	for _, tc := range s {
		t.Run(tc.name, func(t *testing.T) { tc.fn(t, open(t)) })
	}
}

// at is a fixed instant with sub-second precision, in a non-UTC zone: the
// store must give it back as the same instant in UTC.
var at = time.Date(2026, 3, 14, 15, 9, 26, 535897000, time.FixedZone("X", 3600))

func ctxT(t *testing.T) context.Context { return t.Context() }

// accountID returns a well-formed account id for i.
func accountID(i int) string { return fmt.Sprintf("%032x", i) }

// plain returns a minimal number record.
func plain(e164 string, st number.State) *number.Number {
	return number.New(e164, st, "local", at)
}

// full returns a number with every field set.
func full(e164 string) *number.Number {
	return &number.Number{
		Number:         e164,
		State:          number.InService,
		AssignedTo:     accountID(1),
		PrevAssignedTo: accountID(2),
		ReserveHistory: []string{accountID(1), accountID(3)},
		UsedBy:         "callflow",
		ModuleName:     "bandwidth2",
		CarrierData:    number.Doc{"order_id": json.RawMessage(`"abc-1"`), "nested": json.RawMessage(`{"b": [1, 2], "a":null}`)},
		PortedIn:       true,
		Features:       number.Doc{"cnam": json.RawMessage(`{"inbound": true}`), "e911": json.RawMessage(`{}`)},
		FeaturesAllow:  []string{"cnam", "e911"},
		FeaturesDeny:   []string{"failover"},
		Region:         "CA",
		Pool:           accountID(4),
		Locality:       number.Doc{"city": json.RawMessage(`"San Francisco"`)},
		Public:         number.Doc{"ui_metadata": json.RawMessage(`{"origin": "test"}`), "my_own_field": json.RawMessage(`"ü \u00e9"`)},
		Created:        at,
		Modified:       at.Add(90 * time.Minute),
	}
}

// diffNumber describes how got differs from want ("" when equal). Empty and
// nil lists are equal; Docs compare byte for byte.
func diffNumber(want, got *number.Number) string {
	var d []string
	check := func(field string, equal bool, w, g any) {
		if !equal {
			d = append(d, fmt.Sprintf("%s: got %v, want %v", field, g, w))
		}
	}
	docEq := func(a, b number.Doc) bool { return a.Equal(b) && (a == nil) == (b == nil) }
	check("Number", want.Number == got.Number, want.Number, got.Number)
	check("State", want.State == got.State, want.State, got.State)
	check("AssignedTo", want.AssignedTo == got.AssignedTo, want.AssignedTo, got.AssignedTo)
	check("PrevAssignedTo", want.PrevAssignedTo == got.PrevAssignedTo, want.PrevAssignedTo, got.PrevAssignedTo)
	check("ReserveHistory", slices.Equal(want.ReserveHistory, got.ReserveHistory), want.ReserveHistory, got.ReserveHistory)
	check("UsedBy", want.UsedBy == got.UsedBy, want.UsedBy, got.UsedBy)
	check("ModuleName", want.ModuleName == got.ModuleName, want.ModuleName, got.ModuleName)
	check("CarrierData", docEq(want.CarrierData, got.CarrierData), want.CarrierData, got.CarrierData)
	check("PortedIn", want.PortedIn == got.PortedIn, want.PortedIn, got.PortedIn)
	check("Features", docEq(want.Features, got.Features), want.Features, got.Features)
	check("FeaturesAllow", slices.Equal(want.FeaturesAllow, got.FeaturesAllow), want.FeaturesAllow, got.FeaturesAllow)
	check("FeaturesDeny", slices.Equal(want.FeaturesDeny, got.FeaturesDeny), want.FeaturesDeny, got.FeaturesDeny)
	check("Region", want.Region == got.Region, want.Region, got.Region)
	check("Pool", want.Pool == got.Pool, want.Pool, got.Pool)
	check("Locality", docEq(want.Locality, got.Locality), want.Locality, got.Locality)
	check("Public", docEq(want.Public, got.Public), want.Public, got.Public)
	check("Created", want.Created.Equal(got.Created) && got.Created.Location() == time.UTC, want.Created, got.Created)
	check("Modified", want.Modified.Equal(got.Modified) && got.Modified.Location() == time.UTC, want.Modified, got.Modified)
	check("Version", want.Version == got.Version, want.Version, got.Version)
	return fmt.Sprint(d)[1 : len(fmt.Sprint(d))-1]
}

func mustInsert(t *testing.T, s store.Store, ns ...*number.Number) {
	t.Helper()
	if err := s.InsertNumbers(ctxT(t), ns); err != nil {
		t.Fatalf("InsertNumbers: %v", err)
	}
}

func mustGet(t *testing.T, s store.Store, e164 string) *number.Number {
	t.Helper()
	n, err := s.GetNumber(ctxT(t), e164)
	if err != nil {
		t.Fatalf("GetNumber(%s): %v", e164, err)
	}
	if n == nil {
		t.Fatalf("GetNumber(%s) = nil, nil", e164)
	}
	return n
}

func wantKind(t *testing.T, what string, err error, k number.Kind) {
	t.Helper()
	if !number.IsKind(err, k) {
		t.Fatalf("%s: got error %v (kind %s), want kind %s", what, err, number.KindOf(err), k)
	}
}

func numbersOf(ns []*number.Number) []string {
	out := make([]string, len(ns))
	for i, n := range ns {
		out[i] = n.Number
	}
	return out
}

func testCreateGet(t *testing.T, s store.Store) {
	n := plain("+14155550100", number.Available)
	if err := s.InsertNumber(ctxT(t), n); err != nil {
		t.Fatalf("InsertNumber: %v", err)
	}
	if n.Version != 1 {
		t.Errorf("Version after insert = %d, want 1", n.Version)
	}
	got := mustGet(t, s, n.Number)
	want := n.Clone()
	if d := diffNumber(want, got); d != "" {
		t.Errorf("GetNumber: %s", d)
	}
	if got.Public == nil || got.Features == nil || got.CarrierData == nil {
		t.Errorf("nil Doc in %+v: Public, Features and CarrierData must be empty Docs", got)
	}
	if err := s.Ping(ctxT(t)); err != nil {
		t.Errorf("Ping: %v", err)
	}
}

func testRoundTrip(t *testing.T, s store.Store) {
	for _, n := range []*number.Number{
		full("+14155550101"),
		{Number: "+14155550102", State: number.Discovery}, // every optional field unset
		func() *number.Number { n := full("+14155550103"); n.Locality = number.Doc{}; return n }(),
	} {
		want := n.Clone()
		if n.Locality == nil {
			want.Locality = nil
		}
		want.Version = 1
		if want.Public == nil {
			want.Public, want.Features, want.CarrierData = number.Doc{}, number.Doc{}, number.Doc{}
		}
		if err := s.InsertNumber(ctxT(t), n); err != nil {
			t.Fatalf("InsertNumber(%s): %v", n.Number, err)
		}
		if d := diffNumber(want, mustGet(t, s, n.Number)); d != "" {
			t.Errorf("round trip of %s: %s", n.Number, d)
		}
	}
	bad := full("+14155550104")
	bad.Public["broken"] = json.RawMessage(`{"unterminated": `)
	wantKind(t, "InsertNumber with invalid JSON in a Doc", s.InsertNumber(ctxT(t), bad), number.KindInvalid)

	// The update path writes every field too.
	n := mustGet(t, s, "+14155550102")
	upd := full(n.Number)
	upd.Version = n.Version
	if err := s.UpdateNumber(ctxT(t), upd); err != nil {
		t.Fatalf("UpdateNumber: %v", err)
	}
	want := full(n.Number)
	want.Version = 2
	if d := diffNumber(want, mustGet(t, s, n.Number)); d != "" {
		t.Errorf("round trip after update: %s", d)
	}
}

func testGetMany(t *testing.T, s store.Store) {
	mustInsert(t, s, plain("+14155550110", number.Available), plain("+14155550111", number.Reserved), plain("+14155550112", number.InService))
	got, err := s.GetNumbers(ctxT(t), []string{"+14155550110", "+14155550112", "+14155550199"})
	if err != nil {
		t.Fatalf("GetNumbers: %v", err)
	}
	if len(got) != 2 || got["+14155550110"] == nil || got["+14155550112"] == nil {
		t.Fatalf("GetNumbers = %v, want +14155550110 and +14155550112", got)
	}
	if got["+14155550112"].State != number.InService {
		t.Errorf("state of +14155550112 = %s", got["+14155550112"].State)
	}
	empty, err := s.GetNumbers(ctxT(t), nil)
	if err != nil || len(empty) != 0 {
		t.Errorf("GetNumbers(nil) = %v, %v; want empty", empty, err)
	}
	// More numbers than a database accepts parameters in one statement.
	var many []*number.Number
	var keys []string
	for i := range 600 {
		e := fmt.Sprintf("+1212555%04d", i)
		many = append(many, plain(e, number.Available))
		keys = append(keys, e)
	}
	mustInsert(t, s, many...)
	got, err = s.GetNumbers(ctxT(t), keys)
	if err != nil || len(got) != 600 {
		t.Errorf("GetNumbers(600) gave %d numbers, %v", len(got), err)
	}
}

func testNotFound(t *testing.T, s store.Store) {
	n, err := s.GetNumber(ctxT(t), "+14155550120")
	wantKind(t, "GetNumber of a missing number", err, number.KindNotFound)
	if n != nil {
		t.Errorf("GetNumber of a missing number returned %+v", n)
	}
	missing := plain("+14155550120", number.Available)
	missing.Version = 1
	wantKind(t, "UpdateNumber of a missing number", s.UpdateNumber(ctxT(t), missing), number.KindNotFound)
	wantKind(t, "DeleteNumber of a missing number", s.DeleteNumber(ctxT(t), "+14155550120", 1), number.KindNotFound)
}

func testNumberExists(t *testing.T, s store.Store) {
	mustInsert(t, s, plain("+14155550130", number.Available))
	err := s.InsertNumber(ctxT(t), plain("+14155550130", number.Reserved))
	wantKind(t, "InsertNumber of a stored number", err, number.KindNumberExists)
	if e := number.AsError(err); e.Number != "+14155550130" {
		t.Errorf("error names %q, want +14155550130", e.Number)
	}
	if got := mustGet(t, s, "+14155550130"); got.State != number.Available || got.Version != 1 {
		t.Errorf("stored number changed: %+v", got)
	}
}

func testBulkInsert(t *testing.T, s store.Store) {
	var ns []*number.Number
	for i := range 500 {
		ns = append(ns, plain(fmt.Sprintf("+1415666%04d", i), number.Available))
	}
	mustInsert(t, s, ns...)
	for _, n := range ns {
		if n.Version != 1 {
			t.Fatalf("%s: Version = %d after InsertNumbers, want 1", n.Number, n.Version)
		}
	}
	if got := mustGet(t, s, "+14156660499"); got.State != number.Available {
		t.Errorf("bulk-inserted number: %+v", got)
	}
	// All or nothing: one stored number fails the whole batch and names it.
	batch := []*number.Number{plain("+14157770001", number.Available), plain("+14156660007", number.Available), plain("+14157770002", number.Available)}
	err := s.InsertNumbers(ctxT(t), batch)
	wantKind(t, "InsertNumbers with a stored number", err, number.KindNumberExists)
	if e := number.AsError(err); e.Number != "+14156660007" {
		t.Errorf("error names %q, want +14156660007", e.Number)
	}
	// A number twice in one batch is a duplicate too.
	err = s.InsertNumbers(ctxT(t), []*number.Number{plain("+14157770003", number.Available), plain("+14157770003", number.Available)})
	wantKind(t, "InsertNumbers with a number twice", err, number.KindNumberExists)
	got, err := s.GetNumbers(ctxT(t), []string{"+14157770001", "+14157770002", "+14157770003"})
	if err != nil || len(got) != 0 {
		t.Errorf("failed batches left %v (%v)", numbersOf(slices.Collect(mapValues(got))), err)
	}
	if err := s.InsertNumbers(ctxT(t), nil); err != nil {
		t.Errorf("InsertNumbers(nil): %v", err)
	}
}

func mapValues(m map[string]*number.Number) func(func(*number.Number) bool) {
	return func(yield func(*number.Number) bool) {
		for _, v := range m {
			if !yield(v) {
				return
			}
		}
	}
}

func testUpdate(t *testing.T, s store.Store) {
	mustInsert(t, s, plain("+14155550140", number.Available))
	n := mustGet(t, s, "+14155550140")
	n.State = number.Reserved
	n.AssignedTo = accountID(7)
	n.Public["name"] = json.RawMessage(`"main line"`)
	n.Modified = at.Add(time.Hour)
	if err := s.UpdateNumber(ctxT(t), n); err != nil {
		t.Fatalf("UpdateNumber: %v", err)
	}
	if n.Version != 2 {
		t.Errorf("Version after update = %d, want 2", n.Version)
	}
	if d := diffNumber(n, mustGet(t, s, n.Number)); d != "" {
		t.Errorf("after update: %s", d)
	}
	if err := s.UpdateNumber(ctxT(t), n); err != nil {
		t.Fatalf("second UpdateNumber: %v", err)
	}
	if got := mustGet(t, s, n.Number); got.Version != 3 {
		t.Errorf("stored Version = %d, want 3", got.Version)
	}
}

func testVersionConflicts(t *testing.T, s store.Store) {
	mustInsert(t, s, plain("+14155550150", number.Available))
	first := mustGet(t, s, "+14155550150")
	second := mustGet(t, s, "+14155550150")
	first.State = number.Reserved
	if err := s.UpdateNumber(ctxT(t), first); err != nil {
		t.Fatalf("first UpdateNumber: %v", err)
	}
	second.State = number.InService
	wantKind(t, "UpdateNumber of a stale version", s.UpdateNumber(ctxT(t), second), number.KindConflict)
	if second.Version != 1 {
		t.Errorf("a failed update changed Version to %d", second.Version)
	}
	wantKind(t, "DeleteNumber of a stale version", s.DeleteNumber(ctxT(t), "+14155550150", 1), number.KindConflict)
	if got := mustGet(t, s, "+14155550150"); got.State != number.Reserved || got.Version != 2 {
		t.Errorf("stored after conflicts: state %s version %d, want reserved 2", got.State, got.Version)
	}
}

func testDelete(t *testing.T, s store.Store) {
	mustInsert(t, s, plain("+14155550160", number.Available))
	if err := s.DeleteNumber(ctxT(t), "+14155550160", 1); err != nil {
		t.Fatalf("DeleteNumber: %v", err)
	}
	_, err := s.GetNumber(ctxT(t), "+14155550160")
	wantKind(t, "GetNumber after delete", err, number.KindNotFound)
	// The number can be created again.
	mustInsert(t, s, plain("+14155550160", number.Reserved))
}

// fixture stores a small inventory for listings and searches.
func fixture(t *testing.T, s store.Store) {
	t.Helper()
	mk := func(e164 string, st number.State, module, owner, pool string) *number.Number {
		n := number.New(e164, st, module, at)
		n.AssignedTo = owner
		n.Pool = pool
		return n
	}
	a, b := accountID(1), accountID(2)
	mustInsert(t, s,
		mk("+14155550001", number.Available, "local", "", ""),
		mk("+14155550002", number.Available, "bandwidth2", "", ""),
		mk("+14155550003", number.Reserved, "local", a, ""),
		mk("+14155550004", number.InService, "local", a, ""),
		mk("+14155550005", number.Available, "managed", "", b),
		mk("+14155550006", number.Available, "managed", "", b),
		mk("+14155550007", number.Reserved, "managed", a, b),
		mk("+14155550008", number.Available, "local", "", ""),
		mk("+14155559999", number.Available, "local", "", ""),
		mk("+14155560000", number.Available, "local", "", ""), // just past the prefix +1415555
		mk("+14165550001", number.Available, "local", "", ""),
		mk("+442079460001", number.InService, "local", b, ""),
	)
}

func testListPaging(t *testing.T, s store.Store) {
	fixture(t, s)
	var all []string
	start := ""
	pages := 0
	for {
		p, err := s.ListNumbers(ctxT(t), store.ListQuery{StartKey: start, Limit: 5})
		if err != nil {
			t.Fatalf("ListNumbers: %v", err)
		}
		pages++
		if len(p.Numbers) > 5 {
			t.Fatalf("page of %d numbers, limit 5", len(p.Numbers))
		}
		all = append(all, numbersOf(p.Numbers)...)
		if p.NextStartKey == "" {
			break
		}
		if pages > 10 {
			t.Fatal("paging does not end")
		}
		start = p.NextStartKey
	}
	want := []string{"+14155550001", "+14155550002", "+14155550003", "+14155550004", "+14155550005", "+14155550006",
		"+14155550007", "+14155550008", "+14155559999", "+14155560000", "+14165550001", "+442079460001"}
	if !slices.Equal(all, want) || pages != 3 {
		t.Errorf("paged listing (%d pages) = %v, want %v in 3 pages", pages, all, want)
	}
	// The start key is inclusive and NextStartKey is the next page's first number.
	p, err := s.ListNumbers(ctxT(t), store.ListQuery{StartKey: "+14155550004", Limit: 2})
	if err != nil {
		t.Fatal(err)
	}
	if got := numbersOf(p.Numbers); !slices.Equal(got, []string{"+14155550004", "+14155550005"}) || p.NextStartKey != "+14155550006" {
		t.Errorf("page from +14155550004 = %v next %q", got, p.NextStartKey)
	}
	// An exact final page has no next key.
	p, err = s.ListNumbers(ctxT(t), store.ListQuery{StartKey: "+14165550001", Limit: 2})
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Numbers) != 2 || p.NextStartKey != "" {
		t.Errorf("last page = %v next %q", numbersOf(p.Numbers), p.NextStartKey)
	}
	p, err = s.ListNumbers(ctxT(t), store.ListQuery{})
	if err != nil || len(p.Numbers) != 12 || p.NextStartKey != "" {
		t.Errorf("unlimited listing = %d numbers next %q, %v", len(p.Numbers), p.NextStartKey, err)
	}
}

func testListFilters(t *testing.T, s store.Store) {
	fixture(t, s)
	a, b := accountID(1), accountID(2)
	tests := []struct {
		name string
		q    store.ListQuery
		want []string
	}{
		{"owner", store.ListQuery{AssignedTo: a}, []string{"+14155550003", "+14155550004", "+14155550007"}},
		{"owner and state", store.ListQuery{AssignedTo: a, States: []number.State{number.InService}}, []string{"+14155550004"}},
		{"states", store.ListQuery{States: []number.State{number.Reserved, number.InService}}, []string{"+14155550003", "+14155550004", "+14155550007", "+442079460001"}},
		{"prefix", store.ListQuery{Prefix: "+4420"}, []string{"+442079460001"}},
		{"prefix is bounded", store.ListQuery{Prefix: "+1415555", States: []number.State{number.Available}, StartKey: "+14155550008"}, []string{"+14155550008", "+14155559999"}},
		{"owner, prefix and page", store.ListQuery{AssignedTo: b, Prefix: "+44", Limit: 1}, []string{"+442079460001"}},
		{"start key before the prefix", store.ListQuery{Prefix: "+1416", StartKey: "+1"}, []string{"+14165550001"}},
		{"carrier", store.ListQuery{Modules: []string{"managed"}}, []string{"+14155550005", "+14155550006", "+14155550007"}},
		{"carriers, state and prefix", store.ListQuery{Modules: []string{"bandwidth2", "managed"}, States: []number.State{number.Available}, Prefix: "+1415555"},
			[]string{"+14155550002", "+14155550005", "+14155550006"}},
		{"nothing", store.ListQuery{AssignedTo: accountID(99)}, nil},
	}
	for _, tc := range tests {
		p, err := s.ListNumbers(ctxT(t), tc.q)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if got := numbersOf(p.Numbers); !slices.Equal(got, tc.want) && !(len(got) == 0 && len(tc.want) == 0) {
			t.Errorf("%s: got %v, want %v", tc.name, got, tc.want)
		}
	}
}

func testSearchPrefix(t *testing.T, s store.Store) {
	fixture(t, s)
	got, err := s.SearchNumbers(ctxT(t), store.SearchQuery{Prefix: "+1415555", States: []number.State{number.Available}, Modules: []string{"local"}})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"+14155550001", "+14155550008", "+14155559999"}
	if !slices.Equal(numbersOf(got), want) {
		t.Errorf("search +1415555 = %v, want %v (+14155560000 is past the prefix)", numbersOf(got), want)
	}
}

func testSearchFilters(t *testing.T, s store.Store) {
	fixture(t, s)
	a, b := accountID(1), accountID(2)
	avail := []number.State{number.Available}
	tests := []struct {
		name string
		q    store.SearchQuery
		want []string
	}{
		{"modules", store.SearchQuery{Prefix: "+1415", States: avail, Modules: []string{"bandwidth2", "managed"}},
			[]string{"+14155550002", "+14155550005", "+14155550006"}},
		{"owner", store.SearchQuery{Prefix: "+1", AssignedTo: a}, []string{"+14155550003", "+14155550004", "+14155550007"}},
		{"pool", store.SearchQuery{Prefix: "+1", Pool: b}, []string{"+14155550005", "+14155550006", "+14155550007"}},
		{"pool and state", store.SearchQuery{Prefix: "+1415", Pool: b, States: avail}, []string{"+14155550005", "+14155550006"}},
		{"limit", store.SearchQuery{Prefix: "+1", States: avail, Limit: 2}, []string{"+14155550001", "+14155550002"}},
		{"offset and limit", store.SearchQuery{Prefix: "+1", States: avail, Offset: 2, Limit: 2}, []string{"+14155550005", "+14155550006"}},
		{"offset only", store.SearchQuery{Prefix: "+1", States: avail, Offset: 6}, []string{"+14155560000", "+14165550001"}},
		{"no prefix", store.SearchQuery{AssignedTo: b}, []string{"+442079460001"}},
		{"no match", store.SearchQuery{Prefix: "+33", States: avail}, nil},
	}
	for _, tc := range tests {
		got, err := s.SearchNumbers(ctxT(t), tc.q)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if g := numbersOf(got); !slices.Equal(g, tc.want) && !(len(g) == 0 && len(tc.want) == 0) {
			t.Errorf("%s: got %v, want %v", tc.name, g, tc.want)
		}
	}
}

func testCountByState(t *testing.T, s store.Store) {
	got, err := s.CountNumbersByState(ctxT(t))
	if err != nil || len(got) != 0 {
		t.Fatalf("count of an empty store = %v, %v", got, err)
	}
	fixture(t, s)
	got, err = s.CountNumbersByState(ctxT(t))
	if err != nil {
		t.Fatal(err)
	}
	want := map[number.State]int64{number.Available: 8, number.Reserved: 2, number.InService: 2}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("CountNumbersByState = %v, want %v", got, want)
	}
}

// account returns an account below tree.
func account(i int, name string, tree ...string) *number.Account {
	a := &number.Account{
		ID:       accountID(i),
		Name:     name,
		Tree:     tree,
		Enabled:  true,
		Public:   number.Doc{"realm": json.RawMessage(fmt.Sprintf(`"%s.example.com"`, name))},
		Created:  at,
		Modified: at,
	}
	if len(tree) > 0 {
		a.ParentID = tree[len(tree)-1]
	} else {
		a.Tree = []string{}
	}
	return a
}

func diffAccount(want, got *number.Account) string {
	w, g := *want, *got
	if !w.Created.Equal(g.Created) || !w.Modified.Equal(g.Modified) || g.Created.Location() != time.UTC {
		return fmt.Sprintf("times: got %v %v, want %v %v", g.Created, g.Modified, w.Created, w.Modified)
	}
	if !w.Public.Equal(g.Public) || g.Public == nil {
		return fmt.Sprintf("public: got %v, want %v", g.Public, w.Public)
	}
	if !slices.Equal(w.Tree, g.Tree) || g.Tree == nil && len(w.Tree) == 0 && w.Tree != nil {
		return fmt.Sprintf("tree: got %v, want %v", g.Tree, w.Tree)
	}
	w.Created, w.Modified, g.Created, g.Modified = time.Time{}, time.Time{}, time.Time{}, time.Time{}
	w.Public, g.Public, w.Tree, g.Tree = nil, nil, nil, nil
	if !reflect.DeepEqual(w, g) {
		return fmt.Sprintf("got %+v, want %+v", g, w)
	}
	return ""
}

func mustInsertAccounts(t *testing.T, s store.Store, as ...*number.Account) {
	t.Helper()
	for _, a := range as {
		if err := s.InsertAccount(ctxT(t), a); err != nil {
			t.Fatalf("InsertAccount(%s): %v", a.Name, err)
		}
	}
}

func testAccounts(t *testing.T, s store.Store) {
	root := account(1, "master")
	root.SuperduperAdmin, root.Reseller, root.AllowNumberAdditions = true, true, true
	root.APIKeyHash, root.APIKeySealed = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08", "sealed-key"
	child := account(2, "child", root.ID)
	child.Enabled = false
	mustInsertAccounts(t, s, root, child)
	if root.Version != 1 {
		t.Errorf("Version after insert = %d, want 1", root.Version)
	}
	for _, want := range []*number.Account{root, child} {
		got, err := s.GetAccount(ctxT(t), want.ID)
		if err != nil {
			t.Fatalf("GetAccount: %v", err)
		}
		if d := diffAccount(want, got); d != "" {
			t.Errorf("GetAccount(%s): %s", want.Name, d)
		}
	}
	got, err := s.GetAccountByAPIKeyHash(ctxT(t), root.APIKeyHash)
	if err != nil || got.ID != root.ID {
		t.Fatalf("GetAccountByAPIKeyHash = %v, %v", got, err)
	}
	_, err = s.GetAccountByAPIKeyHash(ctxT(t), "0000")
	wantKind(t, "GetAccountByAPIKeyHash of an unknown hash", err, number.KindNotFound)
	_, err = s.GetAccountByAPIKeyHash(ctxT(t), "")
	wantKind(t, "GetAccountByAPIKeyHash of an empty hash", err, number.KindNotFound)

	many, err := s.GetAccounts(ctxT(t), []string{root.ID, child.ID, accountID(99)})
	if err != nil || len(many) != 2 || many[child.ID] == nil || many[child.ID].Name != "child" {
		t.Errorf("GetAccounts = %v, %v", many, err)
	}
	if n, err := s.CountAccounts(ctxT(t)); err != nil || n != 2 {
		t.Errorf("CountAccounts = %d, %v; want 2", n, err)
	}

	child.Name = "renamed"
	child.Enabled = true
	child.APIKeyHash = "aaaa"
	child.Public["timezone"] = json.RawMessage(`"Europe/Paris"`)
	child.Modified = at.Add(time.Hour)
	if err := s.UpdateAccount(ctxT(t), child); err != nil {
		t.Fatalf("UpdateAccount: %v", err)
	}
	if child.Version != 2 {
		t.Errorf("Version after update = %d, want 2", child.Version)
	}
	got, err = s.GetAccount(ctxT(t), child.ID)
	if err != nil {
		t.Fatal(err)
	}
	if d := diffAccount(child, got); d != "" {
		t.Errorf("after update: %s", d)
	}

	if err := s.DeleteAccount(ctxT(t), child.ID); err != nil {
		t.Fatalf("DeleteAccount: %v", err)
	}
	_, err = s.GetAccount(ctxT(t), child.ID)
	wantKind(t, "GetAccount after delete", err, number.KindNotFound)
	wantKind(t, "DeleteAccount of a missing account", s.DeleteAccount(ctxT(t), child.ID), number.KindNotFound)
	if n, err := s.CountAccounts(ctxT(t)); err != nil || n != 1 {
		t.Errorf("CountAccounts = %d, %v; want 1", n, err)
	}
}

func names(as []*number.Account) []string {
	out := make([]string, len(as))
	for i, a := range as {
		out[i] = a.Name
	}
	return out
}

func testAccountTree(t *testing.T, s store.Store) {
	// master
	// ├── zeta reseller
	// │   └── alpha
	// │       └── deep
	// └── beta
	// other master (a second root, after master's range)
	master := account(1, "master")
	zeta := account(2, "zeta", master.ID)
	alpha := account(3, "alpha", master.ID, zeta.ID)
	deep := account(4, "deep", master.ID, zeta.ID, alpha.ID)
	beta := account(5, "beta", master.ID)
	other := account(6, "other")
	otherChild := account(7, "other-child", other.ID)
	mustInsertAccounts(t, s, master, zeta, alpha, deep, beta, other, otherChild)

	tests := []struct {
		name string
		list func(context.Context, string) ([]*number.Account, error)
		id   string
		want []string
	}{
		{"children of master", s.ListChildren, master.ID, []string{"beta", "zeta"}},
		{"children of zeta", s.ListChildren, zeta.ID, []string{"alpha"}},
		{"children of a leaf", s.ListChildren, deep.ID, nil},
		{"descendants of master", s.ListDescendants, master.ID, []string{"alpha", "beta", "deep", "zeta"}},
		{"descendants of zeta", s.ListDescendants, zeta.ID, []string{"alpha", "deep"}},
		{"descendants of a leaf", s.ListDescendants, deep.ID, nil},
		{"descendants of other", s.ListDescendants, other.ID, []string{"other-child"}},
		{"descendants of a missing account", s.ListDescendants, accountID(99), nil},
	}
	for _, tc := range tests {
		got, err := tc.list(ctxT(t), tc.id)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if g := names(got); !slices.Equal(g, tc.want) && !(len(g) == 0 && len(tc.want) == 0) {
			t.Errorf("%s = %v, want %v", tc.name, g, tc.want)
		}
	}
	got, err := s.GetAccount(ctxT(t), deep.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(got.Tree, []string{master.ID, zeta.ID, alpha.ID}) || got.ParentID != alpha.ID {
		t.Errorf("deep's tree = %v parent %s", got.Tree, got.ParentID)
	}

	// Moving alpha under beta moves deep with it.
	alpha.Tree = []string{master.ID, beta.ID}
	alpha.ParentID = beta.ID
	if err := s.UpdateAccount(ctxT(t), alpha); err != nil {
		t.Fatalf("UpdateAccount (move): %v", err)
	}
	if got, _ := s.ListDescendants(ctxT(t), beta.ID); !slices.Equal(names(got), []string{"alpha", "deep"}) {
		t.Errorf("after the move, descendants of beta = %v, want [alpha deep]", names(got))
	}
	if got, _ := s.ListDescendants(ctxT(t), zeta.ID); len(got) != 0 {
		t.Errorf("after the move, descendants of zeta = %v, want none", names(got))
	}
	got, err = s.GetAccount(ctxT(t), deep.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(got.Tree, []string{master.ID, beta.ID, alpha.ID}) || got.ParentID != alpha.ID || got.Version != 2 {
		t.Errorf("after the move, deep's tree = %v parent %s version %d; want [master beta alpha], alpha, 2", got.Tree, got.ParentID, got.Version)
	}
	// No account moves below itself.
	master.Tree = []string{master.ID, zeta.ID}
	wantKind(t, "moving an account below itself", s.UpdateAccount(ctxT(t), master), number.KindInvalid)
}

func testAccountConflicts(t *testing.T, s store.Store) {
	a := account(1, "master")
	a.APIKeyHash = "hash-1"
	mustInsertAccounts(t, s, a)
	wantKind(t, "InsertAccount of an existing id", s.InsertAccount(ctxT(t), account(1, "again")), number.KindConflict)
	b := account(2, "b", a.ID)
	b.APIKeyHash = "hash-1"
	wantKind(t, "InsertAccount with a used api key hash", s.InsertAccount(ctxT(t), b), number.KindConflict)

	first, _ := s.GetAccount(ctxT(t), a.ID)
	second, _ := s.GetAccount(ctxT(t), a.ID)
	first.Name = "first"
	if err := s.UpdateAccount(ctxT(t), first); err != nil {
		t.Fatalf("UpdateAccount: %v", err)
	}
	second.Name = "second"
	wantKind(t, "UpdateAccount of a stale version", s.UpdateAccount(ctxT(t), second), number.KindConflict)
	missing := account(3, "missing")
	missing.Version = 1
	wantKind(t, "UpdateAccount of a missing account", s.UpdateAccount(ctxT(t), missing), number.KindNotFound)
	_, err := s.GetAccount(ctxT(t), accountID(3))
	wantKind(t, "GetAccount of a missing account", err, number.KindNotFound)
}

func testConfigs(t *testing.T, s store.Store) {
	_, err := s.GetConfig(ctxT(t), "number_manager")
	wantKind(t, "GetConfig of a missing document", err, number.KindNotFound)
	doc := json.RawMessage(`{"default": {"available_module_name": "local", "carrier_modules": ["knm_local"]}}`)
	if err := s.PutConfig(ctxT(t), "number_manager", doc); err != nil {
		t.Fatalf("PutConfig: %v", err)
	}
	got, err := s.GetConfig(ctxT(t), "number_manager")
	if err != nil || string(got) != string(doc) {
		t.Errorf("GetConfig = %s, %v; want %s", got, err, doc)
	}
	replaced := json.RawMessage(`{"default":{}}`)
	if err := s.PutConfig(ctxT(t), "number_manager", replaced); err != nil {
		t.Fatalf("PutConfig (replace): %v", err)
	}
	if got, _ := s.GetConfig(ctxT(t), "number_manager"); string(got) != string(replaced) {
		t.Errorf("after replace GetConfig = %s, want %s", got, replaced)
	}
	wantKind(t, "PutConfig of a non-object", s.PutConfig(ctxT(t), "x", json.RawMessage(`[1]`)), number.KindInvalid)
	wantKind(t, "PutConfig of invalid JSON", s.PutConfig(ctxT(t), "x", json.RawMessage(`{`)), number.KindInvalid)
	if err := s.DeleteConfig(ctxT(t), "number_manager"); err != nil {
		t.Fatalf("DeleteConfig: %v", err)
	}
	_, err = s.GetConfig(ctxT(t), "number_manager")
	wantKind(t, "GetConfig after delete", err, number.KindNotFound)
	wantKind(t, "DeleteConfig of a missing document", s.DeleteConfig(ctxT(t), "number_manager"), number.KindNotFound)

	for _, id := range []string{"b.second", "a.first", "c"} {
		if err := s.PutConfig(ctxT(t), id, json.RawMessage(`{}`)); err != nil {
			t.Fatalf("PutConfig: %v", err)
		}
	}
	ids, err := s.ListConfigs(ctxT(t))
	if err != nil || !slices.Equal(ids, []string{"a.first", "b.second", "c"}) {
		t.Errorf("ListConfigs = %v, %v; want a.first, b.second, c in order", ids, err)
	}
	if err := s.Ready(ctxT(t)); err != nil {
		t.Errorf("Ready on a working store: %v", err)
	}
}

func testRace(t *testing.T, s store.Store) { Race(t, s) }

// Race has 50 accounts race to reserve the same 20 available numbers with
// read-modify-conditional-write: each number must end with exactly one owner
// and one successful write. Worker w uses stores[w % len(stores)], so
// stores opened on one database (nodes, processes) can race each other; the
// numbers are created through stores[0].
func Race(t *testing.T, stores ...store.Store) {
	s := stores[0]
	const workers, numbers = 50, 20
	var ns []*number.Number
	for i := range numbers {
		ns = append(ns, plain(fmt.Sprintf("+1312555%04d", i), number.Available))
	}
	mustInsert(t, s, ns...)

	var wins [numbers]atomic.Int64
	var winner [numbers]atomic.Value
	together(workers, func(w int) {
		acct := accountID(1000 + w)
		for k := range numbers {
			i := (k + w) % numbers // each worker starts on a different number
			if reserve(t, stores[w%len(stores)], ns[i].Number, acct) {
				wins[i].Add(1)
				winner[i].Store(acct)
			}
		}
	})

	for i, n := range ns {
		if got := wins[i].Load(); got != 1 {
			t.Errorf("%s: %d successful reservations, want 1", n.Number, got)
			continue
		}
		owner, _ := winner[i].Load().(string)
		got := mustGet(t, s, n.Number)
		if got.State != number.Reserved || got.AssignedTo != owner || !slices.Equal(got.ReserveHistory, []string{owner}) || got.Version != 2 {
			t.Errorf("%s: state %s owner %s history %v version %d; want reserved by %s, history [%s], version 2",
				n.Number, got.State, got.AssignedTo, got.ReserveHistory, got.Version, owner, owner)
		}
	}
}

// together runs fn(0) ... fn(workers-1) in goroutines released at once,
// and waits for them all.
func together(workers int, fn func(w int)) {
	var wg sync.WaitGroup
	start := make(chan struct{})
	for w := range workers {
		wg.Go(func() {
			<-start
			fn(w)
		})
	}
	close(start)
	wg.Wait()
}

// reserve tries to reserve e164 for acct, re-reading after each conflict; it
// reports whether this call's write won.
func reserve(t *testing.T, s store.Store, e164, acct string) bool {
	for {
		n, err := s.GetNumber(context.Background(), e164)
		if err != nil {
			t.Errorf("GetNumber(%s): %v", e164, err)
			return false
		}
		if n.State != number.Available {
			return false
		}
		n.State = number.Reserved
		n.AssignedTo = acct
		n.ReserveHistory = append([]string{acct}, n.ReserveHistory...)
		err = s.UpdateNumber(context.Background(), n)
		switch {
		case err == nil:
			return true
		case number.IsKind(err, number.KindConflict):
			continue
		default:
			t.Errorf("UpdateNumber(%s): %v", e164, err)
			return false
		}
	}
}
