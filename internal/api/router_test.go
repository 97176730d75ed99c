package api

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
)

func TestEnvelope(t *testing.T) {
	e := newEnv(t)
	tests := []struct {
		name          string
		method, path  string
		token         bool
		code          int
		message       string
		wantVersion   bool
		wantAuthToken bool
	}{
		{"success, authenticated", "GET", "/v2/accounts/" + e.master, true, 200, "", true, true},
		{"error, authenticated", "GET", "/v2/accounts/" + e.master + "/phone_numbers/%2B14155550199", true, 404, "bad_identifier", true, true},
		{"unknown path", "GET", "/v2/nothing/here", true, 404, "not_found", false, false},
		{"wrong method", "PATCH", "/v2/api_auth", false, 405, "method_not_allowed", false, false},
		{"unauthenticated", "GET", "/v2/accounts/" + e.master, false, 401, "invalid_credentials", false, false},
		{"health", "GET", "/healthz", false, 200, "", false, false},
		{"ready", "GET", "/readyz", false, 200, "", false, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tok := ""
			if tc.token {
				tok = e.token
			}
			r := e.do(tc.method, tc.path, tok, nil, "X-Request-ID", "req-"+strings.ReplaceAll(tc.name, " ", "-"))
			if r.code != tc.code {
				t.Fatalf("status %d, want %d: %s", r.code, tc.code, r.raw)
			}
			for _, k := range []string{"data", "status", "request_id", "revision", "auth_token", "node", "timestamp"} {
				if _, ok := r.env[k]; !ok {
					t.Errorf("envelope lacks %q: %s", k, r.raw)
				}
			}
			if got := r.env["request_id"]; got != "req-"+strings.ReplaceAll(tc.name, " ", "-") {
				t.Errorf("request_id %v", got)
			}
			if r.header.Get("X-Request-ID") != r.env["request_id"] {
				t.Errorf("X-Request-ID header %q", r.header.Get("X-Request-ID"))
			}
			if _, ok := r.env["version"]; ok != tc.wantVersion {
				t.Errorf("version present %v, want %v", ok, tc.wantVersion)
			}
			if tc.message == "" {
				if r.env["status"] != "success" {
					t.Errorf("status %v", r.env["status"])
				}
				return
			}
			if r.env["status"] != "error" || r.env["message"] != tc.message || r.env["error"] != itoaCode(tc.code) {
				t.Errorf("error envelope: %s", r.raw)
			}
			if tc.wantAuthToken && r.env["auth_token"] != e.token {
				t.Errorf("auth_token %v", r.env["auth_token"])
			}
		})
	}
}

func itoaCode(c int) string { b, _ := json.Marshal(c); return string(b) }

func TestRequestIDGeneratedWhenAbsentOrUnsafe(t *testing.T) {
	e := newEnv(t)
	for _, hdr := range [][]string{nil, {"X-Request-ID", "has space"}, {"X-Request-ID", strings.Repeat("x", 200)}} {
		r := e.do("GET", "/healthz", "", nil, hdr...)
		id, _ := r.env["request_id"].(string)
		if len(id) != 32 {
			t.Errorf("header %v: request_id %q", hdr, id)
		}
	}
}

func TestCORS(t *testing.T) {
	e := newEnv(t)
	t.Run("preflight needs no token", func(t *testing.T) {
		r := e.do("OPTIONS", "/v2/accounts/"+e.master+"/phone_numbers/collection", "", nil,
			"Origin", "https://monster.example", "Access-Control-Request-Method", "PUT",
			"Access-Control-Request-Headers", "content-type,x-auth-token")
		if r.code != 200 {
			t.Fatalf("preflight status %d: %s", r.code, r.raw)
		}
		if got := r.header.Get("Allow"); got != "DELETE, PATCH, POST, PUT, OPTIONS" {
			t.Errorf("Allow %q", got)
		}
		checkCORS(t, r.header)
	})
	t.Run("on every reply", func(t *testing.T) {
		checkCORS(t, e.do("GET", "/v2/accounts/"+e.master, e.token, nil).header)
		checkCORS(t, e.do("GET", "/v2/accounts/"+e.master, "", nil).header)
		checkCORS(t, e.do("GET", "/nope", "", nil).header)
	})
}

