package api

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/numan-dev/numan/number"
)

// TestRemoteServices points locality and the city prefix lookup at fake
// services speaking Kazoo's phonebook format.
func TestRemoteServices(t *testing.T) {
	e := newEnv(t)
	var gotBody map[string]any
	pb := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case r.Method == "POST" && r.URL.Path == "/locality/metadata":
			_ = json.NewDecoder(r.Body).Decode(&gotBody)
			_, _ = w.Write([]byte(`{"status":"success","data":{"+14155550100":{"locality":{"locality":"San Francisco","province":"CA"},"status":"success"}}}`))
		case r.Method == "GET" && r.URL.Path == "/US/city" && r.URL.Query().Get("pattern") == "San Francisco":
			_, _ = w.Write([]byte(`{"status":"success","data":{"San Francisco":{"state":"CA","prefixes":["415","628"]}}}`))
		default:
			http.Error(w, "no", http.StatusNotFound)
		}
	}))
	defer pb.Close()
	put := func(id string, keys map[string]any) {
		e.must(200, "PUT", "/v2/system_configs/"+id, e.token, map[string]any{"data": keys})
	}
	base := "/v2/accounts/" + e.master + "/phone_numbers"

	put("number_manager.locality", map[string]any{"url": pb.URL})
	r := e.must(200, "POST", base+"/locality", e.token, map[string]any{"data": map[string]any{"numbers": []string{"+14155550100"}}})
	if r.dataMap()["+14155550100"].(map[string]any)["locality"].(map[string]any)["province"] != "CA" {
		t.Errorf("locality: %s", r.raw)
	}
	if nums, _ := gotBody["data"].([]any); len(nums) != 1 || nums[0] != "+14155550100" {
		t.Errorf("locality service got %v", gotBody)
	}

	put("crossbar.phone_numbers", map[string]any{"phonebook_url": pb.URL})
	for _, p := range []string{base + "/prefix", "/v2/phone_numbers/prefix"} {
		r = e.must(200, "GET", p+"?city=San%20Francisco", e.token, nil)
		if r.dataMap()["San Francisco"] == nil {
			t.Errorf("%s: %s", p, r.raw)
		}
	}
	if r := e.do("GET", base+"/prefix?city=Nowhere", e.token, nil); r.code != 500 {
		t.Errorf("phonebook failure: %d", r.code)
	}

	put("number_manager.locality", map[string]any{"url": pb.URL + "/broken"})
	if r := e.do("POST", base+"/locality", e.token, map[string]any{"data": map[string]any{"numbers": []string{"+14155550100"}}}); r.code != 500 || r.env["message"] != "number locality lookup failed" {
		t.Errorf("locality failure: %d %s", r.code, r.raw)
	}
}

// FuzzNumberBody feeds arbitrary bodies to a number write: the server
// answers every one in the envelope, never panics, and refuses bodies it
// cannot read without creating the number.
func FuzzNumberBody(f *testing.F) {
	for _, seed := range []string{
		`{"data":{}}`, `{"data":{"cnam":{"display_name":"x"}}}`, `{"data":{"e911":{"region":5}}}`,
		`{"data":[1]}`, `{"data":`, `null`, `{"accept_charges":"true","data":{"create_with_state":"reserved"}}`,
		`{"data":{"porting":{"comments":[1,"a"]},"carrier_name":""}}`,
	} {
		f.Add(seed)
	}
	e := newEnv(f)
	path := e.numPath(e.master, "+14155550123")
	f.Fuzz(func(t *testing.T, body string) {
		e.t = t // the fuzz engine calls the target once at a time per process
		r := e.do("POST", path, e.token, body)
		if r.env["request_id"] == nil || (r.env["status"] != "success" && r.env["status"] != "error") {
			t.Fatalf("no envelope: %d %s", r.code, r.raw)
		}
		if r.code >= 500 {
			t.Fatalf("server error on %q: %s", body, r.raw)
		}
		if _, err := e.st.GetNumber(t.Context(), "+14155550123"); !number.IsKind(err, number.KindNotFound) {
			t.Fatalf("POST to a missing number created it: %v", err)
		}
	})
}
