package api

import (
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/numan-dev/numan/internal/accounts"
	"github.com/numan-dev/numan/internal/config"
)

func TestAPIAuth(t *testing.T) {
	e := newEnv(t)
	tests := []struct {
		name    string
		body    any
		code    int
		message string
	}{
		{"good key", map[string]any{"data": map[string]any{"api_key": testMasterKey}}, 201, ""},
		{"wrong key", map[string]any{"data": map[string]any{"api_key": "nope"}}, 401, "invalid_credentials"},
		{"missing key", map[string]any{"data": map[string]any{}}, 400, "validation error"},
		{"key not a string", map[string]any{"data": map[string]any{"api_key": 42}}, 400, "validation error"},
		{"malformed JSON", `{"data": {"api_key": `, 400, "invalid_json"},
		{"data not an object", map[string]any{"data": []string{"x"}}, 400, "validation error"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := e.do("PUT", "/v2/api_auth", "", tc.body)
			if r.code != tc.code {
				t.Fatalf("status %d, want %d: %s", r.code, tc.code, r.raw)
			}
			if tc.message != "" {
				if r.env["message"] != tc.message || r.env["status"] != "error" || r.env["error"] != strconv.Itoa(tc.code) {
					t.Errorf("envelope %s", r.raw)
				}
				return
			}
			d := r.dataMap()
			if d["account_id"] != e.master || d["auth_token"] != r.env["auth_token"] || d["auth_token"] == "" {
				t.Errorf("data %v, envelope token %v", d, r.env["auth_token"])
			}
		})
	}
}

func TestTokens(t *testing.T) {
	e := newEnv(t)
	path := "/v2/accounts/" + e.master
	forged := e.token[:len(e.token)-2] + "AA"
	if forged == e.token {
		forged = e.token[:len(e.token)-2] + "BB"
	}
	tests := []struct {
		name   string
		header []string
		code   int
	}{
		{"X-Auth-Token", []string{"X-Auth-Token", e.token}, 200},
		{"Authorization Bearer", []string{"Authorization", "Bearer " + e.token}, 200},
		{"missing", nil, 401},
		{"garbage", []string{"X-Auth-Token", "garbage"}, 401},
		{"forged signature", []string{"X-Auth-Token", forged}, 401},
		{"basic auth is not a token", []string{"Authorization", "Basic dXNlcjpwYXNz"}, 401},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := e.do("GET", path, "", nil, tc.header...)
			if r.code != tc.code {
				t.Fatalf("status %d, want %d: %s", r.code, tc.code, r.raw)
			}
			if tc.code == 401 && (r.env["message"] != "invalid_credentials" || r.env["request_id"] == "") {
				t.Errorf("401 envelope: %s", r.raw)
			}
		})
	}

	t.Run("expired", func(t *testing.T) {
		tok := e.login(testMasterKey)
		e.must(200, "GET", path, tok, nil)
		e.clock.advance(time.Hour - time.Second)
		e.must(200, "GET", path, tok, nil)
		e.clock.advance(time.Second)
		r := e.must(401, "GET", path, tok, nil)
		if r.env["message"] != "invalid_credentials" {
			t.Errorf("expired token: %s", r.raw)
		}
		e.token = e.login(testMasterKey)
	})

	t.Run("token of a deleted account", func(t *testing.T) {
		id, tok := e.child(e.master, "doomed")
		e.must(200, "GET", "/v2/accounts/"+id, tok, nil)
		e.must(200, "DELETE", "/v2/accounts/"+id, e.token, nil)
		e.must(401, "GET", "/v2/accounts/"+id, tok, nil)
	})

	t.Run("token of a disabled account", func(t *testing.T) {
		id, tok := e.child(e.master, "disabled")
		e.must(200, "PATCH", "/v2/accounts/"+id, e.token, map[string]any{"data": map[string]any{"enabled": false}})
		e.must(401, "GET", "/v2/accounts/"+id, tok, nil)
		k := e.must(200, "GET", "/v2/accounts/"+id+"/api_key", e.token, nil)
		e.must(401, "PUT", "/v2/api_auth", "", map[string]any{"data": map[string]any{"api_key": k.dataMap()["api_key"]}})
	})

	t.Run("token info", func(t *testing.T) {
		r := e.must(200, "GET", "/v2/token_info", e.token, nil)
		if r.dataMap()["account_id"] != e.master {
			t.Errorf("token_info: %s", r.raw)
		}
	})
}

func TestTokenSurvivesAnotherNode(t *testing.T) {
	e := newEnv(t)
	// A second node on the same database loads the same secret, so a token
	// issued by one node is accepted by the other.
	secret, err := config.NewSource(e.st, "other", time.Second, config.SealWith(e.keys)).LoadSecret(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	other, err := NewAuth(secret, time.Hour, e.clock.now)
	if err != nil {
		t.Fatal(err)
	}
	claims, err := other.VerifyToken(e.token)
	if err != nil || claims.AccountID != e.master {
		t.Fatalf("VerifyToken on another node: %+v, %v", claims, err)
	}
}

func TestAPIKeyIsStoredHashedAndSealed(t *testing.T) {
	e := newEnv(t)
	acc, err := e.st.GetAccount(t.Context(), e.master)
	if err != nil {
		t.Fatal(err)
	}
	if acc.APIKeyHash != accounts.HashAPIKey(testMasterKey) || strings.Contains(acc.APIKeySealed, testMasterKey) {
		t.Fatalf("key stored as hash %q and sealed %q", acc.APIKeyHash, acc.APIKeySealed)
	}
	r := e.must(http.StatusOK, "GET", "/v2/accounts/"+e.master+"/api_key", e.token, nil)
	if r.dataMap()["api_key"] != testMasterKey {
		t.Fatalf("api_key: %s", r.raw)
	}
	// Renewing the key retires the old one.
	r = e.must(201, "PUT", "/v2/accounts/"+e.master+"/api_key", e.token, nil)
	newKey, _ := r.dataMap()["api_key"].(string)
	e.must(401, "PUT", "/v2/api_auth", "", map[string]any{"data": map[string]any{"api_key": testMasterKey}})
	e.login(newKey)
}
