package api

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/numan-dev/numan/feature"
	"github.com/numan-dev/numan/internal/billing"
	"github.com/numan-dev/numan/internal/ports"
	"github.com/numan-dev/numan/number"
)

// apiError is a failure the API itself detects (authentication, routing,
// the shape of a request), already in Kazoo's terms.
type apiError struct {
	status  int
	message string // Kazoo's envelope "message"
	data    any
}

func (e *apiError) Error() string { return fmt.Sprintf("api: %d %s", e.status, e.message) }

func errUnauthenticated() error {
	return &apiError{http.StatusUnauthorized, "invalid_credentials", map[string]any{"message": "invalid credentials"}}
}

func errForbidden(reason string) error {
	d := map[string]any{"code": 403, "error": "forbidden", "message": "requestor is unauthorized to perform operation"}
	if reason != "" {
		d["cause"] = reason
	}
	return &apiError{http.StatusForbidden, "forbidden", d}
}

func errPathNotFound() error {
	return &apiError{http.StatusNotFound, "not_found", map[string]any{"message": "not found"}}
}

func errBadIdentifier(cause string) error {
	return &apiError{http.StatusNotFound, "bad_identifier", map[string]any{"message": "bad identifier", "cause": cause}}
}

func errMethodNotAllowed(allowed []string) error {
	return &apiError{http.StatusMethodNotAllowed, "method_not_allowed",
		map[string]any{"message": "method not allowed", "allowed": allowed}}
}

func errTooLarge(limit int64) error {
	return &apiError{http.StatusRequestEntityTooLarge, "too_big",
		map[string]any{"message": fmt.Sprintf("request body larger than %d bytes", limit)}}
}

// errRequestTimeout is a body that did not arrive within the server's body
// timeout (Limits.BodyTimeout).
func errRequestTimeout() error {
	return &apiError{http.StatusRequestTimeout, "request_timeout", map[string]any{"message": "the request body did not arrive in time"}}
}

func errMalformedJSON(err error) error {
	return &apiError{http.StatusBadRequest, "invalid_json", map[string]any{"message": "malformed JSON", "cause": err.Error()}}
}

// errClient is Kazoo's 400 "client error" for a failure that is a bare
// reason, not a JSON error (e.g. data "not_reconcilable").
func errClient(data any) error {
	return &apiError{http.StatusBadRequest, "client error", data}
}

// errAcceptCharges is the 402 of the two-phase write: the client must send
// the request again with accept_charges.
func errAcceptCharges(quote billing.Quote) error {
	return &apiError{http.StatusPaymentRequired, "accept charges", quote}
}

// errUnavailable is a dependency (database, locality service) not answering.
func errUnavailable(what string) error {
	return &apiError{http.StatusServiceUnavailable, "unavailable", map[string]any{"message": what}}
}

// kindStatus is the HTTP status of each error kind, as Kazoo answers it.
// The domain says what went wrong; only the API knows about HTTP.
var kindStatus = map[number.Kind]int{
	number.KindNumberIsPorting:        http.StatusBadRequest,
	number.KindNumberExists:           http.StatusConflict,
	number.KindNotFound:               http.StatusNotFound,
	number.KindNotReconcilable:        http.StatusNotFound,
	number.KindForbidden:              http.StatusForbidden,
	number.KindUnauthenticated:        http.StatusUnauthorized,
	number.KindServiceRestriction:     http.StatusPaymentRequired,
	number.KindNoChangeRequired:       http.StatusBadRequest,
	number.KindInvalidStateTransition: http.StatusBadRequest,
	number.KindAssignFailure:          http.StatusBadRequest,
	number.KindInvalid:                http.StatusBadRequest,
	number.KindByCarrier:              http.StatusInternalServerError,
	number.KindNotEnoughCredit:        http.StatusPaymentRequired,
	number.KindConflict:               http.StatusConflict,
	number.KindTooManyRequests:        http.StatusTooManyRequests,
	number.KindUnspecified:            http.StatusInternalServerError,
	number.KindInternal:               http.StatusInternalServerError,
	number.KindHasDescendants:         http.StatusBadRequest,
	// A purchase neither confirmed nor refused: not a server fault, and a
	// retry is not a new purchase (it meets the intent), so a 4xx.
	number.KindPurchasePending: http.StatusConflict,
	number.KindUnavailable:     http.StatusServiceUnavailable,
	// An account holding numbers is not deleted: the numbers' state
	// conflicts with the request until they are released.
	number.KindAccountHasNumbers: http.StatusConflict,
	// An Idempotency-Key sent with another request than its first: the
	// request is well formed, but cannot be processed (as Stripe and the
	// IETF draft answer).
	number.KindIdempotencyMismatch: http.StatusUnprocessableEntity,
}

