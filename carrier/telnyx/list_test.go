package telnyx

import (
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/numan-dev/numan/carrier"
	"github.com/numan-dev/numan/carrier/carriertest"
)

// list answers GET /v2/phone_numbers?page[number]=N as Telnyx pages the
// account's numbers: the Nth sample of listPages, the 404 Telnyx gives a
// page past the end, or the scripted failure.
func (f *fakeTelnyx) list(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	if size, err := strconv.Atoi(q.Get("page[size]")); err != nil || size < 1 || size > 250 {
		f.t.Errorf("listing with page[size]=%q: Telnyx takes 1 to 250", q.Get("page[size]"))
	}
	n, err := strconv.Atoi(q.Get("page[number]"))
	if err != nil || n < 1 {
		f.reply(w, http.StatusBadRequest, "error_400_search.json")
		return
	}
	if f.listFailFrom > 0 && n >= f.listFailFrom {
		f.listFail(w)
		return
	}
	if n > len(f.listPages) {
		f.reply(w, http.StatusNotFound, "error_404.json")
		return
	}
	f.reply(w, http.StatusOK, f.listPages[n-1])
}

// listAll follows a listing to its end.
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

func TestListNumbersPagesThroughTheAccount(t *testing.T) {
	f := newFakeTelnyx(t)
	c := newTestCarrier(t, testConfig(f.srv.URL))
	held, pages := listAll(t, c)
	if pages != 3 {
		t.Fatalf("read %d pages, want 3", pages)
	}
	// page 2 holds a deleted number (not held) and one that is no E.164
	// number (skipped); page 3 a number on another connection.
	want := []carrier.Held{
		{Number: "+14155550142", Status: "active", Route: "1494404757140276705"},
		{Number: "+14155550177", Status: "active", Route: "1494404757140276705"},
		{Number: "+14155550180", Status: "port-pending", Inactive: true, Route: "1494404757140276705"},
		{Number: "+14155550190", Status: "active", Route: "1111111111111111111"},
	}
	if len(held) != len(want) {
		t.Fatalf("listed %d numbers, want %d: %+v", len(held), len(want), held)
	}
	for i, h := range held {
		w := want[i]
		if h.Number != w.Number || h.Status != w.Status || h.Inactive != w.Inactive || h.Route != w.Route || h.WantRoute != "1494404757140276705" {
			t.Errorf("held[%d] = %+v, want %+v", i, h, w)
		}
		var id string
		if !h.CarrierData.Get("phone_number_id", &id) || id == "" {
			t.Errorf("%s: carrier data %v has no phone_number_id", h.Number, h.CarrierData)
		}
	}
	var first string
	held[0].CarrierData.Get("phone_number_id", &first)
	if first != testPhoneID {
		t.Errorf("phone_number_id of %s = %q, want %q", held[0].Number, first, testPhoneID)
	}
	for _, req := range f.seen() {
		if !strings.Contains(req, "page%5Bsize%5D=250") || !strings.Contains(req, "sort=phone_number") {
			t.Errorf("listing request %s: want page[size]=250 sorted by number", req)
		}
	}
}

func TestListNumbersFailures(t *testing.T) {
	tests := []struct {
		name     string
		script   func(f *fakeTelnyx)
		key      string
		class    carrier.Class
		definite bool
	}{
		{name: "wrong key", key: "wrong", class: carrier.Auth, definite: true},
		{name: "rate limited on page 2", script: func(f *fakeTelnyx) {
			f.listFailFrom = 2
			f.listFail = func(w http.ResponseWriter) {
				w.Header().Set("Retry-After", "3600")
				f.reply(w, http.StatusTooManyRequests, "error_429.json")
			}
		}, class: carrier.RateLimited, definite: true},
		{name: "500 on page 2", script: func(f *fakeTelnyx) {
			f.listFailFrom = 2
			f.listFail = func(w http.ResponseWriter) { w.WriteHeader(http.StatusInternalServerError) }
		}, class: carrier.Transient},
		{name: "reply without meta", script: func(f *fakeTelnyx) {
			f.listPages = []string{"phone_numbers_page_nometa.json"}
		}, class: carrier.Transient},
		{name: "reply for another page", script: func(f *fakeTelnyx) {
			f.listPages = []string{"phone_numbers_page_wrong.json"}
		}, class: carrier.Transient},
		{name: "reply cut off on page 3", script: func(f *fakeTelnyx) {
			f.listFailFrom = 3
			f.listFail = func(w http.ResponseWriter) {
				w.Header().Set("Content-Type", "application/json")
				w.Write(readTestdata(f.t, "phone_numbers_page3.json")[:90])
			}
		}, class: carrier.Transient},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFakeTelnyx(t)
			if tt.script != nil {
				tt.script(f)
			}
			cfg := testConfig(f.srv.URL)
			if tt.key != "" {
				cfg.APIKey = tt.key
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
	f := newFakeTelnyx(t)
	c := newTestCarrier(t, testConfig(f.srv.URL))
	for _, token := range []string{"0", "-1", "two", "1&page[size]=100000"} {
		if _, err := c.ListNumbers(t.Context(), token); err == nil || !carrier.IsDefiniteRefusal(err) {
			t.Errorf("token %q: err = %v, want a refusal made before sending", token, err)
		}
	}
	if reqs := slices.DeleteFunc(f.seen(), func(r string) bool { return !strings.Contains(r, "page%5Bnumber%5D") }); len(reqs) != 0 {
		t.Errorf("bad tokens sent %v", reqs)
	}
}

func FuzzParsePhoneNumberPage(f *testing.F) {
	f.Add(readTestdata(f, "phone_numbers_page1.json"))
	f.Add(readTestdata(f, "phone_numbers_page2.json"))
	f.Add(readTestdata(f, "phone_numbers_page_nometa.json"))
	f.Fuzz(func(t *testing.T, body []byte) {
		list, meta, err := parsePhoneNumberPage(body)
		if err != nil && (list != nil || meta != (pageMeta{})) {
			t.Fatalf("list %v, meta %+v with an error", list, meta)
		}
	})
}
