package twilio

import (
	"context"
	"encoding/json"
	"errors"
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

const accountPath = "/2010-04-01/Accounts/" + testSID

func TestConformance(t *testing.T) {
	f := newFakeTwilio(t, "")
	carriertest.Run(t, func(t *testing.T) carrier.Carrier {
		return newTestCarrier(t, testConfig(f.srv.URL))
	}, carriertest.Prefix("+1415"), carriertest.MinResults(2))
}

func TestSettings(t *testing.T) {
	tests := []struct {
		name     string
		settings string
		wantErr  bool
	}{
		{"minimal", `{"account_sid":"AC1","auth_token":"t"}`, false},
		{"signalwire", `{"account_sid":"6d1e3b1c-2f0b-4c1e-9f7a-2a3b4c5d6e7f","auth_token":"PTxx",
			"api_url":"https://example.signalwire.com/api/laml","trunk_sid":"","enable_provisioning":true,"sandbox_provisioning":false}`, false},
		{"no token", `{"account_sid":"AC1"}`, true},
		{"no account", `{"auth_token":"t"}`, true},
		{"typo", `{"account_sid":"AC1","auth_token":"t","accountsid":"x"}`, true},
		{"bad url", `{"account_sid":"AC1","auth_token":"t","api_url":"ftp://api.twilio.com"}`, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := carrier.New(Name, json.RawMessage(tt.settings), carrier.Deps{})
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
		opts      *carrier.SearchOptions
		want      []string
		wantPath  string     // "" means no request
		wantQuery url.Values //
		wantErr   number.Kind
	}{
		{name: "area code", prefix: "+1415", quantity: 5,
			want:     []string{"+14155550142", "+14155550177", "+14153310190"},
			wantPath: "US/Local.json", wantQuery: url.Values{"AreaCode": {"415"}, "PageSize": {"5"}}},
		{name: "quantity", prefix: "+1415", quantity: 2, want: []string{"+14155550142", "+14155550177"},
			wantPath: "US/Local.json", wantQuery: url.Values{"AreaCode": {"415"}, "PageSize": {"2"}}},
		{name: "quantity capped", prefix: "+1415", quantity: 5000, want: []string{"+14155550142", "+14155550177", "+14153310190"},
			wantPath: "US/Local.json", wantQuery: url.Values{"AreaCode": {"415"}, "PageSize": {"1000"}}},
		{name: "npa nxx", prefix: "+1415555", quantity: 5, want: []string{"+14155550142", "+14155550177"},
			wantPath: "US/Local.json", wantQuery: url.Values{"Contains": {"415555****"}, "PageSize": {"5"}}},
		{name: "longer prefix", prefix: "+1415555014", quantity: 5, want: []string{"+14155550142"},
			wantPath: "US/Local.json", wantQuery: url.Values{"Contains": {"415555014*"}, "PageSize": {"5"}}},
		{name: "toll-free npa", prefix: "+1800", quantity: 5, want: []string{"+18005550110", "+18005550111"},
			wantPath: "US/TollFree.json", wantQuery: url.Values{"Contains": {"800*******"}, "PageSize": {"5"}}},
		{name: "toll-free 80x", prefix: "+180*", quantity: 5, want: []string{"+18005550110"},
			wantPath: "US/TollFree.json", wantQuery: url.Values{"Contains": {"80********"}, "PageSize": {"5"}}},
		{name: "toll-free any", prefix: "+18**", quantity: 5, want: []string{"+18335550120", "+18005550110", "+18445550121"},
			wantPath: "US/TollFree.json", wantQuery: url.Values{"PageSize": {"5"}}},
		{name: "canada", prefix: "+1416", quantity: 5, opts: &carrier.SearchOptions{Country: "CA", Dialcode: "+1"},
			wantPath: "CA/Local.json", wantQuery: url.Values{"AreaCode": {"416"}, "PageSize": {"5"}}},
		{name: "international", prefix: "+44207", quantity: 5, opts: &carrier.SearchOptions{Country: "gb", Dialcode: "+44"},
			want:     []string{"+442079460123", "+442079460456"},
			wantPath: "GB/Local.json", wantQuery: url.Values{"Contains": {"207"}, "PageSize": {"5"}}},
		{name: "international without country", prefix: "+44207", quantity: 5, opts: &carrier.SearchOptions{}},
		{name: "zero quantity", prefix: "+1415", quantity: 0},
		{name: "inner wildcard", prefix: "+14*5", quantity: 5, wantErr: number.KindInvalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFakeTwilio(t, "")
			c := newTestCarrier(t, testConfig(f.srv.URL))
			opts := usOpts
			if tt.opts != nil {
				opts = *tt.opts
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
			if tt.wantPath == "" {
				if len(reqs) != 0 {
					t.Errorf("requests = %v, want none", reqs)
				}
				return
			}
			want := "GET " + accountPath + "/AvailablePhoneNumbers/" + tt.wantPath + "?" + tt.wantQuery.Encode()
			if len(reqs) != 1 || reqs[0] != want {
				t.Errorf("requests = %v\nwant [%s]", reqs, want)
			}
		})
	}
}

func TestSearchCarrierData(t *testing.T) {
	f := newFakeTwilio(t, "")
	c := newTestCarrier(t, testConfig(f.srv.URL))
	got, err := c.FindNumbers(t.Context(), "+1415", 3, usOpts)
	if err != nil || len(got) != 3 {
		t.Fatalf("%v, %v", got, err)
	}
	var locality, rateCenter string
	if !got[2].CarrierData.Get("locality", &locality) || locality != "Sausalito" ||
		!got[2].CarrierData.Get("rate_center", &rateCenter) || rateCenter != "SAUSALITO" {
		t.Errorf("carrier data = %v", got[2].CarrierData)
	}
}

// Each result's details are the entry's locality, region, postal code,
// country, rate center, LATA and capabilities; Twilio quotes no price.
func TestSearchDetails(t *testing.T) {
	f := newFakeTwilio(t, "")
	c := newTestCarrier(t, testConfig(f.srv.URL))
	got, err := c.FindNumbers(t.Context(), "+1415", 3, usOpts)
	if err != nil || len(got) != 3 {
		t.Fatalf("%v, %v", got, err)
	}
	want := carrier.Details{
		Locality:     carrier.Locality{City: "Sausalito", Region: "CA", Country: "US", PostalCode: "94965"},
		RateCenter:   "SAUSALITO",
		LATA:         "722",
		Capabilities: &carrier.Capabilities{Voice: true, SMS: true, Fax: true},
	}
	if !reflect.DeepEqual(got[2].Details, want) {
		t.Errorf("details %+v\nwant %+v", got[2].Details, want)
	}
	gb, err := c.FindNumbers(t.Context(), "+44207", 1, carrier.SearchOptions{Country: "GB", Dialcode: "+44"})
	if err != nil || len(gb) != 1 {
		t.Fatalf("%v, %v", gb, err)
	}
	if d := gb[0].Details; d.Locality != (carrier.Locality{City: "London", Country: "GB"}) || d.RateCenter != "" ||
		d.Capabilities == nil || *d.Capabilities != (carrier.Capabilities{Voice: true}) {
		t.Errorf("GB details (nulls are unknown) = %+v", d)
	}
}

func TestAcquire(t *testing.T) {
	f := newFakeTwilio(t, "")
	cfg := testConfig(f.srv.URL)
	cfg.TrunkSID = "TK0123456789abcdef0123456789abcdef"
	c := newTestCarrier(t, cfg)
	got, err := c.Acquire(t.Context(), testNumber(testOwnedNumber))
	if err != nil {
		t.Fatal(err)
	}
	if len(f.purchases) != 1 || f.purchases[0].Get("PhoneNumber") != testOwnedNumber || f.purchases[0].Get("TrunkSid") != cfg.TrunkSID {
		t.Errorf("purchases = %v", f.purchases)
	}
	var sid string
	if !got.CarrierData.Get("sid", &sid) || sid != testPNSID {
		t.Errorf("carrier data = %v", got.CarrierData)
	}
}

func TestAcquireFailures(t *testing.T) {
	tests := []struct {
		name       string
		e164       string
		setup      func(f *fakeTwilio)
		wantCause  string
		wantStatus int
		// class and definite: whether Twilio certainly did not sell it.
		class    carrier.Class
		definite bool
	}{
		{name: "not available", e164: "+14155550177",
			wantCause: "twilio: request rejected (HTTP 400): PhoneNumber requested is not available (code 21422)", wantStatus: 400,
			class: carrier.Taken, definite: true},
		{name: "reply for another number", e164: testOwnedNumber, setup: func(f *fakeTwilio) { f.buyFile = "incoming_list.json" },
			wantCause: "purchase reply names", class: carrier.Unclassified},
		{name: "malformed reply", e164: testOwnedNumber, setup: func(f *fakeTwilio) { f.buyFile = "truncated_created.json" },
			wantCause: "malformed JSON reply", class: carrier.Transient},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFakeTwilio(t, "")
			if tt.setup != nil {
				tt.setup(f)
			}
			c := newTestCarrier(t, testConfig(f.srv.URL))
			got, err := c.Acquire(t.Context(), testNumber(tt.e164))
			e := number.AsError(err)
			if e.Kind != number.KindByCarrier || !strings.Contains(e.Cause, tt.wantCause) || e.Number != tt.e164 {
				t.Fatalf("err = %v (number %q), want by_carrier with %q", err, e.Number, tt.wantCause)
			}
			if got.CarrierData != nil {
				t.Errorf("carrier data on failure: %v", got.CarrierData)
			}
			if httpx.StatusCode(err) != tt.wantStatus {
				t.Errorf("status = %d", httpx.StatusCode(err))
			}
			carriertest.CheckFailure(t, err, tt.class, tt.definite)
		})
	}
}

