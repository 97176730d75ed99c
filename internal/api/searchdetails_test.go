package api

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync/atomic"
	"testing"
)

// searches counts the searches every carrierSample answered.
var searches atomic.Int64

// carrierSample serves one of a carrier package's own testdata samples (the
// replies its fake server answers with), when the request is the search it
// expects.
func carrierSample(t *testing.T, pkg, file, contentType string, want func(*http.Request) bool) *httptest.Server {
	t.Helper()
	body, err := os.ReadFile(filepath.Join("..", "..", "carrier", pkg, "testdata", file))
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet || !want(r) {
			t.Errorf("%s: unexpected request %s %s", pkg, r.Method, r.URL)
			http.NotFound(w, r)
			return
		}
		searches.Add(1)
		w.Header().Set("Content-Type", contentType)
		_, _ = w.Write(body)
	}))
	t.Cleanup(srv.Close)
	return srv
}

// The search reply keeps Kazoo's number and state and adds what each
// carrier said of the number, normalised: locality, rate center, LATA and
// capabilities for everyone; the carrier's price for admins and resellers;
// the carrier's name for admins only.
func TestSearchShowsWhatTheCarriersFound(t *testing.T) {
	onBothStores(t, testSearchShowsWhatTheCarriersFound)
}

func testSearchShowsWhatTheCarriersFound(t *testing.T, e *env) {
	bw := carrierSample(t, "bandwidth2", "search_areacode_415.xml", "application/xml", func(r *http.Request) bool {
		u, p, ok := r.BasicAuth()
		return ok && u == "numan" && p == "bw-pass" && r.URL.Path == "/api/accounts/9900001/availableNumbers" &&
			r.URL.Query().Get("areaCode") == "415" && r.URL.Query().Get("enableTNDetail") == "true"
	})
	tx := carrierSample(t, "telnyx", "available_ndc_415.json", "application/json", func(r *http.Request) bool {
		return r.Header.Get("Authorization") == "Bearer telnyx-key" && r.URL.Path == "/v2/available_phone_numbers" &&
			r.URL.Query().Get("filter[national_destination_code]") == "415"
	})
	tw := carrierSample(t, "twilio", "available_local_415.json", "application/json", func(r *http.Request) bool {
		u, _, ok := r.BasicAuth()
		return ok && u == "AC0123" && r.URL.Path == "/2010-04-01/Accounts/AC0123/AvailablePhoneNumbers/US/Local.json" &&
			r.URL.Query().Get("AreaCode") == "415"
	})
	put := func(id string, keys map[string]any) {
		e.must(200, "PUT", "/v2/system_configs/"+id, e.token, map[string]any{"data": keys})
	}
	put("number_manager.bandwidth2", map[string]any{"api_url": bw.URL + "/api", "account_id": "9900001",
		"api_username": "numan", "api_password": "bw-pass", "site_id": "2297", "sip_peer": "500651"})
	put("number_manager.telnyx", map[string]any{"api_key": "telnyx-key", "api_url": tx.URL})
	put("number_manager.twilio", map[string]any{"account_sid": "AC0123", "auth_token": "twilio-token", "api_url": tw.URL})

	reseller, resellerToken := e.child(e.master, "reseller", "is_reseller", true)
	account, accountToken := e.child(reseller, "account")

	// What each carrier said of +14153310190, in every carrier's sample.
	sausalito := func(extra map[string]any) map[string]any {
		out := map[string]any{"number": "+14153310190", "state": "discovery", "rate_center": "SAUSALITO"}
		for k, v := range extra {
			out[k] = v
		}
		return out
	}
	for _, tc := range []struct {
		carrier string
		want    map[string]any // as the master (an admin) sees it
	}{
		{"bandwidth2", sausalito(map[string]any{
			"locality": map[string]any{"city": "SAUSALITO", "region": "CA"}, "lata": "722", "carrier": "bandwidth2",
		})},
		{"telnyx", sausalito(map[string]any{
			"locality":     map[string]any{"city": "Sausalito", "region": "CA", "country": "US"},
			"capabilities": map[string]any{"voice": true, "sms": true, "mms": true, "fax": true},
			"cost":         map[string]any{"currency": "USD", "monthly": 1.5, "monthly_minor": 150.0, "setup": 2.5, "setup_minor": 250.0},
			"carrier":      "telnyx",
		})},
		{"twilio", sausalito(map[string]any{
			"locality":     map[string]any{"city": "Sausalito", "region": "CA", "country": "US", "postal_code": "94965"},
			"lata":         "722",
			"capabilities": map[string]any{"voice": true, "sms": true, "mms": false, "fax": true},
			"carrier":      "twilio",
		})},
	} {
		t.Run(tc.carrier, func(t *testing.T) {
			put("number_manager", map[string]any{"carrier_modules": []string{tc.carrier}})
			for _, who := range []struct {
				name, token    string
				carrier, costs bool
			}{
				{"admin", e.token, true, true},
				{"reseller", resellerToken, false, true},
				{"account", accountToken, false, false},
				{"anonymous", "", false, false},
			} {
				path := "/v2/accounts/" + reseller + "/phone_numbers?prefix=415&quantity=10"
				switch who.name {
				case "account":
					path = "/v2/accounts/" + account + "/phone_numbers?prefix=415&quantity=10"
				case "anonymous":
					path = "/v2/phone_numbers?prefix=415&quantity=10"
				}
				r := e.must(200, "GET", path, who.token, nil)
				var got map[string]any
				for _, f := range r.data().([]any) {
					f := f.(map[string]any)
					if f["number"] == "+14153310190" {
						got = f
					}
					if _, ok := f["carrier"]; ok && !who.carrier {
						t.Errorf("%s sees the carrier of %v", who.name, f)
					}
					if _, ok := f["cost"]; ok && !who.costs {
						t.Errorf("%s sees the cost of %v", who.name, f)
					}
				}
				want := map[string]any{}
				for k, v := range tc.want {
					if (k == "carrier" && !who.carrier) || (k == "cost" && !who.costs) {
						continue
					}
					want[k] = v
				}
				if !reflect.DeepEqual(got, want) {
					g, _ := json.Marshal(got)
					w, _ := json.Marshal(want)
					t.Errorf("%s sees %s\nwant %s", who.name, g, w)
				}
				if who.name == "admin" {
					// A later page comes from the remembered results,
					// details and all.
					all := r.data().([]any)
					before := searches.Load()
					next := e.must(200, "GET", "/v2/accounts/"+reseller+"/phone_numbers?prefix=415&quantity=1&offset=1", who.token, nil).data().([]any)
					if len(next) != 1 || !reflect.DeepEqual(next[0], all[1]) || searches.Load() != before {
						t.Errorf("second page %v, want %v from the remembered results", next, all[1])
					}
				}
			}
		})
	}
}

