package number

import (
	"errors"
	"fmt"
	"strings"
	"time"
)

// Kind classifies an error by what went wrong. Each kind has Kazoo's error
// name and default message; the API alone decides its HTTP status.
type Kind string

// The error kinds of Kazoo's number manager (knm_errors), plus the few Numan
// needs on top (conflict, unauthenticated, too_many_requests).
const (
	KindNumberIsPorting        Kind = "number_is_porting"
	KindNumberExists           Kind = "number_exists"
	KindNotFound               Kind = "not_found"
	KindNotReconcilable        Kind = "not_reconcilable"
	KindForbidden              Kind = "forbidden" // Kazoo's "unauthorized" kind, rendered as forbidden
	KindUnauthenticated        Kind = "unauthenticated"
	KindServiceRestriction     Kind = "service_restriction"
	KindNoChangeRequired       Kind = "no_change_required"
	KindInvalidStateTransition Kind = "invalid_state_transition"
	KindAssignFailure          Kind = "assign_failure"
	KindInvalid                Kind = "invalid"
	KindByCarrier              Kind = "by_carrier"
	KindNotEnoughCredit        Kind = "not_enough_credit"
	KindConflict               Kind = "conflict" // a concurrent write won; retry
	KindTooManyRequests        Kind = "too_many_requests"
	KindUnspecified            Kind = "unspecified_fault" // Kazoo's catch-all; Message names the reason
	KindInternal               Kind = "internal_error"
	KindHasDescendants         Kind = "account_has_descendants" // an account with children is not deleted; Number is the account
	// KindPurchasePending: the carrier neither confirmed nor refused a
	// purchase (timeout, lost connection, a reply that cannot be read); the
	// intent is kept and settled in the background or by reconciliation.
	KindPurchasePending Kind = "purchase_pending"
	// KindAccountHasNumbers: an account that numbers are assigned to is
	// not deleted (unless they are released first); Number is the account.
	KindAccountHasNumbers Kind = "account_has_numbers"
	// KindUnavailable: a dependency (the database) failed in a way that
	// may be temporary; the request may be retried.
	KindUnavailable Kind = "unavailable"
	// KindIdempotencyMismatch: an Idempotency-Key sent again with another
	// request than the one it was first used for.
	KindIdempotencyMismatch Kind = "idempotency_key_reused"
)

type kindInfo struct {
	name    string // the "error" field
	message string // default message; %s is the number
	// numberCause: without a cause of its own, the error's cause is the
	// number it concerns (knm_errors:to_json), or "unknown".
	numberCause bool
}

var kinds = map[Kind]kindInfo{
	KindNumberIsPorting:        {"number_is_porting", "number %s is porting", true},
	KindNumberExists:           {"number_exists", "number %s already exists", true},
	KindNotFound:               {"not_found", "number %s not found", true},
	KindNotReconcilable:        {"not_reconcilable", "number %s is not reconcilable", true},
	KindForbidden:              {"forbidden", "requestor is unauthorized to perform operation", false},
	KindUnauthenticated:        {"unauthorized", "invalid credentials", false},
	KindServiceRestriction:     {"service_restriction", "service restriction", true},
	KindNoChangeRequired:       {"no_change_required", "no change required", false},
	KindInvalidStateTransition: {"invalid_state_transition", "invalid state transition", false},
	KindAssignFailure:          {"assign_failure", "invalid account to assign to", false},
	KindInvalid:                {"invalid", "invalid", false},
	KindByCarrier:              {"unspecified_fault", "fault by carrier", true},
	KindNotEnoughCredit:        {"not_enough_credit", "account %s does not have enough credit to perform the operation", false},
	KindConflict:               {"conflict", "number %s was changed by another request", true},
	KindTooManyRequests:        {"too_many_requests", "too many requests", false},
	KindUnspecified:            {"unspecified_fault", "unspecified fault", false},
	KindInternal:               {"internal_error", "internal_error", false},
	KindHasDescendants:         {"account_has_descendants", "account has descendants; delete them first", false},
	KindPurchasePending:        {"purchase_pending", "purchase of number %s is pending at the carrier", true},
	KindUnavailable:            {"unavailable", "temporarily unavailable; retry", false},
	KindAccountHasNumbers:      {"account_has_numbers", "account %s holds numbers; release them first", false},
	KindIdempotencyMismatch:    {"idempotency_key_reused", "Idempotency-Key reused with another request", false},
}

