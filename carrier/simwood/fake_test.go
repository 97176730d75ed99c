package simwood

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"sync"
	"testing"
	"time"

	"github.com/numan-dev/numan/carrier"
	"github.com/numan-dev/numan/carrier/httpx"
	"github.com/numan-dev/numan/number"
)

const (
	testUser    = "numan-test"
	testPass    = "s3cret-pass"
	testAccount = "930123"
	apiPath     = "/v3/numbers"
)

// fakeSimwood speaks Simwood's v3 numbers API for one account: Basic auth,
// the available/ search and the allocated/ resources, with the numbers the
// account holds kept in memory so that allocate, query and de-configure
// behave as at Simwood (a second allocation is refused, releasing a number
// the account does not hold is a 404).
type fakeSimwood struct {
	t *testing.T
	// search overrides the reply file of every search.
	search string

	mu        sync.Mutex
	allocated map[string]bool
	requests  []string // "METHOD path?query"
	// reports serves the allocated-numbers reports (list_test.go).
	reports fakeReports
}

func newFake(t *testing.T) *fakeSimwood {
	return &fakeSimwood{t: t, allocated: map[string]bool{}, reports: fakeReports{file: "allocated_all.json", requested: map[string]string{}, polled: map[string]int{}}}
}

var (
	availableRe = regexp.MustCompile(`^` + apiPath + `/` + testAccount + `/available/standard/(1|10|100)$`)
	allocatedRe = regexp.MustCompile(`^` + apiPath + `/` + testAccount + `/allocated/([1-9]\d{5,14})$`)
	patternRe   = regexp.MustCompile(`^[1-9]\d*\*$|^\*$`)
)

func (f *fakeSimwood) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.requests = append(f.requests, r.Method+" "+r.URL.RequestURI())
	if u, p, ok := r.BasicAuth(); !ok || u != testUser || p != testPass {
		f.reply(w, http.StatusUnauthorized, "error_unauthorized.json")
		return
	}
	if m := availableRe.FindStringSubmatch(r.URL.Path); m != nil && r.Method == http.MethodGet {
		pattern := r.URL.Query().Get("pattern")
		if !patternRe.MatchString(pattern) {
			f.reply(w, http.StatusBadRequest, "error_list.json")
			return
		}
		file := f.search
		switch {
		case file != "":
		case m[1] == "1":
			file = "available_1.json"
		default:
			file = "available_10.json"
		}
		f.reply(w, http.StatusOK, file)
		return
	}
	if f.serveReport(w, r) {
		return
	}
	m := allocatedRe.FindStringSubmatch(r.URL.Path)
	if m == nil {
		f.t.Errorf("unexpected request %s %s", r.Method, r.URL)
		f.reply(w, http.StatusNotFound, "error_not_found.json")
		return
	}
	num := m[1]
	switch r.Method {
	case http.MethodPut:
		if f.allocated[num] {
			f.reply(w, http.StatusConflict, "error_not_available.json")
			return
		}
		f.allocated[num] = true
		f.reply(w, http.StatusOK, "allocated.json")
	case http.MethodGet:
		if !f.allocated[num] {
			f.reply(w, http.StatusNotFound, "error_not_found.json")
			return
		}
		f.reply(w, http.StatusOK, "allocated.json")
	case http.MethodDelete:
		if !f.allocated[num] {
			f.reply(w, http.StatusNotFound, "error_not_found.json")
			return
		}
		delete(f.allocated, num)
		w.WriteHeader(http.StatusNoContent)
	default:
		f.t.Errorf("unexpected method %s %s", r.Method, r.URL)
		w.WriteHeader(http.StatusMethodNotAllowed)
	}
}

func (f *fakeSimwood) reply(w http.ResponseWriter, status int, file string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(readTestdata(f.t, file))
}

func (f *fakeSimwood) lastRequest() string {
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.requests) == 0 {
		return ""
	}
	return f.requests[len(f.requests)-1]
}

func startFake(t *testing.T) (*fakeSimwood, *httptest.Server) {
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
		"api_url":            srvURL + apiPath,
		"auth_username":      testUser,
		"auth_password":      testPass,
		"simwood_account_id": testAccount,
	}
	for k, v := range extra {
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
	sc := c.(*Carrier)
	sc.client.Backoff = httpx.NoBackoff
	sc.client.Sleep = func(ctx context.Context, _ time.Duration) error { return ctx.Err() }
	return sc
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
