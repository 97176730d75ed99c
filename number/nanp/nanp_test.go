package nanp

import (
	"slices"
	"testing"
)

func TestTollFreeNPAs(t *testing.T) {
	want := []string{"800", "822", "833", "844", "855", "866", "877", "880", "881", "882", "883", "884", "885", "886", "887", "888", "889"}
	got := TollFreeNPAs()
	if !slices.Equal(got, want) {
		t.Fatalf("TollFreeNPAs() = %v", got)
	}
	got[0] = "999"
	if TollFreeNPAs()[0] != "800" {
		t.Error("TollFreeNPAs shares its array with callers")
	}
	for npa, want := range map[string]bool{"800": true, "888": true, "822": true, "811": false, "415": false, "80": false, "8000": false, "": false} {
		if IsTollFreeNPA(npa) != want {
			t.Errorf("IsTollFreeNPA(%q) = %v", npa, !want)
		}
	}
	for digits, want := range map[string]bool{"8": true, "80": true, "82": true, "88": true, "81": false, "4": false, "": false} {
		if StartsTollFreeNPA(digits) != want {
			t.Errorf("StartsTollFreeNPA(%q) = %v", digits, !want)
		}
	}
}

func TestIsTollFreeSearch(t *testing.T) {
	for _, tc := range []struct {
		national string
		wildcard bool
		want     bool
	}{
		{"800", false, true}, {"8005550100", false, true}, {"415", false, false}, {"80", true, true},
		{"8", true, true}, {"81", true, true}, {"80", false, false}, {"4", true, false}, {"", true, false},
	} {
		if got := IsTollFreeSearch(tc.national, tc.wildcard); got != tc.want {
			t.Errorf("IsTollFreeSearch(%q, %v) = %v", tc.national, tc.wildcard, got)
		}
	}
}

func TestTrimWildcard(t *testing.T) {
	for prefix, want := range map[string]struct {
		fixed string
		wild  bool
	}{
		"+180*": {"+180", true}, "+18**": {"+18", true}, "+1415": {"+1415", false}, "*": {"", true}, "": {"", false},
		"+1*5": {"+1*5", false},
	} {
		if fixed, wild := TrimWildcard(prefix); fixed != want.fixed || wild != want.wild {
			t.Errorf("TrimWildcard(%q) = %q, %v", prefix, fixed, wild)
		}
	}
}

func TestMatchesPattern(t *testing.T) {
	for _, tc := range []struct {
		e164, pattern string
		want          bool
	}{
		{"+18005550100", "+180*", true}, {"+18885550100", "+18**", true}, {"+14155550100", "+18**", false},
		{"+14155550100", "+1415", true}, {"+1415", "+14155", false}, {"+1a155550100", "+1*", false}, {"+14155550100", "", true},
	} {
		if got := MatchesPattern(tc.e164, tc.pattern); got != tc.want {
			t.Errorf("MatchesPattern(%q, %q) = %v", tc.e164, tc.pattern, got)
		}
	}
}

func FuzzMatchesPattern(f *testing.F) {
	f.Add("+18005550100", "+180*")
	f.Add("+1", "+1***")
	f.Fuzz(func(t *testing.T, e164, pattern string) {
		if MatchesPattern(e164, pattern) && len(e164) < len(pattern) {
			t.Fatalf("%q matches the longer %q", e164, pattern)
		}
		if fixed, _ := TrimWildcard(pattern); MatchesPattern(e164, pattern) && !MatchesPattern(e164, fixed) {
			t.Fatalf("%q matches %q but not its fixed part %q", e164, pattern, fixed)
		}
	})
}
