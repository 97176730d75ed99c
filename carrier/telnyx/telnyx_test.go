package telnyx

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/numan-dev/numan/carrier"
	"github.com/numan-dev/numan/carrier/carriertest"
	"github.com/numan-dev/numan/carrier/httpx"
	"github.com/numan-dev/numan/number"
)

var usOpts = carrier.SearchOptions{Country: "US", Dialcode: "+1"}

func TestConformance(t *testing.T) {
	f := newFakeTelnyx(t)
	carriertest.Run(t, func(t *testing.T) carrier.Carrier {
		return newTestCarrier(t, testConfig(f.srv.URL))
	}, carriertest.Prefix("+1415"), carriertest.MinResults(2))
}

func TestSettingsWithKazooKeys(t *testing.T) {
	tests := []struct {
		name     string
		settings string
		wantErr  bool
	}{
		{"kazoo keys plus api_key", `{"debug":false,"enable_provisioning":true,"monthly_recurring_cost":1.0,"sandbox_provisioning":false,
			"should_filter_rates":false,"should_keep_best_effort":false,"token":"old-token","upfront_cost":1.0,"user":"old-user",
			"api_key":"KEY01"}`, false},
		{"numan keys", `{"api_key":"KEY01","api_url":"http://127.0.0.1:9","connection_id":"1","messaging_profile_id":"2",
			"order_poll_interval_ms":0,"order_max_wait_ms":1}`, false},
		{"kazoo keys without api_key", `{"token":"old-token","user":"old-user"}`, true},
		{"typo", `{"api_key":"KEY01","apikey":"x"}`, true},
		{"bad api_url", `{"api_key":"KEY01","api_url":"api.telnyx.com"}`, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := carrier.New("knm_telnyx", json.RawMessage(tt.settings), carrier.Deps{})
			if (err != nil) != tt.wantErr {
				t.Fatalf("err = %v, wantErr %v", err, tt.wantErr)
			}
			if err != nil && !number.IsKind(err, number.KindInvalid) {
				t.Errorf("kind = %s", number.KindOf(err))
			}
			if err == nil && c.Info().Name != Name {
				t.Errorf("Name = %q", c.Info().Name)
			}
		})
	}
}

