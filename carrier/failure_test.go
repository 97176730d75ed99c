package carrier_test

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"testing"

	"github.com/numan-dev/numan/carrier"
	"github.com/numan-dev/numan/number"
)

func TestIsDefiniteRefusal(t *testing.T) {
	wrapped := func(c carrier.Class, unsent bool) error {
		return &number.Error{Kind: number.KindByCarrier, Cause: "x", Err: &carrier.Failure{Class: c, Unsent: unsent}}
	}
	for _, tc := range []struct {
		name string
		err  error
		want bool
	}{
		{"nil", nil, false},
		{"plain error", errors.New("boom"), false},
		{"number error without failure", number.Errorf(number.KindByCarrier, "", "boom"), false},
		{"context deadline", context.DeadlineExceeded, false},
		{"unclassified", wrapped(carrier.Unclassified, false), false},
		{"transient", wrapped(carrier.Transient, false), false},
		{"not found", wrapped(carrier.NotFound, false), true},
		{"taken", wrapped(carrier.Taken, false), true},
		{"rate limited", wrapped(carrier.RateLimited, false), true},
		{"auth", wrapped(carrier.Auth, false), true},
		{"rejected", wrapped(carrier.Rejected, false), true},
		{"transient never sent", wrapped(carrier.Transient, true), true},
		{"unclassified never sent", wrapped(carrier.Unclassified, true), true},
		{"wrapped by fmt", fmt.Errorf("acquire: %w", wrapped(carrier.Taken, false)), true},
		{"taken made uncertain", carrier.Uncertain(wrapped(carrier.Taken, false)), false},
		{"transient marked not sent", carrier.NotSent(wrapped(carrier.Transient, false)), true},
		{"plain error made taken", carrier.Classify(errors.New("x"), carrier.Taken), true},
	} {
		if got := carrier.IsDefiniteRefusal(tc.err); got != tc.want {
			t.Errorf("%s: IsDefiniteRefusal(%v) = %v, want %v", tc.name, tc.err, got, tc.want)
		}
	}
}

// Reclassifying changes what callers learn, never what the API renders.
func TestClassifyKeepsRendering(t *testing.T) {
	inner := errors.New("HTTP 404")
	orig := &number.Error{Kind: number.KindByCarrier, Number: "+14155550100", Cause: "bw: not found (HTTP 404)",
		Details: map[string]any{"carrier": "bw"}, Err: &carrier.Failure{Class: carrier.NotFound, Err: inner}}
	got := carrier.Uncertain(orig)
	ge := number.AsError(got)
	if ge.Kind != orig.Kind || ge.Number != orig.Number || ge.Msg() != orig.Msg() || ge.Cause != orig.Cause ||
		!reflect.DeepEqual(ge.Details, orig.Details) || got.Error() != orig.Error() {
		t.Errorf("rendering changed: %+v / %v", ge, got)
	}
	if !errors.Is(got, inner) || carrier.ClassOf(got) != carrier.Transient || carrier.ClassOf(orig) != carrier.NotFound {
		t.Errorf("chain or class wrong: %v %v", carrier.ClassOf(got), carrier.ClassOf(orig))
	}
	if carrier.Classify(nil, carrier.Taken) != nil || carrier.Uncertain(nil) != nil || carrier.NotSent(nil) != nil {
		t.Error("nil became an error")
	}
	plain := carrier.Classify(inner, carrier.Rejected)
	if number.KindOf(plain) != number.KindByCarrier || !errors.Is(plain, inner) {
		t.Errorf("plain error: %v", plain)
	}
}

func TestClassifyMessage(t *testing.T) {
	for msg, want := range map[string]carrier.Class{
		"Invalid login or password":                   carrier.Auth,
		"Invalid login or secret":                     carrier.Auth,
		"DID is not available":                        carrier.Taken,
		"Number not available for assignment":         carrier.Taken,
		"number already ordered by another customer":  carrier.Taken,
		"The telephone number is unavailable":         carrier.Taken,
		"DID not found on your account":               carrier.NotFound,
		"Number is not in our inventory":              carrier.NotFound,
		"Too many requests":                           carrier.RateLimited,
		"unknown country ZZ":                          carrier.Rejected,
		"Nothing available in this rate center":       carrier.Rejected,
		"":                                            carrier.Rejected,
		"Site 9999 does not exist or does not belong": carrier.NotFound,
	} {
		if got := carrier.ClassifyMessage(msg); got != want {
			t.Errorf("ClassifyMessage(%q) = %v, want %v", msg, got, want)
		}
	}
}

func TestClassNames(t *testing.T) {
	for c, want := range map[carrier.Class]string{
		carrier.Unclassified: "unclassified", carrier.NotFound: "not_found", carrier.Taken: "taken",
		carrier.RateLimited: "rate_limited", carrier.Transient: "transient", carrier.Auth: "auth",
		carrier.Rejected: "rejected", carrier.Class(42): "class(42)",
	} {
		if c.String() != want {
			t.Errorf("%d: %q, want %q", c, c.String(), want)
		}
	}
}
