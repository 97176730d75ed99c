// Package httpx is the HTTP plumbing every carrier module shares, written
// once so that each carrier only describes its wire format: per-call
// deadlines, bounded retries with backoff and jitter for idempotent calls,
// 429/Retry-After handling, a cap on reply size, carrier status codes turned
// into by_carrier errors, and debug logging with secrets redacted.
package httpx

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/numan-dev/numan/carrier"
	"github.com/numan-dev/numan/number"
)

// Defaults used when a Client field is left zero.
const (
	// DefaultTimeout bounds a call whose context has no deadline. Kazoo's
	// bandwidth2 waited up to 180 s; a carrier that needs that long for one
	// HTTP exchange is better reported as failing.
	DefaultTimeout = 30 * time.Second
	// DefaultMaxAttempts is how many times an idempotent call is tried.
	DefaultMaxAttempts = 3
	// DefaultMaxRetryAfter is the longest Retry-After the client waits out;
	// a carrier asking for longer gets its 429 reported instead.
	DefaultMaxRetryAfter = 10 * time.Second
	// DefaultMaxBodyBytes caps a reply: search results for 500 numbers
	// with full detail are well under a megabyte.
	DefaultMaxBodyBytes = 4 << 20
	// DefaultUserAgent identifies Numan to carriers.
	DefaultUserAgent = "numan"
)

// Backoff returns how long to wait before retry number attempt (1 for the
// first retry). Tests inject NoBackoff.
type Backoff func(attempt int) time.Duration

// NoBackoff retries at once; for tests.
func NoBackoff(int) time.Duration { return 0 }

// ExponentialBackoff doubles base for each retry up to limit and picks a
// random delay in the upper half of that window, so that many callers
// rejected together do not come back together.
func ExponentialBackoff(base, limit time.Duration) Backoff {
	return func(attempt int) time.Duration {
		if base <= 0 {
			return 0
		}
		d := base
		for i := 1; i < attempt && d < limit; i++ {
			d *= 2
		}
		if limit > 0 && d > limit {
			d = limit
		}
		half := d / 2
		return half + rand.N(half+1)
	}
}

// Sleeper waits for d or until ctx is done, whichever comes first, and
// returns ctx's error in the latter case. Tests inject one that records
// the requested delays and returns at once.
type Sleeper func(ctx context.Context, d time.Duration) error

// Sleep is the production Sleeper: a timer that gives up when ctx does.
func Sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// Auth adds credentials to a request and names the secrets to keep out of
// logs and errors.
type Auth interface {
	Apply(r *http.Request)
	Secrets() []string
}

// BasicAuth is HTTP Basic authentication (Bandwidth, Twilio).
type BasicAuth struct{ User, Password string }

// Apply sets the Authorization header.
func (a BasicAuth) Apply(r *http.Request) { r.SetBasicAuth(a.User, a.Password) }

// Secrets is the password.
func (a BasicAuth) Secrets() []string { return []string{a.Password} }

// BearerAuth is a bearer token (Telnyx API v2).
type BearerAuth struct{ Token string }

// Apply sets the Authorization header.
func (a BearerAuth) Apply(r *http.Request) { r.Header.Set("Authorization", "Bearer "+a.Token) }

// Secrets is the token.
func (a BearerAuth) Secrets() []string { return []string{a.Token} }

// Client is one carrier's HTTP client. The zero value of every field but
// Carrier and BaseURL means the default, so a carrier module fills in only
// what its API needs. A Client is safe for concurrent use.
type Client struct {
	// Carrier names the carrier in errors and logs.
	Carrier string
	// BaseURL is prefixed to relative request paths.
	BaseURL string
	// HTTP sends the requests; nil means a client with the default transport.
	HTTP *http.Client
	// Auth, if set, authenticates every request.
	Auth Auth
	// Logger receives debug records of each exchange; nil disables logging.
	Logger *slog.Logger
	// Timeout is the deadline added to a call whose context has none.
	Timeout time.Duration
	// MaxAttempts bounds tries of an idempotent call (1 disables retries).
	MaxAttempts int
	// Backoff spaces retries; nil means ExponentialBackoff(200ms, 5s).
	Backoff Backoff
	// Sleep waits between retries; nil means Sleep.
	Sleep Sleeper
	// MaxRetryAfter is the longest Retry-After honoured.
	MaxRetryAfter time.Duration
	// MaxBodyBytes caps the reply body.
	MaxBodyBytes int64
	// Header is added to every request (Accept, User-Agent, ...).
	Header http.Header
	// ErrorMessage extracts the carrier's own message from an error reply
	// (Telnyx's errors[].detail, Twilio's message, Bandwidth's
	// Description). Empty means "use the start of the body".
	ErrorMessage func(status int, body []byte) string
	// Classify refines the class StatusClass gives an error reply from the
	// carrier's own codes (Twilio's 21422 "not available" comes with a
	// 400, say). Unclassified means "keep StatusClass's".
	Classify func(status int, body []byte) carrier.Class
	// Now is the clock for HTTP-date Retry-After values; nil means time.Now.
	Now func() time.Time
}

