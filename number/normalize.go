package number

import (
	"regexp"
	"strings"
)

// Converter is one entry of e164_converters: a number matching Regex becomes
// Prefix + its last non-empty capture group (or the whole match) + Suffix.
type Converter struct {
	Regex  string `json:"regex"`
	Prefix string `json:"prefix,omitempty"`
	Suffix string `json:"suffix,omitempty"`
}

// Converters is the ordered list of e164_converters; the first match wins.
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
// tollfree_us comes before did_us.
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
// Config's converters, reconcile_regex and classifiers.
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

// Normalize returns raw in E.164, or a not_reconcilable error (keyed by raw)
// when raw is no phone number Numan manages.
func (z *Normalizer) Normalize(raw string) (string, error) {
	s := strings.TrimSpace(raw)
	if !strings.HasPrefix(s, "+") {
		for _, c := range z.converters {
			m := c.re.FindStringSubmatch(s)
			if m == nil {
				continue
			}
			body := m[0]
			for i := len(m) - 1; i > 0; i-- {
				if m[i] != "" {
					body = m[i]
					break
				}
			}
			s = c.Prefix + body + c.Suffix
			break
		}
	}
	if !strings.HasPrefix(s, "+") || !z.reconcile.MatchString(s) {
		return "", NewError(KindNotReconcilable, raw)
	}
	return s, nil
}

// Classify returns the first classifier matching the normalised number.
func (z *Normalizer) Classify(e164 string) (Classifier, bool) {
	for _, c := range z.classifiers {
		if c.re.MatchString(e164) {
			return c.Classifier, true
		}
	}
	return Classifier{}, false
}
