package bandwidth2

import (
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/numan-dev/numan/carrier"
	"github.com/numan-dev/numan/carrier/carriertest"
	"github.com/numan-dev/numan/carrier/internal/porttest"
	"github.com/numan-dev/numan/internal/ports"
)

func testSubmission() carrier.PortSubmission {
	return carrier.PortSubmission{
		Reference:     testPortRef,
		Numbers:       []string{"+13125550101"},
		RequestedDate: time.Date(2026, 2, 10, 15, 0, 0, 0, time.UTC),
		LosingCarrier: "Prairie Telephone",
		EntityName:    "Acme Widgets",
		AccountNumber: "ACCT-778",
		PIN:           "4321",
		BillingNumber: "+13125550100",
		AuthorizedBy:  "Jane Doe",
		Address:       carrier.PortAddress{HouseNumber: "600", Street: "Congress Ave", Locality: "Austin", Region: "TX", PostalCode: "78701"},
		Documents: []carrier.PortDocument{
			{Kind: carrier.DocumentLOA, Name: "loa.pdf", ContentType: "application/pdf", Data: []byte("%PDF-1.4 loa")},
			{Kind: carrier.DocumentInvoice, Name: "bill.png", ContentType: "image/png", Data: []byte("\x89PNG bill")},
		},
	}
}

func TestCheckPortability(t *testing.T) {
	f := newFakeBandwidth(t)
	c := newTestCarrier(t, testConfig(f.srv.URL))
	got, err := c.CheckPortability(t.Context(), []string{"+13125550101", "+19075550102", "+18085550103"})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]carrier.Portability{
		"+13125550101": {Portable: true, LosingCarrier: "Prairie Telephone"},
		"+19075550102": {Portable: false, Reason: "rate center not supported: NOME AK"},
		"+18085550103": {Portable: false, LosingCarrier: "Island Cellular", Reason: "losing carrier not supported: Island Cellular"},
	}
	for n, w := range want {
		if got[n] != w {
			t.Errorf("%s: %+v, want %+v", n, got[n], w)
		}
	}
	if !slices.Equal(f.port.checks, []string{"3125550101,9075550102,8085550103"}) {
		t.Errorf("checked %v", f.port.checks)
	}
}

// TestSubmitAndFollowToCompletion: a draft port-in, its documents, its
// submission; then followed through Bandwidth's states to COMPLETE.
func TestSubmitAndFollowToCompletion(t *testing.T) {
	f := newFakeBandwidth(t)
	c := newTestCarrier(t, testConfig(f.srv.URL))
	ref, err := c.SubmitPort(t.Context(), testSubmission())
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(ref.IDs, []string{testPortIn}) || !f.port.submitted {
		t.Fatalf("ref %v, submitted %v", ref, f.port.submitted)
	}
	o := f.port.orders[0]
	a := o.Subscriber.ServiceAddress
	if o.CustomerOrderID != testPortRef || o.BillingTelephoneNumber != "3125550100" || !slices.Equal(o.ListOfPhoneNumbers, []string{"3125550101"}) ||
		o.LoaAuthorizingPerson != "Jane Doe" || o.Subscriber.BusinessName != "Acme Widgets" || o.PinNumber != "4321" || o.AccountNumber != "ACCT-778" ||
		a.HouseNumber != "600" || a.StreetName != "Congress Ave" || a.StateCode != "TX" || a.Country != "US" ||
		o.PeerID != "500651" || o.RequestedFocDate != "2026-02-10T15:00:00.000Z" {
		t.Errorf("port-in: %+v", o)
	}
	if want := []string{"LOA application/pdf", "INVOICE image/png"}; !slices.Equal(f.port.documents, want) {
		t.Errorf("documents %v, want %v", f.port.documents, want)
	}
	for _, step := range []struct {
		file  string
		state carrier.PortState
		date  time.Time
	}{
		{"portin_submitted.xml", carrier.PortPending, time.Date(2026, 2, 10, 15, 0, 0, 0, time.UTC)},
		{"portin_foc.xml", carrier.PortScheduled, time.Date(2026, 2, 12, 16, 0, 0, 0, time.UTC)},
		{"portin_complete.xml", carrier.PortCompleted, time.Date(2026, 2, 12, 16, 0, 0, 0, time.UTC)},
	} {
		f.port.status = step.file
		st, err := c.PortStatus(t.Context(), ref)
		if err != nil {
			t.Fatalf("%s: %v", step.file, err)
		}
		if st.State != step.state || !st.Date.Equal(step.date) {
			t.Errorf("%s: %+v", step.file, st)
		}
	}
	f.port.notes = "portin_notes.xml"
	st, _ := c.PortStatus(t.Context(), ref)
	if len(st.Messages) != 2 || st.Messages[0].ID != "87011" || st.Messages[1].Author != "lnp-desk" ||
		st.Messages[1].Text != "FOC received from the losing carrier for February 12." || st.Status != "COMPLETE" {
		t.Errorf("notes: %+v", st.Messages)
	}
}