func TestFindNumbers(t *testing.T) {
	tests := []struct {
		name      string
		prefix    string
		quantity  int
		opts      carrier.SearchOptions
		cfg       func(*Config)
		want      []string
		wantQuery url.Values // nil: no request
		wantErr   number.Kind
	}{
		{name: "area code drops best effort", prefix: "+1415", quantity: 5,
			want: []string{"+14155550142", "+14155550177", "+14153310190"},
			wantQuery: url.Values{"filter[country_code]": {"US"}, "filter[national_destination_code]": {"415"},
				"filter[limit]": {"5"}, "filter[best_effort]": {"false"}}},
		{name: "keep best effort", prefix: "+1415", quantity: 5, cfg: func(c *Config) { c.ShouldKeepBestEffort = true },
			want: []string{"+14155550142", "+14155550177", "+14155550199", "+14153310190"},
			wantQuery: url.Values{"filter[country_code]": {"US"}, "filter[national_destination_code]": {"415"},
				"filter[limit]": {"5"}}},
		{name: "filter rates", prefix: "+1415", quantity: 5, cfg: func(c *Config) { c.ShouldFilterRates = true },
			want: []string{"+14155550142", "+14155550177"},
			wantQuery: url.Values{"filter[country_code]": {"US"}, "filter[national_destination_code]": {"415"},
				"filter[limit]": {"5"}, "filter[best_effort]": {"false"}}},
		{name: "quantity", prefix: "+1415", quantity: 2, want: []string{"+14155550142", "+14155550177"},
			wantQuery: url.Values{"filter[country_code]": {"US"}, "filter[national_destination_code]": {"415"},
				"filter[limit]": {"2"}, "filter[best_effort]": {"false"}}},
		{name: "quantity capped", prefix: "+1415", quantity: 500, want: []string{"+14155550142", "+14155550177", "+14153310190"},
			wantQuery: url.Values{"filter[country_code]": {"US"}, "filter[national_destination_code]": {"415"},
				"filter[limit]": {"100"}, "filter[best_effort]": {"false"}}},
		{name: "npa nxx", prefix: "+1415555", quantity: 5, want: []string{"+14155550142", "+14155550177"},
			wantQuery: url.Values{"filter[country_code]": {"US"}, "filter[national_destination_code]": {"415"},
				"filter[phone_number][starts_with]": {"555"}, "filter[limit]": {"5"}, "filter[best_effort]": {"false"}}},
		{name: "longer prefix matched here too", prefix: "+1415555014", quantity: 5, want: []string{"+14155550142"},
			wantQuery: url.Values{"filter[country_code]": {"US"}, "filter[national_destination_code]": {"415"},
				"filter[phone_number][starts_with]": {"555014"}, "filter[limit]": {"5"}, "filter[best_effort]": {"false"}}},
		{name: "toll-free npa", prefix: "+1800", quantity: 5, want: []string{"+18005550110", "+18005550111"},
			wantQuery: url.Values{"filter[country_code]": {"US"}, "filter[national_destination_code]": {"800"},
				"filter[phone_number_type]": {"toll_free"}, "filter[limit]": {"5"}, "filter[best_effort]": {"false"}}},
		{name: "toll-free any", prefix: "+18**", quantity: 5, want: []string{"+18335550120", "+18005550110", "+18445550121"},
			wantQuery: url.Values{"filter[country_code]": {"US"}, "filter[phone_number_type]": {"toll_free"},
				"filter[limit]": {"5"}, "filter[best_effort]": {"false"}}},
		{name: "toll-free 80x", prefix: "+180*", quantity: 5, want: []string{"+18005550110"},
			wantQuery: url.Values{"filter[country_code]": {"US"}, "filter[phone_number_type]": {"toll_free"},
				"filter[limit]": {"5"}, "filter[best_effort]": {"false"}}},
		{name: "canada", prefix: "+1415", quantity: 5, opts: carrier.SearchOptions{Country: "ca", Dialcode: "+1"},
			wantQuery: url.Values{"filter[country_code]": {"CA"}, "filter[national_destination_code]": {"415"},
				"filter[limit]": {"5"}, "filter[best_effort]": {"false"}}},
		{name: "international", prefix: "+44207", quantity: 5, opts: carrier.SearchOptions{Country: "GB", Dialcode: "+44"},
			want: []string{"+442079460123", "+442079460456"},
			wantQuery: url.Values{"filter[country_code]": {"GB"}, "filter[phone_number][starts_with]": {"207"},
				"filter[limit]": {"5"}, "filter[best_effort]": {"false"}}},
		{name: "international without a country", prefix: "+44207", quantity: 5},
		{name: "nothing there", prefix: "+1416", quantity: 5,
			wantQuery: url.Values{"filter[country_code]": {"US"}, "filter[national_destination_code]": {"416"},
				"filter[limit]": {"5"}, "filter[best_effort]": {"false"}}},
		{name: "zero quantity", prefix: "+1415", quantity: 0},
		{name: "inner wildcard", prefix: "+14*5", quantity: 5, wantErr: number.KindInvalid},
		{name: "not normalised", prefix: "1415", quantity: 5, wantErr: number.KindInvalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFakeTelnyx(t)
			cfg := testConfig(f.srv.URL)
			if tt.cfg != nil {
				tt.cfg(&cfg)
			}
			c := newTestCarrier(t, cfg)
			opts := tt.opts
			if opts == (carrier.SearchOptions{}) && tt.name != "international without a country" {
				opts = usOpts
			}
			got, err := c.FindNumbers(t.Context(), tt.prefix, tt.quantity, opts)
			if tt.wantErr != "" {
				if !number.IsKind(err, tt.wantErr) {
					t.Fatalf("err = %v, want %s", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var nums []string
			for _, r := range got {
				nums = append(nums, r.Number)
			}
			if !slices.Equal(nums, tt.want) {
				t.Errorf("numbers = %v, want %v", nums, tt.want)
			}
			reqs := f.seen()
			if tt.wantQuery == nil {
				if len(reqs) != 0 {
					t.Errorf("requests = %v, want none", reqs)
				}
				return
			}
			want := "GET /v2/available_phone_numbers?" + tt.wantQuery.Encode()
			if len(reqs) != 1 || reqs[0] != want {
				t.Errorf("requests = %v\nwant [%s]", reqs, want)
			}
		})
	}
}

func TestSearchKeepsTheRecordAsCarrierData(t *testing.T) {
	f := newFakeTelnyx(t)
	c := newTestCarrier(t, testConfig(f.srv.URL))
	got, err := c.FindNumbers(t.Context(), "+1415", 1, usOpts)
	if err != nil || len(got) != 1 {
		t.Fatalf("%v, %v", got, err)
	}
	var cost struct {
		Upfront string `json:"upfront_cost"`
	}
	var pn string
	if !got[0].CarrierData.Get("cost_information", &cost) || cost.Upfront != "1.00" ||
		!got[0].CarrierData.Get("phone_number", &pn) || pn != "+14155550142" {
		t.Errorf("carrier data = %v", got[0].CarrierData)
	}
}

// Each result's details are the record's region_information, features
// and cost_information, normalised; prices are exact minor units.
func TestSearchDetails(t *testing.T) {
	f := newFakeTelnyx(t)
	cfg := testConfig(f.srv.URL)
	cfg.ShouldKeepBestEffort = true
	c := newTestCarrier(t, cfg)
	got, err := c.FindNumbers(t.Context(), "+1415", 5, usOpts)
	if err != nil || len(got) != 4 {
		t.Fatalf("%v, %v", got, err)
	}
	i64 := func(v int64) *int64 { return &v }
	want := map[string]carrier.Details{
		"+14155550142": {
			Locality:     carrier.Locality{Region: "CA", Country: "US"},
			RateCenter:   "SNFC CA 01",
			Capabilities: &carrier.Capabilities{Voice: true, SMS: true},
			Cost:         &carrier.Cost{Currency: "USD", Monthly: i64(100), Setup: i64(100)},
		},
		"+14153310190": {
			Locality:     carrier.Locality{City: "Sausalito", Region: "CA", Country: "US"},
			RateCenter:   "SAUSALITO",
			Capabilities: &carrier.Capabilities{Voice: true, SMS: true, MMS: true, Fax: true},
			Cost:         &carrier.Cost{Currency: "USD", Monthly: i64(150), Setup: i64(250)},
		},
	}
	for _, r := range got {
		if w, ok := want[r.Number]; ok && !reflect.DeepEqual(r.Details, w) {
			t.Errorf("%s: details %+v\nwant %+v", r.Number, r.Details, w)
		}
	}
	gb, err := c.FindNumbers(t.Context(), "+44207", 1, carrier.SearchOptions{Country: "GB", Dialcode: "+44"})
	if err != nil || len(gb) != 1 {
		t.Fatalf("%v, %v", gb, err)
	}
	if l := gb[0].Details.Locality; l != (carrier.Locality{City: "LONDON", Country: "GB"}) {
		t.Errorf("GB locality = %+v", l)
	}
}

func TestSearchErrorReply(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusBadRequest)
		w.Write(readTestdata(t, "error_400_search.json"))
	}))
	defer srv.Close()
	c := newTestCarrier(t, testConfig(srv.URL))
	_, err := c.FindNumbers(t.Context(), "+1415", 5, usOpts)
	e := number.AsError(err)
	if e.Kind != number.KindByCarrier || httpx.StatusCode(err) != 400 ||
		!strings.Contains(e.Cause, "filter[country_code] must be an ISO 3166-1 alpha-2 country code (code 10015)") {
		t.Errorf("err = %v", err)
	}
}

