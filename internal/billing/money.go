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
	"math"
	"strings"

	"github.com/numan-dev/numan/number"
	"github.com/numan-dev/numan/number/money"
)

// DefaultCurrency is the currency of a plan that names none (Kazoo's
// plans are in the bookkeeper's currency, almost always USD).
const DefaultCurrency = "USD"

// CheckCurrency validates an ISO 4217 code (three capital letters).
func CheckCurrency(c string) error {
	if !money.ValidCurrency(c) {
		return number.Errorf(number.KindInvalid, "", "currency %q is not an ISO 4217 code", c)
	}
	return nil
}

// Digits is the number of decimals of a currency's minor unit.
func Digits(currency string) int { return money.Digits(currency) }

// ParseAmount reads a decimal amount ("12", "1.5", "0.25") exactly into
// minor units of currency (money.Parse): more decimals than the currency
// has are refused unless they are zeros, so no amount is ever rounded.
func ParseAmount(s, currency string) (int64, error) { return money.Parse(s, currency) }

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
func FormatAmount(minor int64, currency string) string { return money.Format(minor, currency) }

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
