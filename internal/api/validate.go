package api

import (
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/numan-dev/numan/feature"
	"github.com/numan-dev/numan/number"
)

// fieldError is one schema violation, in Kazoo's validation-error terms: the
// dotted path of the field, the rule it broke (required, minLength, enum,
// type, ...) and the rule's details ({"message": ..., "target": ...}).
type fieldError struct {
	path   string
	rule   string
	detail map[string]any
}

// validationErrors is a request that broke its schema. It renders as
// Kazoo's 400 "validation error" with data {path: {rule: detail}}.
type validationErrors []fieldError

func (v validationErrors) Error() string {
	parts := make([]string, len(v))
	for i, f := range v {
		parts[i] = f.path + ": " + f.rule
	}
	return "validation error: " + strings.Join(parts, ", ")
}

func (v validationErrors) data() map[string]any {
	out := map[string]any{}
	for _, f := range v {
		rules, _ := out[f.path].(map[string]any)
		if rules == nil {
			rules = map[string]any{}
			out[f.path] = rules
		}
		rules[f.rule] = f.detail
	}
	return out
}

func (v *validationErrors) add(path, rule, message string, extra ...any) {
	d := map[string]any{"message": message}
	for i := 0; i+1 < len(extra); i += 2 {
		val := extra[i+1]
		if raw, ok := val.(json.RawMessage); ok {
			// A value no JSON reader can hold (1e400) is echoed as text.
			var x any
			if json.Unmarshal(raw, &x) != nil {
				val = string(raw)
			}
		}
		d[extra[i].(string)] = val
	}
	*v = append(*v, fieldError{path: path, rule: rule, detail: d})
}

func (v validationErrors) err() error {
	if len(v) == 0 {
		return nil
	}
	sort.SliceStable(v, func(i, j int) bool { return v[i].path < v[j].path })
	return v
}

// stringRule checks an optional string field's type and length bounds
// (max < 0: unbounded).
func (v *validationErrors) stringRule(path string, raw json.RawMessage, min, max int) {
	if number.JSONType(raw) != "string" {
		v.add(path, "type", "Value did not match type(s): string", "target", "string", "value", raw)
		return
	}
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		v.add(path, "type", "Value did not match type(s): string", "target", "string")
		return
	}
	n := utf8.RuneCountInString(s)
	if n < min {
		v.add(path, "minLength", fmt.Sprintf("String must be at least %d characters", min), "target", min, "value", s)
	}
	if max >= 0 && n > max {
		v.add(path, "maxLength", fmt.Sprintf("String must not be more than %d characters", max), "target", max, "value", s)
	}
}

func (v *validationErrors) typeRule(path string, raw json.RawMessage, want string) bool {
	if got := number.JSONType(raw); got != want {
		v.add(path, "type", "Value did not match type(s): "+want, "target", want, "value", raw)
		return false
	}
	return true
}

func (v *validationErrors) enumRule(path string, raw json.RawMessage, allowed []string) {
	var s string
	if number.JSONType(raw) != "string" || json.Unmarshal(raw, &s) != nil || !contains(allowed, s) {
		v.add(path, "enum", "Value not found in enumerated list of values", "target", allowed, "value", raw)
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func object(raw json.RawMessage) map[string]json.RawMessage {
	var m map[string]json.RawMessage
	_ = json.Unmarshal(raw, &m)
	return m
}

var (
	stateNames = func() []string {
		s := make([]string, len(number.States))
		for i, st := range number.States {
			s[i] = string(st)
		}
		sort.Strings(s)
		return s
	}()
	portingStrings = []string{"billing_account_id", "billing_extended_address", "billing_locality", "billing_name", "billing_postal_code", "billing_region", "billing_street_address", "billing_telephone_number", "customer_contact", "port_id", "requested_port_date", "service_provider"}
)

// validateNumberDoc checks a number's public fields against Kazoo's
// phone_numbers schema ("Schema for a number"): only the keys the schema
// describes are checked; any other key is free-form user data.
func validateNumberDoc(doc number.Doc) error {
	var v validationErrors
	if raw, ok := doc["carrier_name"]; ok {
		v.stringRule("carrier_name", raw, 1, 30)
	}
	if raw, ok := doc["create_with_state"]; ok {
		v.enumRule("create_with_state", raw, stateNames)
	}
	// The features' own rules, which every provider of a feature shares
	// (feature.ParseCNAM, feature.ParseAddress: Kazoo's schema).
	if raw, ok := doc["cnam"]; ok {
		if _, err := feature.ParseCNAM("", raw); err != nil {
			v = append(v, featureFieldErrors(err)...)
		}
	}
	if raw, ok := doc["e911"]; ok {
		if _, err := feature.ParseAddress("", raw); err != nil {
			v = append(v, featureFieldErrors(err)...)
		}
	}
	if raw, ok := doc["porting"]; ok && v.typeRule("porting", raw, "object") {
		p := object(raw)
		for _, k := range portingStrings {
			if x, ok := p[k]; ok {
				v.stringRule("porting."+k, x, 0, -1)
			}
		}
		if r, ok := p["comments"]; ok && v.typeRule("porting.comments", r, "array") {
			var items []json.RawMessage
			_ = json.Unmarshal(r, &items)
			for i, it := range items {
				v.stringRule(fmt.Sprintf("porting.comments.%d", i), it, 0, -1)
			}
		}
	}
	return v.err()
}

// featureFieldErrors turns a feature's request error into validation
// errors (its feature.FieldErrors).
func featureFieldErrors(err error) validationErrors {
	var fe feature.FieldErrors
	if !errors.As(err, &fe) {
		return validationErrors{{path: "data", rule: "type", detail: map[string]any{"message": err.Error()}}}
	}
	out := make(validationErrors, 0, len(fe))
	for _, f := range fe {
		d := map[string]any{"message": f.Message}
		if f.Target != nil {
			d["target"] = f.Target
		}
		if f.Value != nil {
			d["value"] = f.Value
		}
		out = append(out, fieldError{path: f.Path, rule: f.Rule, detail: d})
	}
	return out
}
