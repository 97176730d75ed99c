package vitelity

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"sync"
	"testing"
	"time"

	"github.com/numan-dev/numan/carrier"
	"github.com/numan-dev/numan/carrier/httpx"
	"github.com/numan-dev/numan/number"
)

const (
	testLogin    = "numan-test"
	testPass     = "s3cret-pass"
	testRouteSIP = "numan-trunk"
)

// fakeVitelity speaks Vitelity's query-string API: it checks what a real
// api.php would refuse (method, path, credentials, the arguments of each
// command) and answers with a testdata reply chosen per command.
type fakeVitelity struct {
	t *testing.T
	// replies maps a cmd to the testdata file it answers with.
	replies map[string]string

	mu    sync.Mutex
	calls []url.Values
}

func newFake(t *testing.T) *fakeVitelity {
	return &fakeVitelity{t: t, replies: map[string]string{
		cmdListNPA:      "listnpa.xml",
		cmdListNPANXX:   "listnpanxx.xml",
		cmdListTollFree: "listtollfree.xml",
		"getlocaldid":   "getlocaldid_ok.xml",
		"gettollfree":   "getlocaldid_ok.xml",
		"removedid":     "removedid_ok.xml",
		cmdListDIDs:     "listdids.xml",
		"reroute":       "reroute_ok.xml",
	}}
}

var (
	threeDigits = regexp.MustCompile(`^\d{3}$`)
	sixDigits   = regexp.MustCompile(`^\d{6}$`)
	tenDigits   = regexp.MustCompile(`^\d{10}$`)
)

func (f *fakeVitelity) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	f.mu.Lock()
	f.calls = append(f.calls, q)
	f.mu.Unlock()
	if r.Method != http.MethodPost || r.URL.Path != "/api.php" {
		f.t.Errorf("%s %s, want POST /api.php", r.Method, r.URL.Path)
		http.NotFound(w, r)
		return
	}
	if q.Get("login") != testLogin || q.Get("pass") != testPass {
		f.reply(w, "list_fail.xml")
		return
	}
	if q.Get("xml") != "yes" {
		f.t.Errorf("xml = %q, want yes", q.Get("xml"))
	}
	cmd := q.Get("cmd")
	required := map[string]map[string]*regexp.Regexp{
		cmdListNPA:      {"npa": threeDigits},
		cmdListNPANXX:   {"npanxx": sixDigits},
		cmdListTollFree: {"limit": regexp.MustCompile(`^\d+$`)},
		"getlocaldid":   {"did": tenDigits, "routesip": regexp.MustCompile(`^` + testRouteSIP + `$`)},
		"gettollfree":   {"did": tenDigits, "routesip": regexp.MustCompile(`^` + testRouteSIP + `$`)},
		"removedid":     {"did": tenDigits},
		cmdListDIDs:     {"extra": regexp.MustCompile(`^yes$`)},
		"reroute":       {"did": tenDigits, "routesip": regexp.MustCompile(`^\S+$`)},
	}[cmd]
	if required == nil {
		f.t.Errorf("unknown cmd %q", cmd)
		f.reply(w, "list_fail.xml")
		return
	}
	for arg, re := range required {
		if !re.MatchString(q.Get(arg)) {
			f.t.Errorf("cmd %s: %s = %q, want %s", cmd, arg, q.Get(arg), re)
		}
	}
	if cmd == "reroute" && q.Get("routesip") == "nowhere" {
		f.reply(w, "reroute_fail.xml")
		return
	}
	f.reply(w, f.replies[cmd])
}

func (f *fakeVitelity) reply(w http.ResponseWriter, file string) {
	w.Header().Set("Content-Type", "text/xml")
	_, _ = w.Write(readTestdata(f.t, file))
}

func (f *fakeVitelity) lastCall() url.Values {
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.calls) == 0 {
		return nil
	}
	return f.calls[len(f.calls)-1]
}

// newTestCarrier builds the carrier through the registry, as Numan does,
// pointed at srv, with retries that do not wait.
func newTestCarrier(t *testing.T, srvURL string, extra map[string]any) *Carrier {
	t.Helper()
	settings := map[string]any{
		"api_url":  srvURL + "/api.php",
		"login":    testLogin,
		"pass":     testPass,
		"routesip": []string{testRouteSIP, "backup-trunk"},
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
	vc := c.(*Carrier)
	vc.client.Backoff = httpx.NoBackoff
	vc.client.Sleep = func(ctx context.Context, _ time.Duration) error { return ctx.Err() }
	return vc
}

func startFake(t *testing.T) (*fakeVitelity, *httptest.Server) {
	f := newFake(t)
	srv := httptest.NewServer(f)
	t.Cleanup(srv.Close)
	return f, srv
}

func docJSON(t testing.TB, d number.Doc) string {
	t.Helper()
	b, err := json.Marshal(d)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
