// Package nanp holds the North American Numbering Plan facts that carriers
// share, written once: the toll-free area codes, and the wildcard prefixes
// Kazoo's searches accept (+180* for toll-free numbers starting 80, +18**
// for any 8xx).
package nanp

import "strings"

// tollFree are the NANP toll-free area codes, as Kazoo lists them (its
// tollfree_us classifier and its carriers): 800, 822 to 877 by elevens, and
// 880 to 889.
var tollFree = [...]string{"800", "822", "833", "844", "855", "866", "877", "880", "881", "882", "883", "884", "885", "886", "887", "888", "889"}

// TollFreeNPAs returns the NANP toll-free area codes, sorted.
func TollFreeNPAs() []string { return append([]string(nil), tollFree[:]...) }

// IsTollFreeNPA reports whether npa is a toll-free area code.
func IsTollFreeNPA(npa string) bool {
	for _, t := range tollFree {
		if t == npa {
			return true
		}
	}
	return false
}

// StartsTollFreeNPA reports whether digits, non-empty and shorter than an
// area code, begin some toll-free area code ("8", "80", "88"; not "81").
func StartsTollFreeNPA(digits string) bool {
	if digits == "" {
		return false
	}
	for _, t := range tollFree {
		if strings.HasPrefix(t, digits) {
			return true
		}
	}
	return false
}

// IsTollFreeSearch reports whether a search for the national digits after
// +1 asks for toll-free numbers: they start with a toll-free area code, or
// they are a wildcard search of fewer than three digits starting with 8
// (+18**, +180*).
func IsTollFreeSearch(national string, wildcard bool) bool {
	if len(national) >= 3 {
		return IsTollFreeNPA(national[:3])
	}
	return wildcard && strings.HasPrefix(national, "8")
}

// TrimWildcard splits a search prefix into its fixed part and whether it
// ended in wildcards: "+180*" is "+180" and true, "+18**" is "+18" and
// true, "+1415" is itself and false. Only trailing wildcards mean anything:
// "any digits from here on".
func TrimWildcard(prefix string) (fixed string, wildcard bool) {
	fixed = strings.TrimRight(prefix, "*")
	return fixed, fixed != prefix
}

// MatchesPattern reports whether e164 starts with pattern, where each '*'
// in pattern matches any one digit, so a carrier can check that what it
// was sent matches what was asked for.
func MatchesPattern(e164, pattern string) bool {
	if len(e164) < len(pattern) {
		return false
	}
	for i := 0; i < len(pattern); i++ {
		if pattern[i] == '*' {
			if e164[i] < '0' || e164[i] > '9' {
				return false
			}
			continue
		}
		if pattern[i] != e164[i] {
			return false
		}
	}
	return true
}
