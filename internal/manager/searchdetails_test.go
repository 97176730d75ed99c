package manager_test

import (
	"encoding/json"
	"fmt"
	"reflect"
	"testing"

	"github.com/numan-dev/numan/carrier"
	"github.com/numan-dev/numan/carrier/carriertest"
	"github.com/numan-dev/numan/internal/manager"
	"github.com/numan-dev/numan/number"
)

// sfDetails is what the fake carrier says of the numbers it offers here.
func sfDetails() carrier.Details {
	monthly, setup := int64(100), int64(50)
	return carrier.Details{
		Locality:     carrier.Locality{City: "San Francisco", Region: "CA", Country: "US", PostalCode: "94105"},
		RateCenter:   "SNFC CA 01",
		LATA:         "722",
		Capabilities: &carrier.Capabilities{Voice: true, SMS: true},
		Cost:         &carrier.Cost{Currency: "USD", Monthly: &monthly, Setup: &setup},
	}
}

// offerWithDetails makes f offer nums, each with sfDetails.
func offerWithDetails(f *carriertest.Fake, nums ...string) {
	for _, n := range nums {
		d := number.Doc{}
		d.Set("fake_ref", n)
		f.OfferResults(carrier.Result{Number: n, State: number.Discovery, CarrierData: d, Details: sfDetails()})
	}
}

// What a search shows of the carrier's details depends on who searches:
// everyone sees where a number is and what it can do; admins and resellers
// also the carrier's price; only admins the carrier's name.
func TestSearchDetailsDependOnTheRequester(t *testing.T) {
	w := newWorld(t)
	f := carriertest.NewFake(t)
	offerWithDetails(f, offered)
	w.withCarrier(t, f, "")
	all := sfDetails()
	for _, tc := range []struct {
		name    string
		by      number.Requester
		carrier string
		cost    bool
	}{
		{"system", number.SystemRequester, carriertest.FakeName, true},
		{"superduper admin", number.By(master), carriertest.FakeName, true},
		{"reseller", number.By(reseller), "", true},
		{"account", number.By(child), "", false},
		{"unknown account", number.By(unrelated), "", false},
		{"anonymous", number.Requester{}, "", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resp, err := w.m.Search(ctx, manager.SearchRequest{Prefix: "415", Quantity: 5, By: tc.by})
			if err != nil || len(resp.Numbers) != 1 {
				t.Fatalf("%+v, %v", resp, err)
			}
			want := all
			if !tc.cost {
				want.Cost = nil
			}
			got := resp.Numbers[0]
			if got.Carrier != tc.carrier || !reflect.DeepEqual(got.Details, want) {
				t.Errorf("carrier %q details %+v\nwant %q %+v", got.Carrier, got.Details, tc.carrier, want)
			}
		})
	}
}

// A later page, served from the remembered results, shows the details too,
// and still only what the requester may see.
func TestSearchPagingKeepsTheDetails(t *testing.T) {
	w := newWorld(t)
	f := carriertest.NewFake(t)
	for i := range 6 {
		offerWithDetails(f, fmt.Sprintf("+1415555%04d", i))
	}
	w.withCarrier(t, f, "")
	page := func(offset int, by number.Requester) []manager.Found {
		t.Helper()
		resp, err := w.m.Search(ctx, manager.SearchRequest{Prefix: "415", Quantity: 3, Offset: offset, QueryID: "q", By: by})
		if err != nil || len(resp.Numbers) != 3 {
			t.Fatalf("%+v, %v", resp, err)
		}
		return resp.Numbers
	}
	page(0, number.SystemRequester)
	admin := page(3, number.SystemRequester)
	account := page(3, number.By(child))
	if f.Calls(carriertest.OpFind) != 1 {
		t.Fatalf("%d searches at the carrier, want the later pages remembered", f.Calls(carriertest.OpFind))
	}
	if !reflect.DeepEqual(admin[0].Details, sfDetails()) || admin[0].Carrier != carriertest.FakeName {
		t.Errorf("remembered page (admin): %+v", admin[0])
	}
	if want := sfDetails().WithoutCost(); !reflect.DeepEqual(account[0].Details, want) || account[0].Carrier != "" {
		t.Errorf("remembered page (account): %+v", account[0])
	}
	if _, leaked := admin[0].CarrierData["numan_search_details"]; leaked {
		t.Error("the remembered details came back as carrier data")
	}
}