// Request is one call to a carrier.
type Request struct {
	Method string
	// Path is joined to the client's BaseURL unless it is an absolute URL.
	Path  string
	Query url.Values
	// Body is sent as is; it is a byte slice so that a retry can resend it.
	Body        []byte
	ContentType string
	Header      http.Header
	// Idempotent lets a POST be retried; GET, HEAD, PUT, DELETE and
	// OPTIONS always may be. Never set it on an order: a retried order
	// whose first reply was lost buys the number twice.
	Idempotent bool
	// Number is the number the call concerns, recorded in errors.
	Number string
}

// Response is a carrier's successful (2xx) reply, fully read.
type Response struct {
	Status int
	Header http.Header
	Body   []byte
}

// Get is a convenience for an idempotent GET of path with query.
func (c *Client) Get(ctx context.Context, path string, query url.Values) (*Response, error) {
	return c.Do(ctx, &Request{Method: http.MethodGet, Path: path, Query: query})
}

// Do sends req, retrying when that is safe, and returns the reply if its
// status is 2xx. Every failure is a *number.Error of kind by_carrier whose
// Cause carries the carrier's message with secrets redacted, and whose
// chain holds a *carrier.Failure classifying it and, for HTTP failures, a
// *StatusError. A retried call whose earlier attempt may have reached the
// carrier never ends in a definite refusal: the 409 that follows a lost
// success is the carrier telling Numan it already has the number.
func (c *Client) Do(ctx context.Context, req *Request) (*Response, error) {
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, c.timeout())
		defer cancel()
	}
	target, err := c.url(req)
	if err != nil {
		return nil, carrier.NotSent(number.Errorf(number.KindByCarrier, req.Number, "%s: bad request URL: %s", c.Carrier, c.redact(err.Error())))
	}
	retryable := req.Idempotent || idempotentMethod(req.Method)
	attempts := c.maxAttempts()
	if !retryable {
		attempts = 1
	}
	var lastErr error
	mayHaveActed := false
	for attempt := 1; ; attempt++ {
		resp, wait, err := c.once(ctx, req, target)
		if err == nil {
			return resp, nil
		}
		if mayHaveActed && carrier.IsDefiniteRefusal(err) {
			err = carrier.Uncertain(err)
		}
		mayHaveActed = mayHaveActed || !carrier.IsDefiniteRefusal(err)
		lastErr = err
		if attempt >= attempts || wait < 0 || ctx.Err() != nil {
			break
		}
		if wait == 0 {
			wait = c.backoff()(attempt)
		}
		if dl, ok := ctx.Deadline(); ok && time.Until(dl) < wait {
			// Waiting would outlive the call: report now rather than
			// fail later with a less useful timeout.
			break
		}
		if err := c.sleep()(ctx, wait); err != nil {
			break
		}
	}
	return nil, lastErr
}

