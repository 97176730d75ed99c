package money_test

import (
	"testing"

	"github.com/numan-dev/numan/number/money"
)

func TestParse(t *testing.T) {
	for _, tc := range []struct {
		in, currency string
		want         int64
		ok           bool
	}{
		{"0", "USD", 0, true},
		{"1", "USD", 100, true},
		{"1.5", "USD", 150, true},
		{"1.50", "USD", 150, true},
		{"0.07", "USD", 7, true},
		{"2.500000", "USD", 250, true}, // trailing zeros are not precision
		{"1.00000", "USD", 100, true},  // as Telnyx quotes prices
		{"19.99", "EUR", 1999, true},
		{"1000", "JPY", 1000, true},
		{"1.5", "JPY", 0, false},
		{"1.234", "KWD", 1234, true},
		{"1.005", "USD", 0, false}, // never rounded
		{"-3.10", "USD", -310, true},
		{"1e3", "USD", 0, false},
		{"", "USD", 0, false},
		{"1.", "USD", 0, false},
		{"99999999999999999999", "USD", 0, false},
	} {
		got, err := money.Parse(tc.in, tc.currency)
		if (err == nil) != tc.ok || got != tc.want {
			t.Errorf("Parse(%q, %s) = %d, %v; want %d, ok %v", tc.in, tc.currency, got, err, tc.want, tc.ok)
		}
	}
}

func TestFormat(t *testing.T) {
	for _, tc := range []struct {
		minor    int64
		currency string
		want     string
	}{
		{0, "USD", "0.00"}, {7, "USD", "0.07"}, {150, "USD", "1.50"}, {-310, "USD", "-3.10"},
		{123456789, "EUR", "1234567.89"}, {1000, "JPY", "1000"}, {1234, "KWD", "1.234"},
	} {
		if got := money.Format(tc.minor, tc.currency); got != tc.want {
			t.Errorf("Format(%d, %s) = %q, want %q", tc.minor, tc.currency, got, tc.want)
		}
		back, err := money.Parse(money.Format(tc.minor, tc.currency), tc.currency)
		if err != nil || back != tc.minor {
			t.Errorf("round trip of %d %s = %d, %v", tc.minor, tc.currency, back, err)
		}
	}
}

func TestValidCurrency(t *testing.T) {
	for c, want := range map[string]bool{"USD": true, "GBP": true, "usd": false, "US": false, "USDX": false, "": false} {
		if got := money.ValidCurrency(c); got != want {
			t.Errorf("ValidCurrency(%q) = %v", c, got)
		}
	}
}

// FuzzParse: whatever Parse accepts, Format writes back to an amount Parse
// reads as the same number of minor units.
func FuzzParse(f *testing.F) {
	for _, s := range []string{"0", "1.50", "-3.10", "1.00000", "1000", "0.001"} {
		f.Add(s, "USD")
		f.Add(s, "JPY")
		f.Add(s, "KWD")
	}
	f.Fuzz(func(t *testing.T, s, currency string) {
		minor, err := money.Parse(s, currency)
		if err != nil {
			return
		}
		back, err := money.Parse(money.Format(minor, currency), currency)
		if err != nil || back != minor {
			t.Fatalf("Parse(%q, %q) = %d, but its Format %q reads as %d, %v", s, currency, minor, money.Format(minor, currency), back, err)
		}
	})
}