// statusOf is the HTTP status of an error kind; a kind the table does not
// know is a 500.
func statusOf(k number.Kind) int {
	if code, ok := kindStatus[k]; ok {
		return code
	}
	return http.StatusInternalServerError
}

// errorObject is Kazoo's per-number error object: code, error, message,
// cause (knm_errors': the number, for the errors about one number) and,
// when set, details.
func errorObject(e *number.Error) map[string]any {
	m := map[string]any{
		"code":    statusOf(e.Kind),
		"error":   e.Kind.Name(),
		"message": e.Msg(),
	}
	if e.RetryAfter > 0 {
		m["retry_after"] = retryAfterSeconds(e.RetryAfter)
	}
	if cause := e.CauseText(); cause != "" {
		m["cause"] = cause
	}
	if e.Details != nil {
		m["details"] = e.Details
	}
	return m
}

// errorReply maps any error to its HTTP status and Kazoo envelope fields.
// It is the only place where an error becomes a status code.
func errorReply(err error) reply {
	var ae *apiError
	if errors.As(err, &ae) {
		return reply{status: ae.status, errMsg: ae.message, data: ae.data}
	}
	var pe *ports.Error
	if errors.As(err, &pe) {
		return reply{status: statusOf(pe.Kind), errMsg: pe.Message, data: pe.Data}
	}
	switch {
	case errors.Is(err, ports.ErrNotModifiable):
		return reply{status: http.StatusMethodNotAllowed, errMsg: "method_not_allowed", data: map[string]any{"message": err.Error()}}
	case errors.Is(err, ports.ErrUnsupportedType):
		return reply{status: http.StatusUnsupportedMediaType, errMsg: "unsupported_media_type", data: map[string]any{"message": err.Error()}}
	case errors.Is(err, ports.ErrTooLarge):
		return reply{status: http.StatusRequestEntityTooLarge, errMsg: "too_big", data: map[string]any{"message": err.Error()}}
	}
	var ve validationErrors
	if errors.As(err, &ve) {
		return reply{status: http.StatusBadRequest, errMsg: "validation error", data: ve.data()}
	}
	var ffe feature.FieldErrors
	if errors.As(err, &ffe) {
		return errorReply(featureFieldErrors(ffe).err())
	}
	var fe *number.FieldError
	if errors.As(err, &fe) {
		var v validationErrors
		if fe.Value != nil {
			v.add(fe.Field, fe.Rule, fe.Message, "value", fe.Value)
		} else {
			v.add(fe.Field, fe.Rule, fe.Message)
		}
		return errorReply(v.err())
	}
	var ne *number.Error
	if !errors.As(err, &ne) {
		return reply{status: http.StatusInternalServerError, errMsg: "internal_error",
			data: map[string]any{"code": 500, "error": "internal_error", "message": "internal_error"}}
	}
	switch ne.Kind {
	case number.KindNotFound:
		if strings.HasPrefix(ne.Number, "+") {
			return reply{status: http.StatusNotFound, errMsg: "bad_identifier",
				data: map[string]any{"message": "bad identifier", "not_found": "The number could not be found"}}
		}
		d := map[string]any{"message": "bad identifier"}
		if ne.Number != "" {
			d["cause"] = ne.Number
		}
		return reply{status: http.StatusNotFound, errMsg: "bad_identifier", data: d}
	case number.KindNotReconcilable:
		// Kazoo fails unreconcilable input before any lookup, with a bare reason.
		return reply{status: http.StatusBadRequest, errMsg: "client error", data: "not_reconcilable"}
	case number.KindUnauthenticated:
		return errorReply(errUnauthenticated())
	case number.KindInternal:
		return reply{status: http.StatusInternalServerError, errMsg: "internal_error",
			data: map[string]any{"code": 500, "error": "internal_error", "message": "internal_error"}}
	case number.KindHasDescendants:
		return reply{status: http.StatusBadRequest, errMsg: ne.Kind.Name(),
			data: map[string]any{"message": ne.Msg(), "cause": ne.Number}}
	}
	return reply{status: statusOf(ne.Kind), errMsg: ne.Kind.Name(), data: errorObject(ne)}
}

// numberFailure is how one failed number shows in a collection's "error"
// map: Kazoo keeps bare reasons for numbers it never found or could not
// read, and the error object for everything else.
func numberFailure(err error) any {
	switch number.KindOf(err) {
	case number.KindNotFound:
		return "not_found"
	case number.KindNotReconcilable:
		return "not_reconcilable"
	case number.KindInternal:
		return map[string]any{"code": 500, "error": "internal_error", "message": "internal_error"}
	}
	return errorObject(number.AsError(err))
}

// retryAfterSeconds is a wait in whole seconds, rounded up, at least 1.
func retryAfterSeconds(d time.Duration) int {
	return max(1, int((d+time.Second-1)/time.Second))
}
