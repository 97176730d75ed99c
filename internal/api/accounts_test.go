package api

import (
	"testing"

	"github.com/numan-dev/numan/number"
)

func TestAccounts(t *testing.T) {
	e := newEnv(t)
	reseller, rt := e.child(e.master, "reseller", "is_reseller", true)
	child, ct := e.child(reseller, "child")
	grandchild, gt := e.child(child, "grandchild")
	sibling, st := e.child(reseller, "sibling")

	t.Run("create answers the account", func(t *testing.T) {
		r := e.must(201, "PUT", "/v2/accounts/"+child, ct, map[string]any{"data": map[string]any{"name": "made by child", "realm": "x.example", "ui_metadata": map[string]any{"ui": "monster"}}})
		d := r.dataMap()
		if id, _ := d["id"].(string); !number.IsAccountID(id) {
			t.Errorf("id %v", d["id"])
		}
		if d["realm"] != "x.example" || d["name"] != "made by child" || d["parent_id"] != child || d["reseller_id"] != reseller {
			t.Errorf("account %s", r.raw)
		}
		if d["ui_metadata"].(map[string]any)["ui"] != "monster" {
			t.Errorf("ui_metadata not kept: %s", r.raw)
		}
		if _, leaked := d["api_key"]; leaked {
			t.Errorf("api key in the account: %s", r.raw)
		}
	})

	t.Run("PUT /v2/accounts creates under the caller", func(t *testing.T) {
		r := e.must(201, "PUT", "/v2/accounts", st, map[string]any{"data": map[string]any{"name": "under sibling"}})
		if r.dataMap()["parent_id"] != sibling {
			t.Errorf("parent %v", r.dataMap()["parent_id"])
		}
	})

	reach := []struct {
		name, token, target string
		code                int
	}{
		{"itself", ct, child, 200},
		{"a descendant", ct, grandchild, 200},
		{"reseller its grandchild", rt, grandchild, 200},
		{"master anything", e.token, grandchild, 200},
		{"not its parent", ct, reseller, 403},
		{"not its sibling", ct, sibling, 403},
		{"not its parent's parent", gt, reseller, 403},
	}
	for _, tc := range reach {
		t.Run("reach: "+tc.name, func(t *testing.T) {
			for _, p := range []string{"", "/api_key", "/children", "/descendants"} {
				if r := e.do("GET", "/v2/accounts/"+tc.target+p, tc.token, nil); r.code != tc.code {
					t.Errorf("GET %s: status %d, want %d", p, r.code, tc.code)
				}
			}
			if r := e.do("PATCH", "/v2/accounts/"+tc.target, tc.token, map[string]any{"data": map[string]any{"note": "x"}}); r.code != tc.code {
				t.Errorf("PATCH: status %d, want %d", r.code, tc.code)
			}
		})
	}

	t.Run("children and descendants", func(t *testing.T) {
		r := e.must(200, "GET", "/v2/accounts/"+reseller+"/children", rt, nil)
		if n := len(r.data().([]any)); n != 2 {
			t.Errorf("children: %d: %s", n, r.raw)
		}
		r = e.must(200, "GET", "/v2/accounts/"+reseller+"/descendants", rt, nil)
		if n := len(r.data().([]any)); n < 4 {
			t.Errorf("descendants: %d: %s", n, r.raw)
		}
	})

	t.Run("only the master sets the flags", func(t *testing.T) {
		for _, flag := range []string{"is_reseller", "superduper_admin", "wnm_allow_additions"} {
			r := e.do("PATCH", "/v2/accounts/"+child, rt, map[string]any{"data": map[string]any{flag: true}})
			if r.code != 403 {
				t.Errorf("%s by the reseller: status %d", flag, r.code)
			}
			r = e.must(200, "PATCH", "/v2/accounts/"+child, e.token, map[string]any{"data": map[string]any{flag: true}})
			if r.dataMap()[flag] != true {
				t.Errorf("%s by the master: %s", flag, r.raw)
			}
		}
		// Sending a flag's current value is no attempt to change it.
		e.must(200, "PATCH", "/v2/accounts/"+child, rt, map[string]any{"data": map[string]any{"is_reseller": true}})
	})

	t.Run("POST replaces, PATCH merges", func(t *testing.T) {
		e.must(200, "POST", "/v2/accounts/"+sibling, e.token, map[string]any{"data": map[string]any{"name": "renamed", "a": 1}})
		r := e.must(200, "PATCH", "/v2/accounts/"+sibling, e.token, map[string]any{"data": map[string]any{"b": 2}})
		if d := r.dataMap(); d["a"] != float64(1) || d["b"] != float64(2) || d["name"] != "renamed" {
			t.Errorf("after PATCH: %s", r.raw)
		}
		r = e.must(200, "POST", "/v2/accounts/"+sibling, e.token, map[string]any{"data": map[string]any{"name": "again"}})
		if _, ok := r.dataMap()["a"]; ok {
			t.Errorf("POST kept a: %s", r.raw)
		}
	})

	validation := []struct {
		name   string
		method string
		data   any
		field  string
	}{
		{"name required on create", "PUT", map[string]any{}, "name"},
		{"name not empty", "PUT", map[string]any{"name": ""}, "name"},
		{"name a string", "PUT", map[string]any{"name": 5}, "name"},
		{"name required on replace", "POST", map[string]any{"realm": "x"}, "name"},
		{"enabled a boolean", "PATCH", map[string]any{"enabled": "yes"}, "enabled"},
	}
	for _, tc := range validation {
		t.Run("validation: "+tc.name, func(t *testing.T) {
			r := e.do(tc.method, "/v2/accounts/"+child, ct, map[string]any{"data": tc.data})
			if r.code != 400 || r.env["message"] != "validation error" {
				t.Fatalf("status %d: %s", r.code, r.raw)
			}
			if _, ok := r.dataMap()[tc.field]; !ok {
				t.Errorf("no error for %s: %s", tc.field, r.raw)
			}
		})
	}

	t.Run("delete", func(t *testing.T) {
		r := e.do("DELETE", "/v2/accounts/"+child, e.token, nil)
		if r.code != 400 || r.env["message"] != "account_has_descendants" {
			t.Errorf("delete with children: %d %s", r.code, r.raw)
		}
		if r := e.do("DELETE", "/v2/accounts/"+child, ct, nil); r.code != 403 {
			t.Errorf("delete itself: %d", r.code)
		}
		if r := e.do("DELETE", "/v2/accounts/"+grandchild, st, nil); r.code != 403 {
			t.Errorf("delete by a sibling's branch: %d", r.code)
		}
		e.must(200, "DELETE", "/v2/accounts/"+grandchild, ct, nil)
		e.must(404, "GET", "/v2/accounts/"+grandchild, e.token, nil)
	})
}
