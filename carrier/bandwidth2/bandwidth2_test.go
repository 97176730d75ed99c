package bandwidth2

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
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

func TestConformance(t *testing.T) {
	f := newFakeBandwidth(t)
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
		{"kazoo keys, numeric ids", `{"account_id":"9900001","api_username":"u","api_password":"p","debug":false,
			"enable_provisioning":true,"max_search_quantity":100,"order_name_prefix":"Kazoo","sandbox_provisioning":false,
			"sip_peer":500651,"site_id":"2297"}`, false},
		{"api_url and poll bounds", `{"account_id":"1","api_username":"u","api_password":"p","api_url":"https://test.dashboard.bandwidth.com/api",
			"order_poll_interval_ms":0,"order_max_wait_ms":1000}`, false},
		{"typo in a key", `{"account_id":"1","api_username":"u","api_password":"p","site":"2297"}`, true},
		{"no account", `{"api_username":"u","api_password":"p"}`, true},
		{"no credentials", `{"account_id":"1"}`, true},
		{"bad api_url", `{"account_id":"1","api_username":"u","api_password":"p","api_url":"dashboard.bandwidth.com"}`, true},
		{"no settings at all", ``, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := carrier.New("knm_bandwidth2", json.RawMessage(tt.settings), carrier.Deps{})
			if (err != nil) != tt.wantErr {
				t.Fatalf("err = %v, wantErr %v", err, tt.wantErr)
			}
			if err != nil && !number.IsKind(err, number.KindInvalid) {
				t.Errorf("kind = %s, want invalid", number.KindOf(err))
			}
			if err == nil && c.Info().Name != Name {
				t.Errorf("Name = %q", c.Info().Name)
			}
		})
	}
}