func checkCORS(t *testing.T, h http.Header) {
	t.Helper()
	if h.Get("Access-Control-Allow-Origin") != "*" {
		t.Errorf("Access-Control-Allow-Origin %q", h.Get("Access-Control-Allow-Origin"))
	}
	allow := strings.ToLower(h.Get("Access-Control-Allow-Headers"))
	for _, want := range []string{"content-type", "x-auth-token", "x-request-id", "x-kazoo-cluster-id", "authorization"} {
		if !strings.Contains(allow, want) {
			t.Errorf("Access-Control-Allow-Headers lacks %s: %q", want, allow)
		}
	}
	for _, want := range []string{"PUT", "PATCH", "DELETE", "OPTIONS"} {
		if !strings.Contains(h.Get("Access-Control-Allow-Methods"), want) {
			t.Errorf("Access-Control-Allow-Methods lacks %s", want)
		}
	}
	if !strings.Contains(strings.ToLower(h.Get("Access-Control-Expose-Headers")), "x-request-id") {
		t.Errorf("Access-Control-Expose-Headers %q", h.Get("Access-Control-Expose-Headers"))
	}
}

func TestMethodsMatrix(t *testing.T) {
	e := newEnv(t)
	p := "/v2/accounts/" + e.master + "/phone_numbers"
	n := p + "/%2B14155550100"
	// Kazoo's allowed_methods for phone_numbers (§11.4).
	matrix := map[string][]string{
		p:                               {"GET"},
		p + "/carriers_info":            {"GET"},
		p + "/fix":                      {"POST"},
		p + "/fix/%2B14155550100":       {"POST"},
		p + "/classifiers":              {"GET"},
		p + "/classifiers/%2B141555501": {"GET"},
		p + "/collection":               {"DELETE", "PATCH", "POST", "PUT"},
		p + "/collection/activate":      {"PUT"},
		p + "/prefix":                   {"GET"},
		p + "/locality":                 {"POST"},
		p + "/check":                    {"POST"},
		n:                               {"DELETE", "GET", "PATCH", "POST", "PUT"},
		n + "/activate":                 {"PUT"},
		n + "/reserve":                  {"PUT"},
		n + "/port":                     {"PUT"},
		n + "/identify":                 {"GET"},
	}
	all := []string{"GET", "PUT", "POST", "PATCH", "DELETE"}
	for path, allowed := range matrix {
		for _, m := range all {
			r := e.do(m, path, e.token, nil)
			isAllowed := strings.Contains(strings.Join(allowed, ","), m)
			if !isAllowed && r.code != 405 {
				t.Errorf("%s %s: status %d, want 405", m, path, r.code)
			}
			if isAllowed && (r.code == 405 || r.code == 404 && r.env["message"] == "not_found") {
				t.Errorf("%s %s: status %d (%v), want it routed", m, path, r.code, r.env["message"])
			}
			if r.code == 405 && r.header.Get("Allow") != strings.Join(allowed, ", ")+", OPTIONS" {
				t.Errorf("%s %s: Allow %q", m, path, r.header.Get("Allow"))
			}
		}
	}
}

func TestBodyLimits(t *testing.T) {
	e := newEnv(t)
	path := "/v2/accounts/" + e.master + "/phone_numbers/%2B14155550100"
	big := `{"data":{"blob":"` + strings.Repeat("x", DefaultMaxBodyBytes) + `"}}`
	r := e.do("PUT", path, e.token, big)
	if r.code != 413 || r.env["message"] != "too_big" {
		t.Fatalf("oversized body: %d %s", r.code, r.raw[:min(len(r.raw), 300)])
	}
	// The number was left untouched.
	e.must(404, "GET", path, e.token, nil)
}

func TestUnknownAccount(t *testing.T) {
	e := newEnv(t)
	_, tok := e.child(e.master, "a")
	missing := "0123456789abcdef0123456789abcdef"
	tests := []struct {
		name, path, token string
		code              int
	}{
		{"master: not found", "/v2/accounts/" + missing, e.token, 404},
		{"other account: forbidden", "/v2/accounts/" + missing, tok, 403},
		{"not an account id", "/v2/accounts/nothex", e.token, 404},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := e.do("GET", tc.path, tc.token, nil)
			if r.code != tc.code {
				t.Errorf("status %d, want %d: %s", r.code, tc.code, r.raw)
			}
		})
	}
}
