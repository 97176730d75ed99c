package other

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
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
		offset   int
		want     []string
	}{
		{name: "all", prefix: "+1415", quantity: 10,
			want: []string{"+14155550101", "+14155550102", "+14155550103", "+14155550104", "+14155550107"}},
		{name: "capped at quantity", prefix: "+1415", quantity: 2, offset: 4,
			want: []string{"+14155550101", "+14155550102"}},
		{name: "longer prefix filters", prefix: "+141555501", quantity: 10,
			want: []string{"+14155550101", "+14155550102", "+14155550103", "+14155550104", "+14155550107"}},
		{name: "wildcard passed on", prefix: "+1415555010*", quantity: 10,
			want: []string{"+14155550101", "+14155550102", "+14155550103", "+14155550104", "+14155550107"}},
		{name: "what does not match is dropped", prefix: "+44207", quantity: 10},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f, srv := startFake(t)
			c := newTestCarrier(t, srv.URL, nil)
			res, err := c.FindNumbers(testCtx(t), tc.prefix, tc.quantity, carrier.SearchOptions{Offset: tc.offset})
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
			req := f.last()
			if req.query.Get("prefix") != tc.prefix || req.query.Get("offset") != strconv.Itoa(tc.offset) {
				t.Fatalf("query %v", req.query)
			}
			// The prefix is URL-encoded: a server decoding the query
			// reads "+1415", not " 1415" as Kazoo's unencoded "+" gave.
		})
	}
}

