package console

import (
	"crypto/md5"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// The console's cookies. All are HttpOnly and SameSite=Strict: no script
// reads them and no other site's page sends them.
const (
	sessionCookie = "numan_session" // the API auth token of the signed-in user
	loginCookie   = "numan_login"   // the sign-in form's CSRF value (double submit)
	flashCookie   = "numan_flash"   // the message of the last action, shown once
)

// session is the signed-in user, as the API's token_info describes the
// token in the session cookie.
type session struct {
	Token string `json:"-"`
	CSRF  string `json:"-"`

	AccountID   string `json:"account_id"`
	AccountName string `json:"account_name"`
	Reseller    bool   `json:"is_reseller"`
	ResellerID  string `json:"reseller_id"`
	Super       bool   `json:"superduper_admin"`
	ExpiresAt   string `json:"expires_at"`
	// OwnerID is the user who signed in; "" for a sign-in by API key,
	// which acts as the account itself.
	OwnerID  string `json:"owner_id"`
	Username string `json:"username"`
	// PrivLevel is the user's: "admin" or "user" (read-only).
	PrivLevel string `json:"priv_level"`
}

// Manager reports whether the user manages other accounts (a reseller or
// the master): the account tree, plans.
func (s *session) Manager() bool { return s.Reseller || s.Super }

// Admin reports whether the user is the master's (superduper admin).
func (s *session) Admin() bool { return s.Super }

// ReadOnly reports whether the user may only look: a user who is not an
// admin of the account.
func (s *session) ReadOnly() bool { return s.OwnerID != "" && s.PrivLevel != "admin" }

// Who is how the header names the signed-in user.
func (s *session) Who() string {
	if s.Username != "" {
		if s.ReadOnly() {
			return s.Username + " (reads only)"
		}
		return s.Username
	}
	return s.AccountName + " (API key)"
}

// csrfFor derives the session's CSRF token from its auth token: whoever
// can read a page of the session has it, no other site can compute it (the
// auth token is in an HttpOnly cookie), and every node derives the same
// one without storing anything.
func csrfFor(token string) string {
	sum := sha256.Sum256([]byte("numan console csrf v1\x00" + token))
	return base64.RawURLEncoding.EncodeToString(sum[:24])
}

// checkCSRF reports whether a state-changing request carries the
// session's CSRF token, in the form (_csrf) or a header (X-CSRF-Token).
func (s *session) checkCSRF(r *http.Request) bool {
	got := r.Header.Get("X-CSRF-Token")
	if got == "" {
		got = r.PostFormValue("_csrf")
	}
	return got != "" && subtle.ConstantTimeCompare([]byte(got), []byte(s.CSRF)) == 1
}

// session returns the signed-in user, or sends the browser to the sign-in
// page and reports false.
func (c *Console) session(w http.ResponseWriter, r *http.Request) (*session, bool) {
	ck, err := r.Cookie(sessionCookie)
	if err != nil || ck.Value == "" {
		c.toLogin(w, r, false)
		return nil, false
	}
	rp, err := c.api.do(r.Context(), r, call{method: http.MethodGet, path: "/v2/token_info", token: ck.Value})
	if err != nil || rp.Code == http.StatusUnauthorized {
		c.clearSession(w)
		c.toLogin(w, r, true)
		return nil, false
	}
	s := &session{Token: ck.Value, CSRF: csrfFor(ck.Value)}
	if err := rp.err(); err != nil {
		c.clearSession(w)
		c.toLogin(w, r, true)
		return nil, false
	}
	if err := rp.decode(s); err != nil {
		c.toLogin(w, r, true)
		return nil, false
	}
	return s, true
}

func (c *Console) toLogin(w http.ResponseWriter, r *http.Request, expired bool) {
	q := url.Values{}
	if r.Method == http.MethodGet && r.URL.Path != "/" {
		q.Set("next", r.URL.RequestURI())
	}
	if expired {
		q.Set("expired", "1")
	}
	to := "/login"
	if len(q) > 0 {
		to += "?" + q.Encode()
	}
	http.Redirect(w, r, to, http.StatusSeeOther)
}

func (c *Console) cookie(name, value string, maxAge int) *http.Cookie {
	return &http.Cookie{Name: name, Value: value, Path: "/", MaxAge: maxAge, HttpOnly: true,
		Secure: c.secure, SameSite: http.SameSiteStrictMode}
}

func (c *Console) clearSession(w http.ResponseWriter) {
	http.SetCookie(w, c.cookie(sessionCookie, "", -1))
}

// loginForm is what the sign-in page shows.
type loginForm struct {
	Account, Username string
	Mode              string // "user" or "key"
	Next              string
	Token             string // the form's CSRF value, also in loginCookie
	Expired, Bye      bool
}

// loginPage is GET /login.
func (c *Console) loginPage(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	c.showLogin(w, r, &loginForm{Mode: "user", Next: safeNext(q.Get("next")), Expired: q.Get("expired") != "", Bye: q.Get("bye") != ""}, nil, http.StatusOK)
}

func (c *Console) showLogin(w http.ResponseWriter, r *http.Request, f *loginForm, fail error, status int) {
	var b [18]byte
	_, _ = rand.Read(b[:])
	f.Token = base64.RawURLEncoding.EncodeToString(b[:])
	http.SetCookie(w, c.cookie(loginCookie, f.Token, 3600))
	p := &page{c: c, w: w, r: r, Title: "Sign in", Data: f, Err: fail, status: status}
	if err := p.render("login"); err != nil {
		c.log.Error("console render", "screen", "login", "err", err)
		http.Error(w, "the page could not be rendered", http.StatusInternalServerError)
	}
}

// credentials is what Kazoo clients send user_auth: the MD5 of
// "username:password", the username in lower case as Kazoo keeps it.
func credentials(username, password string) string {
	sum := md5.Sum([]byte(strings.ToLower(strings.TrimSpace(username)) + ":" + password))
	return hex.EncodeToString(sum[:])
}

// login is POST /login: a user's name and password with their account's
// name (PUT /v2/user_auth, as Monster UI signs in), or an account's API
// key (PUT /v2/api_auth). The token the API gives becomes the session.
func (c *Console) login(w http.ResponseWriter, r *http.Request) {
	if err := c.xorigin.Check(r); err != nil {
		http.Error(w, "cross-origin sign-in refused", http.StatusForbidden)
		return
	}
	f := &loginForm{
		Mode: r.PostFormValue("mode"), Account: strings.TrimSpace(r.PostFormValue("account")),
		Username: strings.TrimSpace(r.PostFormValue("username")), Next: safeNext(r.PostFormValue("next")),
	}
	ck, err := r.Cookie(loginCookie)
	form := r.PostFormValue("_login")
	if err != nil || form == "" || subtle.ConstantTimeCompare([]byte(ck.Value), []byte(form)) != 1 {
		c.showLogin(w, r, f, said("The sign-in form expired. Try again."), http.StatusForbidden)
		return
	}
	var cl call
	switch f.Mode {
	case "key":
		key := strings.TrimSpace(r.PostFormValue("api_key"))
		if key == "" {
			c.showLogin(w, r, f, said("Enter the account's API key."), http.StatusBadRequest)
			return
		}
		cl = call{method: http.MethodPut, path: "/v2/api_auth", body: map[string]any{"data": map[string]any{"api_key": key}}}
	default:
		f.Mode = "user"
		pw := r.PostFormValue("password")
		if f.Account == "" || f.Username == "" || pw == "" {
			c.showLogin(w, r, f, said("Enter the account name, your username and your password."), http.StatusBadRequest)
			return
		}
		cl = call{method: http.MethodPut, path: "/v2/user_auth", body: map[string]any{"data": map[string]any{
			"credentials": credentials(f.Username, pw), "method": "md5", "account_name": f.Account,
		}}}
	}
	rp, err := c.api.do(r.Context(), r, cl)
	if err != nil {
		c.log.Error("console sign-in", "err", err)
		c.showLogin(w, r, f, said("Signing in failed on the server."), http.StatusInternalServerError)
		return
	}
	if rp.Code == http.StatusUnauthorized || rp.Code == http.StatusNotFound {
		c.showLogin(w, r, f, said("These credentials are not right."), http.StatusUnauthorized)
		return
	}
	if err := rp.err(); err != nil {
		c.showLogin(w, r, f, err, rp.Code)
		return
	}
	var info struct {
		ExpiresAt string `json:"expires_at"`
	}
	_ = rp.decode(&info)
	maxAge := 3600
	if t, err := time.Parse(time.RFC3339, info.ExpiresAt); err == nil {
		maxAge = max(int(t.Sub(c.now()).Seconds()), 1)
	}
	http.SetCookie(w, c.cookie(sessionCookie, rp.AuthToken, maxAge))
	http.SetCookie(w, c.cookie(loginCookie, "", -1))
	to := f.Next
	if to == "" {
		to = "/"
	}
	http.Redirect(w, r, to, http.StatusSeeOther)
}

// logout is POST /logout: the session cookie goes.
func (c *Console) logout(w http.ResponseWriter, r *http.Request) {
	if err := c.xorigin.Check(r); err != nil {
		http.Error(w, "cross-origin request refused", http.StatusForbidden)
		return
	}
	if ck, err := r.Cookie(sessionCookie); err == nil {
		s := &session{CSRF: csrfFor(ck.Value)}
		if !s.checkCSRF(r) {
			http.Error(w, "this form did not come from this console", http.StatusForbidden)
			return
		}
	}
	c.clearSession(w)
	http.Redirect(w, r, "/login?bye=1", http.StatusSeeOther)
}

// safeNext keeps a post-sign-in destination only when it is a path of
// this site (never "//host" or a scheme).
func safeNext(next string) string {
	if !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") || strings.HasPrefix(next, "/\\") || strings.ContainsAny(next, "\r\n") {
		return ""
	}
	return next
}

// flash is the message an action leaves for the next page.
type flash struct {
	Kind    string   `json:"k"` // ok, error, info
	Text    string   `json:"t"`
	Details []string `json:"d,omitempty"`
}

func (c *Console) setFlash(w http.ResponseWriter, f *flash) {
	if len(f.Details) > 20 {
		f.Details = append(f.Details[:20], "…")
	}
	raw, _ := json.Marshal(f)
	http.SetCookie(w, c.cookie(flashCookie, base64.RawURLEncoding.EncodeToString(raw), 60))
}

func (c *Console) takeFlash(w http.ResponseWriter, r *http.Request) *flash {
	ck, err := r.Cookie(flashCookie)
	if err != nil {
		return nil
	}
	http.SetCookie(w, c.cookie(flashCookie, "", -1))
	raw, err := base64.RawURLEncoding.DecodeString(ck.Value)
	if err != nil {
		return nil
	}
	var f flash
	if json.Unmarshal(raw, &f) != nil || f.Text == "" {
		return nil
	}
	return &f
}
