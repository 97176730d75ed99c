package simwood

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/numan-dev/numan/carrier"
	"github.com/numan-dev/numan/carrier/carriertest"
	"github.com/numan-dev/numan/carrier/httpx"
)

// fakeReports is Simwood's allocated-numbers reports for the fake account:
// a report request answers a hash, the file answers 204 notReady times
// and then the report, once.
type fakeReports struct {
	file        string            // testdata list of the account's allocated numbers
	requested   map[string]string // hash -> "size pattern" of reports not yet read
	polled      map[string]int
	notReady    int
	requestFile string // overrides the reply to a report request
	// failFile, when set, answers the report of pattern instead (true).
	failFile func(w http.ResponseWriter, pattern string) bool
}

var (
	reportRe  = regexp.MustCompile(`^` + apiPath + `/` + testAccount + `/allocated/(10|100|1000|10000)$`)
	fileRe    = regexp.MustCompile(`^/v3/files/` + testAccount + `/([0-9a-f]+)$`)
	reportPat = regexp.MustCompile(`^[1-9]\d*\*$`)
)

// serveReport answers report requests and report files; it reports
// whether the request was one.
func (f *fakeSimwood) serveReport(w http.ResponseWriter, r *http.Request) bool {
	rs := &f.reports
	if m := reportRe.FindStringSubmatch(r.URL.Path); m != nil && r.Method == http.MethodPost {
		if err := r.ParseForm(); err != nil {
			f.reply(w, http.StatusBadRequest, "error_list.json")
			return true
		}
		pattern := r.PostForm.Get("pattern")
		if r.PostForm.Has("pattern") && !reportPat.MatchString(pattern) {
			f.t.Errorf("report pattern %q", pattern)
			f.reply(w, http.StatusBadRequest, "error_list.json")
			return true
		}
		sum := sha256.Sum256([]byte(m[1] + " " + pattern))
		hash := hex.EncodeToString(sum[:16])
		rs.requested[hash] = m[1] + " " + pattern
		file := rs.requestFile
		if file == "" {
			file = "report_requested.json"
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(strings.ReplaceAll(string(readTestdata(f.t, file)), "HASH", hash)))
		return true
	}
	m := fileRe.FindStringSubmatch(r.URL.Path)
	if m == nil {
		return false
	}
	if r.Method != http.MethodGet {
		f.t.Errorf("%s %s", r.Method, r.URL)
	}
	req, ok := rs.requested[m[1]]
	if !ok {
		f.reply(w, http.StatusNotFound, "error_not_found.json")
		return true
	}
	if rs.polled[m[1]] < rs.notReady {
		rs.polled[m[1]]++
		w.WriteHeader(http.StatusNoContent)
		return true
	}
	size, pattern, _ := strings.Cut(req, " ")
	if rs.failFile != nil && rs.failFile(w, pattern) {
		return true
	}
	delete(rs.requested, m[1]) // read once
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(f.matching(size, strings.TrimSuffix(pattern, "*")))
	return true
}

// matching is the report of the first size allocated numbers whose
// national number starts with prefix, in number order.
func (f *fakeSimwood) matching(size, prefix string) []json.RawMessage {
	var all []json.RawMessage
	if err := json.Unmarshal(readTestdata(f.t, f.reports.file), &all); err != nil {
		f.t.Fatal(err)
	}
	for num := range f.allocated {
		entry, _ := json.Marshal(map[string]any{"country_code": num[:2], "number": num[2:], "block": "acquired", "bill_class": "DDI", "SMS": 0})
		all = append(all, entry)
	}
	type entry struct {
		nsn string
		raw json.RawMessage
	}
	var out []entry
	for _, raw := range all {
		var e struct {
			Number json.RawMessage `json:"number"`
		}
		_ = json.Unmarshal(raw, &e)
		nsn := strings.Trim(string(e.Number), `"`)
		if strings.HasPrefix(nsn, prefix) {
			out = append(out, entry{nsn, raw})
		}
	}
	slices.SortFunc(out, func(a, b entry) int { return strings.Compare(a.nsn, b.nsn) })
	n, _ := strconv.Atoi(size)
	report := []json.RawMessage{}
	for _, e := range out[:min(n, len(out))] {
		report = append(report, e.raw)
	}
	return report
}

