package number

import (
	"errors"
	"fmt"
	"strings"
)

// Kind classifies an error. Each kind maps to one HTTP status and one
// Kazoo error name, so the API renders every failure the way Kazoo does.
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
)

type kindInfo struct {
	code    int
	name    string // the "error" field
	message string // default message; %s is the number
}

var kinds = map[Kind]kindInfo{
	KindNumberIsPorting:        {400, "number_is_porting", "number %s is porting"},
	KindNumberExists:           {409, "number_exists", "number %s already exists"},
	KindNotFound:               {404, "not_found", "number %s not found"},
	KindNotReconcilable:        {404, "not_reconcilable", "number %s is not reconcilable"},
	KindForbidden:              {403, "forbidden", "requestor is unauthorized to perform operation"},
	KindUnauthenticated:        {401, "unauthorized", "invalid credentials"},
	KindServiceRestriction:     {402, "service_restriction", "service restriction"},
	KindNoChangeRequired:       {400, "no_change_required", "no change required"},
	KindInvalidStateTransition: {400, "invalid_state_transition", "invalid state transition"},
	KindAssignFailure:          {400, "assign_failure", "invalid account to assign to"},
	KindInvalid:                {400, "invalid", "invalid"},
	KindByCarrier:              {500, "unspecified_fault", "fault by carrier"},
	KindNotEnoughCredit:        {402, "not_enough_credit", "account %s does not have enough credit to perform the operation"},
	KindConflict:               {409, "conflict", "number %s was changed by another request"},
	KindTooManyRequests:        {429, "too_many_requests", "too many requests"},
	KindUnspecified:            {500, "unspecified_fault", "unspecified fault"},
	KindInternal:               {500, "internal_error", "internal_error"},
}

// Code is the HTTP status Kazoo uses for the kind.
func (k Kind) Code() int {
	if i, ok := kinds[k]; ok {
		return i.code
	}
	return 500
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
	Number  string // the number, or the account for not_enough_credit; fills the message
	Message string // overrides the kind's default message
	Cause   string // Kazoo's "cause"
	Details any    // extra structured detail (carrier's message, validation errors)
	Err     error  // the underlying error, if any
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

// JSON is Kazoo's per-number error object: code, error, message and, when
// set, cause and details.
func (e *Error) JSON() map[string]any {
	m := map[string]any{
		"code":    e.Kind.Code(),
		"error":   e.Kind.Name(),
		"message": e.Msg(),
	}
	if e.Cause != "" {
		m["cause"] = e.Cause
	}
	if e.Details != nil {
		m["details"] = e.Details
	}
	return m
}

// KindOf returns the kind of err: the kind of the first *Error in its chain,
// or KindInternal.
func KindOf(err error) Kind {
	var e *Error
	if errors.As(err, &e) {
		return e.Kind
	}
	return KindInternal
}

// AsError returns err as an *Error, wrapping an untyped error as internal.
func AsError(err error) *Error {
	var e *Error
	if errors.As(err, &e) {
		return e
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
