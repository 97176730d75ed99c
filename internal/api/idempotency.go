package api

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"strconv"
	"time"

	"github.com/numan-dev/numan/internal/requests"
)

// IdempotencyHeader is the header a client sends on a write so that
// sending it again does not act twice (the IETF draft's and Stripe's
// name).
const IdempotencyHeader = "Idempotency-Key"

// caller is who sends the request, for the rate limits: the account it
// authenticated as, and its credential (the user, or the account's API
// key).
func (c *call) caller() requests.Caller {
	if c.auth == nil {
		return requests.Caller{}
	}
	cred := "key:" + c.auth.ID
	if c.user != nil {
		cred = "user:" + c.user.ID
	}
	return requests.Caller{Account: c.auth, Credential: cred}
}

// idempotent handles a write sent with an Idempotency-Key: it answers a
// repeat with the first reply (and reports true), refuses the key's reuse
// for another request or while its first request runs, or lets the
// request through with c.keep set to keep its reply. Keys are the
// caller's own: the same key from two callers is two keys.
func (s *Server) idempotent(c *call) bool {
	key := c.r.Header.Get(IdempotencyHeader)
	if readOnly(c.r.Method) || key == "" || c.auth == nil {
		// Keys are a caller's: a request that names no caller (a
		// sign-in) is not remembered.
		return false
	}
	if err := requests.CheckKey(key); err != nil {
		c.fail(err)
		return true
	}
	var body []byte
	if c.r.Body != nil {
		var err error
		if body, err = c.readAll(); err != nil {
			c.fail(err)
			return true
		}
		c.r.Body = io.NopCloser(bytes.NewReader(body))
	}
	cl := c.caller()
	scope := c.auth.ID + "/" + cl.Credential
	hash := requests.Hash(c.r.Method, c.r.URL.EscapedPath(), c.r.URL.RawQuery, body)
	first, err := s.requests.Begin(c.ctx, scope, key, hash)
	if err != nil {
		c.fail(err)
		return true
	}
	if first != nil {
		h := c.w.Header()
		h.Set("Content-Type", first.ContentType)
		h.Set("Idempotent-Replayed", "true")
		h.Set("Content-Length", strconv.Itoa(len(first.Body)))
		c.status = first.Code
		c.w.WriteHeader(first.Code)
		_, _ = c.w.Write(first.Body)
		return true
	}
	rec := &replyRecorder{ResponseWriter: c.w}
	c.w = rec
	c.keep = func() {
		// The reply is kept even when the client has gone: the write
		// was made, and its repeat must get this reply.
		ctx, cancel := context.WithTimeout(context.WithoutCancel(c.ctx), 10*time.Second)
		defer cancel()
		rp := requests.Reply{Code: c.status, ContentType: rec.Header().Get("Content-Type"), Body: rec.buf.Bytes()}
		if err := s.requests.Finish(ctx, scope, key, rp); err != nil {
			s.log.Error("keeping an idempotent reply failed; repeats of the request will be refused until the key expires",
				"request_id", c.requestID, "err", err)
		}
	}
	return false
}

// replyRecorder passes a reply on and keeps a copy of its body.
type replyRecorder struct {
	http.ResponseWriter
	buf bytes.Buffer
}

func (r *replyRecorder) Write(p []byte) (int, error) {
	r.buf.Write(p)
	return r.ResponseWriter.Write(p)
}

// Unwrap lets http.ResponseController reach the connection.
func (r *replyRecorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }
