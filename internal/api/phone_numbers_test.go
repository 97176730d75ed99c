package api

import (
	"context"
	"encoding/csv"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/numan-dev/numan/internal/billing"
	"github.com/numan-dev/numan/number"
)

// tenants is a small account tree:
//
//	master
//	└── reseller
//	    ├── a ── a1
//	    └── b
type tenants struct {
	reseller, a, a1, b     string
	tReseller, tA, tA1, tB string
}

func newTenants(e *env) tenants {
	var t tenants
	t.reseller, t.tReseller = e.child(e.master, "reseller", "is_reseller", true, "wnm_allow_additions", true)
	t.a, t.tA = e.child(t.reseller, "a", "wnm_allow_additions", true)
	t.a1, t.tA1 = e.child(t.a, "a1")
	t.b, t.tB = e.child(t.reseller, "b")
	return t
}

func TestNumberLifecycle(t *testing.T) {
	e := newEnv(t)
	ts := newTenants(e)
	const n = "+14155550100"
	path := e.numPath(ts.a, n)

	r := e.must(200, "PUT", path, ts.tA, map[string]any{"data": map[string]any{
		"ui_metadata": map[string]any{"origin": "numbers", "ui": "monster-ui"},
		"my_field":    []int{1, 2},
	}})
	d := r.dataMap()
	if d["id"] != n || d["state"] != "in_service" {
		t.Fatalf("created: %s", r.raw)
	}
	if d["ui_metadata"].(map[string]any)["ui"] != "monster-ui" || len(d["my_field"].([]any)) != 2 {
		t.Errorf("free-form fields not kept: %s", r.raw)
	}
	ro, _ := d["_read_only"].(map[string]any)
	if ro == nil || ro["created"].(float64) < 6e10 {
		t.Errorf("_read_only with Gregorian seconds: %v", ro)
	}

	if r := e.do("PUT", path, ts.tA, map[string]any{"data": map[string]any{}}); r.code != 409 || r.env["message"] != "number_exists" {
		t.Errorf("create twice: %d %s", r.code, r.raw)
	}

	access := []struct {
		who   string
		token string
		code  int
	}{
		{"owner", ts.tA, 200},
		{"reseller (ancestor)", ts.tReseller, 200},
		{"master", e.token, 200},
		{"sibling", ts.tB, 403},
		{"descendant", ts.tA1, 403},
	}
	for _, tc := range access {
		t.Run("read by "+tc.who, func(t *testing.T) {
			// Visibility is the caller's, whatever account the path names.
			for _, acct := range []string{ts.a, ts.b, ts.a1} {
				r := e.do("GET", e.numPath(acct, n), tc.token, nil)
				if r.code == 403 && r.env["message"] == "forbidden" {
					if tc.code == 200 && reachable(ts, tc.token, acct) {
						t.Errorf("GET via %s: 403", acct)
					}
					continue
				}
				if r.code != tc.code {
					t.Errorf("GET via %s: status %d, want %d: %s", acct, r.code, tc.code, r.raw)
				}
			}
		})
		t.Run("change by "+tc.who, func(t *testing.T) {
			if tc.code == 200 {
				return
			}
			own := map[string]string{ts.tB: ts.b, ts.tA1: ts.a1}[tc.token]
			for _, m := range []string{"POST", "PATCH", "DELETE"} {
				r := e.do(m, e.numPath(own, n), tc.token, map[string]any{"data": map[string]any{"x": 1}})
				if r.code != 403 {
					t.Errorf("%s: status %d: %s", m, r.code, r.raw)
				}
			}
			r := e.do("PUT", e.numPath(own, n)+"/reserve", tc.token, nil)
			if r.code < 400 {
				t.Errorf("reserve someone else's number: %d", r.code)
			}
			if got := e.must(200, "GET", path, ts.tA, nil).dataMap(); got["x"] != nil || got["state"] != "in_service" {
				t.Errorf("number changed: %v", got)
			}
		})
	}

	t.Run("PATCH merges, POST replaces", func(t *testing.T) {
		r := e.must(200, "PATCH", path, ts.tA, map[string]any{"data": map[string]any{"note": "hi"}})
		if d := r.dataMap(); d["note"] != "hi" || d["my_field"] == nil {
			t.Errorf("PATCH: %s", r.raw)
		}
		r = e.must(200, "POST", path, ts.tA, map[string]any{"data": map[string]any{"only": true}})
		if d := r.dataMap(); d["only"] != true || d["note"] != nil || d["ui_metadata"] != nil {
			t.Errorf("POST: %s", r.raw)
		}
	})

	t.Run("identify", func(t *testing.T) {
		r := e.must(200, "GET", path+"/identify", ts.tA, nil)
		if r.dataMap()["account_id"] != ts.a || r.dataMap()["number"] != n {
			t.Errorf("identify: %s", r.raw)
		}
		if r := e.do("GET", e.numPath(ts.a, "+14155550999")+"/identify", ts.tA, nil); r.code != 404 || r.env["message"] != "bad_identifier" {
			t.Errorf("identify unknown: %d %s", r.code, r.raw)
		}
	})

	t.Run("release", func(t *testing.T) {
		r := e.must(200, "DELETE", path, ts.tA, nil)
		if st := r.dataMap()["state"]; st != "available" && st != "deleted" {
			t.Errorf("released: %s", r.raw)
		}
	})
}

// reachable reports whether the token's account reaches acct.
func reachable(ts tenants, token, acct string) bool {
	switch token {
	case ts.tReseller:
		return true
	case ts.tA:
		return acct == ts.a || acct == ts.a1
	case ts.tB:
		return acct == ts.b
	case ts.tA1:
		return acct == ts.a1
	}
	return true
}

func TestNumberErrors(t *testing.T) {
	e := newEnv(t)
	ts := newTenants(e)
	tests := []struct {
		name    string
		method  string
		path    string
		body    any
		code    int
		message string
		field   string // validation errors: the field named
	}{
		{"unknown number", "GET", e.numPath(ts.a, "+14155550142"), nil, 404, "bad_identifier", ""},
		{"invalid number", "GET", e.numPath(ts.a, "abc"), nil, 400, "client error", ""},
		{"invalid number on create", "PUT", e.numPath(ts.a, "12"), map[string]any{"data": map[string]any{}}, 400, "client error", ""},
		{"malformed JSON", "PUT", e.numPath(ts.a, "+14155550143"), `{"data":`, 400, "invalid_json", ""},
		{"cnam too long", "PUT", e.numPath(ts.a, "+14155550143"), map[string]any{"data": map[string]any{"cnam": map[string]any{"display_name": "Sixteen chars xx"}}}, 400, "validation error", "cnam.display_name"},
		{"cnam empty", "PUT", e.numPath(ts.a, "+14155550143"), map[string]any{"data": map[string]any{"cnam": map[string]any{"display_name": ""}}}, 400, "validation error", "cnam.display_name"},
		{"cnam not an object", "POST", e.numPath(ts.a, "+14155550143"), map[string]any{"data": map[string]any{"cnam": "x"}}, 400, "validation error", "cnam"},
		{"inbound_lookup not a bool", "PATCH", e.numPath(ts.a, "+14155550143"), map[string]any{"data": map[string]any{"cnam": map[string]any{"inbound_lookup": "yes"}}}, 400, "validation error", "cnam.inbound_lookup"},
		{"e911 missing fields", "PUT", e.numPath(ts.a, "+14155550143"), map[string]any{"data": map[string]any{"e911": map[string]any{"street_address": "1 Main"}}}, 400, "validation error", "e911.postal_code"},
		{"e911 region 2 letters", "PUT", e.numPath(ts.a, "+14155550143"), map[string]any{"data": map[string]any{"e911": map[string]any{"street_address": "1 Main", "locality": "SF", "postal_code": "94105", "region": "CAL"}}}, 400, "validation error", "e911.region"},
		{"e911 status enum", "PUT", e.numPath(ts.a, "+14155550143"), map[string]any{"data": map[string]any{"e911": map[string]any{"street_address": "1 Main", "locality": "SF", "postal_code": "94105", "region": "CA", "status": "MAYBE"}}}, 400, "validation error", "e911.status"},
		{"create_with_state enum", "PUT", e.numPath(ts.a, "+14155550143"), map[string]any{"data": map[string]any{"create_with_state": "sold"}}, 400, "validation error", "create_with_state"},
		{"carrier_name too long", "PUT", e.numPath(ts.a, "+14155550143"), map[string]any{"data": map[string]any{"carrier_name": strings.Repeat("c", 31)}}, 400, "validation error", "carrier_name"},
		{"porting comments strings", "PUT", e.numPath(ts.a, "+14155550143"), map[string]any{"data": map[string]any{"porting": map[string]any{"comments": []any{1}}}}, 400, "validation error", "porting.comments.0"},
		{"data not an object", "PUT", e.numPath(ts.a, "+14155550143"), map[string]any{"data": "x"}, 400, "validation error", "data"},
		{"collection without numbers", "PUT", "/v2/accounts/" + ts.a + "/phone_numbers/collection", map[string]any{"data": map[string]any{}}, 400, "validation error", "numbers"},
		{"collection numbers empty", "PUT", "/v2/accounts/" + ts.a + "/phone_numbers/collection", map[string]any{"data": map[string]any{"numbers": []string{}}}, 400, "validation error", "numbers"},
		{"collection numbers not a list", "PUT", "/v2/accounts/" + ts.a + "/phone_numbers/collection", map[string]any{"data": map[string]any{"numbers": "+14155550143"}}, 400, "validation error", "numbers"},
		{"collection duplicates", "PUT", "/v2/accounts/" + ts.a + "/phone_numbers/collection", map[string]any{"data": map[string]any{"numbers": []string{"+14155550143", "4155550143"}}}, 400, "validation error", "numbers"},
		{"creation without allow-additions", "PUT", e.numPath(ts.b, "+14155550143"), map[string]any{"data": map[string]any{}}, 403, "forbidden", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tok := ts.tA
			if strings.Contains(tc.path, ts.b) {
				tok = ts.tB
			}
			r := e.do(tc.method, tc.path, tok, tc.body)
			if r.code != tc.code || r.env["message"] != tc.message {
				t.Fatalf("got %d %v, want %d %s: %s", r.code, r.env["message"], tc.code, tc.message, r.raw)
			}
			if tc.field != "" {
				if _, ok := r.dataMap()[tc.field]; !ok {
					t.Errorf("no error for %s: %s", tc.field, r.raw)
				}
			}
		})
	}
	// None of the refused writes left a number behind.
	e.must(404, "GET", e.numPath(ts.a, "+14155550143"), e.token, nil)
}