func TestDisconnect(t *testing.T) {
	withSID := testNumber(testOwnedNumber)
	withSID.CarrierData.Set("sid", testPNSID)
	staleSID := testNumber(testOwnedNumber)
	staleSID.CarrierData.Set("sid", "PN0000")
	tests := []struct {
		name   string
		prefix string
		n      *number.Number
		want   []string
	}{
		{"looked up by number", "", testNumber(testOwnedNumber), []string{
			"GET " + accountPath + "/IncomingPhoneNumbers.json?PhoneNumber=%2B14155550142",
			"DELETE " + accountPath + "/IncomingPhoneNumbers/" + testPNSID + ".json?",
		}},
		{"sid in carrier data", "", withSID, []string{"DELETE " + accountPath + "/IncomingPhoneNumbers/" + testPNSID + ".json?"}},
		{"already released", "", staleSID, []string{"DELETE " + accountPath + "/IncomingPhoneNumbers/PN0000.json?"}},
		{"not on the account", "", testNumber("+14155550177"), []string{
			"GET " + accountPath + "/IncomingPhoneNumbers.json?PhoneNumber=%2B14155550177",
		}},
		{"twilio-compatible carrier under a path", "/api/laml", withSID, []string{
			"DELETE /api/laml" + accountPath + "/IncomingPhoneNumbers/" + testPNSID + ".json?",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFakeTwilio(t, tt.prefix)
			c := newTestCarrier(t, testConfig(f.srv.URL+tt.prefix))
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
		f := newFakeTwilio(t, "")
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

func TestWrongToken(t *testing.T) {
	f := newFakeTwilio(t, "")
	cfg := testConfig(f.srv.URL)
	cfg.AuthToken = "wrong-token-secret"
	c := newTestCarrier(t, cfg)
	_, err := c.FindNumbers(t.Context(), "+1415", 5, usOpts)
	e := number.AsError(err)
	if e.Kind != number.KindByCarrier || e.Cause != "twilio: authentication failed (HTTP 401): Authenticate (code 20003)" {
		t.Errorf("err = %v", err)
	}
	if strings.Contains(err.Error(), "wrong-token-secret") {
		t.Errorf("error leaks the token: %v", err)
	}
}

func TestRetryAfterHonouredForSearch(t *testing.T) {
	f := newFakeTwilio(t, "")
	var mu sync.Mutex
	first := true
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		limited := first
		first = false
		mu.Unlock()
		if limited {
			w.Header().Set("Retry-After", "4")
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
	})
	got, err := c.FindNumbers(t.Context(), "+1415", 5, usOpts)
	if err != nil || len(got) != 3 {
		t.Fatalf("got %d, %v", len(got), err)
	}
	if !slices.Equal(delays, []time.Duration{4 * time.Second}) {
		t.Errorf("delays = %v, want [4s]", delays)
	}
}

func TestPurchaseIsNeverRetried(t *testing.T) {
	srv, count := carriertest.FaultServer(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Retry-After", "1")
		w.WriteHeader(http.StatusTooManyRequests)
		w.Write(readTestdata(t, "error_429.json"))
	})
	c := newTestCarrier(t, testConfig(srv.URL))
	_, err := c.Acquire(t.Context(), testNumber(testOwnedNumber))
	if httpx.StatusCode(err) != 429 || !strings.Contains(err.Error(), "Too Many Requests (code 20429)") {
		t.Fatalf("err = %v", err)
	}
	if count() != 1 {
		t.Errorf("purchase POSTed %d times, want 1", count())
	}
}

// TestFaults runs carriertest's fault suite: every way the server can fail
// ends in a classified by_carrier error, definite only when the carrier
// certainly did not act.
func TestFaults(t *testing.T) {
	carriertest.RunFaults(t, func(t *testing.T, url string) carrier.Carrier {
		return newTestCarrier(t, testConfig(url))
	}, carriertest.Number(testOwnedNumber),
		carriertest.Malformed(`{"available_phone_numbers":[{"phone_number":"+1415555`))
}
