package feature

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"sort"
	"strings"

	"github.com/numan-dev/numan/carrier/httpx"
	"github.com/numan-dev/numan/number"
)

// Failure is in the chain of every error a provider's remote call returns.
// It says what the failure means for what happened at the provider, which
// the save pipeline needs: a definite refusal changed nothing there, while
// after a timeout the provider may have acted and the number must remember
// to check.
type Failure struct {
	Provider string
	Op       string // "provision", "deprovision", "validate", "refresh"
	// Refused: the provider answered and did not do what was asked.
	Refused bool
	// Retry: trying again later may succeed (the provider was down, slow,
	// or rate limiting).
	Retry bool
	Err   error
}

func (f *Failure) Error() string {
	what := "failed"
	switch {
	case f.Refused:
		what = "refused"
	case f.Retry:
		what = "unavailable"
	}
	if f.Err == nil {
		return fmt.Sprintf("%s %s %s", f.Provider, f.Op, what)
	}
	return fmt.Sprintf("%s %s %s: %v", f.Provider, f.Op, what, f.Err)
}

func (f *Failure) Unwrap() error { return f.Err }

// Unavailable reports whether err is a provider being down, slow or rate
// limiting: the request itself may be fine and a retry later may succeed.
func Unavailable(err error) bool {
	var f *Failure
	return errors.As(err, &f) && f.Retry
}

// Refused reports whether err is a provider's definite "no": it answered,
// and changed nothing.
func Refused(err error) bool {
	var f *Failure
	return errors.As(err, &f) && f.Refused
}

// MayHaveActed reports whether, after err, the provider may have done what
// was asked all the same (a timeout, a connection cut, a server error, a
// reply that could not be read): the caller must keep a record and check.
// Errors no provider call returned (validation) are false.
func MayHaveActed(err error) bool {
	var f *Failure
	return errors.As(err, &f) && !f.Refused && f.Op != "validate"
}

// RemoteError turns the error of a call to a provider's API (an httpx
// error, a parse failure) into the provider's error: the same kind and
// cause, naming the number, with a Failure in its chain that classifies it.
func RemoteError(provider, op, num string, err error) error {
	if err == nil {
		return nil
	}
	var f *Failure
	if errors.As(err, &f) {
		return number.WithNumber(err, num)
	}
	refused, retry := classify(err)
	fail := &Failure{Provider: provider, Op: op, Refused: refused, Retry: retry, Err: err}
	var ne *number.Error
	if errors.As(err, &ne) {
		cp := *ne
		if cp.Number == "" {
			cp.Number = num
		}
		if !strings.HasPrefix(cp.Cause, provider) {
			cp.Cause = provider + ": " + strings.TrimPrefix(cp.Cause, ": ")
		}
		cp.Details = withProvider(cp.Details, provider, retry)
		cp.Err = fail
		return &cp
	}
	return &number.Error{
		Kind:    number.KindByCarrier,
		Number:  num,
		Cause:   fmt.Sprintf("%s: %s failed", provider, op),
		Details: withProvider(nil, provider, retry),
		Err:     fail,
	}
}

// Refusal is a provider's definite "no" that arrived in a successful reply
// (Vitelity's <status>fail</status>, an order FAILED): a by_carrier error
// naming the provider and the number, with the provider's message.
func Refusal(provider, op, num, format string, args ...any) error {
	msg := fmt.Sprintf(format, args...)
	return &number.Error{
		Kind:    number.KindByCarrier,
		Number:  num,
		Cause:   provider + ": " + msg,
		Details: map[string]any{"provider": provider, "message": msg, "retryable": false},
		Err:     &Failure{Provider: provider, Op: op, Refused: true, Err: errors.New(msg)},
	}
}

// InvalidAddress is the error of an E911 address a provider refuses: Kazoo's
// 400 invalid whose cause is the provider's description, with the
// provider's suggested addresses (possibly none) in Details.
func InvalidAddress(provider, num, description string, asked Address, suggestions []Address) error {
	if suggestions == nil {
		suggestions = []Address{}
	}
	msg := "invalid"
	if len(suggestions) > 1 {
		msg = "more than one address found"
	}
	return &number.Error{
		Kind:    number.KindInvalid,
		Number:  num,
		Message: msg,
		Cause:   fmt.Sprintf("%s: %s", provider, description),
		Details: map[string]any{"provider": provider, "address": asked, "suggestions": suggestions},
		Err:     &Failure{Provider: provider, Op: "validate", Refused: true, Err: errors.New(description)},
	}
}

func withProvider(details any, provider string, retry bool) map[string]any {
	out := map[string]any{}
	if m, ok := details.(map[string]any); ok {
		for k, v := range m {
			if k != "carrier" {
				out[k] = v
			}
		}
	}
	out["provider"] = provider
	out["retryable"] = retry
	return out
}

// classify reads an error of the shared HTTP client: an HTTP status says
// whether the provider refused; a timeout, a transport failure or an
// unreadable reply leave it unknown.
func classify(err error) (refused, retry bool) {
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) {
		return false, true
	}
	if status := httpx.StatusCode(err); status != 0 {
		switch {
		case status == http.StatusTooManyRequests:
			return true, true // rate limited: not done, try later
		case status == http.StatusRequestTimeout || status >= 500:
			return false, true
		default:
			return true, false
		}
	}
	var ne net.Error
	if errors.As(err, &ne) {
		return false, true
	}
	// A transport failure or a reply that could not be read: the request
	// may have been carried out.
	return false, true
}

// FieldError is one violation of a feature's request rules, in Kazoo's
// validation terms: the dotted path, the rule, and the rule's detail.
type FieldError struct {
	Path    string
	Rule    string // required, type, minLength, maxLength, enum, pattern
	Message string
	Target  any // the rule's bound, when it has one
	Value   any // the offending value, when there is one
}

// FieldErrors is a request that broke its feature's rules. The API renders
// it as Kazoo's 400 "validation error" whose data is Data().
type FieldErrors []FieldError

func (v FieldErrors) Error() string {
	parts := make([]string, len(v))
	for i, f := range v {
		parts[i] = f.Path + ": " + f.Rule
	}
	return "validation error: " + strings.Join(parts, ", ")
}

// Data is Kazoo's validation error data: {path: {rule: {"message": ...,
// "target": ..., "value": ...}}}.
func (v FieldErrors) Data() map[string]any {
	out := map[string]any{}
	for _, f := range v {
		rules, _ := out[f.Path].(map[string]any)
		if rules == nil {
			rules = map[string]any{}
			out[f.Path] = rules
		}
		d := map[string]any{"message": f.Message}
		if f.Target != nil {
			d["target"] = f.Target
		}
		if f.Value != nil {
			d["value"] = f.Value
		}
		rules[f.Rule] = d
	}
	return out
}

// Err returns nil when there are no violations, else a KindInvalid error
// about num carrying them (sorted by path) in its chain and Details.
func (v FieldErrors) Err(num string) error {
	if len(v) == 0 {
		return nil
	}
	sorted := append(FieldErrors(nil), v...)
	sort.SliceStable(sorted, func(i, j int) bool { return sorted[i].Path < sorted[j].Path })
	return &number.Error{Kind: number.KindInvalid, Number: num, Message: "validation error",
		Cause: sorted.Error(), Details: sorted.Data(), Err: sorted}
}

func (v *FieldErrors) add(path, rule, message string, target, value any) {
	*v = append(*v, FieldError{Path: path, Rule: rule, Message: message, Target: target, Value: value})
}
