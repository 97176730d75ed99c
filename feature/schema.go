package feature

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/numan-dev/numan/number"
)

// Address is Kazoo's e911 object: what a number's public "e911" holds,
// the part providers send, and the form in which they return suggestions.
type Address struct {
	CallerName      string `json:"caller_name,omitempty"`
	StreetAddress   string `json:"street_address"`
	ExtendedAddress string `json:"extended_address,omitempty"`
	Locality        string `json:"locality"`
	Region          string `json:"region"`
	PostalCode      string `json:"postal_code"`
	PlusFour        string `json:"plus_four,omitempty"`
	Latitude        string `json:"latitude,omitempty"`
	Longitude       string `json:"longitude,omitempty"`
	LocationID      string `json:"location_id,omitempty"`
}

// Asked is the part of the address a request asks a provider to record:
// the caller name and the postal address, without what a provider reports
// back (location id, coordinates, plus four). Its JSON is Spec.Value for
// e911, so saving an address a provider filled in does not provision it
// again.
func (a Address) Asked() Address {
	return Address{CallerName: a.CallerName, StreetAddress: a.StreetAddress, ExtendedAddress: a.ExtendedAddress,
		Locality: a.Locality, Region: a.Region, PostalCode: a.PostalCode}
}

// Equal reports whether a and b ask for the same address (case and spacing
// aside).
func (a Address) Equal(b Address) bool {
	f := func(s string) string { return strings.ToUpper(strings.Join(strings.Fields(s), " ")) }
	x, y := a.Asked(), b.Asked()
	return f(x.CallerName) == f(y.CallerName) && f(x.StreetAddress) == f(y.StreetAddress) &&
		f(x.ExtendedAddress) == f(y.ExtendedAddress) && f(x.Locality) == f(y.Locality) &&
		f(x.Region) == f(y.Region) && f(x.PostalCode) == f(y.PostalCode)
}

// CallerNameOr returns the caller name to send for a: the request's, else
// accountName padded to Kazoo's minimum of 3 characters, else "Valued
// Customer" (Kazoo's knm_dash_e911 rule, used by every E911 provider).
func (a Address) CallerNameOr(accountName string) string {
	if n := strings.TrimSpace(a.CallerName); n != "" {
		return n
	}
	if n := strings.TrimSpace(accountName); n != "" {
		for utf8.RuneCountInString(n) < 3 {
			n += " "
		}
		return n
	}
	return "Valued Customer"
}

// e911Statuses are the values Kazoo's schema allows in e911.status.
var e911Statuses = []string{"INVALID", "GEOCODED", "PROVISIONED", "REMOVED", "ERROR"}

// ParseAddress checks a public e911 object against Kazoo's phone_numbers
// schema (street_address, locality, region of 2 letters and postal_code
// required and not blank; caller_name at least 3 characters; the read-back
// fields strings; status one of Kazoo's) and returns it with spacing
// trimmed and the region upper-cased.
func ParseAddress(num string, raw json.RawMessage) (Address, error) {
	var v FieldErrors
	obj, ok := object(raw)
	if !ok {
		v.add("e911", "type", "Value did not match type(s): object", "object", raw)
		return Address{}, v.Err(num)
	}
	str := func(key string, required bool, minLen, maxLen int) string {
		path := "e911." + key
		r, ok := obj[key]
		if !ok || isNull(r) {
			if required {
				v.add(path, "required", "Field is required but missing", nil, nil)
			}
			return ""
		}
		var s string
		if json.Unmarshal(r, &s) != nil {
			v.add(path, "type", "Value did not match type(s): string", "string", r)
			return ""
		}
		s = strings.Join(strings.Fields(s), " ")
		n := utf8.RuneCountInString(s)
		switch {
		case required && n == 0:
			v.add(path, "required", "Field is required but missing", nil, nil)
		case n > 0 && n < minLen:
			v.add(path, "minLength", fmt.Sprintf("String must be at least %d characters", minLen), minLen, s)
		case maxLen > 0 && n > maxLen:
			v.add(path, "maxLength", fmt.Sprintf("String must not be more than %d characters", maxLen), maxLen, s)
		}
		return s
	}
	a := Address{
		CallerName:      str("caller_name", false, 3, 0),
		StreetAddress:   str("street_address", true, 0, 0),
		ExtendedAddress: str("extended_address", false, 0, 0),
		Locality:        str("locality", true, 0, 0),
		Region:          strings.ToUpper(str("region", true, 2, 2)),
		PostalCode:      str("postal_code", true, 0, 0),
		PlusFour:        str("plus_four", false, 0, 0),
		Latitude:        str("latitude", false, 0, 0),
		Longitude:       str("longitude", false, 0, 0),
		LocationID:      str("location_id", false, 0, 0),
	}
	if a.Region != "" && !isLetters(a.Region) {
		v.add("e911.region", "pattern", "Region must be a 2-letter state or province code", "^[A-Z]{2}$", a.Region)
	}
	for _, k := range []string{"activated_time", "comments", "order_id"} {
		str(k, false, 0, 0)
	}
	if r, ok := obj["status"]; ok && !isNull(r) {
		var s string
		if json.Unmarshal(r, &s) != nil || !contains(e911Statuses, s) {
			v.add("e911.status", "enum", "Value not found in enumerated list of values", e911Statuses, r)
		}
	}
	if r, ok := obj["notification_contact_emails"]; ok && !isNull(r) {
		var emails []json.RawMessage
		if json.Unmarshal(r, &emails) != nil {
			v.add("e911.notification_contact_emails", "type", "Value did not match type(s): array", "array", r)
		}
		for i, e := range emails {
			var s string
			if json.Unmarshal(e, &s) != nil {
				v.add(fmt.Sprintf("e911.notification_contact_emails.%d", i), "type", "Value did not match type(s): string", "string", e)
			}
		}
	}
	if r, ok := obj["legacy_data"]; ok && !isNull(r) {
		legacy, ok := object(r)
		if !ok {
			v.add("e911.legacy_data", "type", "Value did not match type(s): object", "object", r)
		}
		for _, k := range []string{"house_number", "predirectional", "streetname", "suite"} {
			if x, ok := legacy[k]; ok && !isNull(x) {
				var s string
				if json.Unmarshal(x, &s) != nil {
					v.add("e911.legacy_data."+k, "type", "Value did not match type(s): string", "string", x)
				}
			}
		}
	}
	if err := v.Err(num); err != nil {
		return Address{}, err
	}
	return a, nil
}

