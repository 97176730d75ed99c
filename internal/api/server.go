// Package api serves Numan's Kazoo-compatible v2 REST API: the envelope,
// authentication by API key and auth token, accounts, system configuration
// and every phone_numbers endpoint of Kazoo's crossbar. Handlers translate
// requests and errors; the rules live in the services they call
// (internal/manager, internal/accounts, internal/billing, internal/config).
// The package reaches the store only through those services.
package api

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"io"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/numan-dev/numan/event"
	"github.com/numan-dev/numan/internal/accounts"
	"github.com/numan-dev/numan/internal/billing"
	"github.com/numan-dev/numan/internal/config"
	"github.com/numan-dev/numan/internal/manager"
	"github.com/numan-dev/numan/internal/ports"
	"github.com/numan-dev/numan/internal/requests"
	"github.com/numan-dev/numan/internal/users"
	"github.com/numan-dev/numan/internal/webhooks"
	"github.com/numan-dev/numan/number"
)

// Options configure a Server.
type Options struct {
	// Manager runs the number use cases; its account service
	// (Manager.Accounts, with Keys) is the one the API authenticates with,
	// so the node has one account cache.
	Manager *manager.Manager
	Config  *config.Source
	Auth    *Auth
	Logger  *slog.Logger
	// Now is the clock; tests inject one to expire tokens without sleeping.
	Now func() time.Time
	// Version is reported in the envelope's "version".
	Version string
	// Node names this server in the envelope's "node".
	Node string
	// HTTPClient reaches the locality and phonebook services.
	HTTPClient *http.Client
	// Billing serves service plans, transactions and credit (billing.go);
	// nil leaves those endpoints unanswered (404).
	Billing *billing.Service
	// MaxBodyBytes is the largest request body accepted (413 above it);
	// 0 means DefaultMaxBodyBytes. Documents attached to port requests
	// have the ports service's limit instead.
	MaxBodyBytes int64
	// Users serves user_auth and the users of accounts; nil leaves those
	// endpoints unanswered (404).
	Users *users.Service
	// Ports serves port requests; nil builds one over Manager.
	Ports *ports.Service
	// Requests keeps idempotency keys and rate limits; nil builds one over
	// Manager's store, with the rate limits of number_manager and keys
	// kept 24 hours.
	Requests *requests.Service
	// Webhooks serves the accounts' webhooks; nil leaves those endpoints
	// unanswered (404).
	Webhooks *webhooks.Service
}

// Server is the HTTP API. It is an http.Handler.
type Server struct {
	mgr     *manager.Manager
	cfg     *config.Source
	auth    *Auth
	log     *slog.Logger
	now     func() time.Time
	version string
	node    string
	http    *http.Client
	router  *router
	metrics *metrics
	// accounts authenticates callers and keeps the account rules; its cache
	// is the manager's.
	accounts *accounts.Service
	billing  *billing.Service
	users    *users.Service
	ports    *ports.Service
	requests *requests.Service
	webhooks *webhooks.Service
	maxBody  int64
}