// Name is the value of the "error" field Kazoo renders for the kind.
func (k Kind) Name() string {
	if i, ok := kinds[k]; ok {
		return i.name
	}
	return "unspecified_fault"
}

// Error is a typed error: a kind, the number (or account) it concerns, an
// optional cause and details, and the wrapped underlying error.
type Error struct {
	Kind    Kind
	Number  string // the number, or the account (not_enough_credit, account_has_descendants); fills the message
	Message string // overrides the kind's default message
	Cause   string // Kazoo's "cause"
	Details any    // extra structured detail (carrier's message, validation errors)
	Err     error  // the underlying error, if any
	// RetryAfter, when set, is how long the client should wait before
	// trying again (a rate limit, a request in progress).
	RetryAfter time.Duration
}

// Errorf returns an *Error of kind k about num whose cause is the formatted text.
func Errorf(k Kind, num, format string, args ...any) *Error {
	return &Error{Kind: k, Number: num, Cause: fmt.Sprintf(format, args...)}
}

// NewError returns an *Error of kind k about num with no cause.
func NewError(k Kind, num string) *Error { return &Error{Kind: k, Number: num} }

// Wrap returns an *Error of kind k about num wrapping err.
func Wrap(k Kind, num string, err error) *Error { return &Error{Kind: k, Number: num, Err: err} }

// Msg is the human-readable message Kazoo puts in "message".
func (e *Error) Msg() string {
	if e.Message != "" {
		return e.Message
	}
	info, ok := kinds[e.Kind]
	if !ok {
		return string(e.Kind)
	}
	if strings.Contains(info.message, "%s") {
		return fmt.Sprintf(info.message, e.Number)
	}
	return info.message
}

// CauseText is the error's "cause" as Kazoo renders it (knm_errors): its
// own cause, else, for the kinds about one number (number_exists,
// not_found, number_is_porting, not_reconcilable, service_restriction,
// by_carrier), the number, or "unknown" when it names none.
func (e *Error) CauseText() string {
	if e.Cause != "" {
		return e.Cause
	}
	if info, ok := kinds[e.Kind]; ok && info.numberCause {
		if e.Number != "" {
			return e.Number
		}
		return "unknown"
	}
	return ""
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(string(e.Kind))
	b.WriteString(": ")
	b.WriteString(e.Msg())
	if e.Cause != "" {
		b.WriteString(" (")
		b.WriteString(e.Cause)
		b.WriteString(")")
	}
	if e.Err != nil {
		b.WriteString(": ")
		b.WriteString(e.Err.Error())
	}
	return b.String()
}

func (e *Error) Unwrap() error { return e.Err }

// Is lets errors.Is match on kind: errors.Is(err, number.NewError(number.KindNotFound, "")).
func (e *Error) Is(target error) bool {
	var t *Error
	if errors.As(target, &t) {
		return t.Kind == e.Kind && (t.Number == "" || t.Number == e.Number)
	}
	return false
}

// KindOf returns the kind of err: the kind of the first *Error in its chain,
// KindInvalid for a *FieldError, or KindInternal.
func KindOf(err error) Kind {
	var e *Error
	if errors.As(err, &e) {
		return e.Kind
	}
	var fe *FieldError
	if errors.As(err, &fe) {
		return KindInvalid
	}
	return KindInternal
}

// AsError returns err as an *Error: a *FieldError as invalid, an untyped
// error wrapped as internal.
func AsError(err error) *Error {
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	var fe *FieldError
	if errors.As(err, &fe) {
		return &Error{Kind: KindInvalid, Cause: fe.Field + ": " + fe.Message, Err: err}
	}
	return &Error{Kind: KindInternal, Err: err}
}

// IsKind reports whether err is of kind k.
func IsKind(err error, k Kind) bool { return err != nil && KindOf(err) == k }

// WithNumber returns err naming num when err is an *Error that names no
// number yet (a carrier's HTTP error, say); other errors are returned as
// they are.
func WithNumber(err error, num string) error {
	var e *Error
	if errors.As(err, &e) && e.Number == "" {
		cp := *e
		cp.Number = num
		return &cp
	}
	return err
}