func TestFindNumbersKeepsThePhonebooksData(t *testing.T) {
	_, srv := startFake(t)
	c := newTestCarrier(t, srv.URL, nil)
	res, err := c.FindNumbers(testCtx(t), "+1415", 1, carrier.SearchOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if got := docJSON(t, res[0].CarrierData); got != `{"city":"San Francisco","country":"US","lata":"722","provider":"upstream-a","rate_center":"SAN FRANCISCO","state":"CA"}` {
		t.Fatalf("carrier data = %s", got)
	}
	want := carrier.Details{
		Locality:   carrier.Locality{City: "San Francisco", Region: "CA", Country: "US"},
		RateCenter: "SAN FRANCISCO",
		LATA:       "722",
	}
	if !reflect.DeepEqual(res[0].Details, want) {
		t.Fatalf("details = %+v, want %+v", res[0].Details, want)
	}
}

func TestFindNumbersQuantityCap(t *testing.T) {
	f, srv := startFake(t)
	c := newTestCarrier(t, srv.URL, nil)
	if _, err := c.FindNumbers(testCtx(t), "+1415", 5000, carrier.SearchOptions{}); err != nil {
		t.Fatal(err)
	}
	if got := f.last().query.Get("limit"); got != strconv.Itoa(MaxSearchQuantity) {
		t.Fatalf("limit = %s, want %d", got, MaxSearchQuantity)
	}
}

func TestFindBlocks(t *testing.T) {
	for _, tc := range []struct {
		name     string
		quantity int
		want     []string
	}{
		{name: "first block, then the next", quantity: 7, want: []string{
			"+14155550200", "+14155550201", "+14155550202", "+14155550203", "+14155550204",
			"+14155550300", "+14155550301"}},
		{name: "cut to quantity", quantity: 3, want: []string{"+14155550200", "+14155550201", "+14155550202"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f, srv := startFake(t)
			c := newTestCarrier(t, srv.URL, nil)
			res, err := c.FindNumbers(testCtx(t), "+1415", tc.quantity, carrier.SearchOptions{Blocks: 2, Offset: 1})
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, r := range res {
				got = append(got, r.Number)
			}
			if !slices.Equal(got, tc.want) {
				t.Fatalf("numbers = %v, want %v", got, tc.want)
			}
			if d := docJSON(t, res[0].CarrierData); d != `{"block":{"start_number":"+14155550200","end_number":"+14155550204"}}` {
				t.Fatalf("carrier data = %s", d)
			}
			q := f.last().query
			if f.last().path != basePath+"/blocks/US/search" || q.Get("size") != strconv.Itoa(tc.quantity) || q.Get("limit") != "2" || q.Get("offset") != "1" || q.Get("prefix") != "+1415" {
				t.Fatalf("request %s %v", f.last().path, q)
			}
		})
	}
}

func TestFindBlocksRejectsABadBlock(t *testing.T) {
	f, srv := startFake(t)
	f.replies["blocks"] = "blocks_bad.json"
	c := newTestCarrier(t, srv.URL, nil)
	if _, err := c.FindNumbers(testCtx(t), "+1415", 5, carrier.SearchOptions{Blocks: 1}); !number.IsKind(err, number.KindByCarrier) {
		t.Fatalf("err = %v, want by_carrier", err)
	}
}

func TestPhonebookRefusals(t *testing.T) {
	for _, file := range []string{"error.json", "error_data.json"} {
		f, srv := startFake(t)
		f.replies["search"] = file
		c := newTestCarrier(t, srv.URL, nil)
		_, err := c.FindNumbers(testCtx(t), "+1415", 5, carrier.SearchOptions{})
		if !number.IsKind(err, number.KindByCarrier) {
			t.Errorf("%s: err = %v, want by_carrier", file, err)
		}
		carriertest.CheckFailure(t, err, carrier.Rejected, true)
	}
}

func TestWithoutPhonebook(t *testing.T) {
	c, err := carrier.New(Name, nil, carrier.Deps{})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.FindNumbers(testCtx(t), "+1415", 1, carrier.SearchOptions{})
	if e := number.AsError(err); e.Kind != number.KindUnspecified || e.Msg() != "not_available" {
		t.Fatalf("search err = %v, want unspecified_fault not_available", err)
	}
	_, err = c.Acquire(testCtx(t), number.New("+14155550101", number.Discovery, Name, time.Now()))
	e := number.AsError(err)
	if e.Kind != number.KindUnspecified || e.Msg() != "missing_provider_url" || e.Number != "+14155550101" {
		t.Fatalf("acquire err = %v, want unspecified_fault missing_provider_url", err)
	}
	// Its HTTP status (500) is the API's to say (internal/api's kind table).
	if e.Kind.Name() != "unspecified_fault" || e.Msg() != "missing_provider_url" {
		t.Fatalf("acquire error = %s %q", e.Kind.Name(), e.Msg())
	}
	if _, err := c.(carrier.Checker).CheckNumbers(testCtx(t), []string{"+14155550101"}); !number.IsKind(err, number.KindUnspecified) {
		t.Fatalf("check err = %v, want unspecified_fault", err)
	}
}

func TestAcquire(t *testing.T) {
	f, srv := startFake(t)
	c := newTestCarrier(t, srv.URL, nil)
	got, err := c.Acquire(testCtx(t), number.New("+14155550101", number.Discovery, Name, time.Now()))
	if err != nil {
		t.Fatal(err)
	}
	if d := docJSON(t, got.CarrierData); d != `{"gateway":"sbc1.example.net","order_id":"ord-20261122-0042"}` {
		t.Errorf("carrier data = %s", d)
	}
	if d := docJSON(t, got.Locality); !strings.Contains(d, `"city":"San Francisco"`) {
		t.Errorf("locality = %s", d)
	}
	if req := f.last(); req.method != http.MethodPut || req.path != basePath+"/numbers/US/order" ||
		string(req.body) != `{"data":{"gateways":["sbc1.example.net","sbc2.example.net"],"numbers":["+14155550101"]}}` {
		t.Fatalf("sent %s %s %s", req.method, req.path, req.body)
	}
}

func TestAcquireWithoutEndpointsSendsNoGateways(t *testing.T) {
	var body []byte
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ = io.ReadAll(r.Body)
		_, _ = w.Write(readTestdata(t, "order_success.json"))
	}))
	t.Cleanup(srv.Close)
	c := newTestCarrier(t, srv.URL, map[string]any{"endpoints": nil})
	if _, err := c.Acquire(testCtx(t), number.New("+14155550101", number.Discovery, Name, time.Now())); err != nil {
		t.Fatal(err)
	}
	if string(body) != `{"data":{"gateways":[],"numbers":["+14155550101"]}}` {
		t.Fatalf("body %s", body)
	}
}

func TestAcquireRefused(t *testing.T) {
	f, srv := startFake(t)
	f.replies["order"] = "order_failed.json"
	c := newTestCarrier(t, srv.URL, nil)
	_, err := c.Acquire(testCtx(t), number.New("+14155550101", number.Discovery, Name, time.Now()))
	if !number.IsKind(err, number.KindByCarrier) || !strings.Contains(err.Error(), "number already ordered by another customer") {
		t.Fatalf("err = %v, want by_carrier with the phonebook's message", err)
	}
	if number.AsError(err).Number != "+14155550101" {
		t.Fatalf("error number = %q", number.AsError(err).Number)
	}
	carriertest.CheckFailure(t, err, carrier.Taken, true)
}