// E911Spec is the Spec of an e911 request that most providers use: the
// asked address as Value and, as Kazoo does, the public object as sent as
// the private feature. An absent e911 is off.
func E911Spec(req Request) (Spec, Address, error) {
	raw, ok := req.Number.Public[number.FeatureE911]
	if !ok || isNull(raw) || isEmptyObject(raw) {
		return Spec{}, Address{}, nil
	}
	a, err := ParseAddress(req.Number.Number, raw)
	if err != nil {
		return Spec{}, Address{}, err
	}
	return Spec{Value: mustJSON(a.Asked()), Features: number.Doc{number.FeatureE911: compact(raw)}}, a, nil
}

// CNAM is Kazoo's public cnam object.
type CNAM struct {
	DisplayName   string `json:"display_name,omitempty"`
	InboundLookup bool   `json:"inbound_lookup,omitempty"`
}

// ParseCNAM checks a public cnam object against Kazoo's schema
// (display_name a string of 1 to 15 characters, inbound_lookup a boolean).
// Numan also refuses control characters in the name: carriers' CNAM
// databases take printable text only.
func ParseCNAM(num string, raw json.RawMessage) (CNAM, error) {
	var v FieldErrors
	obj, ok := object(raw)
	if !ok {
		v.add("cnam", "type", "Value did not match type(s): object", "object", raw)
		return CNAM{}, v.Err(num)
	}
	var c CNAM
	if r, ok := obj["display_name"]; ok && !isNull(r) {
		if json.Unmarshal(r, &c.DisplayName) != nil {
			v.add("cnam.display_name", "type", "Value did not match type(s): string", "string", r)
		}
		c.DisplayName = strings.TrimSpace(c.DisplayName)
		switch n := utf8.RuneCountInString(c.DisplayName); {
		case n < 1:
			v.add("cnam.display_name", "minLength", "String must be at least 1 characters", 1, c.DisplayName)
		case n > 15:
			v.add("cnam.display_name", "maxLength", "String must not be more than 15 characters", 15, c.DisplayName)
		case strings.ContainsFunc(c.DisplayName, func(r rune) bool { return !unicode.IsPrint(r) }):
			v.add("cnam.display_name", "pattern", "String must hold printable characters only", nil, c.DisplayName)
		}
	}
	if r, ok := obj["inbound_lookup"]; ok && !isNull(r) {
		if json.Unmarshal(r, &c.InboundLookup) != nil {
			v.add("cnam.inbound_lookup", "type", "Value did not match type(s): boolean", "boolean", r)
		}
	}
	if err := v.Err(num); err != nil {
		return CNAM{}, err
	}
	return c, nil
}

// CNAMSpec is the Spec of a cnam request: Value is the normalised object
// (nil when it asks for neither half), and the private features are
// Kazoo's outbound_cnam {display_name} and inbound_cnam {inbound_lookup}.
func CNAMSpec(req Request) (Spec, CNAM, error) {
	raw, ok := req.Number.Public[number.FeatureCNAM]
	if !ok || isNull(raw) {
		return Spec{}, CNAM{}, nil
	}
	c, err := ParseCNAM(req.Number.Number, raw)
	if err != nil || c == (CNAM{}) {
		return Spec{}, CNAM{}, err
	}
	return Spec{Value: mustJSON(c), Features: c.Features()}, c, nil
}

