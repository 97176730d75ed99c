package vitelity

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/numan-dev/numan/carrier"
	"github.com/numan-dev/numan/carrier/carriertest"
)

func TestListNumbers(t *testing.T) {
	f, srv := startFake(t)
	c := newTestCarrier(t, srv.URL, nil)
	page, err := c.ListNumbers(t.Context(), "")
	if err != nil {
		t.Fatal(err)
	}
	if page.Next != "" {
		t.Errorf("Next = %q: listdids has one page", page.Next)
	}
	// 555-0199 is no NANP number; the second 4155550142 is the same DID.
	want := []carrier.Held{
		{Number: "+14155550142", Route: "numan-trunk", WantRoute: testRouteSIP},
		{Number: "+14155550177", Route: "numan-trunk", WantRoute: testRouteSIP},
		{Number: "+18005550190", Route: "old-pbx", WantRoute: testRouteSIP},
	}
	if len(page.Numbers) != len(want) {
		t.Fatalf("listed %+v", page.Numbers)
	}
	for i, h := range page.Numbers {
		w := want[i]
		if h.Number != w.Number || h.Route != w.Route || h.WantRoute != w.WantRoute || h.Inactive || len(h.CarrierData) != 0 {
			t.Errorf("held[%d] = %+v, want %+v", i, h, w)
		}
	}
	if q := f.lastCall(); q.Get("cmd") != cmdListDIDs || q.Get("extra") != "yes" {
		t.Errorf("call %v", q)
	}
}

// Without sub-accounts in the reply nothing is said of routes.
func TestListNumbersWithoutDetails(t *testing.T) {
	f, srv := startFake(t)
	f.replies[cmdListDIDs] = "listdids_plain.xml"
	c := newTestCarrier(t, srv.URL, nil)
	page, err := c.ListNumbers(t.Context(), "")
	if err != nil || len(page.Numbers) != 2 {
		t.Fatalf("ListNumbers = %+v, %v", page, err)
	}
	for _, h := range page.Numbers {
		if h.Route != "" || h.WantRoute != "" {
			t.Errorf("held %+v", h)
		}
	}
	f.replies[cmdListDIDs] = "listdids_empty.xml"
	if page, err = c.ListNumbers(t.Context(), ""); err != nil || len(page.Numbers) != 0 {
		t.Fatalf("empty account: %+v, %v", page, err)
	}
}

func TestListNumbersFailures(t *testing.T) {
	tests := []struct {
		name     string
		file     string
		pass     string
		class    carrier.Class
		definite bool
	}{
		{name: "wrong password", pass: "wrong", class: carrier.Auth, definite: true},
		{name: "reply without numbers", file: "listdids_nonumbers.xml", class: carrier.Transient},
		{name: "a response instead of numbers", file: "list_response.xml", class: carrier.Rejected, definite: true},
		{name: "cut off", file: "truncated.xml", class: carrier.Transient},
		{name: "wrong root", file: "wrong_root.xml", class: carrier.Transient},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, srv := startFake(t)
			if tt.file != "" {
				f.replies[cmdListDIDs] = tt.file
			}
			extra := map[string]any{}
			if tt.pass != "" {
				extra["pass"] = tt.pass
			}
			c := newTestCarrier(t, srv.URL, extra)
			page, err := c.ListNumbers(t.Context(), "")
			if err == nil {
				t.Fatalf("listed %+v", page)
			}
			if page.Numbers != nil || page.Next != "" {
				t.Errorf("a page %+v with the error", page)
			}
			carriertest.CheckFailure(t, err, tt.class, tt.definite)
			if strings.Contains(err.Error(), "s3cret") || strings.Contains(err.Error(), "wrong") && tt.pass != "" {
				t.Errorf("the password in %v", err)
			}
		})
	}
}

func TestListNumbersHasOnePage(t *testing.T) {
	count := 0
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { count++ }))
	t.Cleanup(srv.Close)
	c := newTestCarrier(t, srv.URL, nil)
	if _, err := c.ListNumbers(t.Context(), "2"); err == nil || !carrier.IsDefiniteRefusal(err) || count != 0 {
		t.Fatalf("token 2: err = %v after %d requests", err, count)
	}
}
