package voipinnovations

import (
	"net/http"
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
		t.Errorf("Next = %q: auditDIDs has one page", page.Next)
	}
	// 303555019 is no NANP number; the second 3035550110 is the same DID.
	want := []carrier.Held{
		{Number: "+13035550110", Route: testEPG},
		{Number: "+13035550177", Route: testEPG},
		{Number: "+13035550190", Route: "5120"},
	}
	if len(page.Numbers) != len(want) {
		t.Fatalf("listed %+v", page.Numbers)
	}
	for i, h := range page.Numbers {
		w := want[i]
		if h.Number != w.Number || h.Route != w.Route || h.WantRoute != testEPG || h.Inactive || len(h.CarrierData) != 0 || !strings.HasPrefix(h.Status, "Number currently assigned") {
			t.Errorf("held[%d] = %+v, want %+v", i, h, w)
		}
	}
	if c, ok := f.lastCall(); !ok || c.action != "auditDIDs" {
		t.Errorf("call %+v", c)
	}
	f.replies["auditDIDs"] = "auditdids_empty.xml"
	if page, err = c.ListNumbers(t.Context(), ""); err != nil || len(page.Numbers) != 0 {
		t.Fatalf("empty account: %+v, %v", page, err)
	}
}

func TestListNumbersFailures(t *testing.T) {
	tests := []struct {
		name     string
		file     string
		status   int
		password string
		class    carrier.Class
		definite bool
	}{
		{name: "wrong secret", password: "wrong", class: carrier.Auth, definite: true},
		{name: "SOAP fault with 500", file: "fault.xml", status: http.StatusInternalServerError, class: carrier.Transient},
		{name: "another action's reply", file: "querydid_assigned.xml", class: carrier.Transient},
		{name: "not SOAP", file: "not_soap.xml", class: carrier.Transient},
		{name: "cut off", file: "truncated.xml", class: carrier.Transient},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, srv := startFake(t)
			if tt.file != "" {
				f.replies["auditDIDs"] = tt.file
			}
			if tt.status != 0 {
				f.status = tt.status
			}
			extra := map[string]any{}
			if tt.password != "" {
				extra["password"] = tt.password
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
			if strings.Contains(err.Error(), testPassword) {
				t.Errorf("the password in %v", err)
			}
		})
	}
}

func TestListNumbersHasOnePage(t *testing.T) {
	f, srv := startFake(t)
	c := newTestCarrier(t, srv.URL, nil)
	if _, err := c.ListNumbers(t.Context(), "2"); err == nil || !carrier.IsDefiniteRefusal(err) {
		t.Fatalf("token 2: err = %v", err)
	}
	if _, ok := f.lastCall(); ok {
		t.Error("a request was sent")
	}
}

func FuzzParseAuditDIDs(f *testing.F) {
	f.Add(readTestdata(f, "auditdids.xml"))
	f.Add(readTestdata(f, "auditdids_bad_login.xml"))
	f.Fuzz(func(t *testing.T, body []byte) {
		dids, err := parseAuditDIDs(body)
		if err != nil && dids != nil {
			t.Fatalf("%v with an error", dids)
		}
	})
}