func TestAcquire(t *testing.T) {
	f := newFakeTelnyx(t)
	f.orderPolls = 2
	c := newTestCarrier(t, testConfig(f.srv.URL))
	got, err := c.Acquire(t.Context(), testNumber("+14155550142"))
	if err != nil {
		t.Fatal(err)
	}
	if len(f.orders) != 1 {
		t.Fatalf("orders = %d", len(f.orders))
	}
	o := f.orders[0]
	if o.PhoneNumbers[0].PhoneNumber != "+14155550142" || o.ConnectionID != "1494404757140276705" ||
		o.CustomerReference != "4b2e0d5a8e6c4f1fa2b3c4d5e6f70812" || o.MessagingProfileID != "" {
		t.Errorf("order sent = %+v", o)
	}
	wantReqs := []string{
		"POST /v2/number_orders?",
		"GET /v2/number_orders/" + testOrderID + "?",
		"GET /v2/number_orders/" + testOrderID + "?",
		"GET /v2/number_orders/" + testOrderID + "?",
	}
	if reqs := f.seen(); !slices.Equal(reqs, wantReqs) {
		t.Errorf("requests = %v\nwant %v", reqs, wantReqs)
	}
	var id string
	if !got.CarrierData.Get("order_id", &id) || id != testOrderID {
		t.Errorf("carrier data = %v", got.CarrierData)
	}
}