// New builds the Server.
func New(o Options) *Server {
	if o.Logger == nil {
		o.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.HTTPClient == nil {
		o.HTTPClient = &http.Client{Timeout: 10 * time.Second}
	}
	if o.Version == "" {
		o.Version = "dev"
	}
	if o.MaxBodyBytes <= 0 {
		o.MaxBodyBytes = DefaultMaxBodyBytes
	}
	if o.Ports == nil {
		po := ports.Options{Logger: o.Logger, Now: o.Now}
		if o.Config != nil {
			po.Keys = o.Config.Keyring()
		}
		o.Ports = ports.New(o.Manager, po)
	}
	if o.Requests == nil {
		o.Requests = requests.New(o.Manager.Store(), requests.Options{Limits: o.Manager.RateLimits, Now: o.Now})
	}
	s := &Server{
		requests: o.Requests,
		mgr:      o.Manager, accounts: o.Manager.Accounts(), cfg: o.Config, auth: o.Auth, log: o.Logger, now: o.Now,
		version: o.Version, node: o.Node, http: o.HTTPClient,
		billing: o.Billing, users: o.Users, ports: o.Ports, webhooks: o.Webhooks, maxBody: o.MaxBodyBytes,
	}
	s.router = newRouter(s.routes())
	s.metrics = newMetrics(o.Manager.CountNumbersByState)
	return s
}

// Kazoo's CORS headers (api_util.erl get_cors_headers/1), plus the request
// id and Authorization, which Numan also accepts.
var (
	corsAllowHeaders  = "Content-Type, Depth, User-Agent, X-Http-Method-Override, X-File-Size, X-Requested-With, If-Modified-Since, X-File-Name, Cache-Control, X-Auth-Token, X-Kazoo-Cluster-ID, If-Match, X-Request-ID, Authorization"
	corsExposeHeaders = "Content-Type, X-Auth-Token, X-Request-ID, X-Kazoo-Cluster-ID, Location, Etag, ETag"
	corsMethods       = "GET, POST, PUT, DELETE, OPTIONS, HEAD, PATCH"
)

// call is one request on its way through the server.
type call struct {
	s         *Server
	w         http.ResponseWriter
	r         *http.Request
	ctx       context.Context
	route     *route
	params    []param
	requestID string
	token     string
	auth      *number.Account // the caller; nil when anonymous
	user      *users.User     // the user of a user's token; nil for an API key's
	account   *number.Account // the {ACCOUNT_ID} of the path, when there is one
	status    int
	// keep, when set, keeps the reply for the request's Idempotency-Key
	// once it is answered (idempotency.go).
	keep func()
}

// param returns the path parameter name.
func (c *call) param(name string) string {
	for _, p := range c.params {
		if p.name == name {
			return p.value
		}
	}
	return ""
}

// actor is the caller as the users service sees it.
func (c *call) actor() users.Actor { return users.Actor{Account: c.auth, User: c.user} }

// eventActor is the caller as events record it.
func (c *call) eventActor() event.Actor {
	a := event.Actor{Via: "api"}
	if c.auth != nil {
		a.AccountID = c.auth.ID
	}
	if c.user != nil {
		a.UserID = c.user.ID
	}
	return a
}

// requester is the caller as the manager sees it.
func (c *call) requester() number.Requester {
	if c.auth == nil {
		return number.Requester{}
	}
	return number.By(c.auth.ID)
}

// ServeHTTP implements http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := s.now()
	c := &call{s: s, w: w, r: r, ctx: r.Context(), requestID: requestID(r)}
	h := w.Header()
	h["Access-Control-Allow-Origin"] = []string{"*"}
	h["Access-Control-Allow-Methods"] = []string{corsMethods}
	h["Access-Control-Allow-Headers"] = []string{corsAllowHeaders}
	h["Access-Control-Expose-Headers"] = []string{corsExposeHeaders}
	h["Access-Control-Max-Age"] = []string{"86400"}
	h["X-Request-Id"] = []string{c.requestID}

	defer func() {
		v := recover()
		abort := v == http.ErrAbortHandler //nolint:errorlint // the panic value itself, never wrapped
		if v != nil && !abort {
			s.log.Error("panic in handler", "request_id", c.requestID, "panic", v)
			if c.status == 0 {
				c.fail(errInternal)
			}
		}
		if c.keep != nil {
			c.keep()
		}
		s.finish(c, start)
		if abort {
			panic(v)
		}
	}()

	entry, params := s.router.match(r.URL.EscapedPath())
	if entry == nil {
		c.route = notFoundRoute
		c.fail(errPathNotFound())
		return
	}
	c.params = params
	if r.Method == http.MethodOptions {
		c.route = &route{name: "options", pattern: entry.pattern}
		h["Allow"] = []string{strings.Join(append(slices.Clone(entry.allowed), http.MethodOptions), ", ")}
		c.ok(map[string]any{})
		return
	}
	rt := entry.methods[r.Method]
	if rt == nil && r.Method == http.MethodHead {
		rt = entry.methods[http.MethodGet]
	}
	if rt == nil {
		c.route = &route{name: "method_not_allowed", pattern: entry.pattern}
		h["Allow"] = []string{strings.Join(append(slices.Clone(entry.allowed), http.MethodOptions), ", ")}
		c.fail(errMethodNotAllowed(entry.allowed))
		return
	}
	c.route = rt
	if smuggled(r) {
		h["Connection"] = []string{"close"}
		c.fail(&apiError{http.StatusBadRequest, "bad_request",
			map[string]any{"message": "a request with both Content-Length and Transfer-Encoding is refused"}})
		return
	}
	limit := s.maxBody
	if rt.document {
		// A document, and a multipart form's headers around it.
		limit = max(limit, s.ports.MaxAttachmentBytes()+64<<10)
	}
	if r.ContentLength > limit {
		c.fail(errTooLarge(limit))
		return
	}
	if r.Body != nil {
		r.Body = http.MaxBytesReader(w, r.Body, limit)
	}
	if err := s.authenticate(c); err != nil {
		c.fail(err)
		return
	}
	c.ctx = event.WithClock(event.WithActor(c.ctx, c.eventActor(), c.requestID), s.now)
	if err := s.authorizeAccount(c); err != nil {
		c.fail(err)
		return
	}
	if err := s.requests.Allow(c.ctx, c.caller(), !readOnly(r.Method)); err != nil {
		c.fail(err)
		return
	}
	if s.idempotent(c) {
		return
	}
	rt.handle(c)
}