func TestFindNumbers(t *testing.T) {
	tests := []struct {
		prefix    string
		quantity  int
		maxSearch int
		want      []string
		wantQuery string // the search criterion and modifiers sent; "" means no request
		wantErr   number.Kind
	}{
		{prefix: "+1415", quantity: 5, want: []string{"+14155550142", "+14155550177", "+14153310190"},
			wantQuery: "areaCode=415&enableTNDetail=true&quantity=5"},
		{prefix: "+1415", quantity: 2, want: []string{"+14155550142", "+14155550177"},
			wantQuery: "areaCode=415&enableTNDetail=true&quantity=2"},
		{prefix: "+1415", quantity: 10000, maxSearch: 7000, want: []string{"+14155550142", "+14155550177", "+14153310190"},
			wantQuery: "areaCode=415&enableTNDetail=true&quantity=5000"},
		{prefix: "+1415", quantity: 10000, want: []string{"+14155550142", "+14155550177", "+14153310190"},
			wantQuery: "areaCode=415&enableTNDetail=true&quantity=500"},
		{prefix: "+14155", quantity: 5, want: []string{"+14155550142", "+14155550177"},
			wantQuery: "areaCode=415&enableTNDetail=true&quantity=5"},
		{prefix: "+1415555", quantity: 5, want: []string{"+14155550142", "+14155550177"},
			wantQuery: "LCA=false&enableTNDetail=true&npaNxx=415555&quantity=5"},
		{prefix: "+1415555014", quantity: 5, want: []string{"+14155550142"},
			wantQuery: "LCA=false&enableTNDetail=true&npaNxxx=4155550&quantity=5"},
		{prefix: "+1800", quantity: 5, want: []string{"+18005550110", "+18005550111", "+18005550112"},
			wantQuery: "quantity=5&tollFreeWildCardPattern=800"},
		{prefix: "+180*", quantity: 5, want: []string{"+18005550110", "+18005550111"},
			wantQuery: "quantity=5&tollFreeWildCardPattern=80%2A"},
		{prefix: "+18**", quantity: 3, want: []string{"+18335550120", "+18445550121", "+18775550122"},
			wantQuery: "quantity=3&tollFreeWildCardPattern=8%2A%2A"},
		{prefix: "+18*", quantity: 5, want: []string{"+18335550120", "+18445550121", "+18775550122", "+18885550123"},
			wantQuery: "quantity=5&tollFreeWildCardPattern=8%2A%2A"},
		{prefix: "+1416", quantity: 5, want: nil, wantQuery: "areaCode=416&enableTNDetail=true&quantity=5"},
		{prefix: "+18", quantity: 5},
		{prefix: "+1", quantity: 5},
		{prefix: "+44207", quantity: 5},
		{prefix: "+1415", quantity: 0},
		{prefix: "+14**", quantity: 5, wantErr: number.KindInvalid},
		{prefix: "+18*5", quantity: 5, wantErr: number.KindInvalid},
		{prefix: "+1800*", quantity: 5, wantErr: number.KindInvalid},
		{prefix: "+1415x", quantity: 5, wantErr: number.KindInvalid},
	}
	for _, tt := range tests {
		t.Run(tt.prefix, func(t *testing.T) {
			f := newFakeBandwidth(t)
			cfg := testConfig(f.srv.URL)
			if tt.maxSearch > 0 {
				cfg.MaxSearchQuantity = tt.maxSearch
			}
			c := newTestCarrier(t, cfg)
			got, err := c.FindNumbers(t.Context(), tt.prefix, tt.quantity, carrier.SearchOptions{Country: "US", Dialcode: "+1"})
			if tt.wantErr != "" {
				if !number.IsKind(err, tt.wantErr) {
					t.Fatalf("err = %v, want kind %s", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var nums []string
			for _, r := range got {
				nums = append(nums, r.Number)
				if r.Carrier != Name || r.State != number.Discovery {
					t.Errorf("%s: carrier %q state %q", r.Number, r.Carrier, r.State)
				}
			}
			if !slices.Equal(nums, tt.want) {
				t.Errorf("numbers = %v, want %v", nums, tt.want)
			}
			reqs := f.seen()
			if tt.wantQuery == "" {
				if len(reqs) != 0 {
					t.Errorf("requests = %v, want none", reqs)
				}
				return
			}
			want := "GET /api/accounts/" + testAccount + "/availableNumbers?" + tt.wantQuery
			if len(reqs) != 1 || reqs[0] != want {
				t.Errorf("requests = %v, want [%s]", reqs, want)
			}
		})
	}
}

func TestSearchCarrierData(t *testing.T) {
	f := newFakeBandwidth(t)
	c := newTestCarrier(t, testConfig(f.srv.URL))
	got, err := c.FindNumbers(t.Context(), "+1415", 5, carrier.SearchOptions{})
	if err != nil || len(got) != 3 {
		t.Fatalf("got %v, %v", got, err)
	}
	var rc map[string]string
	if !got[2].CarrierData.Get("rate_center", &rc) || rc["name"] != "SAUSALITO" || rc["lata"] != "722" || rc["state"] != "CA" {
		t.Errorf("rate_center = %v", rc)
	}
	var city string
	if !got[2].CarrierData.Get("city", &city) || city != "SAUSALITO" {
		t.Errorf("city = %q", city)
	}
	tf, err := c.FindNumbers(t.Context(), "+1800", 1, carrier.SearchOptions{})
	if err != nil || len(tf) != 1 || len(tf[0].CarrierData) != 0 || !tf[0].Details.IsZero() {
		t.Errorf("toll-free carrier data = %v, %v", tf, err)
	}
}

// The details of an enableTNDetail search are the normalised details:
// city, state, rate center and LATA; Bandwidth quotes no price and no
// capabilities.
func TestSearchDetails(t *testing.T) {
	f := newFakeBandwidth(t)
	c := newTestCarrier(t, testConfig(f.srv.URL))
	got, err := c.FindNumbers(t.Context(), "+1415", 5, carrier.SearchOptions{})
	if err != nil || len(got) != 3 {
		t.Fatalf("got %v, %v", got, err)
	}
	want := carrier.Details{Locality: carrier.Locality{City: "SAUSALITO", Region: "CA"}, RateCenter: "SAUSALITO", LATA: "722"}
	if !reflect.DeepEqual(got[2].Details, want) {
		t.Errorf("details = %+v, want %+v", got[2].Details, want)
	}
}

func TestSearchErrorReply(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusBadRequest)
		w.Write(readTestdata(t, "search_error_400.xml"))
	}))
	defer srv.Close()
	c := newTestCarrier(t, testConfig(srv.URL))
	_, err := c.FindNumbers(t.Context(), "+1415", 5, carrier.SearchOptions{})
	e := number.AsError(err)
	if e.Kind != number.KindByCarrier || httpx.StatusCode(err) != 400 ||
		!strings.Contains(e.Cause, "One or more required search parameters are missing or invalid. (code 4010)") {
		t.Errorf("err = %v", err)
	}
}

