package bandwidth2

import (
	"context"
	"encoding/xml"
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
)

const (
	testAccount  = "9900001"
	testUser     = "numan-api"
	testPassword = "s3cret-Passw0rd"
	testOrderID  = "7d3b6a52-5c4e-4b1e-9d0a-1f2e3d4c5b6a"
	testDiscID   = "0f1e2d3c-4b5a-4968-8776-a5b4c3d2e1f0"
)

// fakeBandwidth is an in-process Bandwidth Dashboard API: it checks each
// request's method, path, authentication and body the way Bandwidth
// would, and answers with the samples in testdata/.
type fakeBandwidth struct {
	t   *testing.T
	srv *httptest.Server

	mu                sync.Mutex
	requests          []string // "METHOD /path?query"
	orders            []orderRequest
	disconnects       []disconnectRequest
	orderPolls        int    // GET orders/{id} answered RECEIVED before orderFinal
	orderFinal        string // testdata file of the settled order
	orderCreateStatus int    // status of POST orders (default 201)
	orderCreateFile   string // reply to POST orders (default order_received.xml)
	discPolls         int
	discFinal         string
	// listPages maps the page value of GET inserviceNumbers to its sample
	// (list_test.go); listFail, when set, answers the pages it names.
	listPages map[string]string
	listFail  map[string]func(w http.ResponseWriter)
	moves     []string // "sites/{site}/sippeers/{peer}:{numbers}" of movetns
	port      fakePort // port-ins (port_fake_test.go)
}

func newFakeBandwidth(t *testing.T) *fakeBandwidth {
	f := &fakeBandwidth{t: t, orderFinal: "order_complete.xml", discFinal: "disconnect_complete.xml",
		orderCreateStatus: http.StatusCreated, orderCreateFile: "order_received.xml",
		listPages: map[string]string{"1": "inservice_page1.xml", "4155550150": "inservice_page2.xml", "4155550190": "inservice_page3.xml"}}
	f.srv = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.srv.Close)
	return f
}

// searchReplies maps a search's criterion to the sample answering it;
// anything else finds nothing.
var searchReplies = map[string]string{
	"areaCode=415":                "search_areacode_415.xml",
	"npaNxx=415555":               "search_npanxx_415555.xml",
	"npaNxxx=4155550":             "search_npanxx_415555.xml",
	"tollFreeWildCardPattern=800": "search_tollfree_800.xml",
	"tollFreeWildCardPattern=80*": "search_tollfree_80x.xml",
	"tollFreeWildCardPattern=8**": "search_tollfree_8xx.xml",
}

func (f *fakeBandwidth) serve(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.requests = append(f.requests, r.Method+" "+r.URL.Path+"?"+r.URL.RawQuery)
	user, pass, ok := r.BasicAuth()
	if !ok || user != testUser || pass != testPassword {
		w.WriteHeader(http.StatusUnauthorized)
		return
	}
	rest, ok := strings.CutPrefix(r.URL.Path, "/api/accounts/"+testAccount+"/")
	if !ok {
		f.reply(w, http.StatusNotFound, "")
		return
	}
	switch {
	case r.Method == http.MethodGet && rest == "availableNumbers":
		f.search(w, r)
	case r.Method == http.MethodPost && rest == "orders":
		var o orderRequest
		if !f.decodeBody(w, r, &o) {
			return
		}
		if r.Header.Get("X-BWC-IN-Control-Processing-Type") != "process" {
			f.t.Errorf("order without X-BWC-IN-Control-Processing-Type: process")
		}
		f.orders = append(f.orders, o)
		f.reply(w, f.orderCreateStatus, f.orderCreateFile)
	case r.Method == http.MethodGet && rest == "orders/"+testOrderID:
		if f.orderPolls > 0 {
			f.orderPolls--
			f.reply(w, http.StatusOK, "order_received.xml")
			return
		}
		f.reply(w, http.StatusOK, f.orderFinal)
	case r.Method == http.MethodPost && rest == "disconnects":
		var d disconnectRequest
		if !f.decodeBody(w, r, &d) {
			return
		}
		f.disconnects = append(f.disconnects, d)
		w.Header().Set("Location", f.srv.URL+"/api/accounts/"+testAccount+"/disconnects/"+testDiscID)
		f.reply(w, http.StatusCreated, "disconnect_received.xml")
	case r.Method == http.MethodGet && rest == "disconnects/"+testDiscID:
		if f.discPolls > 0 {
			f.discPolls--
			f.reply(w, http.StatusOK, "disconnect_received.xml")
			return
		}
		f.reply(w, http.StatusOK, f.discFinal)
	case r.Method == http.MethodGet && rest == "inserviceNumbers":
		f.list(w, r)
	case r.Method == http.MethodPost && strings.HasSuffix(rest, "/movetns"):
		var m moveTNs
		if !f.decodeBody(w, r, &m) {
			return
		}
		f.moves = append(f.moves, strings.TrimSuffix(rest, "/movetns")+":"+strings.Join(m.Numbers, ","))
		if strings.Contains(rest, "/sippeers/404404/") {
			f.reply(w, http.StatusBadRequest, "movetns_error.xml")
			return
		}
		w.WriteHeader(http.StatusOK)
	case r.Method == http.MethodGet && rest == "inserviceNumbers/4155550100":
		w.WriteHeader(http.StatusOK)
	case r.Method == http.MethodGet && strings.HasPrefix(rest, "inserviceNumbers/"):
		f.reply(w, http.StatusNotFound, "")
	case rest == "lnpchecker" || rest == "portins" || strings.HasPrefix(rest, "portins/"):
		f.servePort(w, r, rest) // port_fake_test.go
	default:
		f.t.Errorf("unexpected request %s %s", r.Method, r.URL)
		f.reply(w, http.StatusNotFound, "")
	}
}

