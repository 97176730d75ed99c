package twilio

import (
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/numan-dev/numan/carrier"
	"github.com/numan-dev/numan/carrier/carriertest"
)

// listTokens are the PageTokens the samples' next_page_uri carry, by page.
var listTokens = []string{"", "PAa1b2c3d4e5", "PAf6a7b8c9d0"}

// list answers GET IncomingPhoneNumbers.json as Twilio pages a listing:
// Page and PageToken from the previous page's next_page_uri.
func (f *fakeTwilio) list(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	if q.Get("PageSize") != "1000" {
		f.t.Errorf("listing with PageSize=%q, want 1000", q.Get("PageSize"))
	}
	page := 0
	if p := q.Get("Page"); p != "" {
		n, err := strconv.Atoi(p)
		if err != nil || n < 0 || n >= len(f.listPages) || q.Get("PageToken") != listTokens[n] {
			f.reply(w, http.StatusBadRequest, "error_400_unavailable.json")
			return
		}
		page = n
	}
	if f.listFailFrom >= 0 && page >= f.listFailFrom {
		f.listFail(w)
		return
	}
	f.reply(w, http.StatusOK, f.listPages[page])
}

func listAll(t *testing.T, c *Carrier) ([]carrier.Held, int) {
	t.Helper()
	var all []carrier.Held
	token, pages := "", 0
	for {
		page, err := c.ListNumbers(t.Context(), token)
		if err != nil {
			t.Fatalf("ListNumbers(%q): %v", token, err)
		}
		pages++
		all = append(all, page.Numbers...)
		if page.Next == "" {
			return all, pages
		}
		token = page.Next
	}
}

func TestListNumbersFollowsNextPageURI(t *testing.T) {
	for _, prefix := range []string{"", "/api/laml"} {
		t.Run("prefix "+prefix, func(t *testing.T) {
			f := newFakeTwilio(t, prefix)
			cfg := testConfig(f.srv.URL + prefix)
			cfg.TrunkSID = "TK0123456789abcdef0123456789abcdef"
			c := newTestCarrier(t, cfg)
			held, pages := listAll(t, c)
			if pages != 3 {
				t.Fatalf("read %d pages, want 3", pages)
			}
			want := []carrier.Held{
				{Number: "+14155550142", Status: "in-use", Route: cfg.TrunkSID},
				{Number: "+14155550177", Status: "in-use", Route: cfg.TrunkSID},
				{Number: "+14155550180", Status: "pending", Inactive: true, Route: cfg.TrunkSID},
				{Number: "+14155550190", Status: "in-use"},
			}
			if len(held) != len(want) {
				t.Fatalf("listed %+v, want %+v", held, want)
			}
			for i, h := range held {
				w := want[i]
				if h.Number != w.Number || h.Status != w.Status || h.Inactive != w.Inactive || h.Route != w.Route || h.WantRoute != cfg.TrunkSID {
					t.Errorf("held[%d] = %+v, want %+v", i, h, w)
				}
				var sid string
				if !h.CarrierData.Get("sid", &sid) || !strings.HasPrefix(sid, "PN") {
					t.Errorf("%s: carrier data %v", h.Number, h.CarrierData)
				}
			}
			var sid string
			held[0].CarrierData.Get("sid", &sid)
			if sid != testPNSID {
				t.Errorf("sid of %s = %q, want %q", held[0].Number, sid, testPNSID)
			}
		})
	}
}

func TestListNumbersFailures(t *testing.T) {
	tests := []struct {
		name     string
		failFrom int
		fail     func(f *fakeTwilio, w http.ResponseWriter)
		pages    []string
		token    string
		class    carrier.Class
		definite bool
	}{
		{name: "wrong token", token: "wrong", class: carrier.Auth, definite: true},
		{name: "500 on page 2", failFrom: 1, fail: func(f *fakeTwilio, w http.ResponseWriter) {
			w.WriteHeader(http.StatusInternalServerError)
		}, class: carrier.Transient},
		{name: "429 on page 3", failFrom: 2, fail: func(f *fakeTwilio, w http.ResponseWriter) {
			w.Header().Set("Retry-After", "3600")
			f.reply(w, http.StatusTooManyRequests, "error_429.json")
		}, class: carrier.RateLimited, definite: true},
		{name: "reply cut off on page 2", failFrom: 1, fail: func(f *fakeTwilio, w http.ResponseWriter) {
			w.Write(readTestdata(f.t, "incoming_page2.json")[:150])
		}, class: carrier.Transient},
		{name: "reply without the list", pages: []string{"incoming_page_nolist.json"}, class: carrier.Transient},
		{name: "another document", pages: []string{"incoming_created.json"}, class: carrier.Transient},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFakeTwilio(t, "")
			if tt.fail != nil {
				f.listFailFrom = tt.failFrom
				f.listFail = func(w http.ResponseWriter) { tt.fail(f, w) }
			}
			if tt.pages != nil {
				f.listPages = tt.pages
			}
			cfg := testConfig(f.srv.URL)
			if tt.token != "" {
				cfg.AuthToken = tt.token
			}
			c := newTestCarrier(t, cfg)
			token := ""
			for range 5 {
				page, err := c.ListNumbers(t.Context(), token)
				if err != nil {
					if page.Numbers != nil || page.Next != "" {
						t.Errorf("a page %+v with the error", page)
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

// A token that would send the credentials to another host, or to another
// resource, is refused before anything is sent.
func TestListNumbersRefusesAForeignToken(t *testing.T) {
	f := newFakeTwilio(t, "")
	c := newTestCarrier(t, testConfig(f.srv.URL))
	for _, token := range []string{
		"https://evil.example/2010-04-01/Accounts/" + testSID + "/IncomingPhoneNumbers.json?Page=1",
		"//evil.example/2010-04-01/Accounts/" + testSID + "/IncomingPhoneNumbers.json?Page=1",
		"/2010-04-01/Accounts/ACother/IncomingPhoneNumbers.json?Page=1",
		"/2010-04-01/Accounts/" + testSID + "/Calls.json?Page=1",
		"%zz",
	} {
		if _, err := c.ListNumbers(t.Context(), token); err == nil || !carrier.IsDefiniteRefusal(err) {
			t.Errorf("token %q: err = %v, want a refusal made before sending", token, err)
		}
	}
	if len(f.seen()) != 0 {
		t.Errorf("foreign tokens sent %v", f.seen())
	}
}

func FuzzParseIncomingPage(f *testing.F) {
	f.Add(readTestdata(f, "incoming_page1.json"))
	f.Add(readTestdata(f, "incoming_page3.json"))
	f.Fuzz(func(t *testing.T, body []byte) {
		list, next, err := parseIncomingPage(body)
		if err != nil && (list != nil || next != "") {
			t.Fatalf("%v, next %q with an error", list, next)
		}
	})
}
