package number

import (
	"regexp"
	"testing"
)

// FuzzNormalize checks Normalize's contract on any input: it never panics;
// a success is "+" and digits, matches reconcile_regex and is a fixed
// point; a failure is not_reconcilable keyed by the raw input.
func FuzzNormalize(f *testing.F) {
	for _, seed := range []string{"4152338397", "+1 (415) 233-8397", "011441234567890", "tel:+14152338397", "NOT a number"} {
		f.Add(seed)
	}
	z := defaultNormalizer(f)
	reconcile := regexp.MustCompile(DefaultReconcileRegex)
	f.Fuzz(func(t *testing.T, raw string) {
		got, err := z.Normalize(raw)
		if err != nil {
			e, ok := err.(*Error) //nolint:errorlint // Normalize returns its *Error itself, unwrapped: checked here
			if !ok || e.Kind != KindNotReconcilable || e.Number != raw {
				t.Fatalf("Normalize(%q) error = %#v, want not_reconcilable keyed by the input", raw, err)
			}
			return
		}
		if len(got) < 2 || got[0] != '+' {
			t.Fatalf("Normalize(%q) = %q: no leading +", raw, got)
		}
		for i := 1; i < len(got); i++ {
			if got[i] < '0' || got[i] > '9' {
				t.Fatalf("Normalize(%q) = %q: not only digits after +", raw, got)
			}
		}
		if len(got)-1 > maxE164Digits {
			t.Fatalf("Normalize(%q) = %q: longer than E.164", raw, got)
		}
		if !reconcile.MatchString(got) {
			t.Fatalf("Normalize(%q) = %q does not match reconcile_regex", raw, got)
		}
		again, err := z.Normalize(got)
		if err != nil || again != got {
			t.Fatalf("Normalize(Normalize(%q)) = %q, %v; want %q", raw, again, err, got)
		}
	})
}
