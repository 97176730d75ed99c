package api

import (
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/numan-dev/numan/number"
)

func TestOpenAPIMatchesRoutes(t *testing.T) {
	e := newEnv(t)
	r := e.must(200, "GET", "/v2/openapi.json", "", nil)
	var doc struct {
		OpenAPI string                                `json:"openapi"`
		Paths   map[string]map[string]json.RawMessage `json:"paths"`
	}
	if err := json.Unmarshal(r.raw, &doc); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(doc.OpenAPI, "3.") {
		t.Errorf("openapi %q", doc.OpenAPI)
	}
	// Every route is documented...
	documented := 0
	for _, rt := range e.srv.router.routes {
		if _, ok := doc.Paths[rt.pattern][strings.ToLower(rt.method)]; !ok {
			t.Errorf("%s %s is not in the document", rt.method, rt.pattern)
		}
	}
	// ...and every documented operation is routed to a handler.
	fill := strings.NewReplacer("{ACCOUNT_ID}", e.master, "{PHONE_NUMBER}", "%2B14155550100", "{CONFIG_ID}", "number_manager", "{NODE}", "n1")
	for path, ops := range doc.Paths {
		for method := range ops {
			documented++
			entry, _ := e.srv.router.match(fill.Replace(path))
			if entry == nil || entry.methods[strings.ToUpper(method)] == nil {
				t.Errorf("%s %s documented but not routed", method, path)
			}
		}
	}
	if documented != len(e.srv.router.routes) {
		t.Errorf("%d documented operations, %d routes", documented, len(e.srv.router.routes))
	}
}

func TestMetrics(t *testing.T) {
	e := newEnv(t)
	e.seed(e.master, number.InService, "+14155550900", "+14155550901")
	e.must(200, "GET", e.numPath(e.master, "+14155550900"), e.token, nil)
	r := e.must(200, "GET", "/metrics", "", nil)
	body := string(r.raw)
	for _, want := range []string{
		`numan_http_requests_total{code="200",method="GET",route="phone_numbers.get"} 1`,
		`numan_http_request_duration_seconds_bucket{method="GET",route="phone_numbers.get"`,
		`numan_numbers{state="in_service"} 2`,
		`numan_numbers{state="available"} 0`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("metrics lack %s", want)
		}
	}
}

func TestSecretsNeverLogged(t *testing.T) {
	var logs strings.Builder
	e := newEnv(t)
	e.srv.log = newTestLogger(&logs)
	e.do("PUT", "/v2/api_auth", "", map[string]any{"data": map[string]any{"api_key": testMasterKey}})
	e.do("GET", "/v2/accounts/"+e.master, e.token, nil)
	e.do("PUT", "/v2/system_configs/number_manager.example", e.token, map[string]any{"data": map[string]any{"api_password": "hunter2"}})
	out := logs.String()
	if !strings.Contains(out, "request_id=") {
		t.Fatalf("no request logs: %s", out)
	}
	for _, secret := range []string{testMasterKey, e.token, "hunter2"} {
		if strings.Contains(out, secret) {
			t.Errorf("log holds a secret %q:\n%s", secret, out)
		}
	}
}

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// TestGolden keeps a few representative replies byte for byte, with the
// parts that vary (ids, tokens, times) replaced by placeholders.
func TestGolden(t *testing.T) {
	e := newEnv(t)
	ts := newTenants(e)
	e.must(200, "PUT", e.numPath(ts.a, "+14155551000"), ts.tA, map[string]any{"data": map[string]any{"ui_metadata": map[string]any{"ui": "monster-ui"}}})
	cases := []struct {
		name         string
		method, path string
		token        string
		body         any
	}{
		{"number_get", "GET", e.numPath(ts.a, "+14155551000"), ts.tA, nil},
		{"collection_mixed", "PUT", "/v2/accounts/" + ts.a + "/phone_numbers/collection", ts.tA,
			map[string]any{"data": map[string]any{"numbers": []string{"+14155551000", "+14155551001", "nope"}}}},
		{"number_exists", "PUT", e.numPath(ts.a, "+14155551000"), ts.tA, nil},
		{"not_found", "GET", e.numPath(ts.a, "+14155551999"), ts.tA, nil},
		{"validation_error", "POST", e.numPath(ts.a, "+14155551000"), ts.tA,
			map[string]any{"data": map[string]any{"cnam": map[string]any{"display_name": "far too long for cnam"}, "e911": map[string]any{"region": "California"}}}},
		{"unauthenticated", "GET", e.numPath(ts.a, "+14155551000"), "", nil},
		{"method_not_allowed", "DELETE", "/v2/accounts/" + ts.a + "/phone_numbers/carriers_info", ts.tA, nil},
		{"listing", "GET", "/v2/accounts/" + ts.a + "/phone_numbers", ts.tA, nil},
	}
	ids := strings.NewReplacer(e.master, "{MASTER_ID}", ts.reseller, "{RESELLER_ID}", ts.a, "{ACCOUNT_ID}")
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := e.do(tc.method, tc.path, tc.token, tc.body, "X-Request-ID", "{REQUEST_ID}")
			got := normalizeGolden(t, r, ids)
			file := filepath.Join("testdata", tc.name+".golden")
			if *update {
				if err := os.MkdirAll("testdata", 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(file, got, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(file)
			if err != nil {
				t.Fatalf("%v (run go test -update to create it)", err)
			}
			if string(got) != string(want) {
				t.Errorf("reply differs from %s:\n got: %s\nwant: %s", file, got, want)
			}
		})
	}
}

var tokenRe = regexp.MustCompile(`"auth_token": "[^"]+"`)

func normalizeGolden(t *testing.T, r *resp, ids *strings.Replacer) []byte {
	t.Helper()
	var v map[string]any
	if err := json.Unmarshal(r.raw, &v); err != nil {
		t.Fatal(err)
	}
	for k, repl := range map[string]string{"revision": "{REVISION}", "timestamp": "{TIMESTAMP}"} {
		if _, ok := v[k]; ok {
			v[k] = repl
		}
	}
	out, _ := json.MarshalIndent(map[string]any{"status_code": r.code, "body": v}, "", "  ")
	s := tokenRe.ReplaceAllString(string(out), `"auth_token": "{AUTH_TOKEN}"`)
	s = ids.Replace(s)
	return []byte(s + "\n")
}