// newListingCarrier is newTestCarrier with reports of size numbers,
// followed without waiting.
func newListingCarrier(t *testing.T, srvURL string, size int) *Carrier {
	c := newTestCarrier(t, srvURL, nil)
	c.listing = listing{reportSize: size, poller: httpx.Poller{MaxChecks: 5, Sleep: func(ctx context.Context, _ time.Duration) error { return ctx.Err() }}}
	return c
}

func listAll(t *testing.T, c *Carrier) ([]carrier.Held, []string) {
	t.Helper()
	var all []carrier.Held
	tokens := []string{""}
	token := ""
	for range 200 {
		page, err := c.ListNumbers(testCtx(t), token)
		if err != nil {
			t.Fatalf("ListNumbers(%q): %v", token, err)
		}
		all = append(all, page.Numbers...)
		if page.Next == "" {
			return all, tokens
		}
		token = page.Next
		tokens = append(tokens, token)
	}
	t.Fatal("the listing did not end")
	return nil, nil
}

func numbersOf(hs []carrier.Held) []string {
	out := make([]string, 0, len(hs))
	for _, h := range hs {
		out = append(out, h.Number)
	}
	return out
}

const wantAllocated = "+441134960001 +441134960002 +442079460001 +442079460002 +442079460003 +442079460004 +442079460005 +442079460006 " +
	"+442890180001 +442890180002 +442890180003 +442890180004 +442890180005 +442890180006 +447700900123"

// A report of every number that holds them all is the whole listing.
func TestListNumbersInOneReport(t *testing.T) {
	f, srv := startFake(t)
	f.reports.notReady = 2
	c := newListingCarrier(t, srv.URL, 100)
	held, tokens := listAll(t, c)
	if got := strings.Join(numbersOf(held), " "); got != wantAllocated {
		t.Fatalf("listed %s\nwant   %s", got, wantAllocated)
	}
	if len(tokens) != 1 {
		t.Errorf("pages %q, want one", tokens)
	}
	for _, h := range held {
		if len(h.CarrierData) != 0 || h.Inactive || h.Status != "" {
			t.Errorf("held %+v", h)
		}
	}
}

// Reports that come back full are split by pattern, depth first, until
// each fits: 15 numbers in reports of 10 are read as 1*, 2* (full: 20*,
// 28*) and 7*, each number once.
func TestListNumbersSplitsFullReports(t *testing.T) {
	f, srv := startFake(t)
	c := newListingCarrier(t, srv.URL, 10)
	held, tokens := listAll(t, c)
	if got := strings.Join(numbersOf(held), " "); got != wantAllocated {
		t.Fatalf("listed %s\nwant   %s", got, wantAllocated)
	}
	want := []string{"", "1", "2", "20", "21", "22", "23", "24", "25", "26", "27", "28", "29", "3", "4", "5", "6", "7", "8", "9"}
	if !slices.Equal(tokens, want) {
		t.Errorf("pages %q\nwant  %q", tokens, want)
	}
	if left := len(f.reports.requested); left != 0 {
		t.Errorf("%d reports requested and never read", left)
	}
}

func TestNextPattern(t *testing.T) {
	for p, want := range map[string]string{"": "", "1": "2", "9": "", "20": "21", "29": "3", "299": "3", "999": "", "2079": "208"} {
		if got := nextPattern(p); got != want {
			t.Errorf("nextPattern(%q) = %q, want %q", p, got, want)
		}
	}
}