func TestValidNumberBodies(t *testing.T) {
	e := newEnv(t)
	ts := newTenants(e)
	bodies := []map[string]any{
		{"cnam": map[string]any{"display_name": "Fifteen chars x", "inbound_lookup": true}},
		{"e911": map[string]any{"street_address": "1 Main St", "locality": "San Francisco", "postal_code": "94105", "region": "CA", "notification_contact_emails": []string{"a@example.com"}}},
		{"carrier_name": "mycarrier", "porting": map[string]any{"port_id": "p1", "comments": []string{"hello"}}},
		{"create_with_state": "reserved"},
	}
	for i, b := range bodies {
		n := "+1415555020" + string(rune('0'+i))
		if r := e.do("PUT", e.numPath(ts.a, n), ts.tA, map[string]any{"data": b}); r.code == 400 && r.env["message"] == "validation error" {
			t.Errorf("body %v refused: %s", b, r.raw)
		}
	}
}

func TestCollections(t *testing.T) {
	e := newEnv(t)
	ts := newTenants(e)
	coll := "/v2/accounts/" + ts.a + "/phone_numbers/collection"
	e.must(200, "PUT", e.numPath(ts.a, "+14155550300"), ts.tA, nil)

	t.Run("mixed outcome", func(t *testing.T) {
		r := e.must(200, "PUT", coll, ts.tA, map[string]any{"data": map[string]any{
			"numbers": []string{"+14155550301", "4155550302", "+14155550300", "bogus"}, "my_tag": "batch-1"}})
		d := r.dataMap()
		succ, _ := d["success"].(map[string]any)
		fail, _ := d["error"].(map[string]any)
		if len(succ) != 2 || succ["+14155550302"] == nil || succ["+14155550301"].(map[string]any)["my_tag"] != "batch-1" {
			t.Errorf("success: %s", r.raw)
		}
		if fail["bogus"] != "not_reconcilable" {
			t.Errorf("bogus: %v", fail["bogus"])
		}
		if ex, _ := fail["+14155550300"].(map[string]any); ex["error"] != "number_exists" || ex["code"] != float64(409) {
			t.Errorf("existing: %v", fail["+14155550300"])
		}
	})

	t.Run("all succeed: error is an empty list", func(t *testing.T) {
		r := e.must(200, "PATCH", coll, ts.tA, map[string]any{"data": map[string]any{"numbers": []string{"+14155550301", "+14155550302"}, "note": "x"}})
		if errs, ok := r.dataMap()["error"].([]any); !ok || len(errs) != 0 {
			t.Errorf("error: %s", r.raw)
		}
	})

	t.Run("one number alone is unwrapped", func(t *testing.T) {
		r := e.must(200, "POST", coll, ts.tA, map[string]any{"data": map[string]any{"numbers": []string{"+14155550301"}, "note": "y"}})
		if r.dataMap()["id"] != "+14155550301" || r.dataMap()["note"] != "y" {
			t.Errorf("single: %s", r.raw)
		}
		r = e.do("POST", coll, ts.tA, map[string]any{"data": map[string]any{"numbers": []string{"+14155550399"}}})
		if r.code != 404 || r.env["message"] != "bad_identifier" {
			t.Errorf("single failure: %d %s", r.code, r.raw)
		}
	})

	t.Run("a sibling cannot touch them", func(t *testing.T) {
		r := e.must(200, "DELETE", "/v2/accounts/"+ts.b+"/phone_numbers/collection", ts.tB,
			map[string]any{"data": map[string]any{"numbers": []string{"+14155550301", "+14155550302"}}})
		if len(r.dataMap()["success"].(map[string]any)) != 0 {
			t.Errorf("sibling released: %s", r.raw)
		}
	})

	t.Run("release", func(t *testing.T) {
		r := e.must(200, "DELETE", coll, ts.tA, map[string]any{"data": map[string]any{"numbers": []string{"+14155550301", "+14155550302"}}})
		if len(r.dataMap()["success"].(map[string]any)) != 2 {
			t.Errorf("release: %s", r.raw)
		}
	})
}

