package carrier

import (
	"errors"
	"strconv"
	"strings"

	"github.com/numan-dev/numan/number"
)

// Class says what a carrier failure means to the caller: above all whether
// the carrier certainly did not act, which decides whether a purchase that
// failed may be forgotten or must be settled later.
type Class uint8

// The failure classes. Only NotFound, Taken, RateLimited, Auth and Rejected
// say the carrier did not act; Transient and Unclassified leave it open.
const (
	// Unclassified is a failure nothing more is known of: the carrier may
	// have acted.
	Unclassified Class = iota
	// NotFound: the carrier does not know the number or the resource asked
	// for (HTTP 404, 410, a carrier's "not found").
	NotFound
	// Taken: the number is not available to this account: someone else
	// holds it, or it is already ordered (HTTP 409, a carrier's "not
	// available").
	Taken
	// RateLimited: the carrier refused the request for now (HTTP 429).
	RateLimited
	// Transient: the carrier or the way to it failed after the request may
	// have reached it (HTTP 5xx or 408, a transport error, a timeout or a
	// cancellation mid-call, a reply that cannot be read, an order still
	// pending). Asking again later may help; the carrier may have acted.
	Transient
	// Auth: the carrier refused Numan's credentials or permissions (HTTP
	// 401, 403, a carrier's "invalid login").
	Auth
	// Rejected: any other definite refusal (another 4xx, a failure the
	// carrier reported in a well-formed reply).
	Rejected
)

var classNames = [...]string{"unclassified", "not_found", "taken", "rate_limited", "transient", "auth", "rejected"}

// String is the class's name, as logs and tests show it.
func (c Class) String() string {
	if int(c) < len(classNames) {
		return classNames[c]
	}
	return "class(" + strconv.Itoa(int(c)) + ")"
}

// definite reports whether a failure of class c means the carrier did not act.
func (c Class) definite() bool {
	switch c {
	case NotFound, Taken, RateLimited, Auth, Rejected:
		return true
	}
	return false
}

// Failure is a classified carrier failure. It sits in the chain of the
// *number.Error a carrier returns (kind by_carrier, usually), so the API
// renders the error exactly as before; callers find it with errors.As, or
// through ClassOf and IsDefiniteRefusal.
type Failure struct {
	Class Class
	// Unsent means the request never left Numan (a bad URL, a failed dial
	// or DNS lookup, a context that ended before sending, a call refused
	// before any request): the carrier cannot have acted, whatever Class.
	Unsent bool
	// Err is what failed, if anything more is known.
	Err error
}

func (f *Failure) Error() string {
	if f.Err != nil {
		return f.Err.Error()
	}
	if f.Unsent {
		return f.Class.String() + " (not sent)"
	}
	return f.Class.String()
}

// Unwrap returns the underlying error.
func (f *Failure) Unwrap() error { return f.Err }

// ClassOf returns the class of the first Failure in err's chain, or
// Unclassified when there is none.
func ClassOf(err error) Class {
	var f *Failure
	if errors.As(err, &f) {
		return f.Class
	}
	return Unclassified
}

// IsDefiniteRefusal reports whether err says the carrier certainly did not
// act: the first Failure in its chain is of class NotFound, Taken,
// RateLimited, Auth or Rejected, or its request was never sent. Transient
// and unclassified failures, and errors with no Failure at all, are not
// definite: a purchase that failed with one may have succeeded at the
// carrier and must not be forgotten.
func IsDefiniteRefusal(err error) bool {
	var f *Failure
	if err == nil || !errors.As(err, &f) {
		return false
	}
	return f.Unsent || f.Class.definite()
}

// Classify returns err with class c in front of whatever class it had: a
// copy of the *number.Error in its chain whose Err is a new Failure of
// class c wrapping the old chain, so that ClassOf and IsDefiniteRefusal see
// c. The copy renders exactly as err did. An error without a *number.Error
// becomes a by_carrier one. A nil err stays nil.
func Classify(err error, c Class) error {
	return reclassify(err, &Failure{Class: c})
}

// Uncertain marks err as a failure after which the carrier may have acted:
// class Transient. A carrier uses it once a call has passed its point of no
// return, e.g. when following an order it placed fails, however definite
// the follow-up's own failure looks (a 404 while polling the order does not
// mean the number was not bought).
func Uncertain(err error) error { return Classify(err, Transient) }

// NotSent marks err as a refusal made before any request left Numan
// (settings, provisioning off): whatever its class, the carrier did not act.
func NotSent(err error) error {
	return reclassify(err, &Failure{Class: ClassOf(err), Unsent: true})
}

func reclassify(err error, f *Failure) error {
	if err == nil {
		return nil
	}
	var e *number.Error
	if !errors.As(err, &e) {
		f.Err = err
		return &number.Error{Kind: number.KindByCarrier, Err: f}
	}
	cp := *e
	f.Err = e.Err
	cp.Err = f
	return &cp
}

// ClassifyMessage guesses the class of a refusal a carrier gave only in
// words (a text status, a SOAP message), for carriers whose API has no
// codes to go by. A message that matches nothing known is Rejected: the
// carrier answered, in a well-formed reply, that it did not do it.
func ClassifyMessage(msg string) Class {
	m := strings.ToLower(msg)
	has := func(words ...string) bool {
		for _, w := range words {
			if strings.Contains(m, w) {
				return true
			}
		}
		return false
	}
	switch {
	case has("login", "password", "credential", "unauthori", "authenticat", "secret", "api key", "forbidden", "permission"):
		return Auth
	case has("too many requests", "rate limit", "slow down", "throttl"):
		return RateLimited
	case has("not available", "unavailable", "already", "taken", "in use"):
		return Taken
	case has("not found", "no such", "unknown number", "not in our inventory", "does not exist", "not on your account"):
		return NotFound
	}
	return Rejected
}
