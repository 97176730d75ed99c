package console

import (
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// fakeDASH answers DASH's emergency provisioning verbs with the samples in
// testdata/: an address on "Nowhere" is refused with a suggestion.
func fakeDASH(t *testing.T) *httptest.Server {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		file := ""
		switch strings.TrimPrefix(r.URL.Path, "/") {
		case "validatelocation":
			file = "dash_validate_ok.xml"
			if strings.Contains(strings.ToUpper(string(body)), "NOWHERE") {
				file = "dash_validate_suggests.xml"
			}
		case "addlocation":
			file = "dash_add_ok.xml"
		default:
			http.Error(w, "unknown verb", http.StatusNotFound)
			return
		}
		raw, err := os.ReadFile(filepath.Join("testdata", file))
		if err != nil {
			t.Error(err)
		}
		w.Header().Set("Content-Type", "text/xml")
		_, _ = w.Write(raw)
	}))
	t.Cleanup(srv.Close)
	return srv
}

// The E911 dialog: an address the provider refuses shows the page again
// with the dialog open, the refusal in words and the provider's
// suggestion to pick; the suggested address is then provisioned.
func TestE911Dialog(t *testing.T) {
	w := newWorld(t)
	dash := fakeDASH(t)
	w.must(200, "PUT", "/v2/system_configs/number_manager.dash_e911", w.token, map[string]any{"data": map[string]any{
		"auth_username": "numan", "auth_password": "dash-secret", "emergency_provisioning_url": dash.URL}})
	w.offer("+14155550101")
	b := w.browser()
	b.loginUser("Acme", "alice", alicePassword)
	b.send("GET", "/a/"+w.acme+"/buy?prefix=415", nil)
	rec := b.send("POST", "/a/"+w.acme+"/buy", url.Values{"_csrf": {b.csrf()}, "n": {"+14155550101"}})
	hash := between(text(rec), `name="quote" value="`, `"`)
	if rec := b.send("POST", "/a/"+w.acme+"/buy", url.Values{"_csrf": {b.csrf()}, "n": {"+14155550101"}, "accept_charges": {"1"}, "quote": {hash}}); rec.Code != http.StatusSeeOther {
		t.Fatalf("buy: %d\n%s", rec.Code, text(rec))
	}
	page := "/a/" + w.acme + "/numbers/+14155550101"
	form := url.Values{"_csrf": {b.csrf()}, "street_address": {"1 Nowhere Rd"}, "locality": {"Oakland"}, "region": {"ca"},
		"postal_code": {"94607"}, "caller_name": {"Acme Console"}, "emails": {"noc@example.com"}}
	rec = b.send("POST", page+"/features/e911", form)
	body := text(rec)
	if rec.Code != http.StatusOK || !strings.Contains(body, "data-open-now") || !strings.Contains(body, "1 NORWOOD RD") ||
		!strings.Contains(body, "Street name not found") {
		t.Fatalf("refused address: %d\n%s", rec.Code, body)
	}
	if !strings.Contains(body, `value="1 Nowhere Rd"`) {
		t.Errorf("the refused address is not kept in the form")
	}
	form.Set("street_address", "1 Norwood Rd")
	rec = b.send("POST", page+"/features/e911", form)
	if rec.Code != http.StatusSeeOther {
		t.Fatalf("suggested address: %d\n%s", rec.Code, text(rec))
	}
	rec = b.send("GET", rec.Header().Get("Location"), nil)
	if body := text(rec); !strings.Contains(body, "E911 address saved") || !strings.Contains(body, `class="badge feature">E911`) {
		t.Fatalf("after saving:\n%s", body)
	}
}
