package carrier_test

import (
	"encoding/json"
	"reflect"
	"testing"

	"github.com/numan-dev/numan/carrier"
	"github.com/numan-dev/numan/number"
)

func ptr(v int64) *int64 { return &v }

func TestNewCost(t *testing.T) {
	for _, tc := range []struct {
		name                     string
		currency, monthly, setup string
		want                     *carrier.Cost
	}{
		{"both", "USD", "1.00000", "0.50", &carrier.Cost{Currency: "USD", Monthly: ptr(100), Setup: ptr(50)}},
		{"lower-case currency", "usd", "1", "", &carrier.Cost{Currency: "USD", Monthly: ptr(100)}},
		{"setup only", "GBP", "", "12", &carrier.Cost{Currency: "GBP", Setup: ptr(1200)}},
		{"free", "USD", "0", "0", &carrier.Cost{Currency: "USD", Monthly: ptr(0), Setup: ptr(0)}},
		{"not exact: left out, never rounded", "USD", "0.0045", "1.00", &carrier.Cost{Currency: "USD", Setup: ptr(100)}},
		{"negative left out", "USD", "-1", "", nil},
		{"no currency", "", "1.00", "1.00", nil},
		{"bad currency", "dollars", "1.00", "1.00", nil},
		{"no price", "USD", "", "", nil},
		{"garbled", "USD", "one", "1e2", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := carrier.NewCost(tc.currency, tc.monthly, tc.setup); !reflect.DeepEqual(got, tc.want) {
				t.Errorf("NewCost(%q, %q, %q) = %+v, want %+v", tc.currency, tc.monthly, tc.setup, got, tc.want)
			}
		})
	}
}

// A cost is written with decimals beside the minor units, and read back
// from the minor units.
func TestCostJSON(t *testing.T) {
	c := carrier.Cost{Currency: "USD", Monthly: ptr(100), Setup: ptr(5)}
	raw, err := json.Marshal(c)
	if err != nil {
		t.Fatal(err)
	}
	if want := `{"currency":"USD","monthly":1.00,"monthly_minor":100,"setup":0.05,"setup_minor":5}`; string(raw) != want {
		t.Errorf("got %s, want %s", raw, want)
	}
	var back carrier.Cost
	if err := json.Unmarshal(raw, &back); err != nil || !reflect.DeepEqual(back, c) {
		t.Errorf("read back %+v, %v", back, err)
	}
	raw, _ = json.Marshal(carrier.Cost{Currency: "JPY", Setup: ptr(300)})
	if want := `{"currency":"JPY","setup":300,"setup_minor":300}`; string(raw) != want {
		t.Errorf("got %s, want %s", raw, want)
	}
}

func TestDetailsJSONRoundTrip(t *testing.T) {
	d := carrier.Details{
		Locality:     carrier.Locality{City: "San Francisco", Region: "CA", Country: "US", PostalCode: "94105"},
		RateCenter:   "SNFC CA 01",
		LATA:         "722",
		Capabilities: &carrier.Capabilities{Voice: true, SMS: true},
		Cost:         &carrier.Cost{Currency: "USD", Monthly: ptr(100)},
	}
	raw, err := json.Marshal(d)
	if err != nil {
		t.Fatal(err)
	}
	var back carrier.Details
	if err := json.Unmarshal(raw, &back); err != nil || !reflect.DeepEqual(back, d) {
		t.Errorf("round trip of %s = %+v, %v", raw, back, err)
	}
	if raw, _ := json.Marshal(carrier.Details{}); string(raw) != `{}` {
		t.Errorf("empty details encode as %s", raw)
	}
}

func TestCapabilitiesOf(t *testing.T) {
	got := carrier.CapabilitiesOf("SMS", "voice", "emergency", "hd_voice")
	if *got != (carrier.Capabilities{Voice: true, SMS: true}) {
		t.Errorf("got %+v", got)
	}
	if *carrier.CapabilitiesOf() != (carrier.Capabilities{}) {
		t.Error("no names is no capability")
	}
}

func TestDetailsFill(t *testing.T) {
	d := carrier.Details{Locality: carrier.Locality{Region: "CA"}, Capabilities: &carrier.Capabilities{Voice: true}}
	d.Fill(carrier.Details{
		Locality:     carrier.Locality{City: "Sausalito", Region: "XX", Country: "US"},
		RateCenter:   "SAUSALITO",
		LATA:         "722",
		Capabilities: &carrier.Capabilities{SMS: true},
		Cost:         &carrier.Cost{Currency: "USD", Monthly: ptr(1)},
	})
	want := carrier.Details{
		Locality:     carrier.Locality{City: "Sausalito", Region: "CA", Country: "US"},
		RateCenter:   "SAUSALITO",
		LATA:         "722",
		Capabilities: &carrier.Capabilities{Voice: true},
	}
	if !reflect.DeepEqual(d, want) {
		t.Errorf("got %+v, want %+v (capabilities and cost are the offering carrier's own)", d, want)
	}
}

func TestLocalityDoc(t *testing.T) {
	d := carrier.Details{
		Locality:   carrier.Locality{City: "San Francisco", Region: "CA", Country: "US"},
		RateCenter: "SNFC CA 01",
		Cost:       &carrier.Cost{Currency: "USD", Monthly: ptr(100)},
	}
	doc := d.LocalityDoc()
	if len(doc) != 4 || string(doc["city"]) != `"San Francisco"` || string(doc["rate_center"]) != `"SNFC CA 01"` {
		t.Errorf("LocalityDoc = %v", doc)
	}
	if got := carrier.LocalityDetails(doc); !reflect.DeepEqual(got, d.WithoutCost()) {
		t.Errorf("read back %+v", got)
	}
	if (carrier.Details{Cost: d.Cost}).LocalityDoc() != nil {
		t.Error("a cost alone is no locality")
	}
}

func TestLocalityDetails(t *testing.T) {
	doc := func(s string) number.Doc {
		var d number.Doc
		if err := json.Unmarshal([]byte(s), &d); err != nil {
			t.Fatal(err)
		}
		return d
	}
	for _, tc := range []struct {
		name string
		doc  string
		want carrier.Details
	}{
		{"empty", `{}`, carrier.Details{}},
		{"flat", `{"city":"Denver","state":"CO","country":"us","rate_center":"DENVER","lata":"656"}`,
			carrier.Details{Locality: carrier.Locality{City: "Denver", Region: "CO", Country: "US"}, RateCenter: "DENVER", LATA: "656"}},
		{"kazoo phonebook", `{"country":"US","locality":{"locality":"San Francisco","province":"CA","postal_code":"94105"}}`,
			carrier.Details{Locality: carrier.Locality{City: "San Francisco", Region: "CA", Country: "US", PostalCode: "94105"}}},
		{"kazoo rate center", `{"city":"Boulder","rate_center":{"name":"BOULDER","lata":"656","state":"CO"}}`,
			carrier.Details{Locality: carrier.Locality{City: "Boulder"}, RateCenter: "BOULDER", LATA: "656"}},
		{"locality as a string", `{"locality":"Paris","country":"FR"}`,
			carrier.Details{Locality: carrier.Locality{City: "Paris", Country: "FR"}}},
		{"not a country", `{"country":"United States","region":"CA"}`,
			carrier.Details{Locality: carrier.Locality{Region: "CA"}}},
		{"wrong types ignored", `{"city":5,"region":["CA"]}`, carrier.Details{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := carrier.LocalityDetails(doc(tc.doc)); !reflect.DeepEqual(got, tc.want) {
				t.Errorf("got %+v, want %+v", got, tc.want)
			}
		})
	}
}
