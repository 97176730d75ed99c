package httpx

import (
	"context"
	"log/slog"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"time"
)

// Redacted replaces every secret in logs and error messages.
const Redacted = "[REDACTED]"

// maxLoggedBody keeps a search reply of hundreds of numbers from flooding
// the debug log.
const maxLoggedBody = 2048

// sensitiveName reports whether a header, query parameter, JSON key or XML
// element of that name holds a secret.
func sensitiveName(name string) bool {
	n := nameSeparators.Replace(strings.ToLower(name))
	for _, s := range []string{"pass", "secret", "token", "apikey", "auth", "credential", "signature", "privatekey", "cookie"} {
		if strings.Contains(n, s) {
			return true
		}
	}
	return n == "key" || n == "pwd" || n == "pin"
}

// nameSeparators folds api_key, api-key and api.key into apikey.
var nameSeparators = strings.NewReplacer("_", "", "-", "", ".", "")

var (
	jsonPair = regexp.MustCompile(`"([^"\\]{1,64})"(\s*:\s*)"((?:[^"\\]|\\.)*)"`)
	xmlElem  = regexp.MustCompile(`<([A-Za-z_][\w.:-]*)(\s[^<>]*)?>([^<]*)</([A-Za-z_][\w.:-]*)\s*>`)
	formPair = regexp.MustCompile(`(^|[?&;\s])([A-Za-z0-9_.\[\]%-]{1,64})=([^&;\s"<]*)`)
)

// RedactText hides secrets in free text: the values of sensitive JSON keys,
// XML elements and form/query parameters, and every literal in secrets
// wherever it appears (a carrier may echo a token in an error message).
func RedactText(s string, secrets []string) string {
	for _, sec := range secrets {
		// Short values would blank out unrelated text; a real secret is
		// never this short.
		if len(sec) >= 4 {
			s = strings.ReplaceAll(s, sec, Redacted)
			if esc := url.QueryEscape(sec); esc != sec {
				s = strings.ReplaceAll(s, esc, Redacted)
			}
		}
	}
	s = replaceGroups(jsonPair, s, func(p []string) string {
		if !sensitiveName(p[1]) {
			return p[0]
		}
		return `"` + p[1] + `"` + p[2] + `"` + Redacted + `"`
	})
	s = replaceGroups(xmlElem, s, func(p []string) string {
		if p[1] != p[4] || !sensitiveName(localName(p[1])) {
			return p[0]
		}
		return "<" + p[1] + p[2] + ">" + Redacted + "</" + p[4] + ">"
	})
	s = replaceGroups(formPair, s, func(p []string) string {
		name, err := url.QueryUnescape(p[2])
		if err != nil {
			name = p[2]
		}
		if !sensitiveName(name) {
			return p[0]
		}
		return p[1] + p[2] + "=" + Redacted
	})
	return s
}

// replaceGroups replaces each match of re in s by repl of its groups
// (p[0] the whole match), matching once rather than twice per hit as
// ReplaceAllStringFunc followed by FindStringSubmatch would.
func replaceGroups(re *regexp.Regexp, s string, repl func(p []string) string) string {
	matches := re.FindAllStringSubmatchIndex(s, -1)
	if matches == nil {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	last := 0
	groups := make([]string, re.NumSubexp()+1)
	for _, m := range matches {
		for i := range groups {
			groups[i] = ""
			if m[2*i] >= 0 {
				groups[i] = s[m[2*i]:m[2*i+1]]
			}
		}
		b.WriteString(s[last:m[0]])
		b.WriteString(repl(groups))
		last = m[1]
	}
	b.WriteString(s[last:])
	return b.String()
}

func localName(n string) string {
	if i := strings.LastIndexByte(n, ':'); i >= 0 {
		return n[i+1:]
	}
	return n
}

// RedactHeader returns a copy of h with credentials replaced.
func RedactHeader(h http.Header, secrets []string) http.Header {
	out := make(http.Header, len(h))
	for k, vs := range h {
		if sensitiveName(k) {
			out[k] = []string{Redacted}
			continue
		}
		cp := make([]string, len(vs))
		for i, v := range vs {
			cp[i] = RedactText(v, secrets)
		}
		out[k] = cp
	}
	return out
}

// RedactURL returns u as text with its user info and sensitive query
// values hidden.
func RedactURL(u *url.URL, secrets []string) string {
	cp := *u
	if cp.User != nil {
		cp.User = url.User(Redacted)
	}
	if cp.RawQuery != "" {
		q := cp.Query()
		for k := range q {
			if sensitiveName(k) {
				q[k] = []string{Redacted}
			}
		}
		cp.RawQuery = q.Encode()
	}
	return RedactText(cp.String(), secrets)
}

func (c *Client) secrets() []string {
	var s []string
	if c.Auth != nil {
		s = c.Auth.Secrets()
	}
	return append(s, urlSecrets(c.BaseURL)...)
}

// urlSecrets are the credentials a configured URL carries (its user info
// and its query values): an api_url set to https://user:pass@host/?key=...
// must not show them in a log line or an error, whatever the names.
func urlSecrets(raw string) []string {
	if raw == "" {
		return nil
	}
	u, err := url.Parse(raw)
	if err != nil {
		return nil
	}
	var out []string
	if u.User != nil {
		out = append(out, u.User.Username())
		if p, ok := u.User.Password(); ok {
			out = append(out, p)
		}
	}
	for _, vs := range u.Query() {
		out = append(out, vs...)
	}
	return out
}

func (c *Client) redact(s string) string { return RedactText(s, c.secrets()) }

func (c *Client) redactURL(u *url.URL) string { return RedactURL(u, c.secrets()) }

// log writes one debug record per exchange. Redaction costs regular
// expressions over the bodies, so it runs only when debug is enabled.
func (c *Client) log(ctx context.Context, req *Request, target *url.URL, hdr http.Header, status int, body []byte, took time.Duration, err error) {
	if c.Logger == nil || !c.Logger.Enabled(ctx, slog.LevelDebug) {
		return
	}
	attrs := []slog.Attr{
		slog.String("carrier", c.Carrier),
		slog.String("method", req.Method),
		slog.String("url", c.redactURL(target)),
		slog.Any("request_headers", RedactHeader(hdr, c.secrets())),
		slog.Duration("took", took),
	}
	if len(req.Body) > 0 {
		attrs = append(attrs, slog.String("request_body", truncate(c.redact(string(req.Body)), maxLoggedBody)))
	}
	if status != 0 {
		attrs = append(attrs, slog.Int("status", status))
	}
	if body != nil {
		attrs = append(attrs, slog.String("response_body", truncate(c.redact(string(body)), maxLoggedBody)))
	}
	if err != nil {
		attrs = append(attrs, slog.String("error", c.redact(err.Error())))
	}
	c.Logger.LogAttrs(ctx, slog.LevelDebug, "carrier http exchange", attrs...)
}