func TestSearchAndBuy(t *testing.T) {
	e := newEnv(t)
	ts := newTenants(e)
	e.fake.Offer("+14155550401", "+14155550402", "+14155550403", "+18005550404")
	base := "/v2/accounts/" + ts.a + "/phone_numbers"

	for _, prefix := range []string{"415", "%2B1415", "+1415"} {
		t.Run("prefix "+prefix, func(t *testing.T) {
			r := e.must(200, "GET", base+"?prefix="+prefix+"&quantity=2", ts.tA, nil)
			found := r.data().([]any)
			if len(found) != 2 {
				t.Fatalf("found %s", r.raw)
			}
			f := found[0].(map[string]any)
			if !strings.HasPrefix(f["number"].(string), "+1415") || f["state"] == nil || len(f) != 2 {
				t.Errorf("result %v", f)
			}
		})
	}
	t.Run("toll-free wildcard", func(t *testing.T) {
		e.must(200, "GET", base+"?prefix=80*&quantity=5", ts.tA, nil)
	})
	t.Run("offset pages", func(t *testing.T) {
		first := e.must(200, "GET", base+"?prefix=415&quantity=1&offset=0", ts.tA, nil).data().([]any)
		second := e.must(200, "GET", base+"?prefix=415&quantity=1&offset=1", ts.tA, nil).data().([]any)
		if len(first) != 1 || len(second) != 1 || first[0].(map[string]any)["number"] == second[0].(map[string]any)["number"] {
			t.Errorf("pages %v %v", first, second)
		}
	})
	t.Run("bad parameters", func(t *testing.T) {
		for _, q := range []string{"?prefix=", "?prefix=415&quantity=0", "?prefix=415&quantity=x", "?prefix=415&country=USA", "?prefix=4_5"} {
			if r := e.do("GET", base+q, ts.tA, nil); r.code != 400 {
				t.Errorf("%s: %d %s", q, r.code, r.raw)
			}
		}
	})
	t.Run("open search needs no token", func(t *testing.T) {
		r := e.must(200, "GET", "/v2/phone_numbers?prefix=415&quantity=3", "", nil)
		if len(r.data().([]any)) == 0 {
			t.Errorf("open search: %s", r.raw)
		}
		r = e.do("GET", "/v2/phone_numbers?prefix=415&reseller_id="+ts.reseller, "", nil)
		if r.code != 404 || r.env["message"] != "number search restricted" {
			t.Errorf("reseller search without unauthorized_numbers_lookup: %d %s", r.code, r.raw)
		}
		e.must(200, "PATCH", "/v2/system_configs/number_manager", e.token, map[string]any{"data": map[string]any{"unauthorized_numbers_lookup": true}})
		e.must(200, "GET", "/v2/phone_numbers?prefix=415&reseller_id="+ts.reseller, "", nil)
		if r := e.do("GET", "/v2/phone_numbers?prefix=415&reseller_id="+ts.a, "", nil); r.code != 404 {
			t.Errorf("search as a non-reseller: %d", r.code)
		}
	})

	t.Run("activate one", func(t *testing.T) {
		r := e.must(200, "PUT", e.numPath(ts.a, "+14155550401")+"/activate", ts.tA, map[string]any{"data": map[string]any{"my_label": "Bought"}})
		if d := r.dataMap(); d["state"] != "in_service" {
			t.Errorf("activate: %s", r.raw)
		}
		if r := e.must(200, "GET", e.numPath(ts.a, "+14155550401"), ts.tA, nil); r.dataMap()["state"] != "in_service" {
			t.Errorf("after activate: %s", r.raw)
		}
	})
	t.Run("activate a collection", func(t *testing.T) {
		e.must(200, "GET", base+"?prefix=415&quantity=5", ts.tA, nil)
		r := e.must(200, "PUT", base+"/collection/activate", ts.tA, map[string]any{"data": map[string]any{"numbers": []string{"+14155550402", "+14155550403"}}})
		succ := r.dataMap()["success"].(map[string]any)
		if len(succ) != 2 {
			t.Fatalf("collection activate: %s", r.raw)
		}
		if _, leaked := succ["+14155550402"].(map[string]any)["numbers"]; leaked {
			t.Errorf("the numbers list was stored in the number: %s", r.raw)
		}
	})
}

