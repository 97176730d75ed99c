package number

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"testing"
)

func defaultNormalizer(t testing.TB) *Normalizer {
	t.Helper()
	z, err := NewNormalizer(DefaultConfig())
	if err != nil {
		t.Fatal(err)
	}
	return z
}

func TestNormalize(t *testing.T) {
	z := defaultNormalizer(t)
	tests := []struct {
		in   string
		want string // "" = not reconcilable
	}{
		// knm_converters_tests and the scenarios' examples
		{"+12234567890", "+12234567890"},
		{"12234567890", "+12234567890"},
		{"2234567890", "+12234567890"},
		{"4156301234", "+14156301234"},
		{"4123456789", "+14123456789"},
		{"41234567", "+41234567"},
		{"+15551239876", "+15551239876"}, // Kazoo's fictional 555 test numbers stay accepted
		{"+15559871234", "+15559871234"},
		{"2011234567", "+2011234567"}, // NXX starting 1 is no NANP number: converter 3 takes it (§6.1 caveat)
		// what users type
		{"4152338397", "+14152338397"},
		{"+1 (415) 233-8397", "+14152338397"},
		{"011441234567890", "+441234567890"},
		{"00441234567890", "+441234567890"},
		{"tel:+14152338397", "+14152338397"},
		{"TEL:+14152338397;phone-context=example.com", "+14152338397"},
		{"1-415-233-8397", "+14152338397"},
		{"+44 20 7946 0958", "+442079460958"},
		{"415.233.8397", "+14152338397"},
		{"  4152338397\t", "+14152338397"},
		// no phone number at all
		{"1000", ""},
		{"911", ""},
		{"NOT a number", ""},
		{"", ""},
		{"   ", ""},
		{"+", ""},
		{"++14152338397", ""},
		{"+1415233839a", ""},
		{"tel:", ""},
		{"sip:+14152338397", ""},
		{"+0123456789", ""},            // no country code starts with 0
		{"+2823456789", ""},            // 282 is no country calling code
		{"+4412345678901234", ""},      // 16 digits: longer than E.164 allows
		{"011", ""},                    // matches reconcile_regex's ^011\d*$, but is no number
		{"+3", ""},                     // a lone digit
		{"10123456789", ""},            // 11 digits, not NANP: converters leave it, no '+'
		{"+1 415 233 8397 ext 12", ""}, // letters
	}
	for _, tt := range tests {
		got, err := z.Normalize(tt.in)
		if tt.want == "" {
			if err == nil {
				t.Errorf("Normalize(%q) = %q, want not_reconcilable", tt.in, got)
				continue
			}
			var e *Error
			if !IsKind(err, KindNotReconcilable) || !asError(err, &e) || e.Number != tt.in {
				t.Errorf("Normalize(%q) error = %#v, want not_reconcilable keyed by the raw input", tt.in, err)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("Normalize(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
		}
		if z.IsReconcilable(tt.in) != (tt.want != "") {
			t.Errorf("IsReconcilable(%q) disagrees with Normalize", tt.in)
		}
	}
}

func asError(err error, e **Error) bool {
	x, ok := err.(*Error) //nolint:errorlint // Normalize returns its *Error itself, unwrapped: checked here
	*e = x
	return ok
}

// TestNormalizeNANPProperty is §6.1's prop_normalize stated over NANP-valid
// inputs only, where it holds.
func TestNormalizeNANPProperty(t *testing.T) {
	z := defaultNormalizer(t)
	for _, npa := range []string{"200", "415", "999"} {
		for _, nxx := range []string{"200", "555", "987"} {
			ten := npa + nxx + "1234"
			for _, in := range []string{ten, "1" + ten, "+1" + ten} {
				got, err := z.Normalize(in)
				if err != nil || got != "+1"+ten {
					t.Errorf("Normalize(%q) = %q, %v; want %q", in, got, err, "+1"+ten)
				}
			}
		}
	}
}

func TestNormalizeCustomConverters(t *testing.T) {
	cfg := DefaultConfig()
	raw := []byte(`{
		"^0(\\d{9})$": {"prefix": "+33"},
		"^(\\d{4})$": {"prefix": "+1415555", "suffix": ""},
		"^[2-9]\\d{7,}$": {"prefix": "+"}
	}`)
	if err := json.Unmarshal(raw, &cfg.E164Converters); err != nil {
		t.Fatal(err)
	}
	cfg.ReconcileRegex = `^\+\d{8,15}$`
	z, err := NewNormalizer(cfg)
	if err != nil {
		t.Fatal(err)
	}
	for in, want := range map[string]string{
		"0612345678": "+33612345678",
		"1234":       "+14155551234",
		"41234567":   "+41234567",
	} {
		if got, err := z.Normalize(in); err != nil || got != want {
			t.Errorf("Normalize(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	// The US converter is gone, so a 10-digit US number takes converter 3.
	if got, _ := z.Normalize("4156301234"); got != "+4156301234" {
		t.Errorf("Normalize(4156301234) = %q, want +4156301234 (converter order)", got)
	}
}

func TestNormalizeReconcileRegexDecides(t *testing.T) {
	cfg := DefaultConfig()
	cfg.ReconcileRegex = `^\+1\d{10}$` // only NANP numbers are managed here
	z, err := NewNormalizer(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := z.Normalize("+442079460958"); !IsKind(err, KindNotReconcilable) {
		t.Errorf("UK number with a NANP-only reconcile_regex: err = %v, want not_reconcilable", err)
	}
	if got, err := z.Normalize("4156301234"); err != nil || got != "+14156301234" {
		t.Errorf("Normalize = %q, %v", got, err)
	}
}

func TestNewNormalizerRejectsBadRegex(t *testing.T) {
	for name, mutate := range map[string]func(*Config){
		"converter":  func(c *Config) { c.E164Converters = Converters{{Regex: "("}} },
		"reconcile":  func(c *Config) { c.ReconcileRegex = "[" },
		"classifier": func(c *Config) { c.Classifiers = Classifiers{{Name: "x", Regex: "(?<"}} },
	} {
		cfg := DefaultConfig()
		mutate(&cfg)
		if _, err := NewNormalizer(cfg); !IsKind(err, KindInvalid) {
			t.Errorf("%s: err = %v, want invalid", name, err)
		}
	}
}

func TestClassify(t *testing.T) {
	z := defaultNormalizer(t)
	tests := []struct{ in, want string }{
		{"+18005551234", "tollfree_us"}, // also matches did_us: order decides
		{"+18885551234", "tollfree_us"},
		{"+18335551234", "tollfree_us"},
		{"+19005551234", "toll_us"},
		{"911", "emergency"},
		{"+18095551234", "caribbean"},
		{"+14156301234", "did_us"},
		{"+15551239876", "unknown"}, // NXX 123 is no NANP exchange
		{"+15552239876", "did_us"},
		{"+442079460958", "international"},
		{"+41234567", "international"},
		{"1000", "unknown"},
	}
	for _, tt := range tests {
		c, ok := z.Classify(tt.in)
		if !ok || c.Name != tt.want {
			t.Errorf("Classify(%q) = %q, %v; want %q", tt.in, c.Name, ok, tt.want)
		}
	}
	if c, _ := z.Classify("911"); !c.Emergency {
		t.Error("emergency classifier lost its emergency flag")
	}
}

func TestConvert(t *testing.T) {
	z := defaultNormalizer(t)
	for in, want := range map[string]string{
		"911": "911", "1000": "1000", "NOT a number": "NOTanumber", "4156301234": "+14156301234",
		"+1 (800) 555-1234": "+18005551234", "011441234567890": "+441234567890", "": "",
	} {
		if got := z.Convert(in); got != want {
			t.Errorf("Convert(%q) = %q, want %q", in, got, want)
		}
	}
	if c, _ := z.Classify(z.Convert("911")); c.Name != "emergency" {
		t.Errorf("Classify(Convert(911)) = %q, want emergency", c.Name)
	}
}

func TestClassifyNoMatch(t *testing.T) {
	cfg := DefaultConfig()
	cfg.Classifiers = Classifiers{{Name: "did_us", Regex: `^\+1\d{10}$`}}
	z, err := NewNormalizer(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if c, ok := z.Classify("+442079460958"); ok {
		t.Errorf("Classify matched %q, want no classifier", c.Name)
	}
}

func TestClassifiersFromJSONKeepOrder(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("testdata", "classifiers_custom.json"))
	if err != nil {
		t.Fatal(err)
	}
	var cs Classifiers
	if err := json.Unmarshal(data, &cs); err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, c := range cs {
		names = append(names, c.Name)
	}
	want := []string{"zz_premium", "did_us", "tollfree_us", "legacy_intl", "aaa_unknown"}
	if !slices.Equal(names, want) {
		t.Fatalf("names = %v, want %v (document order)", names, want)
	}
	if cs[3].Regex != `^\+([2-9]\d{7,})$` || cs[3].FriendlyName != "legacy_intl" {
		t.Errorf("legacy string entry = %+v, want regex and friendly name = its name", cs[3])
	}
	if !cs[0].Emergency || cs[0].PrettyPrint != "SS(###) ###-####" {
		t.Errorf("object entry = %+v", cs[0])
	}

	cfg := DefaultConfig()
	cfg.Classifiers = cs
	z, err := NewNormalizer(cfg)
	if err != nil {
		t.Fatal(err)
	}
	// did_us comes before tollfree_us in this document, so it wins.
	if c, _ := z.Classify("+18005551234"); c.Name != "did_us" {
		t.Errorf("Classify(+18005551234) = %q, want did_us (configured order)", c.Name)
	}
	if got := z.Classifiers(); !slices.Equal(got, cs) {
		t.Errorf("Classifiers() = %+v, want %+v", got, cs)
	}

	// Marshal writes Kazoo's object form, in order, and reads back equal.
	out, err := json.Marshal(cs)
	if err != nil {
		t.Fatal(err)
	}
	var back Classifiers
	if err := json.Unmarshal(out, &back); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(back, cs) {
		t.Errorf("round trip: %s\n got %+v\nwant %+v", out, back, cs)
	}
}

func TestConvertersJSON(t *testing.T) {
	objectForm := `{"^(\\+?1)?([2-9][0-9]{2}[2-9][0-9]{6})$":{"prefix":"+1"},"^011(\\d{5,})$|^00(\\d{5,})$":{"prefix":"+"},"^[2-9]\\d{7,}$":{"prefix":"+"}}`
	var c Converters
	if err := json.Unmarshal([]byte(objectForm), &c); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(c, DefaultConverters()) {
		t.Fatalf("object form = %+v, want the defaults in order", c)
	}
	out, err := json.Marshal(c)
	if err != nil {
		t.Fatal(err)
	}
	if string(out) != objectForm {
		t.Errorf("Marshal = %s\nwant      %s", out, objectForm)
	}

	arrayForm := `[{"regex":"^(\\d{4})$","prefix":"+1415555","suffix":"0"},{"regex":"^x$"}]`
	if err := json.Unmarshal([]byte(arrayForm), &c); err != nil {
		t.Fatal(err)
	}
	want := Converters{{Regex: `^(\d{4})$`, Prefix: "+1415555", Suffix: "0"}, {Regex: "^x$"}}
	if !slices.Equal(c, want) {
		t.Errorf("array form = %+v, want %+v", c, want)
	}

	for _, bad := range []string{`"x"`, `{"a":1}`, `{"a":{},"a":{}}`, `[1]`} {
		var c Converters
		if err := json.Unmarshal([]byte(bad), &c); err == nil {
			t.Errorf("Unmarshal(%s) succeeded, want an error", bad)
		}
	}
	var empty Converters
	if err := json.Unmarshal([]byte(`null`), &empty); err != nil || len(empty) != 0 {
		t.Errorf("null = %+v, %v", empty, err)
	}
}

func TestClassifiersJSONBad(t *testing.T) {
	for _, bad := range []string{`"x"`, `{"a":1}`, `{"a":{"regex":"x","emergency":"maybe"}}`, `{"a":"x","a":"y"}`} {
		var c Classifiers
		if err := json.Unmarshal([]byte(bad), &c); err == nil {
			t.Errorf("Unmarshal(%s) succeeded, want an error", bad)
		}
	}
	var c Classifiers
	if err := json.Unmarshal([]byte(`{"e":{"regex":"^911$","emergency":"true"}}`), &c); err != nil || !c[0].Emergency {
		t.Errorf("string emergency: %+v, %v", c, err)
	}
}

func TestPrettyPrint(t *testing.T) {
	tests := []struct{ format, number, want string }{
		// knm_util_tests
		{"SS(###) ### - *", "+14158867900", "(415) 886 - 7900"},
		{`S\SS(###\#) ### - *\*`, "+14158867900", "S(415#) 886 - 7900*"},
		{"*", "+14158867900", "+14158867900"},
		// the default US format, and running out of digits
		{DefaultPrettyPrint, "+14158867900", "(415) 886 - 7900"},
		{"SS###-###-####-###", "+1415886", "415-886--"},
		{"", "+14158867900", ""},
		{`\`, "+1", `\`},
		{`\x`, "+1", `\x`},
	}
	for _, tt := range tests {
		if got := PrettyPrint(tt.format, tt.number); got != tt.want {
			t.Errorf("PrettyPrint(%q, %q) = %q, want %q", tt.format, tt.number, got, tt.want)
		}
	}
}

func TestNormalizerPretty(t *testing.T) {
	z := defaultNormalizer(t)
	for in, want := range map[string]string{
		"4158867900":    "(415) 886 - 7900",
		"+18005551234":  "(800) 555 - 1234",
		"+442079460958": "+442079460958", // international has no format
		"NOT a number":  "NOT a number",
	} {
		if got := z.Pretty(in); got != want {
			t.Errorf("Pretty(%q) = %q, want %q", in, got, want)
		}
	}
}

func BenchmarkNormalize(b *testing.B) {
	z := defaultNormalizer(b)
	for _, in := range []string{"+14152338397", "4152338397", "+1 (415) 233-8397", "NOT a number"} {
		b.Run(in, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				_, _ = z.Normalize(in)
			}
		})
	}
}