func (f *fakeBandwidth) search(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	if q.Get("quantity") == "" {
		f.t.Errorf("search without quantity: %s", r.URL.RawQuery)
	}
	criteria := 0
	file := "search_empty.xml"
	for _, key := range []string{"areaCode", "npaNxx", "npaNxxx", "tollFreeWildCardPattern"} {
		if v := q.Get(key); v != "" {
			criteria++
			if s, ok := searchReplies[key+"="+v]; ok {
				file = s
			}
		}
	}
	if criteria != 1 {
		f.reply(w, http.StatusBadRequest, "search_error_400.xml")
		return
	}
	if q.Has("tollFreeWildCardPattern") && (q.Has("enableTNDetail") || q.Has("LCA")) {
		f.t.Errorf("toll-free search with local-only parameters: %s", r.URL.RawQuery)
	}
	if (q.Has("npaNxx") || q.Has("npaNxxx")) && q.Get("LCA") != "false" {
		f.t.Errorf("exact-digit search without LCA=false: %s", r.URL.RawQuery)
	}
	f.reply(w, http.StatusOK, file)
}

func (f *fakeBandwidth) decodeBody(w http.ResponseWriter, r *http.Request, v any) bool {
	if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/xml") {
		f.t.Errorf("%s %s with Content-Type %q", r.Method, r.URL.Path, ct)
	}
	body, _ := io.ReadAll(r.Body)
	if err := xml.Unmarshal(body, v); err != nil {
		f.t.Errorf("%s %s: bad XML body %q: %v", r.Method, r.URL.Path, body, err)
		f.reply(w, http.StatusBadRequest, "order_error_400.xml")
		return false
	}
	return true
}

func (f *fakeBandwidth) reply(w http.ResponseWriter, status int, file string) {
	w.Header().Set("Content-Type", "application/xml")
	w.WriteHeader(status)
	if file != "" {
		w.Write(readTestdata(f.t, file))
	}
}

func (f *fakeBandwidth) seen() []string {
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
	cfg.APIURL = url + "/api"
	cfg.AccountID = testAccount
	cfg.APIUsername = testUser
	cfg.APIPassword = testPassword
	cfg.SiteID = "2297"
	cfg.SIPPeer = "500651"
	cfg.OrderNamePrefix = "Numan"
	return cfg
}

// noWait retries and polls without sleeping, bounded by count.
func noWait(c *Carrier) {
	sleep := func(ctx context.Context, _ time.Duration) error { return ctx.Err() }
	c.SetRetryPolicy(httpx.NoBackoff, sleep, httpx.Poller{MaxChecks: 5, MaxWait: time.Minute})
}

func newTestCarrier(t testing.TB, cfg Config) *Carrier {
	c, err := New(cfg, carrier.Deps{Now: func() time.Time { return testNow }})
	if err != nil {
		t.Fatal(err)
	}
	noWait(c)
	return c
}
