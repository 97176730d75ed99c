package manager_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	_ "github.com/numan-dev/numan/carrier/all"
	"github.com/numan-dev/numan/number"
)

// A search over real carrier modules pointed at fake servers: one answers
// garbage, one fails with 500, one answers well. The good carrier's numbers
// and Numan's own inventory come back; the two broken carriers are named.
func TestSearchOverRealCarriersWithFaults(t *testing.T) {
	w := newWorld(t)
	garbage := httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		rw.Header().Set("Content-Type", "application/json")
		fmt.Fprint(rw, `{"data":[{"phone_number":"+1415`) // cut off midway
	}))
	defer garbage.Close()
	broken := httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		http.Error(rw, `{"code":20500,"message":"Internal Server Error","status":500}`, http.StatusInternalServerError)
	}))
	defer broken.Close()
	phonebook := httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/numbers/US/search" {
			http.NotFound(rw, r)
			return
		}
		fmt.Fprint(rw, `{"status":"success","data":{"+14155550301":{"rate_center":"SAN FRANCISCO"},"+14155550302":{}}}`)
	}))
	defer phonebook.Close()

	put := func(id string, doc any) {
		raw, _ := json.Marshal(map[string]any{"default": doc})
		if err := w.st.PutConfig(ctx, id, raw); err != nil {
			t.Fatal(err)
		}
	}
	put("number_manager", map[string]any{"carrier_modules": []string{"knm_local", "knm_telnyx", "knm_twilio", "knm_other"}})
	put("number_manager.telnyx", map[string]any{"api_key": "KEY", "api_url": garbage.URL})
	put("number_manager.twilio", map[string]any{"account_sid": "AC123", "auth_token": "secret", "api_url": broken.URL})
	put("number_manager.other", map[string]any{"phonebook_url": phonebook.URL})
	if err := w.st.InsertNumber(ctx, number.New("+14155550100", number.Available, "local", epoch)); err != nil {
		t.Fatal(err)
	}

	resp := search(t, w, "415", 10, 0)
	got := map[string]string{}
	for _, f := range resp.Numbers {
		got[f.Number] = f.Carrier
	}
	want := map[string]string{"+14155550100": "local", "+14155550301": "other", "+14155550302": "other"}
	if fmt.Sprint(got) != fmt.Sprint(want) || resp.Numbers[0].Number != "+14155550100" {
		t.Fatalf("numbers %v, want %v (inventory first)", resp.Numbers, want)
	}
	if resp.Failed["telnyx"] == "" || resp.Failed["twilio"] == "" || len(resp.Failed) != 2 {
		t.Fatalf("failed carriers %v", resp.Failed)
	}
	for name, why := range resp.Failed {
		if strings.Contains(why, "KEY") || strings.Contains(why, "secret") {
			t.Fatalf("%s: a secret in the reason %q", name, why)
		}
	}
}
