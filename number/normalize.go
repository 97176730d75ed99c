package number

import (
	"regexp"
	"strings"

	"github.com/nyaruka/phonenumbers"
)

// Converter is one entry of e164_converters: a number matching Regex becomes
// Prefix + its last non-empty capture group (or the whole match) + Suffix.
type Converter struct {
	Regex  string `json:"regex"`
	Prefix string `json:"prefix,omitempty"`
	Suffix string `json:"suffix,omitempty"`
}

// Converters is the ordered list of e164_converters; the first match wins.
// It decodes from Kazoo's object form (regex -> {prefix, suffix}, in key
// order) and from an array of Converter (configjson.go).
type Converters []Converter

// DefaultConverters returns Kazoo's default e164_converters, in order.
func DefaultConverters() Converters {
	return Converters{
		{Regex: `^(\+?1)?([2-9][0-9]{2}[2-9][0-9]{6})$`, Prefix: "+1"},
		{Regex: `^011(\d{5,})$|^00(\d{5,})$`, Prefix: "+"},
		{Regex: `^[2-9]\d{7,}$`, Prefix: "+"},
	}
}

// Classifier is one entry of the classifiers list.
type Classifier struct {
	Name         string `json:"name"`
	Regex        string `json:"regex"`
	FriendlyName string `json:"friendly_name,omitempty"`
	PrettyPrint  string `json:"pretty_print,omitempty"`
	Emergency    bool   `json:"emergency,omitempty"`
}

// Classifiers is the ordered list of classifiers; the first match wins, so
// tollfree_us comes before did_us. It decodes from Kazoo's object form (in
// key order) and from an array of Classifier.
type Classifiers []Classifier

// DefaultClassifiers returns Kazoo's default classifiers, in Kazoo's order.
func DefaultClassifiers() Classifiers {
	return Classifiers{
		{Name: "tollfree_us", Regex: `^\+1((?:800|88\d|877|866|855|844|833|822)\d{7})$`, FriendlyName: "US TollFree", PrettyPrint: "SS(###) ### - ####"},
		{Name: "toll_us", Regex: `^\+1(900\d{7})$`, FriendlyName: "US Toll", PrettyPrint: "SS(###) ### - ####"},
		{Name: "emergency", Regex: `^(911|922|933|833|811|711|999)$`, FriendlyName: "Emergency Dispatcher", Emergency: true},
		{Name: "caribbean", Regex: `^\+?1((?:684|264|268|242|246|441|284|345|767|809|829|849|473|671|876|664|670|787|939|869|758|784|721|868|649|340)\d{7})$`, FriendlyName: "Caribbean", PrettyPrint: "SS(###) ### - ####"},
		{Name: "did_us", Regex: `^(\+?1)?([2-9][0-9]{2}[2-9][0-9]{6})$`, FriendlyName: "US DID", PrettyPrint: "SS(###) ### - ####"},
		{Name: "international", Regex: `^\+([2-9]\d{7,})$`, FriendlyName: "International"},
		{Name: "unknown", Regex: `^(.*)$`, FriendlyName: "Unknown"},
	}
}

// Normalizer turns what users type into E.164 and classifies numbers, by a
// Config's converters, reconcile_regex and classifiers. It is safe for
// concurrent use.
type Normalizer struct {
	converters  []compiledConverter
	reconcile   *regexp.Regexp
	classifiers []compiledClassifier
}

type compiledConverter struct {
	Converter
	re *regexp.Regexp
}

type compiledClassifier struct {
	Classifier
	re *regexp.Regexp
}

// NewNormalizer compiles cfg's regexes; a bad regex is an invalid error.
func NewNormalizer(cfg Config) (*Normalizer, error) {
	z := &Normalizer{}
	for _, c := range cfg.E164Converters {
		re, err := regexp.Compile(c.Regex)
		if err != nil {
			return nil, Errorf(KindInvalid, "", "e164_converters: bad regex %q: %v", c.Regex, err)
		}
		z.converters = append(z.converters, compiledConverter{c, re})
	}
	rr := cfg.ReconcileRegex
	if rr == "" {
		rr = DefaultReconcileRegex
	}
	re, err := regexp.Compile(rr)
	if err != nil {
		return nil, Errorf(KindInvalid, "", "reconcile_regex: bad regex %q: %v", rr, err)
	}
	z.reconcile = re
	for _, c := range cfg.Classifiers {
		re, err := regexp.Compile(c.Regex)
		if err != nil {
			return nil, Errorf(KindInvalid, "", "classifiers: %s: bad regex %q: %v", c.Name, c.Regex, err)
		}
		z.classifiers = append(z.classifiers, compiledClassifier{c, re})
	}
	return z, nil
}

