package telnyx

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/numan-dev/numan/carrier"
	"github.com/numan-dev/numan/carrier/httpx"
	"github.com/numan-dev/numan/number"
)

const (
	testKey         = "KEY0123456789ABCDEF_test"
	testOrderID     = "3fa85f64-5717-4562-b3fc-2c963f66afa6"
	testPhoneID     = "1293384261075731499"
	testOwnedNumber = "+14155550142"
)

// fakeTelnyx is an in-process Telnyx API v2: it checks each request's
// method, path, bearer key and body as Telnyx would, and answers with the
// samples in testdata/, including Telnyx's error documents.
type fakeTelnyx struct {
	t   *testing.T
	srv *httptest.Server

	mu           sync.Mutex
	requests     []string // "METHOD /path?query"
	orders       []orderRequest
	orderPolls   int    // GET number_orders/{id} answered pending before orderFinal
	orderFinal   string // sample of the settled order
	createStatus int
	createFile   string
	// listPages are the samples answering page[number]=1, 2, ... of the
	// phone numbers listing (list_test.go); listFail answers every page
	// from listFailFrom on.
	listPages    []string
	listFailFrom int
	listFail     func(w http.ResponseWriter)
	patches      []string // bodies of the routing updates
	port         fakePort // porting orders (port_fake_test.go)
}

func newFakeTelnyx(t *testing.T) *fakeTelnyx {
	f := &fakeTelnyx{t: t, orderFinal: "order_success.json", createStatus: http.StatusOK, createFile: "order_pending.json",
		listPages: []string{"phone_numbers_page1.json", "phone_numbers_page2.json", "phone_numbers_page3.json"},
		port:      fakePort{confirmed: map[string]bool{}, status: map[string]string{}}}
	f.srv = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.srv.Close)
	return f
}

func (f *fakeTelnyx) serve(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.requests = append(f.requests, r.Method+" "+r.URL.Path+"?"+r.URL.RawQuery)
	if r.Header.Get("Authorization") != "Bearer "+testKey {
		f.reply(w, http.StatusUnauthorized, "error_401.json")
		return
	}
	switch {
	case r.Method == http.MethodGet && r.URL.Path == "/v2/available_phone_numbers":
		f.search(w, r)
	case r.Method == http.MethodPost && r.URL.Path == "/v2/number_orders":
		if ct := r.Header.Get("Content-Type"); ct != "application/json" {
			f.t.Errorf("order with Content-Type %q", ct)
		}
		body, _ := io.ReadAll(r.Body)
		var o orderRequest
		if err := json.Unmarshal(body, &o); err != nil || len(o.PhoneNumbers) != 1 {
			f.t.Errorf("bad order body %q: %v", body, err)
			f.reply(w, http.StatusUnprocessableEntity, "error_422_order.json")
			return
		}
		f.orders = append(f.orders, o)
		f.reply(w, f.createStatus, f.createFile)
	case r.Method == http.MethodGet && r.URL.Path == "/v2/number_orders/"+testOrderID:
		if f.orderPolls > 0 {
			f.orderPolls--
			f.reply(w, http.StatusOK, "order_pending.json")
			return
		}
		f.reply(w, http.StatusOK, f.orderFinal)
	case r.Method == http.MethodGet && r.URL.Path == "/v2/phone_numbers" && r.URL.Query().Has("page[number]"):
		f.list(w, r)
	case r.Method == http.MethodGet && r.URL.Path == "/v2/phone_numbers":
		if r.URL.Query().Get("filter[phone_number]") == testOwnedNumber {
			f.reply(w, http.StatusOK, "phone_numbers_list.json")
			return
		}
		f.reply(w, http.StatusOK, "phone_numbers_empty.json")
	case r.Method == http.MethodPatch && r.URL.Path == "/v2/phone_numbers/"+testPhoneID:
		body, _ := io.ReadAll(r.Body)
		var p struct {
			ConnectionID string `json:"connection_id"`
		}
		if err := json.Unmarshal(body, &p); err != nil || p.ConnectionID == "" {
			f.t.Errorf("bad phone number update %q", body)
		}
		f.patches = append(f.patches, string(body))
		if p.ConnectionID == "not-mine" {
			f.reply(w, http.StatusUnprocessableEntity, "error_422_connection.json")
			return
		}
		f.reply(w, http.StatusOK, "phone_number_routed.json")
	case r.Method == http.MethodPatch && r.URL.Path == "/v2/phone_numbers/"+testPhoneID+"/messaging":
		body, _ := io.ReadAll(r.Body)
		f.patches = append(f.patches, string(body))
		f.reply(w, http.StatusOK, "phone_number_messaging_routed.json")
	case r.Method == http.MethodDelete && r.URL.Path == "/v2/phone_numbers/"+testPhoneID:
		f.reply(w, http.StatusOK, "phone_number_deleted.json")
	case r.Method == http.MethodDelete && strings.HasPrefix(r.URL.Path, "/v2/phone_numbers/"):
		f.reply(w, http.StatusNotFound, "error_404.json")
	case strings.HasPrefix(r.URL.Path, "/v2/porting_orders") || r.URL.Path == "/v2/portability_checks" || r.URL.Path == "/v2/documents":
		f.servePort(w, r) // port_fake_test.go
	default:
		f.t.Errorf("unexpected request %s %s", r.Method, r.URL)
		f.reply(w, http.StatusNotFound, "error_404.json")
	}
}