// once makes one attempt. wait < 0 means do not retry; wait > 0 is the
// delay the carrier asked for; 0 means use the backoff.
func (c *Client) once(ctx context.Context, req *Request, target *url.URL) (*Response, time.Duration, error) {
	var body io.Reader
	if req.Body != nil {
		body = bytes.NewReader(req.Body)
	}
	hr, err := http.NewRequestWithContext(ctx, req.Method, target.String(), body)
	if err != nil {
		return nil, -1, carrier.NotSent(number.Errorf(number.KindByCarrier, req.Number, "%s: bad request: %s", c.Carrier, c.redact(err.Error())))
	}
	hr.Header.Set("User-Agent", DefaultUserAgent)
	// Later layers win: the defaults, the client's headers, the request's.
	for _, h := range []http.Header{c.Header, req.Header} {
		for k, vs := range h {
			hr.Header.Del(k)
			for _, v := range vs {
				hr.Header.Add(k, v)
			}
		}
	}
	if req.ContentType != "" {
		hr.Header.Set("Content-Type", req.ContentType)
	}
	if c.Auth != nil {
		c.Auth.Apply(hr)
	}

	// A context already ended sends nothing: the failure is then known
	// not to have reached the carrier.
	endedBefore := ctx.Err() != nil
	start := time.Now()
	hresp, err := c.httpClient().Do(hr)
	if err != nil {
		c.log(ctx, req, target, hr.Header, 0, nil, time.Since(start), err)
		return nil, 0, c.transportError(ctx, req, "request failed", err, endedBefore || neverConnected(err))
	}
	defer hresp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(hresp.Body, c.maxBody()+1))
	if err != nil {
		c.log(ctx, req, target, hr.Header, hresp.StatusCode, data, time.Since(start), err)
		// A reply cut off midway may have been a success: never hand
		// back the part that arrived.
		return nil, 0, c.transportError(ctx, req, "reading reply failed", err, false)
	}
	c.log(ctx, req, target, hr.Header, hresp.StatusCode, data, time.Since(start), nil)
	if int64(len(data)) > c.maxBody() {
		return nil, -1, carrier.Uncertain(number.Errorf(number.KindByCarrier, req.Number,
			"%s: reply larger than %d bytes", c.Carrier, c.maxBody()))
	}
	if hresp.StatusCode >= 200 && hresp.StatusCode < 300 {
		return &Response{Status: hresp.StatusCode, Header: hresp.Header, Body: data}, 0, nil
	}

	se := &StatusError{
		Carrier: c.Carrier,
		Method:  req.Method,
		URL:     c.redactURL(target),
		Status:  hresp.StatusCode,
		Message: c.message(hresp.StatusCode, data),
	}
	wait := time.Duration(-1)
	switch {
	case hresp.StatusCode == http.StatusTooManyRequests || hresp.StatusCode == http.StatusServiceUnavailable:
		ra, ok := ParseRetryAfter(hresp.Header.Get("Retry-After"), c.now())
		se.RetryAfter = ra
		switch {
		case !ok:
			wait = 0
		case ra > c.maxRetryAfter():
			wait = -1
		default:
			// Zero from the carrier still means "retry now", but 0 means
			// "use the backoff" here; a nanosecond keeps the meaning.
			wait = max(ra, time.Nanosecond)
		}
	case retryableStatus(hresp.StatusCode):
		wait = 0
	}
	return nil, wait, se.numberError(req.Number, c.classify(hresp.StatusCode, data))
}

// classify is the class of an error reply: the carrier's own refinement if
// it has one, else StatusClass.
func (c *Client) classify(status int, body []byte) carrier.Class {
	if c.Classify != nil {
		if class := safeClassify(c.Classify, status, body); class != carrier.Unclassified {
			return class
		}
	}
	return StatusClass(status)
}

// safeClassify shields the client from a carrier's classifier that panics
// on a reply it did not expect.
func safeClassify(f func(int, []byte) carrier.Class, status int, body []byte) (class carrier.Class) {
	defer func() {
		if recover() != nil {
			class = carrier.Unclassified
		}
	}()
	return f(status, body)
}

// neverConnected reports whether err is a failure to reach the carrier at
// all (a DNS lookup or a dial that failed), so no byte of the request left.
func neverConnected(err error) bool {
	var dnsErr *net.DNSError
	if errors.As(err, &dnsErr) {
		return true
	}
	var opErr *net.OpError
	return errors.As(err, &opErr) && opErr.Op == "dial"
}

// transportError is a failure of the exchange itself. It is transient; it
// is marked unsent only when no request can have reached the carrier.
func (c *Client) transportError(ctx context.Context, req *Request, what string, err error, unsent bool) *number.Error {
	inner := err
	var ue *url.Error
	if errors.As(err, &ue) {
		// url.Error prints the full URL, query secrets included.
		inner = ue.Err
	}
	cause := fmt.Sprintf("%s: %s: %s", c.Carrier, what, c.redact(inner.Error()))
	if ctx.Err() != nil {
		cause = fmt.Sprintf("%s: %s: timed out or cancelled (%v)", c.Carrier, what, ctx.Err())
		inner = ctx.Err()
	}
	return &number.Error{
		Kind:    number.KindByCarrier,
		Number:  req.Number,
		Cause:   cause,
		Details: map[string]any{"carrier": c.Carrier},
		Err: &carrier.Failure{
			Class:  carrier.Transient,
			Unsent: unsent,
			Err:    &redactedError{msg: c.redact(inner.Error()), err: inner},
		},
	}
}

// redactedError keeps the chain (errors.Is(err, context.DeadlineExceeded))
// while printing only a redacted message.
type redactedError struct {
	msg string
	err error
}