// Features are the private features c stands for.
func (c CNAM) Features() number.Doc {
	d := number.Doc{}
	if c.DisplayName != "" {
		d.Set(number.FeatureOutboundCNAM, map[string]string{"display_name": c.DisplayName})
	}
	if c.InboundLookup {
		d.Set(number.FeatureInboundCNAM, map[string]bool{"inbound_lookup": true})
	}
	return d
}

// AppliedCNAM decodes the cnam a record says was carried out (zero when
// none was).
func AppliedCNAM(rec Record) CNAM {
	var c CNAM
	if len(rec.Applied) > 0 {
		_ = json.Unmarshal(rec.Applied, &c)
	}
	return c
}

// MessagingSpec is the Spec of an sms or mms request ({"enabled": true,
// ...}): on when enabled is true, the public object kept as the private
// feature as Kazoo's knm_im does. enabled must be a boolean.
func MessagingSpec(req Request) (Spec, error) {
	raw, ok := req.Number.Public[req.Feature]
	if !ok || isNull(raw) {
		return Spec{}, nil
	}
	var v FieldErrors
	obj, ok := object(raw)
	if !ok {
		v.add(req.Feature, "type", "Value did not match type(s): object", "object", raw)
		return Spec{}, v.Err(req.Number.Number)
	}
	var enabled bool
	if r, ok := obj["enabled"]; ok && !isNull(r) && json.Unmarshal(r, &enabled) != nil {
		v.add(req.Feature+".enabled", "type", "Value did not match type(s): boolean", "boolean", r)
		return Spec{}, v.Err(req.Number.Number)
	}
	if !enabled {
		return Spec{}, nil
	}
	return Spec{Value: json.RawMessage(`{"enabled":true}`), Features: number.Doc{req.Feature: compact(raw)}}, nil
}

func object(raw json.RawMessage) (map[string]json.RawMessage, bool) {
	t := bytes.TrimSpace(raw)
	if len(t) == 0 || t[0] != '{' {
		return nil, false
	}
	var m map[string]json.RawMessage
	if json.Unmarshal(t, &m) != nil {
		return nil, false
	}
	return m, true
}

func isNull(raw json.RawMessage) bool {
	t := bytes.TrimSpace(raw)
	return len(t) == 0 || bytes.Equal(t, []byte("null"))
}

func isEmptyObject(raw json.RawMessage) bool {
	m, ok := object(raw)
	return ok && len(m) == 0
}

func isLetters(s string) bool {
	for _, r := range s {
		if r < 'A' || r > 'Z' {
			return false
		}
	}
	return true
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// mustJSON encodes values that always encode (plain structs and maps).
func mustJSON(v any) json.RawMessage {
	b, err := json.Marshal(v)
	if err != nil {
		panic("feature: " + err.Error())
	}
	return b
}

func compact(raw json.RawMessage) json.RawMessage {
	var b bytes.Buffer
	if json.Compact(&b, raw) != nil {
		return raw
	}
	return b.Bytes()
}

// IsNull reports whether a public value is absent or JSON null.
func IsNull(raw json.RawMessage) bool { return isNull(raw) }

// Object decodes raw as a JSON object, reporting false when it is not one.
func Object(raw json.RawMessage) (map[string]json.RawMessage, bool) { return object(raw) }

// JSON encodes v; for the plain values providers build, it cannot fail.
func JSON(v any) json.RawMessage { return mustJSON(v) }

// Compact returns raw without insignificant space, or raw itself when it
// is not JSON.
func Compact(raw json.RawMessage) json.RawMessage { return compact(raw) }

// NANP returns the ten digits of a North American number (+1NPANXXXXXX),
// reporting false for any other number: DASH, Vitelity and Bandwidth's
// E911 and CNAM serve NANP numbers only.
func NANP(e164 string) (string, bool) {
	d, ok := strings.CutPrefix(e164, "+1")
	if !ok || len(d) != 10 || d[0] < '2' {
		return "", false
	}
	for i := 0; i < len(d); i++ {
		if d[i] < '0' || d[i] > '9' {
			return "", false
		}
	}
	return d, true
}

// RequireNANP is the Validate rule of providers that serve NANP numbers
// only: a request for any other number is invalid.
func RequireNANP(provider, feat, e164 string) error {
	if _, ok := NANP(e164); ok {
		return nil
	}
	return number.Errorf(number.KindInvalid, e164, "%s: %s is available for North American (+1) numbers only", provider, feat)
}