func TestReservePortAndHardDelete(t *testing.T) {
	e := newEnv(t)
	ts := newTenants(e)
	e.seed("", number.Available, "+14155550500")

	r := e.must(200, "PUT", e.numPath(ts.a, "+14155550500")+"/reserve", ts.tA, nil)
	if d := r.dataMap(); d["state"] != "reserved" {
		t.Fatalf("reserve: %s", r.raw)
	}
	if r := e.do("PUT", e.numPath(ts.a, "+14155550500")+"/reserve", ts.tA, nil); r.code != 400 {
		t.Errorf("reserve again: %d %s", r.code, r.raw)
	}

	r = e.must(200, "PUT", e.numPath(ts.b, "+14155550501")+"/port", ts.tB, map[string]any{"data": map[string]any{"porting": map[string]any{"port_id": "p1"}}})
	if d := r.dataMap(); d["state"] != "port_in" {
		t.Errorf("port: %s", r.raw)
	}

	e.seed(ts.a, number.InService, "+14155550502")
	r = e.must(200, "DELETE", e.numPath(ts.a, "+14155550502")+"?hard=true", ts.tA, nil)
	if r.dataMap()["state"] == "deleted" && r.dataMap()["_read_only"].(map[string]any)["is_deleted"] == true {
		if _, err := e.st.GetNumber(context.Background(), "+14155550502"); err == nil {
			t.Errorf("a non-admin hard delete deleted the number")
		}
	}
	e.seed(ts.a, number.InService, "+14155550503")
	r = e.must(200, "DELETE", e.numPath(ts.a, "+14155550503")+"?hard=true", e.token, nil)
	if r.dataMap()["state"] != "deleted" {
		t.Errorf("admin hard delete: %s", r.raw)
	}
	if _, err := e.st.GetNumber(context.Background(), "+14155550503"); !number.IsKind(err, number.KindNotFound) {
		t.Errorf("after hard delete: %v", err)
	}
}