// Monster UI sends a vanity prefix as typed: its letters are searched as
// their keypad digits.
func TestSearchVanityPrefix(t *testing.T) {
	e := newEnv(t)
	e.fake.Offer("+16283569377", "+16283560000")
	r := e.must(200, "GET", "/v2/accounts/"+e.master+"/phone_numbers?prefix=628FLOWERS&quantity=5", e.token, nil)
	found := r.data().([]any)
	if len(found) != 1 || found[0].(map[string]any)["number"] != "+16283569377" {
		t.Fatalf("628FLOWERS found %s", r.raw)
	}
}

// The system admin reads a number's carrier data (its order id at the
// carrier) in GET .../phone_numbers/{n}; the account holding it does not.
func TestAdminReadsTheCarrierData(t *testing.T) {
	e := newEnv(t)
	ts := newTenants(e)
	e.fake.Offer("+14155550601")
	e.must(200, "GET", "/v2/accounts/"+ts.a+"/phone_numbers?prefix=415", ts.tA, nil)
	e.must(200, "PUT", e.numPath(ts.a, "+14155550601")+"/activate", ts.tA, nil)

	ro := e.must(200, "GET", e.numPath(ts.a, "+14155550601"), e.token, nil).dataMap()["_read_only"].(map[string]any)
	cd, _ := ro["carrier_data"].(map[string]any)
	if order, _ := cd["order_id"].(string); !strings.HasPrefix(order, "fake-order-") || cd["fake_ref"] != "+14155550601" {
		t.Errorf("admin sees carrier data %v", ro["carrier_data"])
	}
	for name, tok := range map[string]string{"owner": ts.tA, "reseller": ts.tReseller} {
		ro := e.must(200, "GET", e.numPath(ts.a, "+14155550601"), tok, nil).dataMap()["_read_only"].(map[string]any)
		if _, ok := ro["carrier_data"]; ok {
			t.Errorf("%s sees the carrier data: %v", name, ro)
		}
	}
}
