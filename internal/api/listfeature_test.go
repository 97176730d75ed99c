package api

import (
	"encoding/json"
	"slices"
	"sort"
	"testing"

	"github.com/numan-dev/numan/number"
)

// The listing filters by active feature; cnam means either half; a name
// that cannot be a feature is refused.
func TestListByFeature(t *testing.T) {
	eachStore(t, func(t *testing.T, e *env) {
		acc, tok := e.child(e.master, "Features")
		for n, features := range map[string][]string{
			"+14155550301": {"e911", "outbound_cnam"}, "+14155550302": {"inbound_cnam"}, "+14155550303": nil,
		} {
			rec := number.New(n, number.InService, "local", e.clock.now())
			rec.AssignedTo = acc
			for _, f := range features {
				rec.Features[f] = json.RawMessage(`{}`)
			}
			if err := e.st.InsertNumber(t.Context(), rec); err != nil {
				t.Fatal(err)
			}
		}
		listed := func(q string) []string {
			t.Helper()
			r := e.must(200, "GET", "/v2/accounts/"+acc+"/phone_numbers?"+q, tok, nil)
			nums, _ := r.dataMap()["numbers"].(map[string]any)
			var out []string
			for n := range nums {
				out = append(out, n)
			}
			sort.Strings(out)
			return out
		}
		if got := listed("filter_feature=e911"); !slices.Equal(got, []string{"+14155550301"}) {
			t.Errorf("e911: %v", got)
		}
		if got := listed("filter_feature=cnam"); !slices.Equal(got, []string{"+14155550301", "+14155550302"}) {
			t.Errorf("cnam: %v", got)
		}
		if got := listed("filter_feature=dash_e911"); !slices.Equal(got, []string{"+14155550301"}) {
			t.Errorf("a provider's name: %v", got)
		}
		if got := listed("filter_feature=failover"); len(got) != 0 {
			t.Errorf("failover: %v", got)
		}
		if r := e.do("GET", "/v2/accounts/"+acc+"/phone_numbers?filter_feature=e911')--", tok, nil); r.code != 400 {
			t.Errorf("a feature name with quotes: %d %s", r.code, r.raw)
		}
	})
}
