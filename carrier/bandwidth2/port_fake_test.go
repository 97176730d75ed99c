package bandwidth2

import (
	"io"
	"net/http"
	"strings"
)

const (
	testPortIn  = "f1c9e2d4-3a5b-4c6d-8e7f-0a1b2c3d4e5f"
	testPortRef = "port-ref-1"
)

// fakePort is the fake's LNP: one port-in, made as a draft by POST
// portins, found by its CustomerOrderId, given documents, submitted by
// PUT, read from the sample named by status, and canceled by DELETE.
type fakePort struct {
	created      bool
	createStatus int // 201; a 5xx answers after the port-in was made: the reply was lost
	submitted    bool
	unfiltered   bool   // the listing ignores its filter
	status       string // sample GET portins/{id} answers
	notes        string // sample of the notes; "" = 204 without a body
	orders       []lnpOrder
	documents    []string // "type content-type" of each upload
	submitReply  string   // sample answering the PUT (portin_submitted.xml)
	cancelStatus int
	canceled     int
	checks       []string
}

func (f *fakeBandwidth) servePort(w http.ResponseWriter, r *http.Request, rest string) {
	p := &f.port
	switch {
	case r.Method == http.MethodPost && rest == "lnpchecker":
		if r.URL.Query().Get("fullCheck") != "true" {
			f.t.Errorf("LNP check without fullCheck=true: %s", r.URL.RawQuery)
		}
		var req struct {
			TNs []string `xml:"TnList>Tn"`
		}
		if !f.decodeBody(w, r, &req) {
			return
		}
		for _, tn := range req.TNs {
			if len(tn) != 10 {
				f.reply(w, http.StatusBadRequest, "lnpchecker_error_400.xml")
				return
			}
		}
		p.checks = append(p.checks, strings.Join(req.TNs, ","))
		f.reply(w, http.StatusOK, "lnpchecker.xml")
	case r.Method == http.MethodGet && rest == "portins":
		ref := r.URL.Query().Get("customerOrderId")
		switch {
		case p.unfiltered:
			f.reply(w, http.StatusOK, "portin_list_other.xml")
		case ref != testPortRef || !p.created: // the samples list port-ref-1
			w.WriteHeader(http.StatusNoContent)
		case p.submitted:
			f.reply(w, http.StatusOK, "portin_list_submitted.xml")
		default:
			f.reply(w, http.StatusOK, "portin_list_draft.xml")
		}
	case r.Method == http.MethodPost && rest == "portins":
		var o lnpOrder
		if !f.decodeBody(w, r, &o) {
			return
		}
		if o.ProcessingStatus != lnpDraft || o.CustomerOrderID == "" || len(o.ListOfPhoneNumbers) == 0 || o.SiteID != "2297" ||
			o.Subscriber.SubscriberType == "" || o.Subscriber.ServiceAddress.Zip == "" {
			f.t.Errorf("port-in order %+v", o)
		}
		for _, n := range o.ListOfPhoneNumbers {
			if len(n) != 10 {
				f.t.Errorf("TN %q is not ten digits", n)
			}
		}
		if o.RequestedFocDate == "2026-02-14T15:00:00.000Z" { // a Saturday
			f.reply(w, http.StatusBadRequest, "portin_error_400.xml")
			return
		}
		if p.created {
			f.t.Errorf("a second port-in for %s", o.CustomerOrderID)
		}
		p.created = true
		p.orders = append(p.orders, o)
		if p.createStatus >= 500 {
			w.WriteHeader(p.createStatus)
			return
		}
		f.reply(w, http.StatusCreated, "portin_draft.xml")
	case r.Method == http.MethodPost && rest == "portins/"+testPortIn+"/loas":
		data, _ := io.ReadAll(r.Body)
		if len(data) == 0 || r.Header.Get("Content-Type") == "" {
			f.t.Errorf("document upload: %d bytes as %q", len(data), r.Header.Get("Content-Type"))
		}
		p.documents = append(p.documents, r.URL.Query().Get("documentType")+" "+r.Header.Get("Content-Type"))
		f.reply(w, http.StatusOK, "loa_uploaded.xml")
	case r.Method == http.MethodPut && rest == "portins/"+testPortIn:
		var supp struct {
			ProcessingStatus string `xml:"ProcessingStatus"`
		}
		if !f.decodeBody(w, r, &supp) {
			return
		}
		if supp.ProcessingStatus != lnpSubmitted {
			f.t.Errorf("port-in update to %q", supp.ProcessingStatus)
		}
		if len(p.documents) == 0 {
			f.t.Error("port-in submitted before its LOA was uploaded")
		}
		p.submitted = true
		f.reply(w, http.StatusOK, or(p.submitReply, "portin_submitted.xml"))
	case r.Method == http.MethodGet && rest == "portins/"+testPortIn:
		f.reply(w, http.StatusOK, or(p.status, "portin_submitted.xml"))
	case r.Method == http.MethodGet && rest == "portins/"+testPortIn+"/notes":
		if p.notes == "" {
			w.WriteHeader(http.StatusNoContent)
			return
		}
		f.reply(w, http.StatusOK, p.notes)
	case r.Method == http.MethodDelete && rest == "portins/"+testPortIn:
		switch p.cancelStatus {
		case http.StatusBadRequest:
			f.reply(w, http.StatusBadRequest, "portin_cancel_error_400.xml")
		case http.StatusNotFound:
			f.reply(w, http.StatusNotFound, "")
		default:
			p.canceled++
			w.WriteHeader(http.StatusOK)
		}
	default:
		f.t.Errorf("unexpected LNP request %s %s", r.Method, r.URL)
		f.reply(w, http.StatusNotFound, "")
	}
}

func or(s, def string) string {
	if s == "" {
		return def
	}
	return s
}
