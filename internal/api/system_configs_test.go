package api

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/numan-dev/numan/internal/config"
)

func TestSystemConfigs(t *testing.T) {
	e := newEnv(t)
	_, ct := e.child(e.master, "tenant", "is_reseller", true)
	const doc = "/v2/system_configs/crossbar.phone_numbers"

	t.Run("master only", func(t *testing.T) {
		for _, m := range []string{"GET", "PUT", "POST", "PATCH", "DELETE"} {
			if r := e.do(m, doc, ct, map[string]any{"data": map[string]any{"x": 1}}); r.code != 403 {
				t.Errorf("%s by a reseller: %d", m, r.code)
			}
		}
	})

	t.Run("number_manager shows defaults under stored keys", func(t *testing.T) {
		r := e.must(200, "GET", "/v2/system_configs/number_manager", e.token, nil)
		d := r.dataMap()
		if d["id"] != "number_manager" || d["released_state"] != "available" || d["maximum_search_quantity"] != float64(500) {
			t.Errorf("defaults: %s", r.raw)
		}
		if mods, _ := d["carrier_modules"].([]any); len(mods) != 1 || mods[0] != "fake" {
			t.Errorf("stored carrier_modules not shown: %v", d["carrier_modules"])
		}
	})

	t.Run("unknown carrier refused", func(t *testing.T) {
		r := e.do("PATCH", "/v2/system_configs/number_manager", e.token, map[string]any{"data": map[string]any{"carrier_modules": []string{"knm_local", "knm_nosuch"}}})
		if r.code != 400 || !strings.Contains(string(r.raw), "nosuch") {
			t.Fatalf("unknown carrier: %d %s", r.code, r.raw)
		}
		if mods, _ := e.must(200, "GET", "/v2/system_configs/number_manager", e.token, nil).dataMap()["carrier_modules"].([]any); len(mods) != 1 || mods[0] != "fake" {
			t.Fatalf("refused write changed the config: %v", mods)
		}
	})

	t.Run("classifiers keep their order", func(t *testing.T) {
		r := e.must(200, "GET", "/v2/system_configs/number_manager", e.token, nil)
		raw := string(r.raw)
		if strings.Index(raw, `"tollfree_us"`) > strings.Index(raw, `"did_us"`) {
			t.Errorf("classifiers reordered: tollfree_us must stay before did_us")
		}
	})

	t.Run("secrets are masked and kept", func(t *testing.T) {
		r := e.must(200, "PUT", doc, e.token, map[string]any{"data": map[string]any{"api_username": "u", "api_password": "s3cret", "nested": map[string]any{"token": "t0k"}}})
		if strings.Contains(string(r.raw), "s3cret") || strings.Contains(string(r.raw), "t0k") {
			t.Fatalf("secret shown: %s", r.raw)
		}
		if r.dataMap()["api_password"] != "********" {
			t.Errorf("api_password: %v", r.dataMap()["api_password"])
		}
		// A client sending back what it read keeps the secret.
		read := e.must(200, "GET", doc, e.token, nil).dataMap()
		read["api_username"] = "u2"
		e.must(200, "POST", doc, e.token, map[string]any{"data": read})
		raw, err := e.st.GetConfig(t.Context(), "crossbar.phone_numbers")
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(string(raw), "s3cret") || strings.Contains(string(raw), "t0k") || !strings.Contains(string(raw), `"u2"`) {
			t.Errorf("stored (secrets must be sealed): %s", raw)
		}
		opened, err := e.srv.cfg.Sections(t.Context(), "crossbar.phone_numbers")
		if err != nil {
			t.Fatal(err)
		}
		if string(opened["default"]["api_password"]) != `"s3cret"` || string(opened["default"]["nested"]) != `{"token":"t0k"}` {
			t.Errorf("secrets lost: %s %s", opened["default"]["api_password"], opened["default"]["nested"])
		}
	})

	t.Run("PATCH merges and null removes", func(t *testing.T) {
		e.must(200, "PATCH", doc, e.token, map[string]any{"data": map[string]any{"extra": true, "api_username": nil}})
		d := e.must(200, "GET", doc, e.token, nil).dataMap()
		if d["extra"] != true || d["api_password"] != "********" {
			t.Errorf("after PATCH: %v", d)
		}
		if _, ok := d["api_username"]; ok {
			t.Errorf("null did not remove api_username: %v", d)
		}
	})

	t.Run("node sections", func(t *testing.T) {
		e.must(200, "PUT", doc+"/node-b", e.token, map[string]any{"data": map[string]any{"extra": false}})
		if d := e.must(200, "GET", doc+"/node-b", e.token, nil).dataMap(); d["extra"] != false || d["api_password"] != "********" {
			t.Errorf("node view: %v", d)
		}
		if d := e.must(200, "GET", doc, e.token, nil).dataMap(); d["extra"] != true {
			t.Errorf("default view: %v", d)
		}
		e.must(200, "DELETE", doc+"/node-b", e.token, nil)
		e.must(404, "DELETE", doc+"/node-b", e.token, nil)
	})

	t.Run("invalid documents are refused", func(t *testing.T) {
		bad := []map[string]any{
			{"maximum_search_quantity": 0},
			{"released_state": "nowhere"},
			{"reconcile_regex": "("},
		}
		for _, b := range bad {
			r := e.do("PATCH", "/v2/system_configs/number_manager", e.token, map[string]any{"data": b})
			if r.code != 400 {
				t.Errorf("%v: status %d: %s", b, r.code, r.raw)
			}
		}
		r := e.do("PATCH", "/v2/system_configs/number_manager.fake", e.token, map[string]any{"data": map[string]any{"no_such_key": 1}})
		if r.code != 400 {
			t.Errorf("unknown carrier key: %d %s", r.code, r.raw)
		}
		// The keys every carrier's document takes beside its own settings.
		for _, b := range []map[string]any{{"release_policy": "sometimes"}, {"purchase_timeout_s": -1}, {"release_policy": 3}} {
			r := e.do("PATCH", "/v2/system_configs/number_manager.fake", e.token, map[string]any{"data": b})
			if r.code != 400 {
				t.Errorf("%v: status %d: %s", b, r.code, r.raw)
			}
		}
		e.must(200, "PATCH", "/v2/system_configs/number_manager.fake", e.token,
			map[string]any{"data": map[string]any{"release_policy": "keep", "purchase_timeout_s": 300}})
	})

	t.Run("a change takes effect without a restart", func(t *testing.T) {
		e.must(200, "PATCH", "/v2/system_configs/number_manager", e.token, map[string]any{"data": map[string]any{"maximum_search_quantity": 3}})
		e.fake.Offer("+14155550001", "+14155550002", "+14155550003", "+14155550004", "+14155550005")
		r := e.must(200, "GET", "/v2/accounts/"+e.master+"/phone_numbers?prefix=415&quantity=10", e.token, nil)
		if n := len(r.data().([]any)); n != 3 {
			t.Errorf("search after lowering maximum_search_quantity: %d results", n)
		}
	})

	t.Run("the server secret is out of reach", func(t *testing.T) {
		for _, m := range []string{"GET", "PUT", "DELETE"} {
			if r := e.do(m, "/v2/system_configs/"+config.SecretID, e.token, map[string]any{"data": map[string]any{}}); r.code != 403 {
				t.Errorf("%s numan.auth: %d", m, r.code)
			}
		}
	})

	t.Run("delete the document", func(t *testing.T) {
		e.must(200, "DELETE", doc, e.token, nil)
		d := e.must(200, "GET", doc, e.token, nil).dataMap()
		if len(d) != 1 {
			raw, _ := json.Marshal(d)
			t.Errorf("after delete: %s", raw)
		}
	})
}