// An order is sent once even when the reply is a 500: the phonebook may
// have bought the number before failing to answer.
func TestAcquireIsNotRetried(t *testing.T) {
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		http.Error(w, `{"status":"error","message":"upstream timeout"}`, http.StatusInternalServerError)
	}))
	t.Cleanup(srv.Close)
	c := newTestCarrier(t, srv.URL, nil)
	_, err := c.Acquire(testCtx(t), number.New("+14155550101", number.Discovery, Name, time.Now()))
	if !number.IsKind(err, number.KindByCarrier) || !strings.Contains(err.Error(), "upstream timeout") {
		t.Fatalf("err = %v, want by_carrier with the phonebook's message", err)
	}
	if n := calls.Load(); n != 1 {
		t.Fatalf("order sent %d times", n)
	}
	if _, err := c.FindNumbers(testCtx(t), "+1415", 1, carrier.SearchOptions{}); !number.IsKind(err, number.KindByCarrier) {
		t.Fatalf("search err = %v", err)
	}
	if n := calls.Load(); n < 3 {
		t.Fatalf("a search is retried, but was sent %d times in all", n-1)
	}
}

func TestCheckNumbers(t *testing.T) {
	f, srv := startFake(t)
	c := newTestCarrier(t, srv.URL, nil)
	got, err := c.CheckNumbers(testCtx(t), []string{"+14155550101", "+442079460012", "+14155550199"})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got["+14155550101"] != "available" || got["+442079460012"] != "in_service" {
		t.Fatalf("statuses = %v", got)
	}
	if req := f.last(); req.method != http.MethodPost || req.path != basePath+"/numbers/US/status" ||
		string(req.body) != `{"data":["4155550101","+442079460012","4155550199"]}` {
		t.Fatalf("sent %s %s %s", req.method, req.path, req.body)
	}
	if got, err := c.CheckNumbers(testCtx(t), nil); err != nil || len(got) != 0 {
		t.Fatalf("CheckNumbers(nil) = %v, %v", got, err)
	}
}

func TestDisconnectIsANoOp(t *testing.T) {
	f, srv := startFake(t)
	c := newTestCarrier(t, srv.URL, nil)
	if err := c.Disconnect(testCtx(t), number.New("+14155550101", number.InService, Name, time.Now())); err != nil {
		t.Fatal(err)
	}
	if req := f.last(); req.method != "" {
		t.Fatalf("the phonebook was called: %s %s", req.method, req.path)
	}
}

func TestConfig(t *testing.T) {
	for _, tc := range []struct {
		name, settings, url string
		bad                 bool
	}{
		{name: "none"},
		{name: "phonebook_url", settings: `{"phonebook_url":"https://pb.example/v1"}`, url: "https://pb.example/v1"},
		{name: "api_url", settings: `{"api_url":"https://pb.example/v1"}`, url: "https://pb.example/v1"},
		{name: "both, the same", settings: `{"phonebook_url":"https://pb.example","api_url":"https://pb.example"}`, url: "https://pb.example"},
		{name: "endpoints as a string", settings: `{"endpoints":"sbc1.example.net","default_country":"GB"}`},
		{name: "both, different", settings: `{"phonebook_url":"https://a.example","api_url":"https://b.example"}`, bad: true},
		{name: "not a URL", settings: `{"phonebook_url":"phonebook"}`, bad: true},
		{name: "bad country", settings: `{"default_country":"USA"}`, bad: true},
		{name: "unknown key", settings: `{"url":"https://pb.example"}`, bad: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := carrier.New("knm_other", json.RawMessage(tc.settings), carrier.Deps{})
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

func TestCountryFromConfig(t *testing.T) {
	var path string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		path = r.URL.Path
		_, _ = w.Write(readTestdata(t, "numbers_search_empty.json"))
	}))
	t.Cleanup(srv.Close)
	c := newTestCarrier(t, srv.URL, map[string]any{"default_country": "GB"})
	if _, err := c.FindNumbers(testCtx(t), "+44207", 5, carrier.SearchOptions{Country: "US"}); err != nil {
		t.Fatal(err)
	}
	if path != basePath+"/numbers/GB/search" {
		t.Fatalf("path %s", path)
	}
}

func TestFlags(t *testing.T) {
	c, err := New(DefaultConfig(), carrier.Deps{})
	if err != nil {
		t.Fatal(err)
	}
	if i := c.Info(); i.Local || !i.Billable || !i.LookupCNAM || i.MaxPrefixLength != 10 {
		t.Fatal("wrong flags")
	}
}

func TestConformance(t *testing.T) {
	carriertest.Run(t, func(t *testing.T) carrier.Carrier {
		_, srv := startFake(t)
		return newTestCarrier(t, srv.URL, nil)
	}, carriertest.Prefix("+1415"), carriertest.MinResults(5))
}

// TestFaults runs carriertest's fault suite: every way the server can fail
// ends in a classified by_carrier error, definite only when the carrier
// certainly did not act.
func TestFaults(t *testing.T) {
	carriertest.RunFaults(t, func(t *testing.T, url string) carrier.Carrier {
		return newTestCarrier(t, url, nil)
	}, carriertest.Number("+14155550101"),
		carriertest.Malformed(`{"status":"success","data":{"+14155550101":`))
}
