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

func TestUserSignIn(t *testing.T) {
	w := newWorld(t)
	b := w.browser()
	rec := b.loginUser("acme", "Alice", alicePassword) // account names and usernames as people type them
	if rec.Code != http.StatusSeeOther || rec.Header().Get("Location") != "/" {
		t.Fatalf("sign-in: %d %s\n%s", rec.Code, rec.Header().Get("Location"), text(rec))
	}
	rec = b.send("GET", "/a/"+w.acme+"/numbers", nil)
	if rec.Code != 200 || !strings.Contains(text(rec), "alice") {
		t.Fatalf("numbers after sign-in: %d\n%s", rec.Code, text(rec))
	}
	// Wrong credentials are said in words, without saying which part was wrong.
	other := w.browser()
	rec = other.loginUser("Acme", "alice", "not the password")
	if rec.Code != http.StatusUnauthorized || !strings.Contains(text(rec), "These credentials are not right") {
		t.Fatalf("wrong password: %d\n%s", rec.Code, text(rec))
	}
	// A sign-in form without its CSRF value is refused.
	rec = other.send("POST", "/login", url.Values{"mode": {"user"}, "account": {"Acme"}, "username": {"alice"}, "password": {alicePassword}, "_login": {"forged"}})
	if rec.Code != http.StatusForbidden {
		t.Fatalf("forged sign-in form: %d", rec.Code)
	}
	// Too many failures: the API's throttling, said in words.
	for range 10 {
		other.loginUser("Acme", "alice", "guess")
	}
	rec = other.loginUser("Acme", "alice", alicePassword)
	if rec.Code != http.StatusTooManyRequests || !strings.Contains(text(rec), "Too many attempts") {
		t.Fatalf("after 10 failures: %d\n%s", rec.Code, text(rec))
	}
	// Sign-out needs the session's CSRF token, then ends the session.
	if rec := b.send("POST", "/logout", url.Values{"_csrf": {"forged"}}); rec.Code != http.StatusForbidden {
		t.Fatalf("forged sign-out: %d", rec.Code)
	}
	if rec := b.send("POST", "/logout", url.Values{"_csrf": {b.csrf()}}); rec.Code != http.StatusSeeOther || b.jar[sessionCookie] != nil {
		t.Fatalf("sign-out: %d, cookie %v", rec.Code, b.jar[sessionCookie])
	}
	if rec := b.send("GET", "/a/"+w.acme+"/numbers", nil); rec.Code != http.StatusSeeOther {
		t.Fatalf("after sign-out: %d", rec.Code)
	}
}

// A user who only reads sees no buying, importing or bulk actions, and a
// form sent anyway is refused by the API.
func TestReadOnlyUserConsole(t *testing.T) {
	w := newWorld(t)
	w.offer("+14155550101")
	b := w.browser()
	if rec := b.loginUser("Acme", "rita", ritaPassword); rec.Code != http.StatusSeeOther {
		t.Fatalf("sign-in: %d\n%s", rec.Code, text(rec))
	}
	rec := b.send("GET", "/a/"+w.acme+"/numbers", nil)
	body := text(rec)
	if rec.Code != 200 || strings.Contains(body, "Buy numbers") || strings.Contains(body, `data-test="bulk"`) || strings.Contains(body, ">Import<") {
		t.Fatalf("a read-only user's list offers writes: %d\n%s", rec.Code, body)
	}
	if rec := b.send("GET", "/a/"+w.acme+"/buy?prefix=415", nil); rec.Code != 200 || strings.Contains(text(rec), `data-test="buy"`) {
		t.Fatalf("a read-only user's search offers to buy: %d", rec.Code)
	}
	rec = b.send("POST", "/a/"+w.acme+"/numbers/%2B14155550101", url.Values{"_csrf": {b.csrf()}, "action": {"release"}})
	if rec.Code != http.StatusSeeOther {
		t.Fatalf("release by a read-only user: %d", rec.Code)
	}
	rec = b.send("GET", rec.Header().Get("Location"), nil)
	if !strings.Contains(text(rec), "You are not allowed to do this") {
		t.Fatalf("the refusal is not said in words:\n%s", text(rec))
	}
}

// A session whose token the API no longer accepts goes back to sign-in.
func TestSessionEnded(t *testing.T) {
	w := newWorld(t)
	b := w.browser()
	b.loginUser("Acme", "alice", alicePassword)
	b.jar[sessionCookie].Value = "garbage"
	rec := b.send("GET", "/a/"+w.acme+"/numbers", nil)
	if rec.Code != http.StatusSeeOther || !strings.Contains(rec.Header().Get("Location"), "expired=1") {
		t.Fatalf("an ended session: %d %s", rec.Code, rec.Header().Get("Location"))
	}
}

func TestSafeNext(t *testing.T) {
	for in, want := range map[string]string{
		"/a/x/numbers": "/a/x/numbers", "//evil.example/": "", "https://evil.example": "", "/\\evil": "", "": "", "/ok?x=1": "/ok?x=1",
	} {
		if got := safeNext(in); got != want {
			t.Errorf("safeNext(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestExportAndImport(t *testing.T) {
	w := newWorld(t)
	b := w.browser()
	b.loginUser("Acme", "alice", alicePassword)
	post := func(body string) *httptest.ResponseRecorder {
		req := httptest.NewRequest("POST", "/a/"+w.acme+"/import", strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("X-CSRF-Token", b.csrf())
		req.Header.Set("Sec-Fetch-Site", "same-origin")
		for _, c := range b.jar {
			req.AddCookie(c)
		}
		rec := httptest.NewRecorder()
		w.con.ServeHTTP(rec, req)
		return rec
	}
	// Creating US numbers costs money under Acme's plan: not accepted, the
	// chunk is refused with the reason, and nothing is created.
	rec := post(`{"numbers":["+16285550001","+16285550002"],"state":"in_service"}`)
	if rec.Code != http.StatusPaymentRequired || !strings.Contains(rec.Body.String(), `"quote":true`) {
		t.Fatalf("unaccepted chunk: %d %s", rec.Code, rec.Body.String())
	}
	rec = post(`{"numbers":["+16285550001","+16285550002","not a number"],"state":"in_service","accept_charges":true}`)
	if rec.Code != 200 || !strings.Contains(rec.Body.String(), `"created":2`) || !strings.Contains(rec.Body.String(), `"not a number"`) {
		t.Fatalf("accepted chunk: %d %s", rec.Code, rec.Body.String())
	}
	if rec := post(`{"numbers":[]}`); rec.Code != http.StatusBadRequest {
		t.Fatalf("an empty chunk: %d", rec.Code)
	}
	rec = b.send("GET", "/a/"+w.acme+"/numbers.csv?state=in_service", nil)
	if rec.Code != 200 || !strings.HasPrefix(rec.Header().Get("Content-Type"), "text/csv") ||
		!strings.Contains(rec.Body.String(), "+16285550001,in_service") || rec.Header().Get("Content-Disposition") == "" {
		t.Fatalf("export: %d %v\n%s", rec.Code, rec.Header(), rec.Body.String())
	}
	// The list filters on the server.
	rec = b.send("GET", "/a/"+w.acme+"/numbers?prefix=%2B1628555000&state=in_service", nil)
	if !strings.Contains(text(rec), "+16285550002") {
		t.Fatalf("filtered list:\n%s", text(rec))
	}
	rec = b.send("GET", "/a/"+w.acme+"/numbers?feature=e911", nil)
	if strings.Contains(text(rec), "+16285550002") {
		t.Fatalf("numbers without E911 listed under the E911 filter")
	}
}