func TestSearchErrorInSuccessfulReply(t *testing.T) {
	body := `<SearchResult><Error><Code>4000</Code><Description>Search is temporarily unavailable</Description></Error></SearchResult>`
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, body) }))
	defer srv.Close()
	c := newTestCarrier(t, testConfig(srv.URL))
	got, err := c.FindNumbers(t.Context(), "+1415", 5, carrier.SearchOptions{})
	if got != nil || !number.IsKind(err, number.KindByCarrier) || !strings.Contains(err.Error(), "temporarily unavailable") {
		t.Errorf("got %v, err = %v", got, err)
	}
}

func testNumber(e164 string) *number.Number {
	n := number.New(e164, number.Discovery, Name, testNow)
	n.AssignedTo = "4b2e0d5a8e6c4f1fa2b3c4d5e6f70812"
	return n
}

func TestAcquire(t *testing.T) {
	f := newFakeBandwidth(t)
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
	if o.Name != "Numan-1767225600" || o.SiteID != "2297" || o.PeerID != "500651" || o.PartialAllowed ||
		!slices.Equal(o.Numbers, []string{"4155550142"}) || o.CustomerOrderID != "4b2e0d5a8e6c4f1fa2b3c4d5e6f70812" {
		t.Errorf("order sent = %+v", o)
	}
	reqs := f.seen()
	wantReqs := []string{
		"POST /api/accounts/9900001/orders?",
		"GET /api/accounts/9900001/orders/" + testOrderID + "?",
		"GET /api/accounts/9900001/orders/" + testOrderID + "?",
		"GET /api/accounts/9900001/orders/" + testOrderID + "?",
	}
	if !slices.Equal(reqs, wantReqs) {
		t.Errorf("requests = %v\nwant %v", reqs, wantReqs)
	}
	want := map[string]string{"order_id": testOrderID, "order_name": "Numan-1767225600", "number": "+14155550142",
		"customer_order_id": "4b2e0d5a8e6c4f1fa2b3c4d5e6f70812"}
	for k, v := range want {
		var s string
		if !got.CarrierData.Get(k, &s) || s != v {
			t.Errorf("carrier_data.%s = %q, want %q", k, s, v)
		}
	}
}

