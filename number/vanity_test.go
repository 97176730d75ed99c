package number_test

import (
	"testing"

	"github.com/numan-dev/numan/number"
)

func TestKeypad(t *testing.T) {
	for in, want := range map[string]string{
		"628FLOWERS":                 "6283569377",
		"1800flowers":                "18003569377",
		"+1415CALLNOW":               "+14152255669",
		"ABCDEFGHIJKLMNOPQRSTUVWXYZ": "22233344455566677778889999",
		"415":                        "415",
		"80*":                        "80*",
		"":                           "",
		"415-ÉTÉ":                    "415-É8É", // only ASCII letters are on a keypad
	} {
		if got := number.Keypad(in); got != want {
			t.Errorf("Keypad(%q) = %q, want %q", in, got, want)
		}
	}
}
