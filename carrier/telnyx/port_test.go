package telnyx

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
		Address:       carrier.PortAddress{HouseNumber: "600", Street: "Congress Ave", Extended: "Suite 14", Locality: "Austin", Region: "TX", PostalCode: "78701"},
		Documents: []carrier.PortDocument{
			{Kind: carrier.DocumentInvoice, Name: "bill.pdf", ContentType: "application/pdf", Data: []byte("%PDF-1.4 bill")},
			{Kind: carrier.DocumentLOA, Name: "loa.pdf", ContentType: "application/pdf", Data: []byte("%PDF-1.4 loa")},
			{Kind: carrier.DocumentOther, Name: "photo.png", ContentType: "image/png", Data: []byte("\x89PNG")},
		},
	}
}

func TestCheckPortability(t *testing.T) {
	f := newFakeTelnyx(t)
	c := newTestCarrier(t, testConfig(f.srv.URL))
	got, err := c.CheckPortability(t.Context(), []string{"+13125550101", "+13125550102"})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]carrier.Portability{
		"+13125550101": {Portable: true, LosingCarrier: "Prairie Telephone"},
		"+13125550102": {Portable: false, Reason: "no coverage"},
	}
	if len(got) != len(want) || got["+13125550101"] != want["+13125550101"] || got["+13125550102"] != want["+13125550102"] {
		t.Errorf("portability = %+v", got)
	}
}

// TestSubmitAndFollowToCompletion: a submission makes one draft, uploads
// the LOA and the bill, fills the draft in and confirms it; the port is
// then followed through Telnyx's states to ported.
func TestSubmitAndFollowToCompletion(t *testing.T) {
	f := newFakeTelnyx(t)
	c := newTestCarrier(t, testConfig(f.srv.URL))
	ref, err := c.SubmitPort(t.Context(), testSubmission())
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(ref.IDs, []string{testPortOrder}) {
		t.Fatalf("ref = %v", ref)
	}
	if !f.port.confirmed[testPortOrder] || len(f.port.patches) != 1 {
		t.Fatalf("confirmed %v after %d updates", f.port.confirmed, len(f.port.patches))
	}
	if want := []string{"bill.pdf application/pdf", "loa.pdf application/pdf"}; !slices.Equal(f.port.documents, want) {
		t.Errorf("documents uploaded: %v, want %v", f.port.documents, want)
	}
	p := f.port.patches[0]
	admin := p["end_user"].(map[string]any)["admin"].(map[string]any)
	loc := p["end_user"].(map[string]any)["location"].(map[string]any)
	docs := p["documents"].(map[string]any)
	if admin["entity_name"] != "Acme Widgets" || admin["auth_person_name"] != "Jane Doe" || admin["pin_passcode"] != "4321" ||
		admin["billing_phone_number"] != "+13125550100" || admin["account_number"] != "ACCT-778" ||
		loc["street_address"] != "600 Congress Ave" || loc["country_code"] != "US" || loc["administrative_area"] != "TX" ||
		docs["loa"] == nil || docs["invoice"] == nil || p["customer_reference"] != testPortRef ||
		p["activation_settings"].(map[string]any)["foc_datetime_requested"] != "2026-02-10T15:00:00Z" ||
		p["phone_number_configuration"].(map[string]any)["connection_id"] != "1494404757140276705" {
		t.Errorf("order details: %v", p)
	}

	f.port.comments = "porting_comments.json"
	for _, step := range []struct {
		file  string
		state carrier.PortState
		date  time.Time
	}{
		{"porting_order_submitted.json", carrier.PortPending, time.Time{}},
		{"porting_order_in_process.json", carrier.PortPending, time.Time{}},
		{"porting_order_status_string.json", carrier.PortPending, time.Time{}},
		{"porting_order_foc.json", carrier.PortScheduled, time.Date(2026, 2, 12, 16, 0, 0, 0, time.UTC)},
		{"porting_order_ported.json", carrier.PortCompleted, time.Date(2026, 2, 12, 16, 0, 0, 0, time.UTC)},
	} {
		f.port.status[testPortOrder] = step.file
		st, err := c.PortStatus(t.Context(), ref)
		if err != nil {
			t.Fatalf("%s: %v", step.file, err)
		}
		if st.State != step.state || !st.Date.Equal(step.date) {
			t.Errorf("%s: %+v, want %s %v", step.file, st, step.state, step.date)
		}
	}
	st, _ := c.PortStatus(t.Context(), ref)
	if len(st.Messages) != 2 || st.Messages[0].Text != "LOA received, submitted to the losing carrier." || st.Messages[0].Author != "system" ||
		st.Messages[1].ID != "c2b1f6d0-8a4e-4f5b-9d3c-1e7a2b9c4d55" || st.Status != "ported" {
		t.Errorf("messages: %+v", st)
	}
}

