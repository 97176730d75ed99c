package other

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/numan-dev/numan/carrier"
	"github.com/numan-dev/numan/carrier/httpx"
	"github.com/numan-dev/numan/number"
)

const basePath = "/phonebook"

var testGateways = []string{"sbc1.example.net", "sbc2.example.net"}

// fakePhonebook speaks the phonebook protocol under basePath for country
// US: it checks each call's method, path, query and body as the protocol
// defines them and answers with testdata replies.
type fakePhonebook struct {
	t *testing.T
	// replies maps "search", "blocks", "order" and "status" to reply files.
	replies map[string]string

	mu       sync.Mutex
	requests []request
}

type request struct {
	method, path string
	query        url.Values
	body         []byte
}

func newFake(t *testing.T) *fakePhonebook {
	return &fakePhonebook{t: t, replies: map[string]string{
		"search": "numbers_search.json",
		"blocks": "blocks_search.json",
		"order":  "order_success.json",
		"status": "status.json",
	}}
}

var (
	prefixRe = regexp.MustCompile(`^\+\d*\*?$`)
	countRe  = regexp.MustCompile(`^\d+$`)
)

func (f *fakePhonebook) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	var body bytes.Buffer
	_, _ = body.ReadFrom(r.Body)
	q := r.URL.Query()
	f.mu.Lock()
	f.requests = append(f.requests, request{r.Method, r.URL.Path, q, body.Bytes()})
	f.mu.Unlock()
	if r.Header.Get("Authorization") != "" {
		f.t.Errorf("the protocol has no authentication, got Authorization %q", r.Header.Get("Authorization"))
	}
	route := r.Method + " " + r.URL.Path
	switch route {
	case "GET " + basePath + "/numbers/US/search":
		f.checkQuery(q, "prefix", "limit", "offset")
		f.reply(w, "search")
	case "GET " + basePath + "/blocks/US/search":
		f.checkQuery(q, "prefix", "size", "offset", "limit")
		f.reply(w, "blocks")
	case "PUT " + basePath + "/numbers/US/order":
		var req struct {
			Data struct {
				Numbers  []string `json:"numbers"`
				Gateways []string `json:"gateways"`
			} `json:"data"`
		}
		dec := json.NewDecoder(bytes.NewReader(body.Bytes()))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&req); err != nil || r.Header.Get("Content-Type") != "application/json" {
			f.t.Errorf("order body %s (%s): %v", body.Bytes(), r.Header.Get("Content-Type"), err)
		}
		if len(req.Data.Numbers) != 1 || !isE164(req.Data.Numbers[0]) || !slices.Equal(req.Data.Gateways, testGateways) {
			f.t.Errorf("order of %v via %v", req.Data.Numbers, req.Data.Gateways)
		}
		f.reply(w, "order")
	case "POST " + basePath + "/numbers/US/status":
		var req struct {
			Data []string `json:"data"`
		}
		if err := json.Unmarshal(body.Bytes(), &req); err != nil || len(req.Data) == 0 {
			f.t.Errorf("status body %s: %v", body.Bytes(), err)
		}
		f.reply(w, "status")
	default:
		f.t.Errorf("unexpected request %s", route)
		http.NotFound(w, r)
	}
}

func (f *fakePhonebook) checkQuery(q url.Values, keys ...string) {
	if len(q) != len(keys) {
		f.t.Errorf("query %v, want exactly %v", q, keys)
	}
	for _, k := range keys {
		re := countRe
		if k == "prefix" {
			re = prefixRe
		}
		if !re.MatchString(q.Get(k)) {
			f.t.Errorf("query %s = %q, want %s", k, q.Get(k), re)
		}
	}
	quantity := q.Get("limit")
	if q.Has("size") {
		quantity = q.Get("size") // limit counts blocks
	}
	if n, _ := strconv.Atoi(quantity); n > MaxSearchQuantity {
		f.t.Errorf("quantity %d above %d", n, MaxSearchQuantity)
	}
}

func (f *fakePhonebook) reply(w http.ResponseWriter, op string) {
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write(readTestdata(f.t, f.replies[op]))
}

func (f *fakePhonebook) last() request {
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.requests) == 0 {
		return request{}
	}
	return f.requests[len(f.requests)-1]
}

func startFake(t *testing.T) (*fakePhonebook, *httptest.Server) {
	f := newFake(t)
	srv := httptest.NewServer(f)
	t.Cleanup(srv.Close)
	return f, srv
}

// newTestCarrier builds the carrier through the registry, as Numan does,
// pointed at srv, with retries that do not wait.
func newTestCarrier(t *testing.T, srvURL string, extra map[string]any) *Carrier {
	t.Helper()
	settings := map[string]any{
		"phonebook_url": srvURL + basePath,
		"endpoints":     testGateways,
	}
	for k, v := range extra {
		if v == nil {
			delete(settings, k)
			continue
		}
		settings[k] = v
	}
	raw, err := json.Marshal(settings)
	if err != nil {
		t.Fatal(err)
	}
	c, err := carrier.New(Name, raw, carrier.Deps{HTTPClient: &http.Client{}})
	if err != nil {
		t.Fatal(err)
	}
	oc := c.(*Carrier)
	for _, cl := range []*httpx.Client{oc.client, oc.orders} {
		cl.Backoff = httpx.NoBackoff
		cl.Sleep = func(ctx context.Context, _ time.Duration) error { return ctx.Err() }
	}
	return oc
}

func readTestdata(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func docJSON(t testing.TB, d number.Doc) string {
	t.Helper()
	b, err := json.Marshal(d)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func testCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	t.Cleanup(cancel)
	return ctx
}
