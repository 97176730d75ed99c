// Package carriertest is the behavioural spec every carrier passes, and a
// scriptable fake carrier for manager and API tests.
//
// A carrier's test calls Run with a constructor; remote carriers point their
// constructor at an httptest server replaying testdata/ replies, and tell
// Run which prefix to search and how many results the server offers:
//
//	carriertest.Run(t, func(t *testing.T) carrier.Carrier {
//		return newTestCarrier(t, srv.URL)
//	}, carriertest.Prefix("+1415"), carriertest.MinResults(2))
//
// Remote carriers also call RunFaults, which points the constructor at
// servers that fail in every standard way and checks how each failure is
// classified (carrier.Failure), above all that only a carrier that certainly
// did not act reports a definite refusal. CheckFailure checks one error the
// same way, for the replies only one carrier understands.
//
// The fake carrier (Fake, registered as FakeName) is registered only when a
// test calls RegisterFake, never from init: production binaries link no
// test code, and carrier.Names() in a test lists it only where a test asked
// for it. It registers as not usable, so carriers_info never offers it.
package carriertest

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/numan-dev/numan/carrier"
	"github.com/numan-dev/numan/number"
	"github.com/numan-dev/numan/number/money"
)

// Option adjusts what Run searches for and expects.
type Option func(*suite)

// Prefix sets the normalised prefix Run searches by (default "+1415").
func Prefix(p string) Option { return func(s *suite) { s.prefix = p } }

// MinResults sets how many results a search of the prefix must at least
// return (default 0: the carrier may find nothing). With MinResults(n) for
// n > 0, Run also checks that a search for fewer than n numbers returns
// exactly that many.
func MinResults(n int) Option { return func(s *suite) { s.minResults = n } }

// Quantity sets how many numbers the main search asks for (default 5, or
// MinResults if larger).
func Quantity(q int) Option { return func(s *suite) { s.quantity = q } }

// Search sets the search options passed to FindNumbers (default: account
// and reseller "carriertest-account", country US, dialcode +1).
func Search(opts carrier.SearchOptions) Option { return func(s *suite) { s.opts = opts } }

type suite struct {
	prefix     string
	minResults int
	quantity   int
	opts       carrier.SearchOptions
	newCarrier func(t *testing.T) carrier.Carrier
	number     string // RunFaults
	malformed  string // RunFaults
}

// Run checks that the carriers built by newCarrier honour the carrier
// contract. newCarrier is called once per sub-test, so each starts fresh.
func Run(t *testing.T, newCarrier func(t *testing.T) carrier.Carrier, opts ...Option) {
	t.Helper()
	s := &suite{
		prefix: "+1415",
		opts: carrier.SearchOptions{
			Country:    "US",
			Dialcode:   "+1",
			AccountID:  "carriertest-account",
			ResellerID: "carriertest-account",
		},
		newCarrier: newCarrier,
	}
	for _, o := range opts {
		o(s)
	}
	if s.quantity <= 0 {
		s.quantity = max(5, s.minResults)
	}
	t.Run("Info", s.testInfo)
	t.Run("FindNumbers", s.testFindNumbers)
	t.Run("FindNumbersHonoursQuantity", s.testQuantity)
	t.Run("FindNumbersCancelled", s.testFindCancelled)
	t.Run("AcquireDisconnectCancelled", s.testAcquireDisconnectCancelled)
	t.Run("CapabilitiesCancelled", s.testCapabilitiesCancelled)
	t.Run("ListNumbers", s.testList)
}

// testInfo checks what Info must be: a registered name, a prefix length
// Kazoo could report, the same answer every time, and the domain facts the
// carrier registered with (the rules read those from the registry).
func (s *suite) testInfo(t *testing.T) {
	c := s.newCarrier(t)
	info := c.Info()
	name := info.Name
	if name == "" {
		t.Fatal("Info().Name is empty")
	}
	if got := number.CarrierName(name); got != name {
		t.Errorf("Info().Name = %q is not a registry name (CarrierName gives %q)", name, got)
	}
	registered, ok := carrier.Lookup(name)
	if !ok {
		t.Fatalf("Info().Name = %q is not registered; registered: %v", name, carrier.Names())
	}
	if !reflect.DeepEqual(info.Module, registered.Module) {
		t.Errorf("Info().Module = %+v, but the carrier registered %+v", info.Module, registered.Module)
	}
	if n := info.MaxPrefixLength; n < 0 || n > 15 {
		t.Errorf("Info().MaxPrefixLength = %d, want 0..15", n)
	}
	if again := c.Info(); !reflect.DeepEqual(info, again) {
		t.Errorf("Info() changed between two calls: %+v then %+v", info, again)
	}
}