func TestPortRejectedWithTheCarriersReason(t *testing.T) {
	f := newFakeTelnyx(t)
	c := newTestCarrier(t, testConfig(f.srv.URL))
	f.port.status[testPortOrder] = "porting_order_exception.json"
	st, err := c.PortStatus(t.Context(), carrier.PortRef{IDs: []string{testPortOrder}})
	if err != nil {
		t.Fatal(err)
	}
	want := "The account number does not match the losing carrier's records (ACCOUNT_NUMBER_MISMATCH); PIN_MISMATCH"
	if st.State != carrier.PortRejected || st.Reason != want || st.Status != "exception" {
		t.Errorf("status = %+v\nwant reason %q", st, want)
	}
	f.port.status[testPortOrder] = "porting_order_cancelled.json"
	if st, _ := c.PortStatus(t.Context(), carrier.PortRef{IDs: []string{testPortOrder}}); st.State != carrier.PortCanceled {
		t.Errorf("cancelled: %+v", st)
	}
}

// A split port is one port: scheduled only when every order has a date.
func TestSplitPort(t *testing.T) {
	f := newFakeTelnyx(t)
	f.port.createFile = "porting_orders_created_split.json"
	c := newTestCarrier(t, testConfig(f.srv.URL))
	ref, err := c.SubmitPort(t.Context(), testSubmission())
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(ref.IDs, []string{testPortOrder, testPortOrder2}) || len(f.port.patches) != 2 || len(f.port.documents) != 2 {
		t.Fatalf("split: %v, %d updates, %d documents (uploaded once for both)", ref, len(f.port.patches), len(f.port.documents))
	}
	f.port.status[testPortOrder] = "porting_order_foc.json"
	f.port.status[testPortOrder2] = "porting_order2_in_process.json"
	st, err := c.PortStatus(t.Context(), ref)
	if err != nil || st.State != carrier.PortPending || st.Status != "foc-date-confirmed, in-process" {
		t.Errorf("half scheduled: %+v %v", st, err)
	}
}

// A submission whose reply was lost is found again by its reference and
// finished: one order, never two.
func TestInterruptedSubmissionResumes(t *testing.T) {
	f := newFakeTelnyx(t)
	f.port.createStatus = http.StatusBadGateway
	c := newTestCarrier(t, testConfig(f.srv.URL))
	_, err := c.SubmitPort(t.Context(), testSubmission())
	carriertest.CheckFailure(t, err, carrier.Transient, false)
	ref, err := c.SubmitPort(t.Context(), testSubmission())
	if err != nil || !slices.Equal(ref.IDs, []string{testPortOrder}) || !f.port.confirmed[testPortOrder] {
		t.Fatalf("resumed: %v %v", ref, err)
	}
	// Once confirmed, submitting again changes nothing.
	patches := len(f.port.patches)
	if ref, err := c.SubmitPort(t.Context(), testSubmission()); err != nil || len(ref.IDs) != 1 || len(f.port.patches) != patches {
		t.Errorf("again: %v %v, %d updates", ref, err, len(f.port.patches))
	}
}

// A listing that ignores its filter never makes Numan adopt another
// port's order.
func TestSubmitIgnoresOrdersOfOtherReferences(t *testing.T) {
	f := newFakeTelnyx(t)
	f.port.unfiltered = true
	c := newTestCarrier(t, testConfig(f.srv.URL))
	ref, err := c.SubmitPort(t.Context(), testSubmission())
	if err != nil || !slices.Equal(ref.IDs, []string{testPortOrder}) {
		t.Errorf("ref %v, %v", ref, err)
	}
}

