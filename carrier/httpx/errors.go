package httpx

import (
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/numan-dev/numan/carrier"
	"github.com/numan-dev/numan/number"
)

// StatusError is a carrier's non-2xx reply. It sits in the chain of the
// *number.Error the client returns, so a carrier module can tell a 404
// from a 500 with StatusCode.
type StatusError struct {
	Carrier    string
	Method     string
	URL        string // secrets redacted
	Status     int
	Message    string // the carrier's message, secrets redacted
	RetryAfter time.Duration
}

func (e *StatusError) Error() string {
	return fmt.Sprintf("%s %s %s: HTTP %d: %s", e.Carrier, e.Method, e.URL, e.Status, e.Message)
}

// Reason says in words what the status means for the operator reading the
// error: whether to look at credentials, permissions, the request or the
// carrier.
func (e *StatusError) Reason() string {
	switch {
	case e.Status == http.StatusUnauthorized:
		return "authentication failed"
	case e.Status == http.StatusForbidden:
		return "authorization failed"
	case e.Status == http.StatusNotFound:
		return "not found"
	case e.Status == http.StatusTooManyRequests:
		return "rate limited"
	case e.Status >= 500:
		return "carrier server error"
	default:
		return "request rejected"
	}
}

// StatusClass is what an HTTP status says about a carrier's refusal: 404
// and 410 not found, 409 taken, 429 rate limited, 401 and 403 auth, any
// other 4xx but 408 rejected (the carrier understood and refused), 408 and
// 5xx transient (the carrier may have acted before failing). Anything else
// is unclassified.
func StatusClass(status int) carrier.Class {
	switch {
	case status == http.StatusNotFound || status == http.StatusGone:
		return carrier.NotFound
	case status == http.StatusConflict:
		return carrier.Taken
	case status == http.StatusTooManyRequests:
		return carrier.RateLimited
	case status == http.StatusUnauthorized || status == http.StatusForbidden:
		return carrier.Auth
	case status == http.StatusRequestTimeout || status >= 500 && status < 600:
		return carrier.Transient
	case status >= 400 && status < 500:
		return carrier.Rejected
	}
	return carrier.Unclassified
}

// numberError is how every HTTP failure reaches Numan: a by_carrier fault,
// because the carrier, not the caller, failed to do what was asked, with
// the failure's class in its chain.
func (e *StatusError) numberError(num string, class carrier.Class) *number.Error {
	details := map[string]any{
		"carrier": e.Carrier,
		"status":  e.Status,
		"message": e.Message,
	}
	if e.RetryAfter > 0 {
		details["retry_after_s"] = int64(e.RetryAfter.Seconds())
	}
	cause := fmt.Sprintf("%s: %s (HTTP %d)", e.Carrier, e.Reason(), e.Status)
	if e.Message != "" {
		cause += ": " + e.Message
	}
	return &number.Error{
		Kind:    number.KindByCarrier,
		Number:  num,
		Cause:   cause,
		Details: details,
		Err:     &carrier.Failure{Class: class, Err: e},
	}
}

// StatusCode returns the HTTP status of the carrier reply behind err, or 0
// when err is not an HTTP status failure.
func StatusCode(err error) int {
	var se *StatusError
	if errors.As(err, &se) {
		return se.Status
	}
	return 0
}

// CarrierError builds the by_carrier error a carrier module returns when a
// reply that arrived with status 2xx does not say the call succeeded (an
// order reply without an id, an order still pending, a purchase of some
// other number). The carrier may have acted, so the failure is
// unclassified; use Refusal when the reply says the carrier did not. msg is
// redacted by the caller's client.
func (c *Client) CarrierError(num, format string, args ...any) *number.Error {
	return c.replyError(carrier.Unclassified, num, format, args...)
}

// Refusal builds the by_carrier error of a failure a carrier reported in a
// well-formed 2xx reply (an order FAILED, an error list, a status "fail"):
// the carrier did not act, and class says why (Rejected when nothing more
// is known).
func (c *Client) Refusal(class carrier.Class, num, format string, args ...any) *number.Error {
	return c.replyError(class, num, format, args...)
}

func (c *Client) replyError(class carrier.Class, num, format string, args ...any) *number.Error {
	msg := truncate(c.redact(fmt.Sprintf(format, args...)), 500)
	return &number.Error{
		Kind:    number.KindByCarrier,
		Number:  num,
		Cause:   c.Carrier + ": " + msg,
		Details: map[string]any{"carrier": c.Carrier, "message": msg},
		Err:     &carrier.Failure{Class: class},
	}
}

// RefineByMessage returns a Client.Classify for carriers whose error
// replies carry words but no codes worth reading: a 4xx that StatusClass
// calls merely Rejected is classified by the carrier's message
// (carrier.ClassifyMessage: "not available" is Taken, "invalid login" is
// Auth, ...). Other statuses keep StatusClass's class: a 5xx stays
// transient whatever it says.
func RefineByMessage(message func(status int, body []byte) string) func(status int, body []byte) carrier.Class {
	return func(status int, body []byte) carrier.Class {
		if StatusClass(status) != carrier.Rejected || message == nil {
			return carrier.Unclassified
		}
		msg := message(status, body)
		if msg == "" {
			return carrier.Unclassified
		}
		return carrier.ClassifyMessage(msg)
	}
}
