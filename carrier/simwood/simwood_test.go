package simwood

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/numan-dev/numan/carrier"
	"github.com/numan-dev/numan/carrier/carriertest"
	"github.com/numan-dev/numan/number"
)

func TestFindNumbers(t *testing.T) {
	for _, tc := range []struct {
		name     string
		prefix   string
		quantity int
		request  string
		want     []string
	}{
		{name: "one number", prefix: "+44207", quantity: 1,
			request: "GET /v3/numbers/930123/available/standard/1?pattern=207%2A",
			want:    []string{"+442079460012"}},
		{name: "up to ten", prefix: "+44207", quantity: 3,
			request: "GET /v3/numbers/930123/available/standard/10?pattern=207%2A",
			want:    []string{"+442079460012", "+442079460013", "+442079460047"}},
		{name: "more than ten", prefix: "+44207", quantity: 50,
			request: "GET /v3/numbers/930123/available/standard/100?pattern=207%2A",
			want:    []string{"+442079460012", "+442079460013", "+442079460047", "+442071830099"}},
		{name: "capped at simwood's maximum", prefix: "+44207", quantity: 500,
			request: "GET /v3/numbers/930123/available/standard/100?pattern=207%2A",
			want:    []string{"+442079460012", "+442079460013", "+442079460047", "+442071830099"}},
		{name: "longer prefix filters", prefix: "+442079", quantity: 10,
			request: "GET /v3/numbers/930123/available/standard/10?pattern=2079%2A",
			want:    []string{"+442079460012", "+442079460013", "+442079460047"}},
		{name: "wildcard", prefix: "+4420*", quantity: 10,
			request: "GET /v3/numbers/930123/available/standard/10?pattern=20%2A",
			want:    []string{"+442079460012", "+442079460013", "+442079460047", "+442071830099"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f, srv := startFake(t)
			c := newTestCarrier(t, srv.URL, nil)
			res, err := c.FindNumbers(testCtx(t), tc.prefix, tc.quantity, carrier.SearchOptions{Country: "GB", Dialcode: "+44"})
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, r := range res {
				got = append(got, r.Number)
				if r.Carrier != Name || r.State != number.Discovery || r.CarrierData == nil {
					t.Errorf("result %+v: want carrier %s, state discovery, carrier data", r, Name)
				}
			}
			if !slices.Equal(got, tc.want) {
				t.Fatalf("numbers = %v, want %v", got, tc.want)
			}
			if req := f.lastRequest(); req != tc.request {
				t.Fatalf("request %q, want %q", req, tc.request)
			}
		})
	}
}

func TestFindNumbersRejectsNonUKPrefixes(t *testing.T) {
	f, srv := startFake(t)
	c := newTestCarrier(t, srv.URL, nil)
	for _, prefix := range []string{"+1415", "+1800", "+180*", "+33"} {
		if _, err := c.FindNumbers(testCtx(t), prefix, 1, carrier.SearchOptions{}); !number.IsKind(err, number.KindInvalid) {
			t.Errorf("FindNumbers(%q) err = %v, want invalid", prefix, err)
		}
	}
	if req := f.lastRequest(); req != "" {
		t.Fatalf("Simwood was called: %s", req)
	}
}

// Kazoo counted any HTTP reply as success; here Simwood's refusals are
// by_carrier errors carrying Simwood's message.
func TestHTTPErrorsAreErrors(t *testing.T) {
	_, srv := startFake(t)
	bad := newTestCarrier(t, srv.URL, map[string]any{"auth_password": "wrong-password"})
	_, err := bad.FindNumbers(testCtx(t), "+44207", 1, carrier.SearchOptions{})
	if !number.IsKind(err, number.KindByCarrier) || !strings.Contains(err.Error(), "Authentication required") {
		t.Fatalf("search with bad credentials: err = %v, want by_carrier \"Authentication required\"", err)
	}
	if strings.Contains(err.Error(), "wrong-password") {
		t.Fatalf("error leaks the password: %v", err)
	}
	carriertest.CheckFailure(t, err, carrier.Auth, true)

	c := newTestCarrier(t, srv.URL, nil)
	n := number.New("+442079460012", number.Discovery, Name, time.Now())
	if _, err := c.Acquire(testCtx(t), n); err != nil {
		t.Fatal(err)
	}
	_, err = c.Acquire(testCtx(t), n)
	if !number.IsKind(err, number.KindByCarrier) || !strings.Contains(err.Error(), "Number is not available for allocation") {
		t.Fatalf("second allocation: err = %v, want by_carrier with Simwood's message", err)
	}
	if number.AsError(err).Number != n.Number {
		t.Fatalf("error number = %q", number.AsError(err).Number)
	}
	carriertest.CheckFailure(t, err, carrier.Taken, true)
	if err := c.Disconnect(testCtx(t), n); err != nil {
		t.Fatal(err)
	}
	err = c.Disconnect(testCtx(t), n)
	if !number.IsKind(err, number.KindByCarrier) || !strings.Contains(err.Error(), "Number not found on this account") {
		t.Fatalf("second release: err = %v, want by_carrier with Simwood's message", err)
	}
	carriertest.CheckFailure(t, err, carrier.NotFound, true)
}

