package httpx

import (
	"errors"
	"fmt"
	"net/http"
	"time"

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

// numberError is how every HTTP failure reaches Numan: a by_carrier fault,
// because the carrier, not the caller, failed to do what was asked.
func (e *StatusError) numberError(num string) *number.Error {
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
		Err:     e,
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
// reply that arrived with status 2xx still reports a failure (an order
// FAILED, an XML ErrorList). msg is redacted by the caller's client.
func (c *Client) CarrierError(num, format string, args ...any) *number.Error {
	msg := truncate(c.redact(fmt.Sprintf(format, args...)), 500)
	return &number.Error{
		Kind:    number.KindByCarrier,
		Number:  num,
		Cause:   c.Carrier + ": " + msg,
		Details: map[string]any{"carrier": c.Carrier, "message": msg},
	}
}