func TestAcquireOutcomes(t *testing.T) {
	tests := []struct {
		name       string
		setup      func(f *fakeBandwidth)
		wantCause  string
		wantStatus int
		pending    bool
		wantPolls  int
		// class and definite: whether Bandwidth certainly did not sell it.
		class    carrier.Class
		definite bool
	}{
		{name: "order fails", setup: func(f *fakeBandwidth) { f.orderFinal = "order_failed.xml" },
			wantCause: "ended FAILED: The telephone number is unavailable for ordering (code 5005)", wantPolls: 1,
			class: carrier.Taken, definite: true},
		{name: "complete without our number", setup: func(f *fakeBandwidth) { f.orderFinal = "order_partial_other.xml" },
			wantCause: "ended PARTIAL", wantPolls: 1, class: carrier.Unclassified},
		{name: "still pending when the wait runs out", setup: func(f *fakeBandwidth) { f.orderPolls = 1000 },
			wantCause: "still pending", pending: true, wantPolls: 5, class: carrier.Transient},
		{name: "order rejected", setup: func(f *fakeBandwidth) {
			f.orderCreateStatus, f.orderCreateFile = http.StatusBadRequest, "order_error_400.xml"
		}, wantCause: "Site 9999 does not exist or does not belong to this account (code 5077)", wantStatus: 400,
			class: carrier.NotFound, definite: true},
		{name: "created reply without id", setup: func(f *fakeBandwidth) { f.orderCreateFile = "order_received_no_id.xml" },
			wantCause: "no order id", class: carrier.Unclassified},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFakeBandwidth(t)
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
			if d, ok := e.Details.(map[string]any); tt.wantPolls > 0 && (!ok || d["order_id"] != testOrderID) {
				t.Errorf("details = %v, want order_id", e.Details)
			}
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
	f := newFakeBandwidth(t)
	f.discPolls = 1
	c := newTestCarrier(t, testConfig(f.srv.URL))
	if err := c.Disconnect(t.Context(), testNumber("+14155550142")); err != nil {
		t.Fatal(err)
	}
	if len(f.disconnects) != 1 {
		t.Fatalf("disconnects = %d", len(f.disconnects))
	}
	d := f.disconnects[0]
	if d.Name != "Numan-disconnect-1767225600" || d.Mode != "normal" || !slices.Equal(d.Numbers, []string{"4155550142"}) {
		t.Errorf("disconnect sent = %+v", d)
	}
	want := []string{
		"POST /api/accounts/9900001/disconnects?",
		"GET /api/accounts/9900001/disconnects/" + testDiscID + "?",
		"GET /api/accounts/9900001/disconnects/" + testDiscID + "?",
	}
	if got := f.seen(); !slices.Equal(got, want) {
		t.Errorf("requests = %v\nwant %v", got, want)
	}
}

func TestDisconnectFails(t *testing.T) {
	f := newFakeBandwidth(t)
	f.discFinal = "disconnect_failed.xml"
	c := newTestCarrier(t, testConfig(f.srv.URL))
	err := c.Disconnect(t.Context(), testNumber("+14155550142"))
	if !number.IsKind(err, number.KindByCarrier) || !strings.Contains(err.Error(), "does not belong to this account (code 5006)") {
		t.Errorf("err = %v", err)
	}
}

func TestNonNANPNumberIsInvalid(t *testing.T) {
	f := newFakeBandwidth(t)
	c := newTestCarrier(t, testConfig(f.srv.URL))
	if _, err := c.Acquire(t.Context(), testNumber("+442071234567")); !number.IsKind(err, number.KindInvalid) {
		t.Errorf("Acquire err = %v", err)
	}
	if err := c.Disconnect(t.Context(), testNumber("+1415555")); !number.IsKind(err, number.KindInvalid) {
		t.Errorf("Disconnect err = %v", err)
	}
	if len(f.seen()) != 0 {
		t.Errorf("requests = %v", f.seen())
	}
}

func TestProvisioningFlags(t *testing.T) {
	tests := []struct {
		enable, sandbox bool
		wantKind        number.Kind // "" = success
		wantRequests    bool
	}{
		{enable: true, sandbox: true, wantRequests: true},
		{enable: false, sandbox: true},
		{enable: false, sandbox: false, wantKind: number.KindUnspecified},
	}
	for _, tt := range tests {
		f := newFakeBandwidth(t)
		cfg := testConfig(f.srv.URL)
		cfg.EnableProvisioning, cfg.SandboxProvisioning = tt.enable, tt.sandbox
		c := newTestCarrier(t, cfg)
		_, aErr := c.Acquire(t.Context(), testNumber("+14155550142"))
		dErr := c.Disconnect(t.Context(), testNumber("+14155550142"))
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
				t.Errorf("enable=%v sandbox=%v %s: %v, want provisioning_disabled", tt.enable, tt.sandbox, what, err)
			}
		}
		if got := len(f.seen()) > 0; got != tt.wantRequests {
			t.Errorf("enable=%v sandbox=%v: requests made = %v, want %v", tt.enable, tt.sandbox, got, tt.wantRequests)
		}
	}
}

func TestWrongCredentials(t *testing.T) {
	f := newFakeBandwidth(t)
	cfg := testConfig(f.srv.URL)
	cfg.APIPassword = "wrong-password"
	c := newTestCarrier(t, cfg)
	_, err := c.FindNumbers(t.Context(), "+1415", 5, carrier.SearchOptions{})
	e := number.AsError(err)
	if e.Kind != number.KindByCarrier || !strings.Contains(e.Cause, "authentication failed (HTTP 401)") {
		t.Errorf("err = %v", err)
	}
	if strings.Contains(err.Error(), "wrong-password") {
		t.Errorf("error leaks the password: %v", err)
	}
}

