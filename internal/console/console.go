// Package console is Numan's web console: server-rendered pages
// (html/template) and one small script, embedded in the binary and served
// by numan serve at /, beside the API at /v2.
//
// The console is a client of the API. Every page and action calls /v2 in
// process (apiclient.go) with the signed-in user's token, which stays on
// the server in an HttpOnly cookie: the console has no second path to the
// services, so it cannot skip a rule, a permission or the two-phase
// charges a REST client meets, and its errors are the API's, said in
// words.
//
// A screen is one template (templates/<name>.html, defining "content")
// and one handler, listed in the screens table (screens.go); the
// navigation is built from the same table.
package console

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"errors"
	"fmt"
	"html/template"
	"io"
	"io/fs"
	"log/slog"
	"net/http"
	"net/url"
	"path"
	"strings"
	"time"

	"github.com/numan-dev/numan/number"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

// Options configure a Console.
type Options struct {
	// API is Numan's REST API (api.Server). The console calls it in
	// process and also passes it every request that is not the console's.
	API http.Handler
	// Logger logs what the console itself does wrong (a template that
	// fails); requests are logged by the API.
	Logger *slog.Logger
	// Now is the clock; tests inject one.
	Now func() time.Time
	// SecureCookies marks the console's cookies Secure: set it when the
	// console is reached over HTTPS (directly or through a proxy).
	SecureCookies bool
}

// Console serves the web console and hands everything else to the API. It
// is an http.Handler.
type Console struct {
	api     *apiClient
	apiH    http.Handler
	log     *slog.Logger
	now     func() time.Time
	secure  bool
	mux     *http.ServeMux
	pages   map[string]*template.Template // by screen name
	static  map[string]staticFile         // by file name
	screens []*Screen
	xorigin *http.CrossOriginProtection
}

type staticFile struct {
	body        []byte
	sum         string // the first hex digits of its SHA-256: its URL's version
	contentType string
}

// New builds the console.
func New(o Options) (*Console, error) {
	if o.API == nil {
		return nil, errors.New("console: no API")
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	c := &Console{
		api: &apiClient{h: o.API}, apiH: o.API, log: o.Logger, now: o.Now, secure: o.SecureCookies,
		mux: http.NewServeMux(), pages: map[string]*template.Template{}, static: map[string]staticFile{},
		xorigin: http.NewCrossOriginProtection(),
	}
	if err := c.loadStatic(); err != nil {
		return nil, err
	}
	c.screens = screens()
	if err := c.parseTemplates(); err != nil {
		return nil, err
	}
	c.routes()
	return c, nil
}

// loadStatic reads the embedded assets and fingerprints them: their URLs
// carry a hash of their content, so they can be cached for good.
func (c *Console) loadStatic() error {
	return fs.WalkDir(staticFS, "static", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		body, err := staticFS.ReadFile(p)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(body)
		ct := map[string]string{
			".css": "text/css; charset=utf-8", ".js": "text/javascript; charset=utf-8",
			".svg": "image/svg+xml", ".png": "image/png",
		}[path.Ext(p)]
		if ct == "" {
			ct = "application/octet-stream"
		}
		c.static[path.Base(p)] = staticFile{body: body, sum: hex.EncodeToString(sum[:6]), contentType: ct}
		return nil
	})
}

// staticURL is the fingerprinted URL of an asset.
func (c *Console) staticURL(name string) (string, error) {
	f, ok := c.static[name]
	if !ok {
		return "", fmt.Errorf("console: no static file %q", name)
	}
	return "/static/" + f.sum + "/" + name, nil
}

// parseTemplates parses, for each screen, the layout, the shared
// partials and the screen's own template.
func (c *Console) parseTemplates() error {
	shared := []string{"templates/layout.html", "templates/partials.html"}
	names := map[string]bool{"login": true, "error": true, "quote": true}
	for _, s := range c.screens {
		if s.Name != "" {
			names[s.Name] = true
		}
	}
	for name := range names {
		t := template.New(name).Funcs(c.funcs())
		t, err := t.ParseFS(templateFS, append(shared, "templates/"+name+".html")...)
		if err != nil {
			return fmt.Errorf("console: template %s: %w", name, err)
		}
		c.pages[name] = t
	}
	return nil
}

// apiPrefixes are the paths that are the API's, not the console's.
var apiPrefixes = []string{"/v2/", "/v2", "/healthz", "/readyz", "/metrics"}

// routes registers the console's paths; every other path is the API's.
func (c *Console) routes() {
	c.mux.Handle("/", c.apiH)
	c.mux.HandleFunc("GET /{$}", c.home)
	c.mux.HandleFunc("GET /static/{sum}/{name}", c.serveStatic)
	c.mux.HandleFunc("GET /login", c.loginPage)
	c.mux.HandleFunc("POST /login", c.login)
	c.mux.HandleFunc("POST /logout", c.logout)
	for _, s := range c.screens {
		c.mux.Handle(s.Method+" "+s.Path, c.screenHandler(s))
	}
}

// ServeHTTP implements http.Handler.
func (c *Console) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	for _, p := range apiPrefixes {
		if r.URL.Path == p || (strings.HasSuffix(p, "/") && strings.HasPrefix(r.URL.Path, p)) {
			c.apiH.ServeHTTP(w, r)
			return
		}
	}
	c.mux.ServeHTTP(w, r)
}

// secureHeaders are on every console reply: no script or style but the
// console's own files (no inline code at all), no framing, no sniffing,
// no referrer leaving the site.
func secureHeaders(h http.Header) {
	h.Set("Content-Security-Policy", "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "+
		"connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
	h.Set("X-Frame-Options", "DENY")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "same-origin")
	h.Set("Cross-Origin-Opener-Policy", "same-origin")
	h.Set("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
}

func (c *Console) serveStatic(w http.ResponseWriter, r *http.Request) {
	f, ok := c.static[r.PathValue("name")]
	if !ok {
		http.NotFound(w, r)
		return
	}
	secureHeaders(w.Header())
	w.Header().Set("Content-Type", f.contentType)
	if r.PathValue("sum") == f.sum {
		w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
	} else {
		w.Header().Set("Cache-Control", "no-cache")
	}
	_, _ = w.Write(f.body)
}

// home sends a signed-in user to their account's numbers.
func (c *Console) home(w http.ResponseWriter, r *http.Request) {
	s, ok := c.session(w, r)
	if !ok {
		return
	}
	http.Redirect(w, r, "/a/"+s.AccountID+"/numbers", http.StatusSeeOther)
}

// page is one console request on its way through a screen: what the
// templates see.
type page struct {
	c  *Console
	w  http.ResponseWriter
	r  *http.Request
	sc *Screen

	// Session is the signed-in user; nil on the sign-in page.
	Session *session
	// Account is the account the page is about (the path's {account}).
	Account *account
	// Title is the page's title.
	Title string
	// Flash is the message of the previous action.
	Flash *flash
	// Data is the screen's own.
	Data any
	// Err is a failure to show above the screen.
	Err error

	status int
}

// account is what a page shows of the account it is about.
type account struct {
	ID       string   `json:"id"`
	Name     string   `json:"name"`
	Reseller bool     `json:"is_reseller"`
	Super    bool     `json:"superduper_admin"`
	Enabled  bool     `json:"enabled"`
	Parent   string   `json:"parent_id"`
	Tree     []string `json:"tree"`
	Realm    string   `json:"realm"`
	Adds     bool     `json:"wnm_allow_additions"`
}

// CSRF is the token every form of the page sends back.
func (p *page) CSRF() string {
	if p.Session == nil {
		return ""
	}
	return p.Session.CSRF
}

// Nav is the navigation: the screens the user may see, for the page's
// account.
func (p *page) Nav() []navItem {
	if p.Session == nil || p.Account == nil {
		return nil
	}
	var out []navItem
	for _, s := range p.c.screens {
		if s.Nav == "" || (s.For != nil && !s.For(p.Session)) {
			continue
		}
		href := strings.ReplaceAll(s.Path, "{account}", p.Account.ID)
		out = append(out, navItem{Label: s.Nav, Href: href, Current: p.sc == s})
	}
	return out
}

type navItem struct {
	Label, Href string
	Current     bool
}

// api calls the API as the signed-in user.
func (p *page) api(method, apiPath string, query url.Values, body any) (*apiReply, error) {
	tok := ""
	if p.Session != nil {
		tok = p.Session.Token
	}
	return p.c.api.do(p.r.Context(), p.r, call{method: method, path: apiPath, query: query, body: body, token: tok})
}

// get calls GET and decodes data into v; an API error is returned in
// words.
func (p *page) get(apiPath string, query url.Values, v any) (*apiReply, error) {
	rp, err := p.api(http.MethodGet, apiPath, query, nil)
	if err != nil {
		return nil, err
	}
	if err := rp.err(); err != nil {
		return rp, err
	}
	return rp, rp.decode(v)
}

// getOrNote is get for a page that shows an API refusal as a note rather
// than as the error page: the refusal comes back in words as note, and
// err is only a failure of the console itself.
func (p *page) getOrNote(apiPath string, query url.Values, v any) (note string, err error) {
	rp, err := p.api(http.MethodGet, apiPath, query, nil)
	if err != nil {
		return "", err
	}
	if !rp.ok() {
		return rp.err().Error(), nil
	}
	return "", rp.decode(v)
}

// said is a message for a person, shown as it is (an error whose text is
// sentences, with capitals and full stops).
type said string

func (s said) Error() string { return string(s) }

// acct is the API path of the page's account.
func (p *page) acct() string { return "/v2/accounts/" + p.Account.ID }

// redirect answers a form with a redirect (post, redirect, get), keeping
// msg for the next page.
func (p *page) redirect(to string, msg *flash) error {
	if msg != nil {
		p.c.setFlash(p.w, msg)
	}
	http.Redirect(p.w, p.r, to, http.StatusSeeOther)
	p.status = http.StatusSeeOther
	return nil
}

// field is a form field, trimmed.
func (p *page) field(k string) string { return strings.TrimSpace(p.r.PostFormValue(k)) }

// after answers a form's action once its API call is made: the call's
// failure, said in words, or done, shown on the page back.
func (p *page) after(rp *apiReply, err error, back, done string) error {
	if err != nil {
		return err
	}
	if err := rp.err(); err != nil {
		return p.redirect(back, &flash{Kind: "error", Text: err.Error()})
	}
	return p.redirect(back, &flash{Kind: "ok", Text: done})
}

// render renders the template name with the page.
func (p *page) render(name string) error {
	t := p.c.pages[name]
	if t == nil {
		return fmt.Errorf("console: no template %q", name)
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "layout", p); err != nil {
		return fmt.Errorf("console: render %s: %w", name, err)
	}
	h := p.w.Header()
	secureHeaders(h)
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	if p.status == 0 {
		p.status = http.StatusOK
	}
	p.w.WriteHeader(p.status)
	_, _ = p.w.Write(buf.Bytes())
	return nil
}

// errStop says the handler has answered already.
var errStop = errors.New("console: answered")

// screenHandler runs a screen: the session, the account, the CSRF check
// of a form, the handler, then the screen's template.
func (c *Console) screenHandler(s *Screen) http.Handler {
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sess, ok := c.session(w, r)
		if !ok {
			return
		}
		p := &page{c: c, w: w, r: r, sc: s, Session: sess, Title: s.Title}
		p.Flash = c.takeFlash(w, r)
		if r.Method != http.MethodGet && r.Method != http.MethodHead && !sess.checkCSRF(r) {
			p.status = http.StatusForbidden
			p.Err = said("This form has expired or did not come from this console. Reload the page and try again.")
			_ = p.render("error")
			return
		}
		if id := r.PathValue("account"); id != "" || strings.Contains(s.Path, "{account}") {
			if !number.IsAccountID(id) {
				p.status = http.StatusNotFound
				p.Err = said("There is no such account.")
				_ = p.render("error")
				return
			}
			var acc account
			if _, err := p.get("/v2/accounts/"+id, nil, &acc); err != nil {
				c.fail(p, err)
				return
			}
			p.Account = &acc
		}
		if s.For != nil && !s.For(sess) {
			p.status = http.StatusForbidden
			p.Err = said("This page is for resellers and administrators.")
			_ = p.render("error")
			return
		}
		err := s.Handle(p)
		switch {
		case errors.Is(err, errStop) || p.status == http.StatusSeeOther:
			return
		case err != nil:
			c.fail(p, err)
			return
		}
		if s.Name == "" {
			return
		}
		if err := p.render(s.Name); err != nil {
			c.log.Error("console render", "screen", s.Name, "err", err)
			http.Error(w, "the page could not be rendered", http.StatusInternalServerError)
		}
	})
	if s.Method == http.MethodGet {
		return h
	}
	// Browsers say where a form comes from (Sec-Fetch-Site, Origin): a
	// write from another site is refused before any token is looked at.
	return c.xorigin.Handler(h)
}

// fail shows err: a session that ended goes back to the sign-in page,
// anything else is said in words on the error page.
func (c *Console) fail(p *page, err error) {
	var ae *apiError
	if errors.As(err, &ae) {
		if ae.Code == http.StatusUnauthorized {
			c.clearSession(p.w)
			http.Redirect(p.w, p.r, "/login?expired=1&next="+url.QueryEscape(p.r.URL.RequestURI()), http.StatusSeeOther)
			return
		}
		p.status = ae.Code
		if p.status < 400 {
			p.status = http.StatusBadGateway
		}
	} else {
		c.log.Error("console", "path", p.r.URL.Path, "err", err)
		p.status = http.StatusInternalServerError
		err = said("Something went wrong on the server. The error was logged.")
	}
	p.Err = err
	if rerr := p.render("error"); rerr != nil {
		http.Error(p.w, err.Error(), p.status)
	}
}

// show renders the template name in place of the screen's own and stops
// the screen.
func (p *page) show(name string) error {
	if err := p.render(name); err != nil {
		return err
	}
	return errStop
}
