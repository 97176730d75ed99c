package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"hash/fnv"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/numan-dev/numan/number"
)

// A reply is one response in Kazoo's envelope. The envelope is written by
// hand rather than through a struct because it is on every request's path:
// only data goes through encoding/json.
type reply struct {
	status int
	data   any    // json.RawMessage and []byte are written as they are
	errMsg string // set for error replies: Kazoo's "message"
	// page holds the listing keys (page_size, start_key, next_start_key),
	// written in this order after data.
	page []pageKey
	// authToken replaces the request's token in "auth_token" (api_auth).
	authToken *string
}

type pageKey struct {
	key   string
	value any
}

var bufPool = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// timestampLayout is Kazoo's envelope timestamp: ISO 8601, UTC, seconds.
const timestampLayout = "2006-01-02T15:04:05Z"

// write renders rp in the envelope and sends it.
func (c *call) write(rp reply) {
	token := c.token
	if rp.authToken != nil {
		token = *rp.authToken
	}
	b := bufPool.Get().(*bytes.Buffer)
	defer bufPool.Put(b)
	b.Reset()
	c.s.render(b, rp, token, c.requestID, c.auth != nil)
	h2 := c.w.Header()
	h2["Content-Type"] = jsonContentType
	h2["Content-Length"] = []string{strconv.Itoa(b.Len())}
	c.status = rp.status
	c.w.WriteHeader(rp.status)
	if c.r.Method != http.MethodHead {
		_, _ = c.w.Write(b.Bytes())
	}
}

// render writes rp in the envelope into b; version is shown to
// authenticated callers only.
func (s *Server) render(b *bytes.Buffer, rp reply, token, requestID string, authed bool) {
	var data []byte
	switch d := rp.data.(type) {
	case nil:
		data = []byte("{}")
	case json.RawMessage:
		data = d
	case []byte:
		data = d
	default:
		var err error
		data, err = json.Marshal(d)
		if err != nil {
			s.log.Error("encode reply", "request_id", requestID, "err", err)
			rp = reply{status: http.StatusInternalServerError, errMsg: "internal_error"}
			data = []byte(`{"message":"internal error"}`)
		}
	}
	b.WriteString(`{"auth_token":`)
	appendString(b, token)
	b.WriteString(`,"data":`)
	b.Write(data)
	if rp.errMsg != "" {
		b.WriteString(`,"error":"`)
		b.WriteString(strconv.Itoa(rp.status))
		b.WriteString(`","message":`)
		appendString(b, rp.errMsg)
	}
	for _, p := range rp.page {
		b.WriteString(`,"`)
		b.WriteString(p.key)
		b.WriteString(`":`)
		v, err := json.Marshal(p.value)
		if err != nil {
			v = []byte("null")
		}
		b.Write(v)
	}
	b.WriteString(`,"node":`)
	appendString(b, s.node)
	b.WriteString(`,"request_id":`)
	appendString(b, requestID)
	b.WriteString(`,"revision":"`)
	h := fnv.New64a()
	h.Write(data)
	var sum [8]byte
	b.WriteString(hexString(h.Sum(sum[:0])))
	b.WriteString(`","status":`)
	if rp.errMsg != "" {
		b.WriteString(`"error"`)
	} else {
		b.WriteString(`"success"`)
	}
	b.WriteString(`,"timestamp":"`)
	var ts [24]byte
	b.Write(s.now().UTC().AppendFormat(ts[:0], timestampLayout))
	b.WriteByte('"')
	if authed {
		b.WriteString(`,"version":`)
		appendString(b, s.version)
	}
	b.WriteString("}\n")
}

var jsonContentType = []string{"application/json"}

// ok sends data with status 200 (or status when given).
func (c *call) ok(data any) { c.write(reply{status: http.StatusOK, data: data}) }

// created sends data with status 201.
func (c *call) created(data any) { c.write(reply{status: http.StatusCreated, data: data}) }

// fail sends err as an error envelope; see errorReply.
func (c *call) fail(err error) {
	rp := errorReply(err)
	var ne *number.Error
	if errors.As(err, &ne) && ne.RetryAfter > 0 {
		c.w.Header().Set("Retry-After", strconv.Itoa(retryAfterSeconds(ne.RetryAfter)))
	} else if rp.status == http.StatusServiceUnavailable {
		// A dependency failed in a way that may pass (a lost database
		// connection): the client may retry shortly.
		c.w.Header().Set("Retry-After", "1")
	}
	if rp.status >= 500 {
		c.s.log.Error("request failed", "request_id", c.requestID, "route", c.route.name, "err", err)
	}
	c.write(rp)
}

// appendString writes s as a JSON string.
func appendString(b *bytes.Buffer, s string) {
	if plainASCII(s) {
		b.WriteByte('"')
		b.WriteString(s)
		b.WriteByte('"')
		return
	}
	v, _ := json.Marshal(s)
	b.Write(v)
}

// plainASCII reports whether s needs no escaping in a JSON string.
func plainASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < 0x20 || c >= 0x7f || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' {
			return false
		}
	}
	return true
}

const hexDigits = "0123456789abcdef"

func hexString(p []byte) string {
	out := make([]byte, len(p)*2)
	for i, v := range p {
		out[i*2] = hexDigits[v>>4]
		out[i*2+1] = hexDigits[v&0x0f]
	}
	return string(out)
}

// gregorianOffset is the number of seconds from year 0 (Erlang's
// calendar:datetime_to_gregorian_seconds) to the Unix epoch.
const gregorianOffset = 62167219200

// gregorian returns t in Kazoo's Gregorian seconds.
func gregorian(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.Unix() + gregorianOffset
}
