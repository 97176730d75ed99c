// Package billing prices numbers: service plans that give number classes,
// carriers and features an activation charge and a monthly rate, the
// quotes a dry run returns (Kazoo's invoice shape), the ledger of charges
// really made, and prepaid credit.
//
// Money is never a float: every amount is an integer count of the
// currency's minor unit (cents for USD) next to its ISO 4217 code. Amounts
// read from JSON (1.5, "1.50") are parsed as exact decimals, and amounts
// written to JSON are decimal literals built from the integers, beside the
// *_minor integers clients should prefer.
package billing

import (
	"encoding/json"
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"

	"github.com/numan-dev/numan/number"
)

// DefaultCurrency is the currency of a plan that names none (Kazoo's
// plans are in the bookkeeper's currency, almost always USD).
const DefaultCurrency = "USD"

// minorDigits are the ISO 4217 currencies whose minor unit is not a
// hundredth; every other currency has two decimals.
var minorDigits = map[string]int{
	"BIF": 0, "CLP": 0, "DJF": 0, "GNF": 0, "ISK": 0, "JPY": 0, "KMF": 0, "KRW": 0, "PYG": 0,
	"RWF": 0, "UGX": 0, "UYI": 0, "VND": 0, "VUV": 0, "XAF": 0, "XOF": 0, "XPF": 0,
	"BHD": 3, "IQD": 3, "JOD": 3, "KWD": 3, "LYD": 3, "OMR": 3, "TND": 3,
}

var currencyRe = regexp.MustCompile(`^[A-Z]{3}$`)

// CheckCurrency validates an ISO 4217 code (three capital letters).
func CheckCurrency(c string) error {
	if !currencyRe.MatchString(c) {
		return number.Errorf(number.KindInvalid, "", "currency %q is not an ISO 4217 code", c)
	}
	return nil
}

// Digits is the number of decimals of a currency's minor unit.
func Digits(currency string) int {
	if d, ok := minorDigits[currency]; ok {
		return d
	}
	return 2
}

var decimalRe = regexp.MustCompile(`^(-?)([0-9]+)(?:\.([0-9]+))?$`)

// ParseAmount reads a decimal amount ("12", "1.5", "0.25") exactly into
// minor units of currency. More decimals than the currency has are refused
// unless they are zeros, so no amount is ever rounded.
func ParseAmount(s, currency string) (int64, error) {
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

// ParseJSONAmount reads an amount given as a JSON number or string.
func ParseJSONAmount(raw json.RawMessage, currency string) (int64, error) {
	s := strings.TrimSpace(string(raw))
	if strings.HasPrefix(s, `"`) {
		if err := json.Unmarshal(raw, &s); err != nil {
			return 0, err
		}
	}
	return ParseAmount(s, currency)
}

// FormatAmount writes minor units of currency as a decimal ("1.50").
func FormatAmount(minor int64, currency string) string {
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

// Amount is FormatAmount as a JSON number literal, for the decimal fields
// Kazoo clients read (rate, total, today, recurring).
func Amount(minor int64, currency string) json.Number {
	return json.Number(FormatAmount(minor, currency))
}

// mulMinor multiplies an amount by a quantity, refusing overflow.
func mulMinor(minor, qty int64) (int64, error) {
	if qty != 0 && (minor > math.MaxInt64/qty || minor < math.MinInt64/qty) {
		return 0, number.Errorf(number.KindInvalid, "", "amount overflows")
	}
	return minor * qty, nil
}
