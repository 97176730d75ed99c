package console

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"sort"
	"strings"
)

// apiClient calls Numan's REST API in-process: the console is one more
// client of /v2, like Monster UI, so every action passes the same
// validation, permissions, two-phase charges and error rendering as a
// REST client's, and the console holds no rule of its own. The token stays
// on the server (in an HttpOnly cookie); the page never sees it.
type apiClient struct {
	h http.Handler
}

// apiReply is one decoded API reply.
type apiReply struct {
	Code         int
	Status       string          `json:"status"`
	Data         json.RawMessage `json:"data"`
	Error        string          `json:"error"`
	Message      string          `json:"message"`
	RequestID    string          `json:"request_id"`
	AuthToken    string          `json:"auth_token"`
	NextStartKey json.RawMessage `json:"next_start_key"`
	// FailedCarriers names carriers that failed a search (Numan's
	// extension to the search reply).
	FailedCarriers json.RawMessage `json:"failed_carriers"`
}

// call is one API request made on behalf of a console request.
type call struct {
	method string
	path   string
	query  url.Values
	body   any // encoded as JSON: the whole envelope, e.g. {"data": ...}
	token  string
	// raw is a body sent as it is (a document upload), with contentType.
	raw         []byte
	contentType string
	// accept is the Accept header (e.g. application/pdf for an LOA).
	accept string
}

// memWriter is the in-memory ResponseWriter an in-process call writes to.
type memWriter struct {
	h    http.Header
	code int
	buf  bytes.Buffer
}

func (m *memWriter) Header() http.Header { return m.h }
func (m *memWriter) WriteHeader(code int) {
	if m.code == 0 {
		m.code = code
	}
}
func (m *memWriter) Write(p []byte) (int, error) {
	if m.code == 0 {
		m.code = http.StatusOK
	}
	return m.buf.Write(p)
}

// request builds the in-process request of c, made for the console
// request orig: same client address (so the API's throttling and logs see
// the real client), same context.
func (a *apiClient) request(ctx context.Context, orig *http.Request, c call) (*http.Request, error) {
	var body io.Reader = http.NoBody
	if c.raw != nil {
		body = bytes.NewReader(c.raw)
	} else if c.body != nil {
		raw, err := json.Marshal(c.body)
		if err != nil {
			return nil, err
		}
		body = bytes.NewReader(raw)
	}
	u := c.path
	if len(c.query) > 0 {
		u += "?" + c.query.Encode()
	}
	req, err := http.NewRequestWithContext(ctx, c.method, u, body)
	if err != nil {
		return nil, err
	}
	switch {
	case c.raw != nil:
		req.Header.Set("Content-Type", c.contentType)
	case c.body != nil:
		req.Header.Set("Content-Type", "application/json")
	}
	if c.accept != "" {
		req.Header.Set("Accept", c.accept)
	}
	if c.token != "" {
		req.Header.Set("X-Auth-Token", c.token)
	}
	if orig != nil {
		req.RemoteAddr = orig.RemoteAddr
		req.Host = orig.Host
		if ua := orig.UserAgent(); ua != "" {
			req.Header.Set("User-Agent", ua)
		}
	}
	return req, nil
}

// do makes the call and decodes the envelope. A transport-level failure
// (the request could not be built) is an error; an API error is a reply
// with its code, for the caller to show (apiReply.err).
func (a *apiClient) do(ctx context.Context, orig *http.Request, c call) (*apiReply, error) {
	req, err := a.request(ctx, orig, c)
	if err != nil {
		return nil, err
	}
	w := &memWriter{h: http.Header{}}
	a.h.ServeHTTP(w, req)
	rp := &apiReply{Code: w.code}
	if err := json.Unmarshal(w.buf.Bytes(), rp); err != nil {
		return nil, fmt.Errorf("console: the API answered %d with something that is not its envelope: %w", w.code, err)
	}
	return rp, nil
}

// stream makes the call and copies the API's reply (a CSV export) to w as
// it comes, headers included.
func (a *apiClient) stream(ctx context.Context, orig *http.Request, w http.ResponseWriter, c call) error {
	req, err := a.request(ctx, orig, c)
	if err != nil {
		return err
	}
	a.h.ServeHTTP(w, req)
	return nil
}

// ok reports whether the reply is a success.
func (r *apiReply) ok() bool { return r.Code >= 200 && r.Code < 300 }

// decode decodes the reply's data into v.
func (r *apiReply) decode(v any) error {
	if len(r.Data) == 0 {
		return nil
	}
	return json.Unmarshal(r.Data, v)
}

