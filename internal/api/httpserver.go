package api

import (
	"bytes"
	"context"
	"log"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Limits bound what one client may hold of the server: how long it may
// take to send a request's headers and its body, how long an idle
// keep-alive connection stays open, how big headers and bodies may be. A
// client slower than these is dropped, so a crowd of trickling senders
// cannot hold the server's connections and goroutines.
type Limits struct {
	// HeaderTimeout bounds reading a request's headers.
	HeaderTimeout time.Duration
	// BodyTimeout bounds reading a whole request, headers and body; a body
	// still arriving then is answered 408 and the connection closed.
	BodyTimeout time.Duration
	// WriteTimeout bounds handling a request and writing its reply, from
	// the end of its headers; 0 means none.
	WriteTimeout time.Duration
	// IdleTimeout bounds how long a keep-alive connection waits for its
	// next request.
	IdleTimeout time.Duration
	// MaxHeaderBytes bounds a request's headers (431 above it).
	MaxHeaderBytes int
}

// Default limits of numan serve.
const (
	DefaultHeaderTimeout  = 10 * time.Second
	DefaultBodyTimeout    = 30 * time.Second
	DefaultWriteTimeout   = 2 * time.Minute
	DefaultIdleTimeout    = 2 * time.Minute
	DefaultMaxHeaderBytes = 64 << 10
	DefaultMaxBodyBytes   = 1 << 20
)

// DefaultLimits are the limits numan serve applies unless told otherwise.
func DefaultLimits() Limits {
	return Limits{
		HeaderTimeout: DefaultHeaderTimeout, BodyTimeout: DefaultBodyTimeout, WriteTimeout: DefaultWriteTimeout,
		IdleTimeout: DefaultIdleTimeout, MaxHeaderBytes: DefaultMaxHeaderBytes,
	}
}

// HTTPServer returns an http.Server for s within lim. Serve it on
// s.Listener(ln), so that the replies net/http writes itself are in the
// envelope too.
func (s *Server) HTTPServer(lim Limits, errorLog *log.Logger) *http.Server {
	return &http.Server{
		Handler:           s,
		ReadHeaderTimeout: lim.HeaderTimeout,
		ReadTimeout:       lim.BodyTimeout,
		WriteTimeout:      lim.WriteTimeout,
		IdleTimeout:       lim.IdleTimeout,
		MaxHeaderBytes:    lim.MaxHeaderBytes,
		ErrorLog:          errorLog,
		ConnContext: func(ctx context.Context, c net.Conn) context.Context {
			if ec, ok := c.(*envelopeConn); ok {
				return context.WithValue(ctx, connKey{}, ec)
			}
			return ctx
		},
	}
}

// connKey keys a request's *envelopeConn in its context.
type connKey struct{}

// Listener wraps ln so that the replies net/http writes straight to the
// connection, before any handler runs (431 for headers too large, 400 for
// a malformed request, 501 for an unknown transfer encoding, 505, 417),
// are sent in Kazoo's envelope with a request_id like every other reply.
func (s *Server) Listener(ln net.Listener) net.Listener { return &envelopeListener{Listener: ln, s: s} }

type envelopeListener struct {
	net.Listener
	s *Server
}

func (l *envelopeListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return &envelopeConn{Conn: c, s: l.s, reading: true}, nil
}

// envelopeConn rewrites net/http's canned error replies. It recognises
// exactly their shape: one Write of a status line, the fixed headers
// "Content-Type: text/plain; charset=utf-8" and "Connection: close", and a
// plain-text body (net/http server.go, conn.serve); and the header-only 417
// of an unknown Expect. Handlers never write either: every reply of the
// API is application/json and has a Date and a Content-Length.
//
// It also keeps the header block of the request being read, because
// net/http removes a Content-Length it ignores in favour of chunked
// Transfer-Encoding, and a request carrying both is refused (it is how
// requests are smuggled past a proxy that reads the other one).
type envelopeConn struct {
	net.Conn
	s *Server

	mu      sync.Mutex
	head    []byte // the start of the request being read, up to its blank line
	reading bool   // head is still being filled
}

// maxHead bounds the header block kept (net/http refuses bigger headers).
const maxHead = 1 << 20

func (c *envelopeConn) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	if n > 0 {
		c.mu.Lock()
		if c.reading {
			c.head = append(c.head, p[:n]...)
			if bytes.Contains(c.head, []byte("\r\n\r\n")) || len(c.head) > maxHead {
				c.reading = false
			}
		}
		c.mu.Unlock()
	}
	return n, err
}