var errInternal = &number.Error{Kind: number.KindInternal}

var notFoundRoute = &route{name: "not_found", pattern: "unmatched"}

// finish records the request in metrics and the log. Tokens, API keys and
// bodies are never logged.
func (s *Server) finish(c *call, start time.Time) {
	elapsed := s.now().Sub(start)
	s.metrics.observe(c.route.name, c.r.Method, c.status, elapsed)
	level := slog.LevelInfo
	if c.status >= 500 {
		level = slog.LevelError
	}
	if !s.log.Enabled(c.ctx, level) {
		return
	}
	attrs := []slog.Attr{
		slog.String("request_id", c.requestID),
		slog.String("method", c.r.Method),
		slog.String("route", c.route.pattern),
		slog.Int("status", c.status),
		slog.Float64("duration_ms", float64(elapsed.Microseconds())/1000),
	}
	if c.auth != nil {
		attrs = append(attrs, slog.String("account_id", c.auth.ID))
	}
	s.log.LogAttrs(c.ctx, level, "request", attrs...)
}

// requestID is the client's X-Request-ID when it is sane, else a new one.
func requestID(r *http.Request) string {
	if v := r.Header.Get("X-Request-ID"); v != "" && len(v) <= 128 && plainASCII(v) && !strings.ContainsAny(v, " \t") {
		return v
	}
	var b [16]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// bearer returns the token the request carries: X-Auth-Token (Kazoo) or
// Authorization: Bearer.
func bearer(r *http.Request) string {
	if t := r.Header.Get("X-Auth-Token"); t != "" {
		return strings.TrimSpace(t)
	}
	if a := r.Header.Get("Authorization"); len(a) > 7 && strings.EqualFold(a[:7], "bearer ") {
		return strings.TrimSpace(a[7:])
	}
	return ""
}

// authenticate sets c.auth from the token, as the route requires.
func (s *Server) authenticate(c *call) error {
	if c.route.auth == authNone {
		return nil
	}
	tok := bearer(c.r)
	if tok == "" {
		if c.route.auth == authOptional {
			return nil
		}
		return errUnauthenticated()
	}
	if err := s.authenticateToken(c, tok); err != nil {
		if c.route.auth == authOptional {
			return nil // Kazoo's open search ignores a token it cannot use
		}
		return err
	}
	if c.route.admin && (!c.auth.SuperduperAdmin || !users.MayWrite(c.user, false)) {
		return errForbidden("only the master account may do this")
	}
	if !readOnly(c.r.Method) && !users.MayWrite(c.user, c.ownUserDocument()) {
		return errForbidden("users who are not admins only read")
	}
	return nil
}

// authenticateToken sets c.auth (and c.user, for a user's token) from a
// token, or says why it is not valid.
func (s *Server) authenticateToken(c *call, tok string) error {
	claims, err := s.auth.VerifyToken(tok)
	if err != nil {
		return err
	}
	if claims.OwnerID != "" {
		// A user's token: the user's stamp, not the API key's, keeps it
		// valid.
		if s.users == nil {
			return errUnauthenticated()
		}
		login, err := s.users.Caller(c.ctx, claims.AccountID, claims.OwnerID, claims.UserStamp)
		if err != nil {
			return err
		}
		c.token, c.auth, c.user = tok, login.Account, login.User
		return nil
	}
	acc, err := s.accounts.Caller(c.ctx, claims.AccountID, claims.KeyStamp)
	if err != nil {
		return err
	}
	c.token, c.auth = tok, acc
	return nil
}

// readOnly reports whether a method changes nothing.
func readOnly(method string) bool {
	return method == http.MethodGet || method == http.MethodHead || method == http.MethodOptions
}

// ownUserDocument reports whether the request is about the caller's own
// user document (whose rules the users service checks).
func (c *call) ownUserDocument() bool {
	return c.user != nil && c.route.pattern == userPath && c.param("USER_ID") == c.user.ID && c.param("ACCOUNT_ID") == c.user.AccountID
}

// authorizeAccount loads the path's {ACCOUNT_ID} if the caller reaches it
// (accounts.Reaches: itself, its descendants, or anything for the master).
func (s *Server) authorizeAccount(c *call) error {
	id := c.param("ACCOUNT_ID")
	if id == "" {
		return nil
	}
	if !number.IsAccountID(id) {
		return errBadIdentifier(id)
	}
	acc, err := s.accounts.Reach(c.ctx, c.auth, id)
	if err != nil {
		return err
	}
	c.account = acc
	return nil
}