func TestListNumbersFailures(t *testing.T) {
	tests := []struct {
		name     string
		script   func(f *fakeSimwood)
		settings map[string]any
		class    carrier.Class
		definite bool
	}{
		{name: "wrong password", settings: map[string]any{"auth_password": "wrong"}, class: carrier.Auth, definite: true},
		{name: "report request without a hash", script: func(f *fakeSimwood) { f.reports.requestFile = "report_no_hash.json" }, class: carrier.Transient},
		{name: "report never ready", script: func(f *fakeSimwood) { f.reports.notReady = 100 }, class: carrier.Transient},
		{name: "report is no list", script: func(f *fakeSimwood) {
			f.reports.failFile = func(w http.ResponseWriter, _ string) bool {
				f.reply(w, http.StatusOK, "report_not_list.json")
				return true
			}
		}, class: carrier.Transient},
		{name: "report cut off", script: func(f *fakeSimwood) {
			f.reports.failFile = func(w http.ResponseWriter, _ string) bool { f.reply(w, http.StatusOK, "truncated.json"); return true }
		}, class: carrier.Transient},
		{name: "report of 2* expired", script: func(f *fakeSimwood) {
			f.reports.failFile = func(w http.ResponseWriter, pattern string) bool {
				if pattern != "2*" {
					return false
				}
				f.reply(w, http.StatusNotFound, "error_not_found.json")
				return true
			}
		}, class: carrier.NotFound, definite: true},
		{name: "no account id", settings: map[string]any{"simwood_account_id": ""}, class: carrier.Unclassified, definite: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, srv := startFake(t)
			if tt.script != nil {
				tt.script(f)
			}
			c := newTestCarrier(t, srv.URL, tt.settings)
			c.listing = listing{reportSize: 10, poller: httpx.Poller{MaxChecks: 5, Sleep: func(ctx context.Context, _ time.Duration) error { return ctx.Err() }}}
			token := ""
			for range 30 {
				page, err := c.ListNumbers(testCtx(t), token)
				if err != nil {
					if page.Numbers != nil || page.Next != "" {
						t.Errorf("a page %+v with the error", page)
					}
					if tt.class == carrier.Unclassified {
						if !carrier.IsDefiniteRefusal(err) {
							t.Errorf("err = %v, want a refusal made before sending", err)
						}
						return
					}
					carriertest.CheckFailure(t, err, tt.class, tt.definite)
					return
				}
				if page.Next == "" {
					t.Fatal("the listing ended without the failure")
				}
				token = page.Next
			}
			t.Fatal("the listing did not fail")
		})
	}
}

func TestListNumbersRefusesABadToken(t *testing.T) {
	f, srv := startFake(t)
	c := newListingCarrier(t, srv.URL, 10)
	for _, token := range []string{"2*", "a", "1234567890123456", "1/../x"} {
		if _, err := c.ListNumbers(testCtx(t), token); err == nil || !carrier.IsDefiniteRefusal(err) {
			t.Errorf("token %q: err = %v, want a refusal made before sending", token, err)
		}
	}
	if r := f.lastRequest(); r != "" {
		t.Errorf("bad tokens sent %s", r)
	}
}

// Reports are fetched next to the numbers API; an api_url that does not
// end in /numbers cannot say where, and nothing is sent.
func TestListNumbersNeedsANumbersURL(t *testing.T) {
	f, srv := startFake(t)
	c := newTestCarrier(t, srv.URL, map[string]any{"api_url": srv.URL + "/v3/numbers/"})
	if _, err := c.ListNumbers(testCtx(t), ""); err != nil {
		t.Fatalf("a trailing slash: %v", err)
	}
	c = newTestCarrier(t, srv.URL, map[string]any{"api_url": srv.URL + "/v3/nums"})
	_, err := c.ListNumbers(testCtx(t), "")
	if err == nil || !strings.Contains(err.Error(), "/numbers") {
		t.Fatalf("err = %v", err)
	}
	_ = f
}
