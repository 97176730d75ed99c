package bandwidth2

import (
	"net/http"
	"strings"
	"testing"

	"github.com/numan-dev/numan/carrier"
	"github.com/numan-dev/numan/carrier/carriertest"
)

// list answers GET inserviceNumbers?page=&size= as Bandwidth pages an
// account's numbers: by the first number of each page.
func (f *fakeBandwidth) list(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	if q.Get("size") != "500" {
		f.t.Errorf("in-service listing with size=%q, want 500", q.Get("size"))
	}
	page := q.Get("page")
	if fail, ok := f.listFail[page]; ok {
		fail(w)
		return
	}
	file, ok := f.listPages[page]
	if !ok {
		f.t.Errorf("in-service listing of unknown page %q", page)
		f.reply(w, http.StatusNotFound, "")
		return
	}
	f.reply(w, http.StatusOK, file)
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

func TestListNumbersFollowsTheNextLinks(t *testing.T) {
	f := newFakeBandwidth(t)
	c := newTestCarrier(t, testConfig(f.srv.URL))
	held, pages := listAll(t, c)
	if pages != 3 {
		t.Fatalf("read %d pages, want 3", pages)
	}
	var got []string
	for _, h := range held {
		got = append(got, h.Number)
		if h.Inactive || h.Status != "in service" || len(h.CarrierData) != 0 || h.Route != "" || h.WantRoute != "" {
			t.Errorf("held %+v", h)
		}
	}
	// Page 2's entries that are no ten-digit numbers are skipped.
	if want := "+14155550100 +14155550101 +14155550150 +14155550190"; strings.Join(got, " ") != want {
		t.Fatalf("listed %v, want %s", got, want)
	}
	for _, req := range f.seen() {
		if !strings.HasPrefix(req, "GET /api/accounts/"+testAccount+"/inserviceNumbers?") {
			t.Errorf("request %s", req)
		}
	}
}

func TestListNumbersOfAnEmptyAccount(t *testing.T) {
	f := newFakeBandwidth(t)
	f.listPages["1"] = "inservice_empty.xml"
	c := newTestCarrier(t, testConfig(f.srv.URL))
	page, err := c.ListNumbers(t.Context(), "")
	if err != nil || len(page.Numbers) != 0 || page.Next != "" {
		t.Fatalf("ListNumbers = %+v, %v", page, err)
	}
}

func TestListNumbersFailures(t *testing.T) {
	status := func(code int, file string) func(w http.ResponseWriter) {
		return func(w http.ResponseWriter) {
			w.Header().Set("Content-Type", "application/xml")
			w.WriteHeader(code)
			if file != "" {
				w.Write(readTestdata(t, file))
			}
		}
	}
	tests := []struct {
		name     string
		page     string // the page that fails
		fail     func(w http.ResponseWriter)
		file     string // or the sample page 1 answers
		password string
		class    carrier.Class
		definite bool
	}{
		{name: "wrong password", password: "wrong", class: carrier.Auth, definite: true},
		{name: "500 on page 2", page: "4155550150", fail: status(http.StatusInternalServerError, ""), class: carrier.Transient},
		{name: "403 on page 3", page: "4155550190", fail: status(http.StatusForbidden, "search_error_400.xml"), class: carrier.Auth, definite: true},
		{name: "reply cut off on page 2", page: "4155550150", fail: func(w http.ResponseWriter) {
			w.Write(readTestdata(t, "inservice_page2.xml")[:200])
		}, class: carrier.Transient},
		{name: "no TotalCount", file: "inservice_no_total.xml", class: carrier.Transient},
		{name: "next link without a page", file: "inservice_bad_next.xml", class: carrier.Transient},
		{name: "another document", file: "order_complete.xml", class: carrier.Transient},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFakeBandwidth(t)
			if tt.fail != nil {
				f.listFail = map[string]func(http.ResponseWriter){tt.page: tt.fail}
			}
			if tt.file != "" {
				f.listPages["1"] = tt.file
			}
			cfg := testConfig(f.srv.URL)
			if tt.password != "" {
				cfg.APIPassword = tt.password
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

func TestListNumbersRefusesABadToken(t *testing.T) {
	f := newFakeBandwidth(t)
	c := newTestCarrier(t, testConfig(f.srv.URL))
	for _, token := range []string{"abc", "1&size=100000", "1234567890123456"} {
		if _, err := c.ListNumbers(t.Context(), token); err == nil || !carrier.IsDefiniteRefusal(err) {
			t.Errorf("token %q: err = %v, want a refusal made before sending", token, err)
		}
	}
	if len(f.seen()) != 0 {
		t.Errorf("bad tokens sent %v", f.seen())
	}
}

func TestLinkPage(t *testing.T) {
	for link, want := range map[string]string{
		`Link=<https://dashboard.bandwidth.com/api/accounts/1/inserviceNumbers?page=4155550150&size=500>;rel="next";`: "4155550150",
		`Link=<https://x/inserviceNumbers?size=500>;rel="next";`:                                                      "",
		`Link=<https://x/inserviceNumbers?page=41a&size=500>;rel="next";`:                                             "",
		`https://x/inserviceNumbers?page=1`:                                                                           "",
		`Link=>;<`:                                                                                                    "",
	} {
		got, ok := linkPage(link)
		if got != want || ok != (want != "") {
			t.Errorf("linkPage(%q) = %q, %v; want %q", link, got, ok, want)
		}
	}
}

func FuzzParseInService(f *testing.F) {
	for _, s := range []string{"inservice_page1.xml", "inservice_page2.xml", "inservice_bad_next.xml"} {
		f.Add(readTestdata(f, s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		tns, next, err := parseInService(body)
		if err != nil && (tns != nil || next != "") {
			t.Fatalf("%v, next %q with an error", tns, next)
		}
		if next != "" && strings.Trim(next, "0123456789") != "" {
			t.Fatalf("next page %q is not digits", next)
		}
	})
}