func TestRetryAfterHonouredForSearch(t *testing.T) {
	f := newFakeBandwidth(t)
	var mu sync.Mutex
	first := true
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		limited := first
		first = false
		mu.Unlock()
		if limited {
			w.Header().Set("Retry-After", "2")
			w.WriteHeader(http.StatusTooManyRequests)
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
	got, err := c.FindNumbers(t.Context(), "+1415", 5, carrier.SearchOptions{})
	if err != nil || len(got) != 3 {
		t.Fatalf("got %d, %v", len(got), err)
	}
	if !slices.Equal(delays, []time.Duration{2 * time.Second}) {
		t.Errorf("delays = %v, want [2s]", delays)
	}
}

func TestOrderIsNeverRetried(t *testing.T) {
	srv, count := carriertest.FaultServer(t, func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusInternalServerError)
	})
	c := newTestCarrier(t, testConfig(srv.URL))
	if _, err := c.Acquire(t.Context(), testNumber("+14155550142")); !number.IsKind(err, number.KindByCarrier) {
		t.Fatalf("err = %v", err)
	}
	if count() != 1 {
		t.Errorf("order POSTed %d times, want 1", count())
	}
}

func TestPollFaultNamesTheOrder(t *testing.T) {
	f := newFakeBandwidth(t)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodGet {
			w.WriteHeader(http.StatusBadGateway)
			return
		}
		f.serve(w, r)
	}))
	defer srv.Close()
	c := newTestCarrier(t, testConfig(srv.URL))
	_, err := c.Acquire(t.Context(), testNumber("+14155550142"))
	e := number.AsError(err)
	if e.Kind != number.KindByCarrier || httpx.StatusCode(err) != 502 || !strings.Contains(e.Cause, "while following order "+testOrderID) {
		t.Fatalf("err = %v", err)
	}
	if d := e.Details.(map[string]any); d["order_id"] != testOrderID {
		t.Errorf("details = %v", d)
	}
	carriertest.CheckFailure(t, err, carrier.Transient, false)
}

// An order that was placed is never definitely refused because following
// it fails, however definite that failure looks: a 404 on the order, an
// unreadable order status, a disconnect order that vanished.
func TestFollowingAPlacedOrderFailsUncertainly(t *testing.T) {
	for _, tc := range []struct {
		name   string
		status int
		body   string
	}{
		{"order not found", http.StatusNotFound, "<html>not found</html>"},
		{"order forbidden", http.StatusForbidden, ""},
		{"order status unreadable", http.StatusOK, "<OrderResponse><OrderStat"},
		{"order status missing", http.StatusOK, "<OrderResponse></OrderResponse>"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFakeBandwidth(t)
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if r.Method == http.MethodGet {
					w.WriteHeader(tc.status)
					io.WriteString(w, tc.body)
					return
				}
				f.serve(w, r)
			}))
			defer srv.Close()
			c := newTestCarrier(t, testConfig(srv.URL))
			_, err := c.Acquire(t.Context(), testNumber("+14155550142"))
			if carrier.IsDefiniteRefusal(err) || err == nil {
				t.Errorf("Acquire: err = %v; the order was placed, so it may yet complete", err)
			}
			err = c.Disconnect(t.Context(), testNumber("+14155550142"))
			if carrier.IsDefiniteRefusal(err) || err == nil {
				t.Errorf("Disconnect: err = %v; the disconnect was placed, so it may yet complete", err)
			}
		})
	}
}

// TestFaults runs carriertest's fault suite: every way the server can fail
// ends in a classified by_carrier error, definite only when the carrier
// certainly did not act.
func TestFaults(t *testing.T) {
	carriertest.RunFaults(t, func(t *testing.T, url string) carrier.Carrier {
		return newTestCarrier(t, testConfig(url))
	}, carriertest.Number("+14155550142"),
		carriertest.Malformed(`<?xml version="1.0"?><SearchResult><ResultCount>2</ResultCount><TelephoneNumberList><TelephoneNumber>4155550142</Telep`))
}