// When two carriers offer one number, the first's offer stands; what the
// other says of where the number is fills what the first did not say, but
// its capabilities and price are its own and are not taken.
func TestSearchMergeFillsTheLocality(t *testing.T) {
	w := newWorld(t)
	const num = "+14155550300"
	if err := w.st.InsertNumber(ctx, number.New(num, number.Available, "local", epoch)); err != nil {
		t.Fatal(err)
	}
	f := carriertest.NewFake(t)
	offerWithDetails(f, num)
	w.withCarrier(t, f, "")
	resp := search(t, w, "415", 5, 0)
	if len(resp.Numbers) != 1 {
		t.Fatalf("%+v", resp.Numbers)
	}
	got := resp.Numbers[0]
	want := sfDetails()
	want.Capabilities, want.Cost = nil, nil
	if got.Carrier != "local" || got.State != number.Available || !reflect.DeepEqual(got.Details, want) {
		t.Errorf("merged %+v, want local's offer with %+v", got, want)
	}
}

// A number bought from a search keeps where the carrier said it is as its
// locality; the remembered details are not carrier data.
func TestBuyingFromASearchKeepsTheLocality(t *testing.T) {
	w := newWorld(t)
	f := carriertest.NewFake(t)
	offerWithDetails(f, offered)
	w.withCarrier(t, f, "")
	search(t, w, "415", 5, 0)
	one(t, w.m.Move(ctx, []string{offered}, reseller, manager.Op{AuthBy: number.By(reseller)}))
	s := w.stored(t, offered)
	sf := sfDetails()
	want := carrier.Details{Locality: sf.Locality, RateCenter: sf.RateCenter, LATA: sf.LATA}
	if got := carrier.LocalityDetails(s.Locality); !reflect.DeepEqual(got, want) || len(s.Locality) != 6 {
		t.Errorf("stored locality %s reads as %+v, want %+v", s.Locality, got, want)
	}
	if _, leaked := s.CarrierData["numan_search_details"]; leaked {
		t.Errorf("stored carrier data %s holds the search details", s.CarrierData)
	}
}

// BenchmarkSearchDetails measures a search of 100 numbers at one carrier,
// remembered for paging (a fresh query each time, so every search writes its
// results) and trimmed for a reseller, with and without the carrier's
// details: what carrying the details costs.
//
//	go test ./internal/manager -run '^$' -bench SearchDetails -benchtime 200x
func BenchmarkSearchDetails(b *testing.B) {
	for _, withDetails := range []bool{false, true} {
		name := "plain"
		if withDetails {
			name = "details"
		}
		b.Run(name, func(b *testing.B) {
			w := newWorld(b)
			f := carriertest.NewFake(b)
			for i := range 100 {
				n := fmt.Sprintf("+1415555%04d", i)
				if withDetails {
					offerWithDetails(f, n)
				} else {
					f.Offer(n)
				}
			}
			carriertest.RegisterFake()
			if err := w.st.PutConfig(ctx, "number_manager", []byte(`{"default":{"carrier_modules":["knm_fake"],"maximum_search_quantity":100}}`)); err != nil {
				b.Fatal(err)
			}
			sec, _ := json.Marshal(map[string]json.RawMessage{"default": f.Settings()})
			if err := w.st.PutConfig(ctx, "number_manager.fake", sec); err != nil {
				b.Fatal(err)
			}
			b.ResetTimer()
			for i := 0; b.Loop(); i++ {
				resp, err := w.m.Search(ctx, manager.SearchRequest{Prefix: "415", Quantity: 100, QueryID: fmt.Sprint("q", i), By: number.By(reseller)})
				if err != nil || len(resp.Numbers) != 100 {
					b.Fatalf("%d numbers, %v", len(resp.Numbers), err)
				}
			}
		})
	}
}
