package carriertest_test

import (
	"context"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/numan-dev/numan/carrier"
	"github.com/numan-dev/numan/carrier/carriertest"
	"github.com/numan-dev/numan/number"
)

var testTime = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

// brokenCarrier breaks the contract in the ways Run must catch.
type brokenCarrier struct {
	*carriertest.Fake
	results []carrier.Result
}

func (b brokenCarrier) FindNumbers(ctx context.Context, prefix string, quantity int, opts carrier.SearchOptions) ([]carrier.Result, error) {
	return b.results, nil // ignores quantity and the context
}

// brokenCases each break one rule of the contract, and name the sub-test of
// Run that must catch it.
var brokenCases = []struct {
	name    string
	results []carrier.Result
	caught  string
}{
	{"too_many", []carrier.Result{offered("+14155550100"), offered("+14155550101"), offered("+14155550102")}, "FindNumbersHonoursQuantity"},
	{"not_E164", []carrier.Result{{Number: "14155550100", Carrier: carriertest.FakeName, State: number.Discovery}}, "FindNumbers"},
	{"wrong_carrier", []carrier.Result{{Number: "+14155550100", Carrier: "other", State: number.Discovery}}, "FindNumbers"},
	{"duplicate", []carrier.Result{offered("+14155550100"), offered("+14155550100")}, "FindNumbers"},
	{"bad_state", []carrier.Result{{Number: "+14155550100", Carrier: carriertest.FakeName, State: "bogus"}}, "FindNumbers"},
	{"ignores_cancel", []carrier.Result{offered("+14155550100")}, "FindNumbersCancelled"},
}

func offered(e164 string) carrier.Result {
	return carrier.Result{Number: e164, Carrier: carriertest.FakeName, State: number.Discovery}
}

// TestBrokenCarriers runs Run on each broken carrier; it only runs inside
// the child process TestRunCatchesBrokenCarriers starts, where failing is
// the expected outcome.
func TestBrokenCarriers(t *testing.T) {
	if os.Getenv(brokenEnv) == "" {
		t.Skip("run by TestRunCatchesBrokenCarriers")
	}
	for _, tc := range brokenCases {
		t.Run(tc.name, func(t *testing.T) {
			carriertest.Run(t, func(t *testing.T) carrier.Carrier {
				return brokenCarrier{Fake: carriertest.NewFake(t), results: tc.results}
			}, carriertest.Quantity(2))
		})
	}
}

const brokenEnv = "CARRIERTEST_BROKEN_CHILD"

// TestRunCatchesBrokenCarriers checks the suite fails carriers that break
// it. A failing sub-test fails its parent, so the broken runs happen in a
// child process whose verbose output is read here.
func TestRunCatchesBrokenCarriers(t *testing.T) {
	cmd := exec.CommandContext(t.Context(), os.Args[0], "-test.run=^TestBrokenCarriers$", "-test.v")
	cmd.Env = append(os.Environ(), brokenEnv+"=1")
	out, err := cmd.CombinedOutput()
	if err == nil {
		t.Fatalf("the broken carriers passed the suite:\n%s", out)
	}
	for _, tc := range brokenCases {
		want := "--- FAIL: TestBrokenCarriers/" + tc.name + "/" + tc.caught + " "
		if !strings.Contains(string(out), want) {
			t.Errorf("Run did not catch %s in %s; output:\n%s", tc.name, tc.caught, out)
		}
	}
}
