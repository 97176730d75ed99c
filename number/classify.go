package number

import (
	"slices"
	"strings"
)

// Classify returns the first classifier, in configured order, matching the
// normalised number.
func (z *Normalizer) Classify(e164 string) (Classifier, bool) {
	for i := range z.classifiers {
		if z.classifiers[i].re.MatchString(e164) {
			return z.classifiers[i].Classifier, true
		}
	}
	return Classifier{}, false
}

// Classifiers returns the configured classifiers in order, as the API's
// classifiers endpoint lists them. The caller owns the returned slice.
func (z *Normalizer) Classifiers() Classifiers {
	out := make(Classifiers, len(z.classifiers))
	for i := range z.classifiers {
		out[i] = z.classifiers[i].Classifier
	}
	return out
}

// DefaultPrettyPrint is Kazoo's fallback format for +1 numbers whose
// classifier has no pretty_print.
const DefaultPrettyPrint = "SS(###) ### - ####"

// Pretty normalises raw and formats it with its classifier's pretty_print,
// falling back to DefaultPrettyPrint for +1 numbers and to the normalised
// number otherwise (Kazoo's knm_util:pretty_print/1). A raw value that does
// not normalise is returned unchanged.
func (z *Normalizer) Pretty(raw string) string {
	e164, err := z.Normalize(raw)
	if err != nil {
		return raw
	}
	format := ""
	if c, ok := z.Classify(e164); ok {
		format = c.PrettyPrint
	}
	if format == "" && strings.HasPrefix(e164, "+1") {
		format = DefaultPrettyPrint
	}
	if format == "" {
		return e164
	}
	return PrettyPrint(format, e164)
}

// PrettyPrint formats a number by Kazoo's pretty_print language: 'S' skips
// one character of the number, '#' copies one, '*' copies the rest, "\S",
// "\#" and "\*" are those characters literally, and every other character
// is copied as is. The number's characters include its leading '+', which
// is why Kazoo's US format starts "SS". A format asking for more characters
// than are left simply gets none.
func PrettyPrint(format, e164 string) string {
	var b strings.Builder
	b.Grow(len(format) + len(e164))
	rest := e164
	for i := 0; i < len(format); i++ {
		ch := format[i]
		switch {
		case ch == '\\' && i+1 < len(format) && slices.Contains([]byte{'S', '#', '*'}, format[i+1]):
			i++
			b.WriteByte(format[i])
		case ch == 'S':
			if rest != "" {
				rest = rest[1:]
			}
		case ch == '#':
			if rest != "" {
				b.WriteByte(rest[0])
				rest = rest[1:]
			}
		case ch == '*':
			b.WriteString(rest)
			rest = ""
		default:
			b.WriteByte(ch)
		}
	}
	return b.String()
}