func (s *suite) testFindNumbers(t *testing.T) {
	c := s.newCarrier(t)
	results, err := c.FindNumbers(t.Context(), s.prefix, s.quantity, s.opts)
	if err != nil {
		requireKind(t, "FindNumbers", err)
		if s.minResults > 0 {
			t.Fatalf("FindNumbers(%q, %d): %v", s.prefix, s.quantity, err)
		}
	}
	if len(results) < min(s.minResults, s.quantity) {
		t.Errorf("FindNumbers(%q, %d) returned %d results, want at least %d", s.prefix, s.quantity, len(results), s.minResults)
	}
	checkResults(t, c.Info().Name, s.quantity, results)
}

// checkResults checks what every search result must be: at most quantity
// of them, E.164, offered under the carrier's name, in a valid state, and
// no number twice.
func checkResults(t *testing.T, name string, quantity int, results []carrier.Result) {
	t.Helper()
	if len(results) > quantity {
		t.Errorf("got %d results for a quantity of %d", len(results), quantity)
	}
	seen := map[string]bool{}
	for i, r := range results {
		if !isE164(r.Number) {
			t.Errorf("result %d: number %q is not E.164", i, r.Number)
		}
		if seen[r.Number] {
			t.Errorf("result %d: number %q returned twice", i, r.Number)
		}
		seen[r.Number] = true
		if r.Carrier != name {
			t.Errorf("result %d (%s): Carrier = %q, want %q", i, r.Number, r.Carrier, name)
		}
		if !r.State.Valid() || r.State == number.Deleted {
			t.Errorf("result %d (%s): State = %q is not a state a stored or offered number has", i, r.Number, r.State)
		}
		if p := DetailsProblem(r.Details); p != "" {
			t.Errorf("result %d (%s): details %+v: %s", i, r.Number, r.Details, p)
		}
	}
}

// DetailsProblem says what is wrong with a result's details, or "" when
// nothing is: a country that is no ISO 3166 alpha-2 code, a cost with no
// ISO 4217 currency, no price or a negative one. Carriers' parser fuzz
// targets call it on whatever they read.
func DetailsProblem(d carrier.Details) string {
	if c := d.Locality.Country; c != "" && carrier.Country(c) != c {
		return fmt.Sprintf("country %q is not an ISO 3166 alpha-2 code", c)
	}
	if c := d.Cost; c != nil {
		switch {
		case !money.ValidCurrency(c.Currency):
			return fmt.Sprintf("cost currency %q is not an ISO 4217 code", c.Currency)
		case c.Monthly == nil && c.Setup == nil:
			return "a cost with no price"
		case c.Monthly != nil && *c.Monthly < 0, c.Setup != nil && *c.Setup < 0:
			return "a negative price"
		}
	}
	return ""
}

// isE164 reports whether s is "+" then 2 to 15 digits (the longest E.164
// number; shorter ones exist in small numbering plans).
func isE164(s string) bool {
	digits, ok := strings.CutPrefix(s, "+")
	if !ok || len(digits) < 2 || len(digits) > 15 {
		return false
	}
	return !strings.ContainsFunc(digits, func(r rune) bool { return r < '0' || r > '9' })
}

func (s *suite) testQuantity(t *testing.T) {
	for _, q := range []int{1, 2} {
		c := s.newCarrier(t)
		results, err := c.FindNumbers(t.Context(), s.prefix, q, s.opts)
		if err != nil {
			requireKind(t, "FindNumbers", err)
			if s.minResults > 0 {
				t.Fatalf("FindNumbers(%q, %d): %v", s.prefix, q, err)
			}
		}
		if want := min(q, s.minResults); len(results) < want {
			t.Errorf("FindNumbers(%q, %d) returned %d results, want at least %d", s.prefix, q, len(results), want)
		}
		checkResults(t, c.Info().Name, q, results)
	}
}

// testTime stamps the numbers the suite makes; no check depends on it.
var testTime = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

// cancelled returns a context that is already cancelled.
func cancelled(t *testing.T) context.Context {
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	return ctx
}

func (s *suite) testFindCancelled(t *testing.T) {
	c := s.newCarrier(t)
	// A carrier that ignored the context would hang here on a slow server;
	// the test binary's timeout catches that, so no timing is asserted.
	results, err := c.FindNumbers(cancelled(t), s.prefix, s.quantity, s.opts)
	if err != nil {
		requireKind(t, "FindNumbers", err)
		return
	}
	if len(results) > 0 {
		t.Errorf("FindNumbers with a cancelled context returned %d results and no error", len(results))
	}
}