// search answers like Telnyx's inventory would, from the samples:
// country and type first, then the NDC and the digits after it.
func (f *fakeTelnyx) search(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	if q.Get("filter[country_code]") == "" {
		f.reply(w, http.StatusBadRequest, "error_400_search.json")
		return
	}
	if q.Get("filter[limit]") == "" {
		f.t.Errorf("search without filter[limit]: %s", r.URL.RawQuery)
	}
	for k, vs := range q {
		if strings.ContainsAny(strings.Join(vs, ""), "*%") {
			f.t.Errorf("wildcard sent in %s=%v: Telnyx would find nothing", k, vs)
		}
	}
	country, ndc, starts := q.Get("filter[country_code]"), q.Get("filter[national_destination_code]"), q.Get("filter[phone_number][starts_with]")
	file := "available_empty.json"
	switch {
	case country == "US" && q.Get("filter[phone_number_type]") == "toll_free" && ndc == "800":
		file = "available_tollfree_800.json"
	case country == "US" && q.Get("filter[phone_number_type]") == "toll_free" && ndc == "":
		file = "available_tollfree.json"
	case country == "US" && ndc == "415" && strings.HasPrefix(starts, "555"):
		file = "available_ndc_415_starts_555.json"
	case country == "US" && ndc == "415" && starts == "":
		file = "available_ndc_415.json"
	case country == "GB" && strings.HasPrefix(starts, "20"):
		file = "available_gb_20.json"
	}
	f.reply(w, http.StatusOK, file)
}

func (f *fakeTelnyx) reply(w http.ResponseWriter, status int, file string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	if file != "" {
		w.Write(readTestdata(f.t, file))
	}
}

func (f *fakeTelnyx) seen() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.requests...)
}

func readTestdata(t testing.TB, name string) []byte {
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

var testNow = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

func testConfig(url string) Config {
	cfg := DefaultConfig()
	cfg.APIURL = url
	cfg.APIKey = testKey
	cfg.ConnectionID = "1494404757140276705"
	return cfg
}

func newTestCarrier(t testing.TB, cfg Config) *Carrier {
	c, err := New(cfg, carrier.Deps{Now: func() time.Time { return testNow }})
	if err != nil {
		t.Fatal(err)
	}
	sleep := func(ctx context.Context, _ time.Duration) error { return ctx.Err() }
	c.SetRetryPolicy(httpx.NoBackoff, sleep, httpx.Poller{MaxChecks: 5, MaxWait: time.Minute})
	return c
}

func testNumber(e164 string) *number.Number {
	n := number.New(e164, number.Discovery, Name, testNow)
	n.AssignedTo = "4b2e0d5a8e6c4f1fa2b3c4d5e6f70812"
	return n
}
