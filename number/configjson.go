package number

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
)

// Kazoo stores e164_converters and classifiers as JSON objects whose key
// order is the match order. Go maps forget order, so both lists decode from
// the token stream; an array form is accepted too.

// UnmarshalJSON reads Kazoo's {"<regex>": {"prefix": .., "suffix": ..}} in
// key order, or an array of {"regex", "prefix", "suffix"}.
func (c *Converters) UnmarshalJSON(data []byte) error {
	out := Converters{}
	err := decodeOrdered(data, "e164_converters",
		func(d *json.Decoder) error {
			var list []Converter
			if err := d.Decode(&list); err != nil {
				return err
			}
			out = append(out, list...)
			return nil
		},
		func(key string, raw json.RawMessage) error {
			var v struct {
				Prefix string `json:"prefix"`
				Suffix string `json:"suffix"`
			}
			if err := json.Unmarshal(raw, &v); err != nil {
				return fmt.Errorf("%q: %w", key, err)
			}
			out = append(out, Converter{Regex: key, Prefix: v.Prefix, Suffix: v.Suffix})
			return nil
		})
	if err != nil {
		return err
	}
	*c = out
	return nil
}

// MarshalJSON writes Kazoo's object form, in order.
func (c Converters) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	b.WriteByte('{')
	for i, conv := range c {
		if i > 0 {
			b.WriteByte(',')
		}
		writeKey(&b, conv.Regex)
		v := map[string]string{}
		if conv.Prefix != "" {
			v["prefix"] = conv.Prefix
		}
		if conv.Suffix != "" {
			v["suffix"] = conv.Suffix
		}
		raw, err := json.Marshal(v)
		if err != nil {
			return nil, err
		}
		b.Write(raw)
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}

// classifierBody is a classifier's value in Kazoo's object form.
type classifierBody struct {
	Regex        string          `json:"regex"`
	FriendlyName string          `json:"friendly_name,omitempty"`
	PrettyPrint  string          `json:"pretty_print,omitempty"`
	Emergency    json.RawMessage `json:"emergency,omitempty"`
}

// UnmarshalJSON reads Kazoo's {"<name>": {"regex", "friendly_name",
// "pretty_print", "emergency"}} or the legacy {"<name>": "<regex>"} in key
// order, or an array of Classifier. A legacy entry's friendly name is its
// name, as Kazoo's available_classifiers makes it.
func (c *Classifiers) UnmarshalJSON(data []byte) error {
	out := Classifiers{}
	err := decodeOrdered(data, "classifiers",
		func(d *json.Decoder) error {
			var list []Classifier
			if err := d.Decode(&list); err != nil {
				return err
			}
			out = append(out, list...)
			return nil
		},
		func(key string, raw json.RawMessage) error {
			var regex string
			if json.Unmarshal(raw, &regex) == nil {
				out = append(out, Classifier{Name: key, Regex: regex, FriendlyName: key})
				return nil
			}
			var v classifierBody
			if err := json.Unmarshal(raw, &v); err != nil {
				return fmt.Errorf("%q: %w", key, err)
			}
			emergency, err := parseLooseBool(v.Emergency)
			if err != nil {
				return fmt.Errorf("%q: emergency: %w", key, err)
			}
			out = append(out, Classifier{Name: key, Regex: v.Regex, FriendlyName: v.FriendlyName, PrettyPrint: v.PrettyPrint, Emergency: emergency})
			return nil
		})
	if err != nil {
		return err
	}
	*c = out
	return nil
}

// MarshalJSON writes Kazoo's object form, in order.
func (c Classifiers) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	b.WriteByte('{')
	for i, cl := range c {
		if i > 0 {
			b.WriteByte(',')
		}
		writeKey(&b, cl.Name)
		body := classifierBody{Regex: cl.Regex, FriendlyName: cl.FriendlyName, PrettyPrint: cl.PrettyPrint}
		if cl.Emergency {
			body.Emergency = json.RawMessage("true")
		}
		raw, err := json.Marshal(body)
		if err != nil {
			return nil, err
		}
		b.Write(raw)
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}

// parseLooseBool accepts true/false and the strings "true"/"false", as
// hand-edited Kazoo configs hold both.
func parseLooseBool(raw json.RawMessage) (bool, error) {
	if len(raw) == 0 || string(raw) == "null" {
		return false, nil
	}
	var b bool
	if json.Unmarshal(raw, &b) == nil {
		return b, nil
	}
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		return false, fmt.Errorf("want a boolean, got %s", raw)
	}
	return strconv.ParseBool(s)
}

func writeKey(b *bytes.Buffer, key string) {
	raw, _ := json.Marshal(key) // a string always encodes
	b.Write(raw)
	b.WriteByte(':')
}

// decodeOrdered dispatches an ordered list: an array goes to array, an
// object's members go to member one by one in document order. null decodes
// to an empty list. A repeated key is refused: Kazoo's JSON library would
// keep one of them, and which one the order cannot say.
func decodeOrdered(data []byte, what string, array func(*json.Decoder) error, member func(string, json.RawMessage) error) error {
	trimmed := bytes.TrimSpace(data)
	if string(trimmed) == "null" {
		return nil
	}
	d := json.NewDecoder(bytes.NewReader(trimmed))
	if len(trimmed) > 0 && trimmed[0] == '[' {
		if err := array(d); err != nil {
			return fmt.Errorf("%s: %w", what, err)
		}
		return nil
	}
	tok, err := d.Token()
	if err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	if delim, ok := tok.(json.Delim); !ok || delim != '{' {
		return fmt.Errorf("%s: want an object or an array", what)
	}
	seen := map[string]bool{}
	for d.More() {
		tok, err := d.Token()
		if err != nil {
			return fmt.Errorf("%s: %w", what, err)
		}
		key := tok.(string) // inside an object, a token in key position is a string
		if seen[key] {
			return fmt.Errorf("%s: key %q appears twice", what, key)
		}
		seen[key] = true
		var raw json.RawMessage
		if err := d.Decode(&raw); err != nil {
			return fmt.Errorf("%s: %q: %w", what, key, err)
		}
		if err := member(key, raw); err != nil {
			return fmt.Errorf("%s: %w", what, err)
		}
	}
	if _, err := d.Token(); err != nil { // the closing brace
		return fmt.Errorf("%s: %w", what, err)
	}
	return nil
}