// sampleNumber is a number to hand to Acquire and friends: one the carrier
// offers when it offers any, else a plausible one under the prefix.
func (s *suite) sampleNumber(t *testing.T, c carrier.Carrier) *number.Number {
	e164 := s.prefix
	if results, err := c.FindNumbers(t.Context(), s.prefix, 1, s.opts); err == nil && len(results) > 0 {
		e164 = results[0].Number
		n := number.New(e164, number.Discovery, c.Info().Name, testTime)
		n.CarrierData = results[0].CarrierData.Clone()
		return n
	}
	digits := strings.TrimSuffix(strings.TrimPrefix(e164, "+"), "*")
	for len(digits) < 11 {
		digits += "5"
	}
	return number.New("+"+digits, number.Discovery, c.Info().Name, testTime)
}

func (s *suite) testAcquireDisconnectCancelled(t *testing.T) {
	c := s.newCarrier(t)
	n := s.sampleNumber(t, c)
	// Only the absence of a panic is required: a no-op carrier may succeed.
	_, _ = c.Acquire(cancelled(t), n.Clone())
	_ = c.Disconnect(cancelled(t), n.Clone())
}

// testCapabilitiesCancelled calls the optional capabilities the carrier
// offers with a cancelled context: they must fail with a kind or answer
// only for what was asked, never hang.
func (s *suite) testCapabilitiesCancelled(t *testing.T) {
	c := s.newCarrier(t)
	n := s.sampleNumber(t, c)
	if ch, ok := c.(carrier.Checker); ok {
		statuses, err := ch.CheckNumbers(cancelled(t), []string{n.Number})
		if err != nil {
			requireKind(t, "CheckNumbers", err)
		}
		for k := range statuses {
			if k != n.Number {
				t.Errorf("CheckNumbers returned a status for %q, which was not asked for", k)
			}
		}
	}
	if h, ok := c.(carrier.Holder); ok {
		if _, err := h.Holds(cancelled(t), n.Number); err != nil {
			requireKind(t, "Holds", err)
		}
	}
	if l, ok := c.(carrier.Lister); ok {
		page, err := l.ListNumbers(cancelled(t), "")
		if err == nil {
			t.Errorf("ListNumbers with a cancelled context answered %d numbers and no error: a listing it did not read is no listing", len(page.Numbers))
		} else {
			requireKind(t, "ListNumbers", err)
		}
	}
}

// maxListPages bounds the pages testList follows: a carrier whose tokens
// never end would otherwise loop forever.
const maxListPages = 1000

// testList pages through a Lister's whole listing: every page is bounded,
// every number E.164 and listed once, and the tokens lead to an end
// without coming back to a page already read.
func (s *suite) testList(t *testing.T) {
	c := s.newCarrier(t)
	l, ok := c.(carrier.Lister)
	if !ok {
		t.Skip("not a carrier.Lister")
	}
	seenNumbers := map[string]bool{}
	seenTokens := map[string]bool{}
	token := ""
	for range maxListPages {
		seenTokens[token] = true
		page, err := l.ListNumbers(t.Context(), token)
		if err != nil {
			requireKind(t, "ListNumbers", err)
			t.Fatalf("ListNumbers(%q): %v", token, err)
		}
		if len(page.Numbers) > carrier.MaxListPage {
			t.Errorf("ListNumbers(%q) returned %d numbers, more than MaxListPage (%d)", token, len(page.Numbers), carrier.MaxListPage)
		}
		for _, h := range page.Numbers {
			if !isE164(h.Number) {
				t.Errorf("ListNumbers(%q): number %q is not E.164", token, h.Number)
			}
			if seenNumbers[h.Number] {
				t.Errorf("ListNumbers(%q): number %s listed twice", token, h.Number)
			}
			seenNumbers[h.Number] = true
		}
		if page.Next == "" {
			return
		}
		if seenTokens[page.Next] {
			t.Fatalf("ListNumbers(%q) leads back to page %q: the listing never ends", token, page.Next)
		}
		token = page.Next
	}
	t.Fatalf("ListNumbers did not end within %d pages", maxListPages)
}

// requireKind fails the test unless err carries a number.Kind: the manager
// and the API classify carrier failures by kind alone.
func requireKind(t *testing.T, call string, err error) {
	t.Helper()
	var e *number.Error
	if !errors.As(err, &e) {
		t.Errorf("%s error %q carries no number.Kind (no *number.Error in its chain)", call, err)
	}
}