func TestPortRejectedWithTheCarriersReason(t *testing.T) {
	f := newFakeBandwidth(t)
	c := newTestCarrier(t, testConfig(f.srv.URL))
	ref := carrier.PortRef{IDs: []string{testPortIn}}
	f.port.status = "portin_exception.xml"
	st, err := c.PortStatus(t.Context(), ref)
	want := "The subscriber name does not match the losing carrier's customer service record (code 7204); Invalid account number (code 7206)"
	if err != nil || st.State != carrier.PortRejected || st.Reason != want || st.Status != "EXCEPTION" {
		t.Errorf("exception: %+v %v\nwant reason %q", st, err, want)
	}
	f.port.status = "portin_cancelled.xml"
	if st, _ := c.PortStatus(t.Context(), ref); st.State != carrier.PortCanceled {
		t.Errorf("cancelled: %+v", st)
	}
	// A submission Bandwidth refuses to move out of draft is refused.
	f.port.submitReply = "portin_invalid.xml"
	_, err = c.SubmitPort(t.Context(), testSubmission())
	carriertest.CheckFailure(t, err, carrier.Rejected, true)
	if !strings.Contains(err.Error(), "already on another port-in order") {
		t.Errorf("err = %v", err)
	}
}

func TestInterruptedSubmissionResumes(t *testing.T) {
	f := newFakeBandwidth(t)
	f.port.createStatus = http.StatusBadGateway
	c := newTestCarrier(t, testConfig(f.srv.URL))
	_, err := c.SubmitPort(t.Context(), testSubmission())
	carriertest.CheckFailure(t, err, carrier.Transient, false)
	ref, err := c.SubmitPort(t.Context(), testSubmission())
	if err != nil || !slices.Equal(ref.IDs, []string{testPortIn}) || !f.port.submitted || len(f.port.orders) != 1 {
		t.Fatalf("resumed: %v %v, %d orders", ref, err, len(f.port.orders))
	}
	docs := len(f.port.documents)
	if _, err := c.SubmitPort(t.Context(), testSubmission()); err != nil || len(f.port.documents) != docs {
		t.Errorf("again: %v, %d uploads", err, len(f.port.documents))
	}
}

func TestSubmitIgnoresOrdersOfOtherReferences(t *testing.T) {
	f := newFakeBandwidth(t)
	f.port.unfiltered = true
	c := newTestCarrier(t, testConfig(f.srv.URL))
	if ref, err := c.SubmitPort(t.Context(), testSubmission()); err != nil || !slices.Equal(ref.IDs, []string{testPortIn}) {
		t.Errorf("ref %v, %v", ref, err)
	}
}