// needsAcceptance reports whether the reply is the two-phase write's 402:
// the quote the user must accept before the write is made.
func (r *apiReply) needsAcceptance() bool {
	return r.Code == http.StatusPaymentRequired && r.Message == "accept charges"
}

// err is the reply as an error in words, or nil on success.
func (r *apiReply) err() error {
	if r.ok() {
		return nil
	}
	return &apiError{Code: r.Code, Name: r.Message, RequestID: r.RequestID, Words: words(r.Code, r.Message, r.Data)}
}

// apiError is an API failure, said in words for a person.
type apiError struct {
	Code      int
	Name      string // Kazoo's message: forbidden, validation error, ...
	RequestID string
	Words     string
}

func (e *apiError) Error() string { return e.Words }

// words says what an API error means, for a person: the envelope's
// machine names (bad_identifier, validation error, accept charges) become
// sentences, and a validation error lists each field and what is wrong
// with it.
func words(code int, name string, data json.RawMessage) string {
	var obj map[string]any
	_ = json.Unmarshal(data, &obj)
	var bare string
	_ = json.Unmarshal(data, &bare)
	detail := func() string {
		msg, _ := obj["message"].(string)
		cause, _ := obj["cause"].(string)
		if msg == name {
			msg = ""
		}
		switch {
		case msg != "" && cause != "" && cause != msg:
			return msg + ": " + cause
		case msg != "":
			return msg
		}
		return cause
	}
	switch {
	case code == http.StatusUnauthorized:
		return "Your session has ended or the credentials are wrong. Sign in again."
	case name == "validation error" && obj["account"] != nil && len(obj) == 1:
		return "This account is disabled."
	case name == "validation error":
		return "Some fields are not right: " + validationWords(obj)
	case code == http.StatusForbidden:
		if c, _ := obj["cause"].(string); c != "" {
			return "You are not allowed to do this: " + c + "."
		}
		return "You are not allowed to do this."
	case name == "bad_identifier" || code == http.StatusNotFound:
		if c, _ := obj["cause"].(string); c != "" {
			return "Not found: " + c + "."
		}
		return "Not found."
	case name == "accept charges":
		return "This costs money: the charges must be accepted first."
	case code == http.StatusTooManyRequests:
		return "Too many attempts. Wait a few minutes, then try again."
	case name == "not_enough_credit":
		return "The account does not have enough credit for this."
	case name == "number_exists":
		return "The number already exists."
	case name == "invalid_state_transition":
		if c, _ := obj["cause"].(string); c != "" {
			return "The number cannot go " + c + "."
		}
		return "The number cannot change to that state."
	case name == "unspecified_fault" || name == "by_carrier":
		if d := detail(); d != "" {
			return "The carrier failed: " + d + "."
		}
		return "The carrier failed."
	case bare != "":
		return strings.ReplaceAll(bare, "_", " ") + "."
	}
	if d := detail(); d != "" {
		return capitalize(d) + "."
	}
	if name != "" {
		return capitalize(strings.ReplaceAll(name, "_", " ")) + fmt.Sprintf(" (HTTP %d).", code)
	}
	return fmt.Sprintf("The request failed (HTTP %d).", code)
}

// validationWords lists the fields of a Kazoo validation error,
// {"cnam.display_name": {"maxLength": {"message": "..."}}}, as
// "cnam.display_name: String must not be more than 15 characters".
func validationWords(obj map[string]any) string {
	var parts []string
	for field, v := range obj {
		rules, _ := v.(map[string]any)
		for _, rv := range rules {
			msg := ""
			if m, ok := rv.(map[string]any); ok {
				msg, _ = m["message"].(string)
			}
			if msg == "" {
				msg = "is not valid"
			}
			parts = append(parts, field+": "+msg)
		}
	}
	sort.Strings(parts)
	if len(parts) == 0 {
		return "the request was refused."
	}
	return strings.Join(parts, "; ") + "."
}

func capitalize(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// numberError says in words why one number of a collection failed: Kazoo's
// error object {"code","error","message","cause"} or a bare reason.
func numberError(raw json.RawMessage) string {
	var bare string
	if json.Unmarshal(raw, &bare) == nil {
		switch bare {
		case "not_found":
			return "not found"
		case "not_reconcilable":
			return "not a phone number Numan understands"
		}
		return strings.ReplaceAll(bare, "_", " ")
	}
	var obj struct {
		Code    int    `json:"code"`
		Error   string `json:"error"`
		Message string `json:"message"`
		Cause   any    `json:"cause"`
	}
	if json.Unmarshal(raw, &obj) != nil {
		return "failed"
	}
	w := strings.TrimSuffix(words(obj.Code, obj.Error, raw), ".")
	return strings.ToLower(w[:1]) + w[1:]
}
