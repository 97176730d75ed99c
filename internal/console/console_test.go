package console

import (
	"html"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
)

func TestLoginRequired(t *testing.T) {
	w := newWorld(t)
	b := w.browser()
	rec := b.send("GET", "/a/"+w.acme+"/numbers", nil)
	if rec.Code != http.StatusSeeOther || !strings.HasPrefix(rec.Header().Get("Location"), "/login?next=") {
		t.Fatalf("unauthenticated page: %d %s", rec.Code, rec.Header().Get("Location"))
	}
	// The API is still the API.
	if rec := w.do("GET", "/v2/accounts/"+w.acme, "", nil); rec.Code != http.StatusUnauthorized || !strings.Contains(rec.Header().Get("Content-Type"), "json") {
		t.Fatalf("API without a token: %d %s", rec.Code, rec.Header().Get("Content-Type"))
	}
}

func TestSecureHeaders(t *testing.T) {
	w := newWorld(t)
	b := w.browser()
	rec := b.send("GET", "/login", nil)
	h := rec.Header()
	for k, want := range map[string]string{
		"X-Frame-Options": "DENY", "X-Content-Type-Options": "nosniff", "Referrer-Policy": "same-origin",
	} {
		if got := h.Get(k); got != want {
			t.Errorf("%s = %q, want %q", k, got, want)
		}
	}
	csp := h.Get("Content-Security-Policy")
	for _, want := range []string{"script-src 'self'", "frame-ancestors 'none'", "style-src 'self'"} {
		if !strings.Contains(csp, want) {
			t.Errorf("CSP %q lacks %q", csp, want)
		}
	}
	if strings.Contains(csp, "unsafe-inline") || strings.Contains(csp, "unsafe-eval") {
		t.Errorf("CSP allows inline code: %q", csp)
	}
	body := text(rec)
	if strings.Contains(body, "<script>") || strings.Contains(body, " style=") || strings.Contains(body, " onclick=") {
		t.Errorf("inline code in the page:\n%s", body)
	}
	rec = b.loginKey(w.acmeKey)
	ck := rec.Result().Cookies()
	var found bool
	for _, c := range ck {
		if c.Name == sessionCookie {
			found = true
			if !c.HttpOnly || c.SameSite != http.SameSiteStrictMode {
				t.Errorf("session cookie %+v: want HttpOnly and SameSite=Strict", c)
			}
		}
	}
	if !found {
		t.Fatalf("no session cookie after sign-in: %d %s", rec.Code, text(rec))
	}
}

func TestBuyThroughQuote(t *testing.T) {
	w := newWorld(t)
	w.offer("+14155550101", "+14155550102")
	b := w.browser()
	if rec := b.loginKey(w.acmeKey); rec.Code != http.StatusSeeOther {
		t.Fatalf("sign-in: %d %s", rec.Code, text(rec))
	}
	rec := b.send("GET", "/a/"+w.acme+"/buy?prefix=415&quantity=5", nil)
	if rec.Code != 200 || !strings.Contains(text(rec), "+14155550101") || !strings.Contains(text(rec), "San Francisco") {
		t.Fatalf("search: %d\n%s", rec.Code, text(rec))
	}
	form := url.Values{"_csrf": {b.csrf()}, "n": {"+14155550101"}}
	rec = b.send("POST", "/a/"+w.acme+"/buy", form)
	if rec.Code != 200 || !strings.Contains(text(rec), "Accept the charges") {
		t.Fatalf("buy without accepting: %d\n%s", rec.Code, text(rec))
	}
	if got := w.fake.Acquired(); len(got) != 0 {
		t.Fatalf("bought before the charges were accepted: %v", got)
	}
	hash := between(text(rec), `name="quote" value="`, `"`)
	form.Set("accept_charges", "1")
	form.Set("quote", hash)
	rec = b.send("POST", "/a/"+w.acme+"/buy", form)
	if rec.Code != http.StatusSeeOther {
		t.Fatalf("buy accepted: %d\n%s", rec.Code, text(rec))
	}
	if got := w.fake.Acquired(); len(got) != 1 {
		t.Fatalf("acquired %v", got)
	}
	rec = b.send("GET", rec.Header().Get("Location"), nil)
	if !strings.Contains(text(rec), "1 number bought") && !strings.Contains(text(rec), "bought") {
		t.Errorf("no message after buying:\n%s", text(rec))
	}
	if !strings.Contains(text(rec), "+14155550101") {
		t.Errorf("the bought number is not in the list:\n%s", text(rec))
	}
	// A stale quote is shown again, not paid.
	form = url.Values{"_csrf": {b.csrf()}, "n": {"+14155550102"}, "accept_charges": {"1"}, "quote": {"stale"}}
	rec = b.send("POST", "/a/"+w.acme+"/buy", form)
	if rec.Code != 200 || !strings.Contains(text(rec), "The charges changed") {
		t.Fatalf("stale quote: %d\n%s", rec.Code, text(rec))
	}
}

func TestFormsNeedCSRF(t *testing.T) {
	w := newWorld(t)
	w.offer("+14155550101")
	b := w.browser()
	b.loginKey(w.acmeKey)
	rec := b.send("POST", "/a/"+w.acme+"/buy", url.Values{"n": {"+14155550101"}, "_csrf": {"forged"}})
	if rec.Code != http.StatusForbidden {
		t.Fatalf("forged CSRF token: %d", rec.Code)
	}
	req := url.Values{"n": {"+14155550101"}, "_csrf": {b.csrf()}}
	// A form posted from another site is refused whatever it carries.
	rec = b.sendFrom("https://evil.example", "POST", "/a/"+w.acme+"/buy", req)
	if rec.Code != http.StatusForbidden {
		t.Fatalf("cross-site form: %d", rec.Code)
	}
}

func between(s, a, b string) string {
	i := strings.Index(s, a)
	if i < 0 {
		return ""
	}
	s = s[i+len(a):]
	j := strings.Index(s, b)
	if j < 0 {
		return ""
	}
	return s[:j]
}

// text is a reply's body with HTML's character references resolved
// (html/template writes "+" as "&#43;").
func text(rec *httptest.ResponseRecorder) string { return html.UnescapeString(rec.Body.String()) }