// maxE164Digits is E.164's limit on the digits after the "+".
const maxE164Digits = 15

// minNationalDigits is libphonenumber's shortest national number: a country
// code alone is no phone number.
const minNationalDigits = 2

// Normalize returns raw in E.164, or a not_reconcilable error keyed by raw
// when raw is no phone number Numan manages. It never guesses: what the
// converters do not turn into "+digits" matching reconcile_regex is refused.
func (z *Normalizer) Normalize(raw string) (string, error) {
	s := stripDecoration(raw)
	if s == "" {
		return "", NewError(KindNotReconcilable, raw)
	}
	if s[0] != '+' {
		s = z.convert(s)
	}
	if !isPlausibleE164(s) || !z.reconcile.MatchString(s) {
		return "", NewError(KindNotReconcilable, raw)
	}
	return s, nil
}

// Convert is Kazoo's knm_converters:normalize without the reconcile check:
// decoration stripped, a value not starting with "+" run through the
// converters, anything else returned as it is. Classification wants this
// ("911" stays "911" and is an emergency number); storage wants Normalize.
func (z *Normalizer) Convert(raw string) string {
	s := stripDecoration(raw)
	if s == "" || s[0] == '+' {
		return s
	}
	return z.convert(s)
}

// IsReconcilable reports whether raw normalises to a number Numan manages.
func (z *Normalizer) IsReconcilable(raw string) bool {
	_, err := z.Normalize(raw)
	return err == nil
}

// convert applies Kazoo's e164_converters: the first matching regex wins;
// no match leaves s as it is (and reconcile_regex then decides).
func (z *Normalizer) convert(s string) string {
	for i := range z.converters {
		c := &z.converters[i]
		m := c.re.FindStringSubmatchIndex(s)
		if m == nil {
			continue
		}
		body := s[m[0]:m[1]]
		for g := len(m)/2 - 1; g > 0; g-- {
			if m[2*g] >= 0 && m[2*g+1] > m[2*g] {
				body = s[m[2*g]:m[2*g+1]]
				break
			}
		}
		return c.Prefix + body + c.Suffix
	}
	return s
}

// stripDecoration removes what people and phones wrap around a number: the
// surrounding blanks, a tel: URI scheme (and its ;parameters) and the visual
// separators space, '-', '.', '(' and ')'. It allocates only when there is a
// separator to remove.
func stripDecoration(raw string) string {
	s := strings.TrimSpace(raw)
	if len(s) >= 4 && strings.EqualFold(s[:4], "tel:") {
		s = s[4:]
		if i := strings.IndexByte(s, ';'); i >= 0 {
			s = s[:i]
		}
	}
	if !strings.ContainsAny(s, " -.()\t") {
		return s
	}
	b := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case ' ', '-', '.', '(', ')', '\t':
		default:
			b = append(b, s[i])
		}
	}
	return string(b)
}

// isPlausibleE164 reports whether s is "+" and 3 to 15 digits that start
// with a country calling code libphonenumber knows, followed by a national
// number of at least two digits. It deliberately does not ask whether the
// number is valid in its country: Kazoo's fictional 555 numbers must pass.
func isPlausibleE164(s string) bool {
	if len(s) < 2 || s[0] != '+' || len(s)-1 > maxE164Digits {
		return false
	}
	for i := 1; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	cc := 0
	for n := 1; n <= 3 && n < len(s); n++ {
		cc = cc*10 + int(s[n]-'0')
		if phonenumbers.GetRegionCodeForCountryCode(cc) != phonenumbers.UNKNOWN_REGION {
			return len(s)-1-n >= minNationalDigits
		}
	}
	return false
}