func TestListing(t *testing.T) {
	e := newEnv(t)
	ts := newTenants(e)
	nums := []string{"+14155550601", "+14155550602", "+14155550603", "+14155550604", "+14155550605"}
	e.seed(ts.a, number.InService, nums[:3]...)
	e.seed(ts.a, number.Reserved, nums[3:]...)
	e.seed(ts.b, number.InService, "+14155550699")
	base := "/v2/accounts/" + ts.a + "/phone_numbers"

	var seen []string
	next := ""
	for pages := 0; pages < 10; pages++ {
		q := "?page_size=2"
		if next != "" {
			q += "&start_key=" + next
		}
		r := e.must(200, "GET", base+q, ts.tA, nil)
		d := r.dataMap()
		for k, v := range d["numbers"].(map[string]any) {
			seen = append(seen, k)
			entry := v.(map[string]any)
			for _, f := range []string{"state", "features", "features_available", "assigned_to", "created", "updated"} {
				if _, ok := entry[f]; !ok {
					t.Errorf("%s lacks %s: %v", k, f, entry)
				}
			}
		}
		if r.env["page_size"] == nil {
			t.Errorf("no page_size: %s", r.raw)
		}
		next, _ = r.env["next_start_key"].(string)
		if next == "" {
			break
		}
	}
	slices.Sort(seen)
	if !slices.Equal(seen, nums) {
		t.Errorf("pages gave %v", seen)
	}

	r := e.must(200, "GET", base+"?paginate=false", ts.tA, nil)
	if len(r.dataMap()["numbers"].(map[string]any)) != 5 || r.env["next_start_key"] != nil {
		t.Errorf("paginate=false: %s", r.raw)
	}
	for _, q := range []string{"?filter_state=reserved", `?filter_state=["reserved"]`, "?filter_state=reserved,port_in"} {
		r := e.must(200, "GET", base+strings.ReplaceAll(strings.ReplaceAll(q, `"`, "%22"), "[", "%5B"), ts.tA, nil)
		if got := len(r.dataMap()["numbers"].(map[string]any)); got != 2 {
			t.Errorf("%s: %d numbers", q, got)
		}
	}
	if r := e.do("GET", base+"?filter_state=sold", ts.tA, nil); r.code != 400 {
		t.Errorf("bad filter_state: %d", r.code)
	}
	if r := e.do("GET", "/v2/accounts/"+ts.b+"/phone_numbers", ts.tA, nil); r.code != 403 {
		t.Errorf("listing a sibling: %d", r.code)
	}
	r = e.must(200, "POST", base+"/fix", ts.tA, nil)
	if len(r.dataMap()["numbers"].(map[string]any)) == 0 {
		t.Errorf("fix: %s", r.raw)
	}
	e.must(200, "POST", base+"/fix/%2B14155550601", ts.tA, nil)

	t.Run("csv", func(t *testing.T) {
		for _, hdr := range [][]string{{"Accept", "text/csv"}, nil} {
			path := base
			if hdr == nil {
				path += "?accept=csv"
			}
			r := e.do("GET", path, ts.tA, nil, hdr...)
			if r.code != 200 || !strings.HasPrefix(r.header.Get("Content-Type"), "text/csv") {
				t.Fatalf("csv: %d %s", r.code, r.raw)
			}
			rows, err := csv.NewReader(strings.NewReader(string(r.raw))).ReadAll()
			if err != nil || len(rows) != 6 || rows[0][0] != "number" || rows[1][0] != nums[0] || rows[1][2] != ts.a {
				t.Errorf("csv rows %v, %v", rows, err)
			}
		}
	})
}