func TestSubmitRefused(t *testing.T) {
	f := newFakeBandwidth(t)
	c := newTestCarrier(t, testConfig(f.srv.URL))
	s := testSubmission()
	s.RequestedDate = time.Date(2026, 2, 14, 15, 0, 0, 0, time.UTC)
	_, err := c.SubmitPort(t.Context(), s)
	carriertest.CheckFailure(t, err, carrier.Rejected, true)
	if !strings.Contains(err.Error(), "weekend or holiday") {
		t.Errorf("err = %v", err)
	}
}

func TestCancelPort(t *testing.T) {
	f := newFakeBandwidth(t)
	c := newTestCarrier(t, testConfig(f.srv.URL))
	ref := carrier.PortRef{IDs: []string{testPortIn}}
	if err := c.CancelPort(t.Context(), ref); err != nil || f.port.canceled != 1 {
		t.Fatalf("cancel: %v", err)
	}
	f.port.cancelStatus = http.StatusNotFound
	if err := c.CancelPort(t.Context(), ref); err != nil {
		t.Errorf("cancel of a port-in Bandwidth no longer has: %v", err)
	}
	f.port.cancelStatus = http.StatusBadRequest
	err := c.CancelPort(t.Context(), ref)
	carriertest.CheckFailure(t, err, carrier.Rejected, true)
	if !strings.Contains(err.Error(), "within 48 hours") {
		t.Errorf("err = %v", err)
	}
}

func TestPortReplyGarbage(t *testing.T) {
	for _, body := range []string{string(readTestdata(t, "portin_no_id.xml")), `<LnpOrderResponse><OrderId>x</OrderId><ProcessingStatus>SUBM`, `{"json": true}`, `<OrderResponse/>`} {
		if o, err := parseLNPOrder([]byte(body)); err == nil || carrier.IsDefiniteRefusal(err) || o.OrderID != "" {
			t.Errorf("%.40s: %+v, %v", body, o, err)
		}
	}
}

// TestPortEndToEnd: a port request submitted through the ports service
// goes to Bandwidth and is followed to completion, or to a rejection with
// Bandwidth's reason, by the background pass.
func TestPortEndToEnd(t *testing.T) {
	settings := func(url string) map[string]any {
		return map[string]any{"api_url": url + "/api", "account_id": testAccount, "api_username": testUser, "api_password": testPassword,
			"site_id": "2297", "sip_peer": "500651"}
	}
	bill := map[string]string{"name": "Acme Widgets", "btn": "3125550100", "account_number": "ACCT-778", "street_number": "600",
		"street_address": "Congress", "street_type": "Ave", "locality": "Austin", "region": "TX", "postal_code": "78701"}
	t.Run("completed", func(t *testing.T) {
		f := newFakeBandwidth(t)
		f.port.notes = "portin_notes.xml"
		set := func(file string) func() { return func() { f.mu.Lock(); f.port.status = file; f.mu.Unlock() } }
		porttest.Run(t, porttest.Plant{Carrier: Name, Settings: settings(f.srv.URL), Numbers: []string{"+13125550101"}, Bill: bill,
			Steps: []porttest.Step{
				{Set: set("portin_submitted.xml"), Want: ports.Pending},
				{Set: set("portin_foc.xml"), Want: ports.Scheduled},
				{Set: set("portin_complete.xml"), Want: ports.Completed},
			}})
		if len(f.port.checks) != 1 || !slices.Equal(f.port.documents, []string{"LOA application/pdf"}) {
			t.Errorf("checks %v, documents %v", f.port.checks, f.port.documents)
		}
	})
	t.Run("rejected", func(t *testing.T) {
		f := newFakeBandwidth(t)
		porttest.Run(t, porttest.Plant{Carrier: Name, Settings: settings(f.srv.URL), Numbers: []string{"+13125550101"}, Bill: bill,
			Steps: []porttest.Step{
				{Set: func() { f.mu.Lock(); f.port.status = "portin_exception.xml"; f.mu.Unlock() }, Want: ports.Rejected,
					Comment: "Invalid account number (code 7206)"},
			}})
	})
}
