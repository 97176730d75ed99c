package telnyx

import (
	"encoding/json"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"strings"
)

const (
	testPortOrder  = "7d1c9e0a-3b5f-4c2e-9a61-0f2b8d4e6c11"
	testPortOrder2 = "8e2daf1b-4c60-4d3f-8b72-1a3c9e5f7d22"
	testPortRef    = "port-ref-1"
)

// fakePort is the fake's porting: orders are made by POST
// /v2/porting_orders, found by their customer reference, completed by
// PATCH, confirmed, read from the sample named by status and canceled.
type fakePort struct {
	created      bool
	createFile   string // sample of the create reply (porting_orders_created.json)
	createStatus int    // 201; a 5xx answers after the orders were made: the reply was lost
	unfiltered   bool   // the listing ignores its filter (lists another reference's order)
	confirmed    map[string]bool
	status       map[string]string // order id -> sample GET answers
	comments     string
	documents    []string // "name content-type" of each upload
	patches      []map[string]any
	cancelStatus int
	canceled     []string
	checks       int
	patchStatus  int // 200; a 422 refuses the details
}

func (f *fakeTelnyx) servePort(w http.ResponseWriter, r *http.Request) {
	p := &f.port
	if p.confirmed == nil {
		p.confirmed, p.status = map[string]bool{}, map[string]string{}
	}
	order := strings.TrimPrefix(r.URL.Path, "/v2/porting_orders/")
	order, action, _ := strings.Cut(order, "/")
	switch {
	case r.Method == http.MethodPost && r.URL.Path == "/v2/portability_checks":
		var body struct {
			PhoneNumbers []string `json:"phone_numbers"`
		}
		if err := json.NewDecoder(r.Body).Decode(&body); err != nil || len(body.PhoneNumbers) == 0 {
			f.t.Errorf("portability check body: %v", err)
		}
		p.checks++
		f.reply(w, http.StatusCreated, "portability_check.json")
	case r.Method == http.MethodGet && r.URL.Path == "/v2/porting_orders":
		switch ref := r.URL.Query().Get("filter[customer_reference]"); {
		case p.unfiltered:
			f.reply(w, http.StatusOK, "porting_orders_unfiltered.json")
		case ref != testPortRef || !p.created:
			f.reply(w, http.StatusOK, "porting_orders_empty.json")
		case p.confirmed[testPortOrder]:
			f.reply(w, http.StatusOK, "porting_orders_submitted.json")
		default:
			f.reply(w, http.StatusOK, "porting_orders_draft.json")
		}
	case r.Method == http.MethodPost && r.URL.Path == "/v2/porting_orders":
		var body struct {
			PhoneNumbers      []string `json:"phone_numbers"`
			CustomerReference string   `json:"customer_reference"`
		}
		if err := json.NewDecoder(r.Body).Decode(&body); err != nil || len(body.PhoneNumbers) == 0 || body.CustomerReference == "" {
			f.t.Errorf("porting order body %+v: %v", body, err)
		}
		if strings.Contains(strings.Join(body.PhoneNumbers, ","), "+13125550199") {
			f.reply(w, http.StatusUnprocessableEntity, "error_422_porting.json")
			return
		}
		if p.created {
			f.t.Errorf("a second porting order for %s", body.CustomerReference)
		}
		p.created = true
		if p.createStatus >= 500 {
			w.WriteHeader(p.createStatus)
			return
		}
		f.reply(w, max(p.createStatus, http.StatusCreated), or(p.createFile, "porting_orders_created.json"))
	case r.Method == http.MethodPost && r.URL.Path == "/v2/documents":
		mt, params, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
		if mt != "multipart/form-data" {
			f.t.Errorf("document upload as %q", mt)
		}
		part, err := multipart.NewReader(r.Body, params["boundary"]).NextPart()
		if err != nil || part.FormName() != "file" {
			f.t.Errorf("document upload without a file part: %v", err)
			f.reply(w, http.StatusUnprocessableEntity, "error_422_porting.json")
			return
		}
		data, _ := io.ReadAll(part)
		if !strings.HasPrefix(string(data), "%PDF-") {
			f.t.Errorf("uploaded %q", data[:min(10, len(data))])
		}
		p.documents = append(p.documents, part.FileName()+" "+part.Header.Get("Content-Type"))
		f.reply(w, http.StatusCreated, "document_created.json")
	case r.Method == http.MethodPatch && action == "":
		var body map[string]any
		if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
			f.t.Errorf("porting order update: %v", err)
		}
		p.patches = append(p.patches, body)
		if p.patchStatus == http.StatusUnprocessableEntity {
			f.reply(w, p.patchStatus, "error_422_porting.json")
			return
		}
		f.reply(w, http.StatusOK, "porting_order_draft.json")
	case r.Method == http.MethodPost && action == "actions/confirm":
		if len(p.patches) == 0 {
			f.t.Errorf("order %s confirmed before its details were filled in", order)
		}
		p.confirmed[order] = true
		f.reply(w, http.StatusOK, "porting_order_submitted.json")
	case r.Method == http.MethodPost && action == "actions/cancel":
		switch p.cancelStatus {
		case http.StatusNotFound:
			f.reply(w, http.StatusNotFound, "error_404.json")
		case http.StatusUnprocessableEntity:
			f.reply(w, http.StatusUnprocessableEntity, "error_422_cancel.json")
		default:
			p.canceled = append(p.canceled, order)
			f.reply(w, http.StatusOK, "porting_order_cancel_pending.json")
		}
	case r.Method == http.MethodGet && action == "comments":
		f.reply(w, http.StatusOK, or(p.comments, "porting_comments_empty.json"))
	case r.Method == http.MethodGet && action == "":
		file := p.status[order]
		if file == "" {
			f.reply(w, http.StatusNotFound, "error_404.json")
			return
		}
		f.reply(w, http.StatusOK, file)
	default:
		f.t.Errorf("unexpected porting request %s %s", r.Method, r.URL)
		f.reply(w, http.StatusNotFound, "error_404.json")
	}
}

func or(s, def string) string {
	if s == "" {
		return def
	}
	return s
}