func TestNumberInformation(t *testing.T) {
	e := newEnv(t)
	ts := newTenants(e)
	base := "/v2/accounts/" + ts.a + "/phone_numbers"

	r := e.must(200, "GET", base+"/classifiers", ts.tA, nil)
	if _, ok := r.dataMap()["tollfree_us"]; !ok {
		t.Errorf("classifiers: %s", r.raw)
	}
	r = e.must(200, "GET", base+"/classifiers/8005551234", ts.tA, nil)
	if d := r.dataMap(); d["name"] != "tollfree_us" || d["e164"] != "+18005551234" || d["number"] != "8005551234" {
		t.Errorf("classify: %s", r.raw)
	}
	r = e.must(200, "GET", base+"/carriers_info", ts.tA, nil)
	for _, k := range []string{"maximal_prefix_length", "usable_carriers", "usable_creation_states"} {
		if _, ok := r.dataMap()[k]; !ok {
			t.Errorf("carriers_info lacks %s: %s", k, r.raw)
		}
	}
	e.fake.SetCheck(map[string]string{"+14155550700": "active"}, nil)
	r = e.must(200, "POST", base+"/check", ts.tA, map[string]any{"data": map[string]any{"numbers": []string{"+14155550700", "+14155550701"}}})
	if d := r.dataMap(); d["+14155550700"] != "active" || d["+14155550701"] != "error" {
		t.Errorf("check: %s", r.raw)
	}
	if r := e.do("POST", base+"/check", ts.tA, map[string]any{"data": map[string]any{}}); r.code != 400 {
		t.Errorf("check without numbers: %d", r.code)
	}
	r = e.must(200, "POST", base+"/locality", ts.tA, map[string]any{"data": map[string]any{"numbers": []string{"+14155550100", "+442079460000"}}})
	us := r.dataMap()["+14155550100"].(map[string]any)
	if us["country"] != "US" || !strings.Contains(us["geocode"].(map[string]any)["locality"].(string), "CA") {
		t.Errorf("locality: %s", r.raw)
	}
	if r := e.do("GET", base+"/prefix", ts.tA, nil); r.code != 404 {
		t.Errorf("prefix without city: %d", r.code)
	}
	if r := e.do("GET", base+"/prefix?city=Boston", ts.tA, nil); r.code != 500 || r.env["message"] != "Unable to acquire numbers missing carrier url" {
		t.Errorf("prefix without phonebook: %d %s", r.code, r.raw)
	}
}

// fixedPrice prices every write at one quote, which every account can pay,
// and records nothing.
type fixedPrice struct{ q billing.Quote }

