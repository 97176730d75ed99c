package storetest

import (
	"encoding/json"
	"slices"
	"testing"

	"github.com/numan-dev/numan/number"
	"github.com/numan-dev/numan/store"
)

// testListByFeature: a listing filtered by feature keeps the numbers with
// one of the features active, whatever their public fields say.
func testListByFeature(t *testing.T, s store.Store) {
	a := accountID(1)
	mk := func(e164 string, features ...string) *number.Number {
		n := plain(e164, number.InService)
		n.AssignedTo = a
		for _, f := range features {
			n.Features[f] = json.RawMessage(`{"x":1}`)
		}
		return n
	}
	decoy := mk("+14155550004")
	// A public field named like a feature is not the feature.
	decoy.Public = number.Doc{"e911": json.RawMessage(`{"street_address":"1 Main St"}`)}
	ns := []*number.Number{
		mk("+14155550001", "e911", "outbound_cnam"), mk("+14155550002", "outbound_cnam"),
		mk("+14155550003", "inbound_cnam"), decoy, mk("+14155550005", "e911"),
	}
	if err := s.InsertNumbers(ctxT(t), ns); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name     string
		features []string
		limit    int
		want     []string
	}{
		{"one feature", []string{"e911"}, 0, []string{"+14155550001", "+14155550005"}},
		{"either of two", []string{"inbound_cnam", "outbound_cnam"}, 0, []string{"+14155550001", "+14155550002", "+14155550003"}},
		{"a page", []string{"outbound_cnam", "e911"}, 2, []string{"+14155550001", "+14155550002"}},
		{"none has it", []string{"failover"}, 0, nil},
	} {
		p, err := s.ListNumbers(ctxT(t), store.ListQuery{AssignedTo: a, Features: tc.features, Limit: tc.limit})
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if got := numbersOf(p.Numbers); !slices.Equal(got, tc.want) && !(len(got) == 0 && len(tc.want) == 0) {
			t.Errorf("%s: got %v, want %v", tc.name, got, tc.want)
		}
	}
}
