package console

import (
	"bytes"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
)

// upload posts a multipart form with one file, as a browser's file input
// does.
func (b *browser) upload(path string, fields url.Values, field, name, contentType string, body []byte) *httptest.ResponseRecorder {
	b.t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for k, vs := range fields {
		for _, v := range vs {
			_ = mw.WriteField(k, v)
		}
	}
	h := make(map[string][]string)
	h["Content-Disposition"] = []string{`form-data; name="` + field + `"; filename="` + name + `"`}
	h["Content-Type"] = []string{contentType}
	part, err := mw.CreatePart(h)
	if err != nil {
		b.t.Fatal(err)
	}
	_, _ = part.Write(body)
	_ = mw.Close()
	req := httptest.NewRequest(http.MethodPost, path, &buf)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	return b.serve(req)
}

// follow gets the page a form's redirect points to.
func (b *browser) follow(rec *httptest.ResponseRecorder) *httptest.ResponseRecorder {
	b.t.Helper()
	if rec.Code != http.StatusSeeOther {
		b.t.Fatalf("want a redirect, got %d\n%s", rec.Code, text(rec))
	}
	return b.send("GET", rec.Header().Get("Location"), nil)
}

// TestPortRequestScreens walks a port request through the console: created
// from the form as a draft, a document attached and downloaded, the LOA, a
// comment, submitted by the account, refused completion by the account
// (the port authority completes), moved to pending and completed by the
// master; its numbers end
// in service. A read-only user sees requests but changes none.
func TestPortRequestScreens(t *testing.T) {
	w := newWorld(t)
	b := w.browser()
	if rec := b.loginKey(w.acmeKey); rec.Code != http.StatusSeeOther {
		t.Fatalf("sign-in: %d %s", rec.Code, text(rec))
	}
	base := "/a/" + w.acme + "/ports"
	if rec := b.send("GET", base, nil); rec.Code != 200 || !strings.Contains(text(rec), "No port requests") {
		t.Fatalf("empty list: %d\n%s", rec.Code, text(rec))
	}
	if rec := b.send("POST", base, url.Values{"_csrf": {b.csrf()}, "name": {"Office"}, "numbers": {" "}}); !strings.Contains(text(b.follow(rec)), "Give the numbers") {
		t.Fatalf("no numbers: %s", text(b.last))
	}
	rec := b.send("POST", base, url.Values{"_csrf": {b.csrf()}, "name": {"Office lines"},
		"numbers": {"+14155550900,\n4155550901"}, "bill_name": {"Acme Inc"}, "bill_carrier": {"Old Telco"},
		"bill_pin": {"7391"}, "signee_name": {"Wile E."}, "transfer_date": {"2026-12-20"}})
	if rec.Code != http.StatusSeeOther || !strings.HasPrefix(rec.Header().Get("Location"), base+"/") {
		t.Fatalf("create: %d %s\n%s", rec.Code, rec.Header().Get("Location"), text(rec))
	}
	page := rec.Header().Get("Location")
	body := text(b.follow(rec))
	for _, want := range []string{"Office lines", "+14155550900", "+14155550901", "Draft", "Acme Inc", "Old Telco"} {
		if !strings.Contains(body, want) {
			t.Errorf("request page lacks %q", want)
		}
	}
	if strings.Contains(body, "7391") {
		t.Errorf("the account PIN is shown:\n%s", body)
	}
	if body := text(b.send("GET", base, nil)); !strings.Contains(body, "Office lines") || !strings.Contains(body, "Draft") {
		t.Errorf("list lacks the request:\n%s", body)
	}

	pdf := append([]byte("%PDF-1.4\n"), bytes.Repeat([]byte("bill "), 100)...)
	rec = b.upload(page, url.Values{"_csrf": {b.csrf()}, "action": {"upload"}}, "document", "bill.pdf", "application/pdf", pdf)
	if body := text(b.follow(rec)); !strings.Contains(body, "bill.pdf attached") || !strings.Contains(body, "application/pdf") {
		t.Fatalf("upload:\n%s", body)
	}
	rec = b.upload(page, url.Values{"_csrf": {b.csrf()}, "action": {"upload"}}, "document", "notes.txt", "text/plain", []byte("hello"))
	if body := text(b.follow(rec)); !strings.Contains(body, "flash-error") {
		t.Errorf("a text document was accepted:\n%s", body)
	}
	if rec := b.send("GET", page+"/files/bill.pdf", nil); rec.Code != 200 || !bytes.Equal(rec.Body.Bytes(), pdf) ||
		rec.Header().Get("Content-Type") != "application/pdf" || !strings.Contains(rec.Header().Get("Content-Disposition"), "bill.pdf") {
		t.Errorf("download: %d %q %q", rec.Code, rec.Header().Get("Content-Type"), rec.Header().Get("Content-Disposition"))
	}
	if rec := b.send("GET", page+"/files/nope.pdf", nil); rec.Code != http.StatusNotFound {
		t.Errorf("missing document: %d", rec.Code)
	}
	if rec := b.send("GET", page+"/loa", nil); rec.Code != 200 || !bytes.HasPrefix(rec.Body.Bytes(), []byte("%PDF")) {
		t.Errorf("LOA: %d %q", rec.Code, rec.Body.String()[:min(20, rec.Body.Len())])
	}

	rec = b.send("POST", page, url.Values{"_csrf": {b.csrf()}, "action": {"comment"}, "content": {"Please port before the 20th"}})
	if body := text(b.follow(rec)); !strings.Contains(body, "Please port before the 20th") {
		t.Fatalf("comment not in the timeline:\n%s", body)
	}
	rec = b.send("POST", page, url.Values{"_csrf": {b.csrf()}, "action": {"move"}, "to": {"submitted"}})
	if body := text(b.follow(rec)); !strings.Contains(body, "now Submitted") || !strings.Contains(body, `data-test="port-state">Submitted`) {
		t.Fatalf("submit:\n%s", body)
	}
	rec = b.send("POST", page, url.Values{"_csrf": {b.csrf()}, "action": {"move"}, "to": {"completed"}})
	if body := text(b.follow(rec)); !strings.Contains(body, "flash-error") || strings.Contains(body, `data-test="port-state">Completed`) {
		t.Fatalf("the account completed its own request:\n%s", body)
	}

	rita := w.browser()
	if rec := rita.loginUser("Acme", "rita", ritaPassword); rec.Code != http.StatusSeeOther {
		t.Fatalf("rita: %d", rec.Code)
	}
	if body := text(rita.send("GET", page, nil)); !strings.Contains(body, "Office lines") || strings.Contains(body, "port-move-") {
		t.Errorf("read-only user's view:\n%s", body)
	}
	if rec := rita.send("POST", page, url.Values{"_csrf": {rita.csrf()}, "action": {"move"}, "to": {"canceled"}}); rec.Code != http.StatusForbidden {
		t.Errorf("read-only user canceled: %d", rec.Code)
	}

	master := w.browser()
	if rec := master.loginKey(testMasterKey); rec.Code != http.StatusSeeOther {
		t.Fatalf("master sign-in: %d", rec.Code)
	}
	rec = master.send("POST", page, url.Values{"_csrf": {master.csrf()}, "action": {"move"}, "to": {"pending"}})
	if body := text(master.follow(rec)); !strings.Contains(body, `data-test="port-state">Pending`) {
		t.Fatalf("pending:\n%s", body)
	}
	rec = master.send("POST", page, url.Values{"_csrf": {master.csrf()}, "action": {"move"}, "to": {"completed"}})
	if body := text(master.follow(rec)); !strings.Contains(body, `data-test="port-state">Completed`) {
		t.Fatalf("complete:\n%s", body)
	}
	for _, n := range []string{"+14155550900", "+14155550901"} {
		got := w.must(200, "GET", "/v2/accounts/"+w.acme+"/phone_numbers/"+url.PathEscape(n), w.token, nil)
		if got["state"] != "in_service" {
			t.Errorf("%s after completion: %v", n, got)
		}
	}
	if body := text(master.send("GET", page, nil)); !strings.Contains(body, "Completed") || !strings.Contains(body, "Submitted") {
		t.Errorf("timeline lacks the moves:\n%s", body)
	}
}