func (e *redactedError) Error() string { return e.msg }
func (e *redactedError) Unwrap() error { return e.err }

func (c *Client) message(status int, body []byte) string {
	msg := ""
	if c.ErrorMessage != nil && len(body) > 0 {
		msg = safeMessage(c.ErrorMessage, status, body)
	}
	if strings.TrimSpace(msg) == "" {
		msg = string(bytes.TrimSpace(body))
	}
	return truncate(c.redact(msg), 500)
}

// safeMessage shields the client from a carrier's message extractor that
// panics on a reply it did not expect.
func safeMessage(f func(int, []byte) string, status int, body []byte) (msg string) {
	defer func() {
		if recover() != nil {
			msg = ""
		}
	}()
	return f(status, body)
}

func (c *Client) url(req *Request) (*url.URL, error) {
	raw := req.Path
	if !strings.HasPrefix(raw, "http://") && !strings.HasPrefix(raw, "https://") {
		raw = strings.TrimRight(c.BaseURL, "/") + "/" + strings.TrimLeft(raw, "/")
	}
	u, err := url.Parse(raw)
	if err != nil {
		return nil, err
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return nil, fmt.Errorf("scheme %q is not http or https", u.Scheme)
	}
	if len(req.Query) > 0 {
		q := u.Query()
		for k, vs := range req.Query {
			for _, v := range vs {
				q.Add(k, v)
			}
		}
		u.RawQuery = q.Encode()
	}
	return u, nil
}

func idempotentMethod(m string) bool {
	switch m {
	case http.MethodGet, http.MethodHead, http.MethodPut, http.MethodDelete, http.MethodOptions:
		return true
	}
	return false
}

func retryableStatus(code int) bool {
	switch code {
	case http.StatusRequestTimeout, http.StatusInternalServerError, http.StatusBadGateway,
		http.StatusServiceUnavailable, http.StatusGatewayTimeout:
		return true
	}
	return false
}

// ValidateBaseURL checks a carrier's api_url setting when the carrier is
// built, so that a typo fails at start as an invalid setting rather than
// at the first search.
func ValidateBaseURL(raw string) error {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		shown := "(unparsable)"
		if err == nil {
			shown = RedactURL(u, nil)
		}
		return number.Errorf(number.KindInvalid, "", "api_url %s is not an http(s) URL", shown)
	}
	return nil
}

// ParseRetryAfter reads a Retry-After header: delay-seconds or an
// HTTP-date. It reports false when the header is absent or unreadable.
func ParseRetryAfter(v string, now time.Time) (time.Duration, bool) {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0, false
	}
	var secs int64
	digits := true
	for _, r := range v {
		if r < '0' || r > '9' {
			digits = false
			break
		}
		secs = secs*10 + int64(r-'0')
		if secs > 1<<31 {
			return time.Duration(1<<31) * time.Second, true
		}
	}
	if digits {
		return time.Duration(secs) * time.Second, true
	}
	t, err := http.ParseTime(v)
	if err != nil {
		return 0, false
	}
	return max(t.Sub(now), 0), true
}

func (c *Client) timeout() time.Duration {
	if c.Timeout > 0 {
		return c.Timeout
	}
	return DefaultTimeout
}

func (c *Client) maxAttempts() int {
	if c.MaxAttempts > 0 {
		return c.MaxAttempts
	}
	return DefaultMaxAttempts
}

func (c *Client) backoff() Backoff {
	if c.Backoff != nil {
		return c.Backoff
	}
	return ExponentialBackoff(200*time.Millisecond, 5*time.Second)
}

func (c *Client) sleep() Sleeper {
	if c.Sleep != nil {
		return c.Sleep
	}
	return Sleep
}

func (c *Client) maxRetryAfter() time.Duration {
	if c.MaxRetryAfter > 0 {
		return c.MaxRetryAfter
	}
	return DefaultMaxRetryAfter
}

func (c *Client) maxBody() int64 {
	if c.MaxBodyBytes > 0 {
		return c.MaxBodyBytes
	}
	return DefaultMaxBodyBytes
}

func (c *Client) httpClient() *http.Client {
	if c.HTTP != nil {
		return c.HTTP
	}
	return defaultHTTPClient
}

func (c *Client) now() time.Time {
	if c.Now != nil {
		return c.Now()
	}
	return time.Now()
}

// defaultHTTPClient has no Timeout of its own: the call's context bounds
// each exchange, including reading the body.
var defaultHTTPClient = &http.Client{}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	cut := n
	for cut > 0 && (s[cut]&0xC0) == 0x80 {
		cut--
	}
	return s[:cut] + "…"
}
