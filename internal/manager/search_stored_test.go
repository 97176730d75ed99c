package manager_test

import (
	"encoding/json"
	"fmt"
	"slices"
	"testing"

	"github.com/numan-dev/numan/internal/manager"
	"github.com/numan-dev/numan/number"
)

// A search of store-backed carriers alone (issue 13) keeps no discovery
// record (the numbers are already Numan's) and its pages, read straight
// from the store in number order, are stable: together they are the whole
// list, each number once.
func TestSearchOfStoredCarriersKeepsNoDiscoveryAndPagesStably(t *testing.T) {
	w := newWorld(t)
	if err := w.st.PutConfig(ctx, "number_manager", json.RawMessage(`{"default":{"carrier_modules":["knm_local"]}}`)); err != nil {
		t.Fatal(err)
	}
	var want []string
	for i := range 23 {
		n := number.New(fmt.Sprintf("+1628555%04d", i), number.Available, "local", epoch)
		if err := w.st.InsertNumber(ctx, n); err != nil {
			t.Fatal(err)
		}
		want = append(want, n.Number)
	}
	var got []string
	for offset := 0; offset < 30; offset += 5 {
		resp, err := w.m.Search(ctx, manager.SearchRequest{Prefix: "628", Quantity: 5, Offset: offset, AccountID: reseller, QueryID: "q-628", By: number.SystemRequester})
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range resp.Numbers {
			if f.State != number.Available {
				t.Errorf("%s offered as %s", f.Number, f.State)
			}
			got = append(got, f.Number)
		}
	}
	if !slices.Equal(got, want) {
		t.Fatalf("pages gave\n%v\nwant\n%v", got, want)
	}
	if _, _, ok, err := w.st.RecallSearch(ctx, "q-628", epoch, 0, 10); err != nil || ok {
		t.Fatalf("discovery records kept for stored numbers: ok=%v err=%v", ok, err)
	}
}
