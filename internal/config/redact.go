package config

import (
	"bytes"
	"encoding/json"
	"net/url"
	"regexp"
	"strings"

	"github.com/numan-dev/numan/internal/secrets"
)

// Mask is what a secret's value is replaced with when shown.
const Mask = "********"

var maskJSON = []byte(`"` + Mask + `"`)

var secretKey = regexp.MustCompile(`(?i)(pass(word)?|secret|token|api_?key|auth_token|developer_key|credential)`)

// IsSecretKey reports whether a settings key holds a secret.
func IsSecretKey(key string) bool { return secretKey.MatchString(key) }

// A value is secret, wherever it is in a settings object, when its key
// names a secret (IsSecretKey), or when it is a URL carrying credentials:
// user info (https://user:pass@host) or a query (https://host/?key=...),
// whose values are often API keys. Secret values are masked when shown
// (Redact) and sealed at rest (Source.WriteSection).

// RedactURL returns s with the user info and every query value (and a
// fragment) of a URL masked, and whether s was such a URL; any other
// string is returned as it is.
func RedactURL(s string) (string, bool) {
	if !strings.Contains(s, "://") {
		return s, false
	}
	u, err := url.Parse(s)
	if err != nil {
		// Unreadable, but it may still carry a password: show none of it.
		if strings.ContainsAny(s, "@?#") {
			return Mask, true
		}
		return s, false
	}
	if u.Host == "" || (u.User == nil && u.RawQuery == "" && u.Fragment == "") {
		return s, false
	}
	cp := *u
	cp.User = nil
	if cp.RawQuery != "" {
		parts := strings.Split(cp.RawQuery, "&")
		for i, p := range parts {
			k, _, _ := strings.Cut(p, "=")
			parts[i] = k + "=" + Mask
		}
		cp.RawQuery = strings.Join(parts, "&")
	}
	if cp.Fragment != "" {
		cp.Fragment, cp.RawFragment = Mask, ""
	}
	out := cp.String()
	if u.User != nil {
		// url.User would escape the mask.
		out = strings.Replace(out, "://", "://"+Mask+"@", 1)
	}
	return out, true
}

// isSecretLeaf reports whether the value v under key is a secret as a
// whole: a secret key's non-empty value, a URL with credentials, or a
// value already sealed.
func isSecretLeaf(key string, v json.RawMessage) bool {
	t := bytes.TrimSpace(v)
	if len(t) == 0 {
		return false
	}
	if IsSecretKey(key) && !bytes.Equal(t, []byte(`""`)) && !bytes.Equal(t, []byte("null")) {
		return true
	}
	if t[0] != '"' {
		return false
	}
	var s string
	if json.Unmarshal(t, &s) != nil {
		return false
	}
	if secrets.IsSealed(s) {
		return true
	}
	_, isURL := RedactURL(s)
	return isURL
}

// walk rewrites the secret values inside v (v itself when it is one) with
// leaf, recursing into objects and arrays; it reports whether anything
// changed. A value holding no secret is kept byte for byte: the key order
// of classifiers and e164_converters is their meaning.
func walk(key string, v json.RawMessage, leaf func(key string, v json.RawMessage) (json.RawMessage, error)) (json.RawMessage, bool, error) {
	if isSecretLeaf(key, v) {
		out, err := leaf(key, v)
		if err != nil {
			return nil, false, err
		}
		return out, !bytes.Equal(out, v), nil
	}
	t := bytes.TrimSpace(v)
	if len(t) == 0 {
		return v, false, nil
	}
	switch t[0] {
	case '{':
		var inner map[string]json.RawMessage
		if json.Unmarshal(t, &inner) != nil {
			return v, false, nil //nolint:nilerr // not an object after all: a leaf, left as it is
		}
		changed := false
		for k, iv := range inner {
			out, c, err := walk(k, iv, leaf)
			if err != nil {
				return nil, false, err
			}
			if c {
				inner[k], changed = out, true
			}
		}
		if !changed {
			return v, false, nil
		}
		b, err := json.Marshal(inner)
		return b, err == nil, err
	case '[':
		var items []json.RawMessage
		if json.Unmarshal(t, &items) != nil {
			return v, false, nil //nolint:nilerr // not an array after all: a leaf, left as it is
		}
		changed := false
		for i, iv := range items {
			out, c, err := walk("", iv, leaf)
			if err != nil {
				return nil, false, err
			}
			if c {
				items[i], changed = out, true
			}
		}
		if !changed {
			return v, false, nil
		}
		b, err := json.Marshal(items)
		return b, err == nil, err
	}
	return v, false, nil
}

// redactLeaf masks one secret value: a URL keeps its scheme, host and path.
func redactLeaf(key string, v json.RawMessage) (json.RawMessage, error) {
	var s string
	if !IsSecretKey(key) && json.Unmarshal(v, &s) == nil && !secrets.IsSealed(s) {
		if r, ok := RedactURL(s); ok {
			return json.Marshal(r)
		}
	}
	return maskJSON, nil
}

// RedactValue returns v with every secret inside it masked (v itself when
// its key names a secret).
func RedactValue(key string, v json.RawMessage) json.RawMessage {
	out, _, err := walk(key, v, redactLeaf)
	if err != nil {
		return maskJSON
	}
	return out
}

// Redact returns a copy of a settings object with every secret masked,
// recursively, so secrets are never shown or logged in clear. A value
// holding no secret is kept byte for byte.
func Redact(keys map[string]json.RawMessage) map[string]json.RawMessage {
	out := make(map[string]json.RawMessage, len(keys))
	for k, v := range keys {
		out[k] = RedactValue(k, v)
	}
	return out
}

// RedactText masks the URL credentials inside free text (an error message
// that quotes a setting), for logs.
func RedactText(s string) string {
	if !strings.Contains(s, "://") {
		return s
	}
	return urlInText.ReplaceAllStringFunc(s, func(m string) string {
		r, _ := RedactURL(m)
		return r
	})
}

var urlInText = regexp.MustCompile(`[A-Za-z][A-Za-z0-9+.-]*://[^\s"'<>]+`)

// Unmask returns what a client sent back for key, with every masked
// secret replaced by the stored value it masks: a client that writes back
// what it read (masks included) keeps the stored secrets, even inside an
// object or a URL. A mask with nothing stored under it is reported by ok
// false (the key is dropped).
func Unmask(key string, sent, stored json.RawMessage) (out json.RawMessage, ok bool) {
	ts := bytes.TrimSpace(sent)
	if stored == nil {
		return sent, !bytes.Equal(ts, maskJSON)
	}
	if bytes.Equal(ts, bytes.TrimSpace(stored)) {
		return sent, true
	}
	if bytes.Equal(ts, maskJSON) || bytes.Equal(ts, bytes.TrimSpace(RedactValue(key, stored))) {
		return stored, true
	}
	if len(ts) == 0 || ts[0] != '{' {
		return sent, true
	}
	var s, st map[string]json.RawMessage
	if json.Unmarshal(ts, &s) != nil || json.Unmarshal(stored, &st) != nil || st == nil {
		return sent, true
	}
	changed := false
	for k, v := range s {
		prev, had := st[k]
		if !had {
			if bytes.Equal(bytes.TrimSpace(v), maskJSON) {
				delete(s, k)
				changed = true
			}
			continue
		}
		if u, keep := Unmask(k, v, prev); !bytes.Equal(u, v) || !keep {
			s[k] = u
			changed = true
		}
	}
	if !changed {
		return sent, true
	}
	b, err := json.Marshal(s)
	if err != nil {
		return sent, true
	}
	return b, true
}