func TestAcquireHoldsDisconnect(t *testing.T) {
	f, srv := startFake(t)
	c := newTestCarrier(t, srv.URL, nil)
	n := number.New("+442079460012", number.Discovery, Name, time.Now())
	held, err := c.Holds(testCtx(t), n.Number)
	if err != nil || held {
		t.Fatalf("Holds before buying = %v, %v", held, err)
	}
	if _, err := c.Acquire(testCtx(t), n); err != nil {
		t.Fatal(err)
	}
	if req := f.lastRequest(); req != "PUT /v3/numbers/930123/allocated/442079460012" {
		t.Fatalf("acquire sent %q", req)
	}
	if held, err = c.Holds(testCtx(t), n.Number); err != nil || !held {
		t.Fatalf("Holds after buying = %v, %v", held, err)
	}
	if err := c.Disconnect(testCtx(t), n); err != nil {
		t.Fatal(err)
	}
	if req := f.lastRequest(); req != "DELETE /v3/numbers/930123/allocated/442079460012" {
		t.Fatalf("disconnect sent %q", req)
	}
	if held, err = c.Holds(testCtx(t), n.Number); err != nil || held {
		t.Fatalf("Holds after release = %v, %v", held, err)
	}
}

func TestMissingAccountID(t *testing.T) {
	f, srv := startFake(t)
	c := newTestCarrier(t, srv.URL, map[string]any{"simwood_account_id": ""})
	if _, err := c.FindNumbers(testCtx(t), "+44207", 1, carrier.SearchOptions{}); !number.IsKind(err, number.KindUnspecified) {
		t.Fatalf("err = %v, want unspecified_fault", err)
	}
	if _, err := c.Acquire(testCtx(t), number.New("+442079460012", number.Discovery, Name, time.Now())); !number.IsKind(err, number.KindUnspecified) || !carrier.IsDefiniteRefusal(err) {
		t.Fatalf("err = %v, want unspecified_fault, a definite refusal", err)
	}
	if req := f.lastRequest(); req != "" {
		t.Fatalf("Simwood was called: %s", req)
	}
}

func TestConfig(t *testing.T) {
	for _, tc := range []struct {
		name, settings, url string
		bad                 bool
	}{
		{name: "defaults", url: DefaultAPIURL},
		{name: "numbers_api_url", settings: `{"numbers_api_url":"https://sandbox.example/v3/numbers"}`, url: "https://sandbox.example/v3/numbers"},
		{name: "api_url wins", settings: `{"numbers_api_url":"https://a.example","api_url":"https://b.example"}`, url: "https://b.example"},
		{name: "unknown key", settings: `{"account_id":"1"}`, bad: true},
		{name: "not a URL", settings: `{"api_url":"simwood"}`, bad: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := carrier.New("knm_simwood", json.RawMessage(tc.settings), carrier.Deps{})
			if tc.bad {
				if err == nil {
					t.Fatal("no error")
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := c.(*Carrier).cfg.URL(); got != tc.url {
				t.Fatalf("url = %q, want %q", got, tc.url)
			}
		})
	}
}

func TestFlags(t *testing.T) {
	c, err := New(DefaultConfig(), carrier.Deps{})
	if err != nil {
		t.Fatal(err)
	}
	if i := c.Info(); i.Local || !i.Billable || !i.LookupCNAM || i.MaxPrefixLength != 3 {
		t.Fatal("wrong flags")
	}
	if _, ok := carrier.Carrier(c).(carrier.Checker); ok {
		t.Fatal("offers CheckNumbers, which the API has not")
	}
}

func TestConformance(t *testing.T) {
	carriertest.Run(t, func(t *testing.T) carrier.Carrier {
		_, srv := startFake(t)
		return newTestCarrier(t, srv.URL, nil)
	}, carriertest.Prefix("+44207"), carriertest.MinResults(4),
		carriertest.Search(carrier.SearchOptions{Country: "GB", Dialcode: "+44", AccountID: "carriertest-account", ResellerID: "carriertest-account"}))
}

// TestFaults runs carriertest's fault suite: every way the server can fail
// ends in a classified by_carrier error, definite only when the carrier
// certainly did not act.
func TestFaults(t *testing.T) {
	carriertest.RunFaults(t, func(t *testing.T, url string) carrier.Carrier {
		return newTestCarrier(t, url, nil)
	}, carriertest.Prefix("+44207"), carriertest.Number("+442079460012"), carriertest.Search(carrier.SearchOptions{Country: "GB", Dialcode: "+44", AccountID: "carriertest-account", ResellerID: "carriertest-account"}),
		carriertest.Malformed(`[{"country_code":"44","number":"2079460012"`))
}
