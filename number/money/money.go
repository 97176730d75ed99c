// Package money reads and writes amounts of money exactly: an amount is an
// integer count of its currency's minor unit (cents for USD) next to its
// ISO 4217 code, never a float. Billing prices with it and carriers use it
// to turn the prices their APIs quote ("1.00000") into minor units.
package money

import (
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"
)

// minorDigits are the ISO 4217 currencies whose minor unit is not a
// hundredth; every other currency has two decimals.
var minorDigits = map[string]int{
	"BIF": 0, "CLP": 0, "DJF": 0, "GNF": 0, "ISK": 0, "JPY": 0, "KMF": 0, "KRW": 0, "PYG": 0,
	"RWF": 0, "UGX": 0, "UYI": 0, "VND": 0, "VUV": 0, "XAF": 0, "XOF": 0, "XPF": 0,
	"BHD": 3, "IQD": 3, "JOD": 3, "KWD": 3, "LYD": 3, "OMR": 3, "TND": 3,
}

var currencyRe = regexp.MustCompile(`^[A-Z]{3}$`)

// ValidCurrency reports whether c has the shape of an ISO 4217 code (three
// capital letters).
func ValidCurrency(c string) bool { return currencyRe.MatchString(c) }

// Digits is the number of decimals of a currency's minor unit.
func Digits(currency string) int {
	if d, ok := minorDigits[currency]; ok {
		return d
	}
	return 2
}

var decimalRe = regexp.MustCompile(`^(-?)([0-9]+)(?:\.([0-9]+))?$`)

// Parse reads a decimal amount ("12", "1.5", "0.25") exactly into minor
// units of currency. More decimals than the currency has are refused
// unless they are zeros ("1.00000" is 100 cents), so no amount is ever
// rounded.
func Parse(s, currency string) (int64, error) {
	m := decimalRe.FindStringSubmatch(strings.TrimSpace(s))
	if m == nil {
		return 0, fmt.Errorf("%q is not a decimal amount", s)
	}
	digits := Digits(currency)
	frac := strings.TrimRight(m[3], "0")
	if len(frac) > digits {
		return 0, fmt.Errorf("%q has more decimals than %s has (%d)", s, currency, digits)
	}
	frac += strings.Repeat("0", digits-len(frac))
	whole, err := strconv.ParseInt(m[2]+frac, 10, 64)
	if err != nil || whole > math.MaxInt64/1000 {
		return 0, fmt.Errorf("%q is too large", s)
	}
	if m[1] == "-" {
		whole = -whole
	}
	return whole, nil
}

// Format writes minor units of currency as a decimal ("1.50").
func Format(minor int64, currency string) string {
	digits := Digits(currency)
	sign := ""
	u := uint64(minor)
	if minor < 0 {
		sign, u = "-", uint64(-minor)
	}
	s := strconv.FormatUint(u, 10)
	if digits == 0 {
		return sign + s
	}
	if len(s) <= digits {
		s = strings.Repeat("0", digits-len(s)+1) + s
	}
	return sign + s[:len(s)-digits] + "." + s[len(s)-digits:]
}
