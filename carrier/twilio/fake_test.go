package twilio

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
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
	testSID         = "AC0123456789abcdef0123456789abcdef"
	testToken       = "tok0123456789abcdef0123456789abcd"
	testPNSID       = "PN0123456789abcdef0123456789abcdef"
	testOwnedNumber = "+14155550142"
)

// fakeTwilio is an in-process Twilio 2010-04-01 API: it checks each
// request's method, path, Basic credentials and form body as Twilio would,
// and answers with the samples in testdata/, including Twilio's error
// documents. prefix is the path Twilio-compatible carriers put before
// /2010-04-01 (SignalWire's /api/laml).
type fakeTwilio struct {
	t      *testing.T
	srv    *httptest.Server
	prefix string

	mu        sync.Mutex
	requests  []string
	purchases []url.Values
	buyStatus int
	buyFile   string
	// listPages are the samples answering Page=0, 1, ... of the
	// IncomingPhoneNumbers listing (list_test.go); listFail answers every
	// page from listFailFrom on.
	listPages    []string
	listFailFrom int
	listFail     func(w http.ResponseWriter)
	updates      []url.Values // routing updates of IncomingPhoneNumbers/{sid}
}

func newFakeTwilio(t *testing.T, prefix string) *fakeTwilio {
	f := &fakeTwilio{t: t, prefix: prefix, buyStatus: http.StatusCreated, buyFile: "incoming_created.json",
		listPages: []string{"incoming_page1.json", "incoming_page2.json", "incoming_page3.json"}, listFailFrom: -1}
	f.srv = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.srv.Close)
	return f
}

func (f *fakeTwilio) serve(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.requests = append(f.requests, r.Method+" "+r.URL.Path+"?"+r.URL.RawQuery)
	if user, pass, ok := r.BasicAuth(); !ok || user != testSID || pass != testToken {
		f.reply(w, http.StatusUnauthorized, "error_401.json")
		return
	}
	rest, ok := strings.CutPrefix(r.URL.Path, f.prefix+"/2010-04-01/Accounts/"+testSID+"/")
	if !ok {
		f.reply(w, http.StatusNotFound, "error_404.json")
		return
	}
	switch {
	case r.Method == http.MethodGet && strings.HasPrefix(rest, "AvailablePhoneNumbers/"):
		f.search(w, r, strings.TrimPrefix(rest, "AvailablePhoneNumbers/"))
	case r.Method == http.MethodPost && rest == "IncomingPhoneNumbers.json":
		if ct := r.Header.Get("Content-Type"); ct != "application/x-www-form-urlencoded" {
			f.t.Errorf("purchase with Content-Type %q", ct)
		}
		if err := r.ParseForm(); err != nil || r.PostForm.Get("PhoneNumber") == "" {
			f.t.Errorf("purchase without PhoneNumber: %v %v", r.PostForm, err)
			f.reply(w, http.StatusBadRequest, "error_400_unavailable.json")
			return
		}
		f.purchases = append(f.purchases, r.PostForm)
		if r.PostForm.Get("PhoneNumber") != testOwnedNumber {
			f.reply(w, http.StatusBadRequest, "error_400_unavailable.json")
			return
		}
		f.reply(w, f.buyStatus, f.buyFile)
	case r.Method == http.MethodGet && rest == "IncomingPhoneNumbers.json" && !r.URL.Query().Has("PhoneNumber"):
		f.list(w, r)
	case r.Method == http.MethodGet && rest == "IncomingPhoneNumbers.json":
		if r.URL.Query().Get("PhoneNumber") == testOwnedNumber {
			f.reply(w, http.StatusOK, "incoming_list.json")
			return
		}
		f.reply(w, http.StatusOK, "incoming_list_empty.json")
	case r.Method == http.MethodPost && rest == "IncomingPhoneNumbers/"+testPNSID+".json":
		if err := r.ParseForm(); err != nil {
			f.t.Errorf("update: %v", err)
		}
		f.updates = append(f.updates, r.PostForm)
		if r.PostForm.Get("TrunkSid") == "TKffffffffffffffffffffffffffffffff" {
			f.reply(w, http.StatusBadRequest, "error_400_trunk.json")
			return
		}
		f.reply(w, http.StatusOK, "incoming_routed.json")
	case r.Method == http.MethodDelete && rest == "IncomingPhoneNumbers/"+testPNSID+".json":
		w.WriteHeader(http.StatusNoContent)
	case r.Method == http.MethodDelete && strings.HasPrefix(rest, "IncomingPhoneNumbers/"):
		f.reply(w, http.StatusNotFound, "error_404.json")
	default:
		f.t.Errorf("unexpected request %s %s", r.Method, r.URL)
		f.reply(w, http.StatusNotFound, "error_404.json")
	}
}

// search answers AvailablePhoneNumbers/{Country}/{Type}.json from the
// samples, as Twilio's inventory would.
func (f *fakeTwilio) search(w http.ResponseWriter, r *http.Request, what string) {
	q := r.URL.Query()
	if q.Get("PageSize") == "" {
		f.t.Errorf("search without PageSize: %s", r.URL.RawQuery)
	}
	contains, area := q.Get("Contains"), q.Get("AreaCode")
	file := "available_empty.json"
	switch {
	case what == "US/Local.json" && area == "415" && contains == "":
		file = "available_local_415.json"
	case what == "US/Local.json" && strings.HasPrefix(contains, "415555"):
		file = "available_local_415555.json"
	case what == "US/TollFree.json" && contains == "800*******":
		file = "available_tollfree_800.json"
	case what == "US/TollFree.json" && (contains == "" || contains == "80********"):
		file = "available_tollfree.json"
	case what == "GB/Local.json" && contains == "207":
		file = "available_gb_207.json"
	}
	f.reply(w, http.StatusOK, file)
}

func (f *fakeTwilio) reply(w http.ResponseWriter, status int, file string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	if file != "" {
		w.Write(readTestdata(f.t, file))
	}
}

func (f *fakeTwilio) seen() []string {
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

func testConfig(apiURL string) Config {
	cfg := DefaultConfig()
	cfg.APIURL = apiURL
	cfg.AccountSID = testSID
	cfg.AuthToken = testToken
	return cfg
}

func newTestCarrier(t testing.TB, cfg Config) *Carrier {
	c, err := New(cfg, carrier.Deps{Now: func() time.Time { return testNow }})
	if err != nil {
		t.Fatal(err)
	}
	c.SetRetryPolicy(httpx.NoBackoff, func(ctx context.Context, _ time.Duration) error { return ctx.Err() })
	return c
}

func testNumber(e164 string) *number.Number {
	return number.New(e164, number.Discovery, Name, testNow)
}