func TestAcquireOutcomes(t *testing.T) {
	tests := []struct {
		name       string
		setup      func(f *fakeTelnyx)
		wantCause  string
		wantStatus int
		pending    bool
		wantPolls  int
		// class and definite: whether Telnyx certainly did not sell it.
		class    carrier.Class
		definite bool
	}{
		{name: "order fails", setup: func(f *fakeTelnyx) { f.orderFinal = "order_failure.json" },
			wantCause: "number order " + testOrderID + " ended failure (number failure)", wantPolls: 1,
			class: carrier.Rejected, definite: true},
		{name: "still pending", setup: func(f *fakeTelnyx) { f.orderPolls = 1000 },
			wantCause: "still pending", pending: true, wantPolls: 5, class: carrier.Transient},
		{name: "waiting on requirements", setup: func(f *fakeTelnyx) {
			f.createFile, f.orderPolls = "order_pending_requirements.json", 0
			f.orderFinal = "order_pending_requirements.json"
		}, wantCause: "regulatory requirements are not met", pending: true, wantPolls: 5, class: carrier.Transient},
		{name: "order rejected", setup: func(f *fakeTelnyx) {
			f.createStatus, f.createFile = http.StatusUnprocessableEntity, "error_422_order.json"
		}, wantCause: "request rejected (HTTP 422): +14155550142 is not available for purchase", wantStatus: 422,
			class: carrier.Taken, definite: true},
		{name: "reply without data", setup: func(f *fakeTelnyx) { f.createFile = "phone_numbers_empty.json" },
			wantCause: "malformed JSON reply", class: carrier.Transient},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFakeTelnyx(t)
			tt.setup(f)
			c := newTestCarrier(t, testConfig(f.srv.URL))
			got, err := c.Acquire(t.Context(), testNumber("+14155550142"))
			e := number.AsError(err)
			if e.Kind != number.KindByCarrier || !strings.Contains(e.Cause, tt.wantCause) {
				t.Fatalf("err = %v, want by_carrier with %q", err, tt.wantCause)
			}
			if e.Number != "+14155550142" {
				t.Errorf("error number = %q", e.Number)
			}
			if got.CarrierData != nil {
				t.Errorf("carrier data on failure: %v", got.CarrierData)
			}
			if httpx.StatusCode(err) != tt.wantStatus {
				t.Errorf("status = %d, want %d", httpx.StatusCode(err), tt.wantStatus)
			}
			if errors.Is(err, httpx.ErrStillPending) != tt.pending {
				t.Errorf("still pending = %v, want %v", !tt.pending, tt.pending)
			}
			carriertest.CheckFailure(t, err, tt.class, tt.definite)
			polls := 0
			for _, r := range f.seen() {
				if strings.HasPrefix(r, "GET ") {
					polls++
				}
			}
			if polls != tt.wantPolls {
				t.Errorf("polls = %d, want %d", polls, tt.wantPolls)
			}
		})
	}
}