func (f fixedPrice) Quote(context.Context, []number.Change) (billing.Quote, error) { return f.q, nil }
func (fixedPrice) CheckCredit(context.Context, billing.Quote) error                { return nil }
func (fixedPrice) Record(context.Context, string, billing.Quote) error             { return nil }

func TestAcceptCharges(t *testing.T) {
	e := newEnv(t)
	ts := newTenants(e)
	e.srv.mgr.SetBilling(fixedPrice{billing.Quote{{Summary: billing.Summary{Today: "1", Recurring: "2"}}}})
	tests := []struct {
		name  string
		query string
		body  map[string]any
		code  int
	}{
		{"not accepted", "", map[string]any{"data": map[string]any{}}, 402},
		{"beside data", "", map[string]any{"data": map[string]any{}, "accept_charges": true}, 200},
		{"inside data", "", map[string]any{"data": map[string]any{"accept_charges": true}}, 200},
		{"in the query", "?accept_charges=true", map[string]any{"data": map[string]any{}}, 200},
		{"as a string", "", map[string]any{"data": map[string]any{}, "accept_charges": "true"}, 200},
	}
	for i, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			n := "+1415555080" + string(rune('0'+i))
			r := e.do("PUT", e.numPath(ts.a, n)+tc.query, ts.tA, tc.body)
			if r.code != tc.code {
				t.Fatalf("status %d, want %d: %s", r.code, tc.code, r.raw)
			}
			_, err := e.st.GetNumber(context.Background(), n)
			if tc.code == 402 {
				if r.env["message"] != "accept charges" || len(r.data().([]any)) != 1 {
					t.Errorf("402: %s", r.raw)
				}
				if err == nil {
					t.Errorf("a quoted write was saved")
				}
				return
			}
			if err != nil {
				t.Errorf("accepted write not saved: %v", err)
			}
			if _, ok := r.dataMap()["accept_charges"]; ok {
				t.Errorf("accept_charges stored as a field: %s", r.raw)
			}
		})
	}
}

// TestPostgres runs the number lifecycle and the listing on PostgreSQL
// when NUMAN_TEST_POSTGRES_DSN is set.
func TestPostgres(t *testing.T) {
	e := newPostgresEnv(t)
	ts := newTenants(e)
	e.must(200, "PUT", e.numPath(ts.a, "+14155551100"), ts.tA, map[string]any{"data": map[string]any{"ui_metadata": map[string]any{"ui": "x"}}})
	e.must(403, "GET", e.numPath(ts.b, "+14155551100"), ts.tB, nil)
	r := e.must(200, "GET", "/v2/accounts/"+ts.a+"/phone_numbers", ts.tA, nil)
	if len(r.dataMap()["numbers"].(map[string]any)) != 1 {
		t.Errorf("listing: %s", r.raw)
	}
	e.must(200, "DELETE", e.numPath(ts.a, "+14155551100"), ts.tA, nil)
}

func TestIdentifyRefusals(t *testing.T) {
	e := newEnv(t)
	ts := newTenants(e)
	e.seed("", number.Available, "+14155551200")
	e.seed(ts.a, number.Aging, "+14155551201")
	tests := []struct {
		name, num string
		code      int
		message   string
		data      any
	}{
		{"unassigned", "+14155551200", 400, "client error", "unassigned"},
		{"not in service", "+14155551201", 400, "client error", map[string]any{"account_id": ts.a, "number": "+14155551201", "cause": "not_in_service"}},
		{"unknown", "+14155551202", 404, "bad_identifier", nil},
		{"not a number", "xyz", 400, "client error", "not_reconcilable"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := e.do("GET", e.numPath(ts.a, tc.num)+"/identify", ts.tA, nil)
			if r.code != tc.code || r.env["message"] != tc.message {
				t.Fatalf("got %d %v: %s", r.code, r.env["message"], r.raw)
			}
			if tc.data != nil && !reflect.DeepEqual(r.data(), tc.data) {
				t.Errorf("data %v, want %v", r.data(), tc.data)
			}
		})
	}
}