// sawContentLength reports whether the header block of the request being
// served had a Content-Length.
func (c *envelopeConn) sawContentLength() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	block, _, _ := bytes.Cut(c.head, []byte("\r\n\r\n"))
	for _, line := range bytes.Split(block, []byte("\r\n"))[1:] {
		name, _, ok := bytes.Cut(line, []byte(":"))
		if ok && strings.EqualFold(strings.TrimSpace(string(name)), "Content-Length") {
			return true
		}
	}
	return false
}

// smuggled reports whether r came with both Content-Length and
// Transfer-Encoding.
func smuggled(r *http.Request) bool {
	if len(r.TransferEncoding) == 0 {
		return false
	}
	ec, ok := r.Context().Value(connKey{}).(*envelopeConn)
	return ok && ec.sawContentLength()
}

// cannedHeaders are the headers of net/http's canned error replies.
const cannedHeaders = "\r\nContent-Type: text/plain; charset=utf-8\r\nConnection: close\r\n\r\n"

func (c *envelopeConn) Write(p []byte) (int, error) {
	// A reply is being written: the next bytes read start a new request.
	c.mu.Lock()
	c.head, c.reading = c.head[:0], true
	c.mu.Unlock()
	if status, text, ok := cannedReply(p); ok {
		if _, err := c.Conn.Write(c.s.cannedEnvelope(status, text, c.Conn.RemoteAddr())); err != nil {
			return 0, err
		}
		return len(p), nil
	}
	return c.Conn.Write(p)
}

// cannedReply recognises a reply net/http wrote itself and returns its
// status and text.
func cannedReply(p []byte) (status int, text string, ok bool) {
	if len(p) < 13 || !bytes.HasPrefix(p, []byte("HTTP/1.")) || p[8] != ' ' || p[12] != ' ' {
		return 0, "", false
	}
	code, err := strconv.Atoi(string(p[9:12]))
	if err != nil || code < 400 || code > 599 {
		return 0, "", false
	}
	line, rest, found := bytes.Cut(p, []byte("\r\n"))
	if !found {
		return 0, "", false
	}
	if body, isCanned := bytes.CutPrefix(rest, []byte(cannedHeaders[2:])); isCanned {
		return code, string(body), true
	}
	if code == http.StatusExpectationFailed && !bytes.Contains(p, []byte("application/json")) {
		return code, string(line[9:]), true
	}
	return 0, "", false
}

// cannedNames are Kazoo-style error names of the replies net/http writes
// itself.
var cannedNames = map[int]string{
	http.StatusBadRequest:                    "bad_request",
	http.StatusExpectationFailed:             "expectation_failed",
	http.StatusRequestHeaderFieldsTooLarge:   "header_too_large",
	http.StatusNotImplemented:                "not_implemented",
	http.StatusHTTPVersionNotSupported:       "http_version_not_supported",
	http.StatusRequestURITooLong:             "uri_too_long",
	http.StatusRequestEntityTooLarge:         "too_big",
	http.StatusUnsupportedMediaType:          "unsupported_media_type",
	http.StatusRequestedRangeNotSatisfiable:  "range_not_satisfiable",
	http.StatusInternalServerError:           "internal_error",
	http.StatusServiceUnavailable:            "unavailable",
	http.StatusMethodNotAllowed:              "method_not_allowed",
	http.StatusNotFound:                      "not_found",
	http.StatusUnauthorized:                  "invalid_credentials",
	http.StatusForbidden:                     "forbidden",
	http.StatusRequestTimeout:                "request_timeout",
	http.StatusLengthRequired:                "length_required",
	http.StatusNetworkAuthenticationRequired: "network_authentication_required",
}

// cannedEnvelope is a whole HTTP reply: status and text in the envelope,
// with a new request id; the connection closes after it, as net/http
// intended.
func (s *Server) cannedEnvelope(status int, text string, remote net.Addr) []byte {
	id := requestID(&http.Request{Header: http.Header{}})
	name := cannedNames[status]
	if name == "" {
		name = strings.ToLower(strings.ReplaceAll(http.StatusText(status), " ", "_"))
	}
	var body bytes.Buffer
	s.render(&body, reply{status: status, errMsg: name, data: map[string]any{"message": strings.TrimSpace(text)}}, "", id, false)
	s.metrics.observe("http_server", "", status, 0)
	s.log.Info("request refused before routing", "request_id", id, "status", status, "reason", text, "remote", remote.String())
	var out bytes.Buffer
	out.WriteString("HTTP/1.1 " + strconv.Itoa(status) + " " + http.StatusText(status) + "\r\n")
	out.WriteString("Content-Type: application/json\r\n")
	out.WriteString("Content-Length: " + strconv.Itoa(body.Len()) + "\r\n")
	out.WriteString("Access-Control-Allow-Origin: *\r\n")
	out.WriteString("X-Request-Id: " + id + "\r\n")
	out.WriteString("Connection: close\r\n\r\n")
	out.Write(body.Bytes())
	return out.Bytes()
}