func TestDisconnect(t *testing.T) {
	withID := testNumber(testOwnedNumber)
	withID.CarrierData.Set("phone_number_id", testPhoneID)
	staleID := testNumber(testOwnedNumber)
	staleID.CarrierData.Set("phone_number_id", "999")
	tests := []struct {
		name string
		n    *number.Number
		want []string
	}{
		{"looked up by number", testNumber(testOwnedNumber), []string{
			"GET /v2/phone_numbers?filter%5Bphone_number%5D=%2B14155550142",
			"DELETE /v2/phone_numbers/" + testPhoneID + "?",
		}},
		{"id in carrier data", withID, []string{"DELETE /v2/phone_numbers/" + testPhoneID + "?"}},
		{"already gone by id", staleID, []string{"DELETE /v2/phone_numbers/999?"}},
		{"not on the account", testNumber("+14155550177"), []string{
			"GET /v2/phone_numbers?filter%5Bphone_number%5D=%2B14155550177",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFakeTelnyx(t)
			c := newTestCarrier(t, testConfig(f.srv.URL))
			if err := c.Disconnect(t.Context(), tt.n); err != nil {
				t.Fatal(err)
			}
			if got := f.seen(); !slices.Equal(got, tt.want) {
				t.Errorf("requests = %v\nwant %v", got, tt.want)
			}
		})
	}
}

func TestProvisioningFlags(t *testing.T) {
	tests := []struct {
		enable, sandbox bool
		wantKind        number.Kind
		wantRequests    bool
	}{
		{enable: true, wantRequests: true},
		{enable: false, sandbox: true},
		{enable: false, sandbox: false, wantKind: number.KindUnspecified},
	}
	for _, tt := range tests {
		f := newFakeTelnyx(t)
		cfg := testConfig(f.srv.URL)
		cfg.EnableProvisioning, cfg.SandboxProvisioning = tt.enable, tt.sandbox
		c := newTestCarrier(t, cfg)
		_, aErr := c.Acquire(t.Context(), testNumber(testOwnedNumber))
		dErr := c.Disconnect(t.Context(), testNumber(testOwnedNumber))
		// With provisioning off the carrier is not called: in a sandbox
		// nothing was bought; otherwise the carrier keeps the number.
		if kept := !tt.enable && !tt.sandbox; (kept && !errors.Is(dErr, carrier.ErrKept)) || (!kept && dErr != nil) {
			t.Errorf("enable=%v sandbox=%v disconnect: %v", tt.enable, tt.sandbox, dErr)
		}
		for what, err := range map[string]error{"acquire": aErr} {
			if tt.wantKind == "" && err != nil {
				t.Errorf("enable=%v sandbox=%v %s: %v", tt.enable, tt.sandbox, what, err)
			}
			if tt.wantKind != "" && (!number.IsKind(err, tt.wantKind) || number.AsError(err).Msg() != "provisioning_disabled") {
				t.Errorf("enable=%v sandbox=%v %s: %v", tt.enable, tt.sandbox, what, err)
			}
		}
		if got := len(f.seen()) > 0; got != tt.wantRequests {
			t.Errorf("enable=%v sandbox=%v: requests made = %v", tt.enable, tt.sandbox, got)
		}
	}
}

func TestWrongKey(t *testing.T) {
	f := newFakeTelnyx(t)
	cfg := testConfig(f.srv.URL)
	cfg.APIKey = "KEY-wrong-and-secret"
	c := newTestCarrier(t, cfg)
	_, err := c.FindNumbers(t.Context(), "+1415", 5, usOpts)
	e := number.AsError(err)
	if e.Kind != number.KindByCarrier ||
		e.Cause != "telnyx: authentication failed (HTTP 401): The API key looks malformed. Check that you copied it correctly. (code 10009)" {
		t.Errorf("err = %v", err)
	}
	if strings.Contains(err.Error(), "KEY-wrong-and-secret") {
		t.Errorf("error leaks the key: %v", err)
	}
}

func TestRetryAfterHonouredForSearch(t *testing.T) {
	f := newFakeTelnyx(t)
	var mu sync.Mutex
	first := true
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		limited := first
		first = false
		mu.Unlock()
		if limited {
			w.Header().Set("Retry-After", "3")
			w.WriteHeader(http.StatusTooManyRequests)
			w.Write(readTestdata(t, "error_429.json"))
			return
		}
		f.serve(w, r)
	}))
	defer srv.Close()
	c := newTestCarrier(t, testConfig(srv.URL))
	var delays []time.Duration
	c.SetRetryPolicy(httpx.NoBackoff, func(ctx context.Context, d time.Duration) error {
		delays = append(delays, d)
		return nil
	}, httpx.Poller{MaxChecks: 2})
	got, err := c.FindNumbers(t.Context(), "+1415", 5, usOpts)
	if err != nil || len(got) != 3 {
		t.Fatalf("got %d, %v", len(got), err)
	}
	if !slices.Equal(delays, []time.Duration{3 * time.Second}) {
		t.Errorf("delays = %v, want [3s]", delays)
	}
}

func TestRateLimitedOrderIsNotRetried(t *testing.T) {
	srv, count := carriertest.FaultServer(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Retry-After", "1")
		w.WriteHeader(http.StatusTooManyRequests)
		w.Write(readTestdata(t, "error_429.json"))
	})
	c := newTestCarrier(t, testConfig(srv.URL))
	_, err := c.Acquire(t.Context(), testNumber(testOwnedNumber))
	e := number.AsError(err)
	if e.Kind != number.KindByCarrier || httpx.StatusCode(err) != 429 || !strings.Contains(e.Cause, "(code 10011)") {
		t.Fatalf("err = %v", err)
	}
	if count() != 1 {
		t.Errorf("order POSTed %d times, want 1", count())
	}
}

// TestFaults runs carriertest's fault suite: every way the server can fail
// ends in a classified by_carrier error, definite only when the carrier
// certainly did not act.
func TestFaults(t *testing.T) {
	carriertest.RunFaults(t, func(t *testing.T, url string) carrier.Carrier {
		return newTestCarrier(t, testConfig(url))
	}, carriertest.Number(testOwnedNumber),
		carriertest.Malformed(`{"data":[{"phone_number":"+14155550142","best_effort":fal`))
}

// A number order that was placed is never definitely refused because
// following it fails, however definite that failure looks.
func TestFollowingAPlacedOrderFailsUncertainly(t *testing.T) {
	for _, tc := range []struct {
		name   string
		status int
		body   string
	}{
		{"order not found", http.StatusNotFound, `{"errors":[{"code":"10005","title":"Resource not found"}]}`},
		{"order unauthorized", http.StatusUnauthorized, `{"errors":[{"code":"10009","title":"Authentication failed"}]}`},
		{"order status unreadable", http.StatusOK, `{"data":{"id":"x","status":"succ`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFakeTelnyx(t)
			f.orderPolls = 1
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if r.Method == http.MethodGet && strings.Contains(r.URL.Path, "number_orders/") {
					w.WriteHeader(tc.status)
					io.WriteString(w, tc.body)
					return
				}
				f.serve(w, r)
			}))
			defer srv.Close()
			c := newTestCarrier(t, testConfig(srv.URL))
			_, err := c.Acquire(t.Context(), testNumber(testOwnedNumber))
			if err == nil || carrier.IsDefiniteRefusal(err) {
				t.Errorf("err = %v; the order was placed, so it may yet complete", err)
			}
		})
	}
}