func TestSubmitRefused(t *testing.T) {
	f := newFakeTelnyx(t)
	c := newTestCarrier(t, testConfig(f.srv.URL))
	s := testSubmission()
	s.Numbers = []string{"+13125550199"}
	_, err := c.SubmitPort(t.Context(), s)
	carriertest.CheckFailure(t, err, carrier.Taken, true) // Telnyx's words say the number is taken
	if !strings.Contains(err.Error(), "already on an active porting order") {
		t.Errorf("err = %v", err)
	}
	// Details refused once the draft exists: definite too (nothing was
	// submitted), and the draft is found again next time.
	f.port.patchStatus = http.StatusUnprocessableEntity
	_, err = c.SubmitPort(t.Context(), testSubmission())
	carriertest.CheckFailure(t, err, carrier.Taken, true)
	if f.port.confirmed[testPortOrder] {
		t.Error("confirmed a draft whose details were refused")
	}
}

func TestCancelPort(t *testing.T) {
	f := newFakeTelnyx(t)
	c := newTestCarrier(t, testConfig(f.srv.URL))
	ref := carrier.PortRef{IDs: []string{testPortOrder, testPortOrder2}}
	if err := c.CancelPort(t.Context(), ref); err != nil || !slices.Equal(f.port.canceled, ref.IDs) {
		t.Fatalf("cancel: %v %v", err, f.port.canceled)
	}
	f.port.cancelStatus = http.StatusNotFound
	if err := c.CancelPort(t.Context(), ref); err != nil {
		t.Errorf("cancel of orders Telnyx no longer has: %v", err)
	}
	f.port.cancelStatus = http.StatusUnprocessableEntity
	err := c.CancelPort(t.Context(), ref)
	carriertest.CheckFailure(t, err, carrier.Rejected, true)
	if !strings.Contains(err.Error(), "within 48 hours") {
		t.Errorf("err = %v", err)
	}
}

func TestPortReplyGarbage(t *testing.T) {
	for _, body := range []string{`{"data":{"id":"","status":{"value":"draft"}}}`, `{"data":null}`, `{"data":{"id":"x","status":{"value":"por`, `<html>`} {
		if o, err := parsePortingOrder([]byte(body)); err == nil || carrier.IsDefiniteRefusal(err) || o.ID != "" {
			t.Errorf("%s: %+v, %v", body, o, err)
		}
	}
	if _, err := parsePortingOrders(readTestdata(t, "porting_orders_created.json")); err != nil {
		t.Error(err)
	}
}

// TestPortEndToEnd: a port request submitted through the ports service
// goes to Telnyx and is followed to completion, or to a rejection with
// Telnyx's reason, by the background pass.
func TestPortEndToEnd(t *testing.T) {
	settings := func(url string) map[string]any {
		return map[string]any{"api_key": testKey, "api_url": url}
	}
	bill := map[string]string{"name": "Acme Widgets", "btn": "3125550100", "account_number": "ACCT-778", "street_number": "600",
		"street_address": "Congress", "street_type": "Ave", "locality": "Austin", "region": "TX", "postal_code": "78701"}
	t.Run("completed", func(t *testing.T) {
		f := newFakeTelnyx(t)
		f.port.comments = "porting_comments.json"
		set := func(file string) func() { return func() { f.port.status[testPortOrder] = file } }
		porttest.Run(t, porttest.Plant{Carrier: Name, Settings: settings(f.srv.URL), Numbers: []string{"+13125550101"}, Bill: bill,
			Steps: []porttest.Step{
				{Set: set("porting_order_in_process.json"), Want: ports.Pending},
				{Set: set("porting_order_foc.json"), Want: ports.Scheduled},
				{Set: set("porting_order_ported.json"), Want: ports.Completed},
			}})
		if len(f.port.documents) != 1 || !strings.HasPrefix(f.port.documents[0], "loa.pdf") {
			t.Errorf("documents: %v (the generated LOA)", f.port.documents)
		}
	})
	t.Run("rejected", func(t *testing.T) {
		f := newFakeTelnyx(t)
		porttest.Run(t, porttest.Plant{Carrier: Name, Settings: settings(f.srv.URL), Numbers: []string{"+13125550101"}, Bill: bill,
			Steps: []porttest.Step{
				{Set: func() { f.port.status[testPortOrder] = "porting_order_submitted.json" }, Want: ports.Pending},
				{Set: func() { f.port.status[testPortOrder] = "porting_order_exception.json" }, Want: ports.Rejected,
					Comment: "The account number does not match the losing carrier's records"},
			}})
	})
}
