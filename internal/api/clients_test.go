package api

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/numan-dev/numan/carrier/carriertest"
	_ "github.com/numan-dev/numan/feature/all" // provider documents are not carriers' and are accepted
	"github.com/numan-dev/numan/number"
)

// onBothStores runs fn on SQLite, and on PostgreSQL when
// NUMAN_TEST_POSTGRES_DSN is set.
func onBothStores(t *testing.T, fn func(t *testing.T, e *env)) {
	t.Run("sqlite", func(t *testing.T) { fn(t, newEnv(t)) })
	t.Run("postgres", func(t *testing.T) { fn(t, newPostgresEnv(t)) })
}

// used_by is set and cleared through the API (Kazoo's assign_to_app); a
// trunkstore number may then have failover, and the listing shows which
// numbers an app uses and which are spare.
func TestUsedByAPI(t *testing.T) {
	onBothStores(t, func(t *testing.T, e *env) {
		ts := newTenants(e)
		const n, spare = "+14155552100", "+14155552101"
		e.seed(ts.a, number.InService, n, spare)
		path := e.numPath(ts.a, n)
		failover := map[string]any{"data": map[string]any{"failover": map[string]any{"e164": "+14155550199"}}}

		e.must(403, "PATCH", path, ts.tA, failover) // not trunkstore: failover is denied

		r := e.must(200, "PUT", path+"/used_by", ts.tA, map[string]any{"data": map[string]any{"used_by": "trunkstore"}})
		if r.dataMap()["used_by"] != "trunkstore" {
			t.Fatalf("set used_by: %s", r.raw)
		}
		avail, _ := r.dataMap()["_read_only"].(map[string]any)["features"].(map[string]any)["available"].([]any)
		if !slices.Contains(avail, any("failover")) {
			t.Errorf("failover not available to a trunkstore number: %v", avail)
		}
		r = e.must(200, "PATCH", path, ts.tA, failover)
		if fs, _ := r.dataMap()["features"].([]any); !slices.Contains(fs, any("failover")) {
			t.Errorf("failover not active: %s", r.raw)
		}

		list := e.must(200, "GET", "/v2/accounts/"+ts.a+"/phone_numbers", ts.tA, nil).dataMap()["numbers"].(map[string]any)
		if list[n].(map[string]any)["used_by"] != "trunkstore" {
			t.Errorf("listing: %v", list[n])
		}
		if _, used := list[spare].(map[string]any)["used_by"]; used {
			t.Errorf("a spare number shows used_by: %v", list[spare])
		}

		// Refusals change nothing.
		if r := e.do("PUT", path+"/used_by", ts.tA, map[string]any{"data": map[string]any{"used_by": "Trunk Store"}}); r.code != 400 {
			t.Errorf("bad app name: %d %s", r.code, r.raw)
		}
		if r := e.do("PUT", path+"/used_by", ts.tA, map[string]any{"data": map[string]any{}}); r.code != 400 {
			t.Errorf("no used_by: %d %s", r.code, r.raw)
		}
		if r := e.do("PUT", e.numPath(ts.b, n)+"/used_by", ts.tB, map[string]any{"data": map[string]any{"used_by": "callflow"}}); r.code != 403 {
			t.Errorf("another tenant: %d %s", r.code, r.raw)
		}
		if r := e.do("PUT", e.numPath(ts.a1, n)+"/used_by", ts.tA1, map[string]any{"data": map[string]any{"used_by": "callflow"}}); r.code != 403 {
			t.Errorf("a sub-account of the owner: %d %s", r.code, r.raw)
		}

		// Clearing: DELETE, or PUT with null. Failover goes with trunkstore.
		r = e.must(200, "DELETE", path+"/used_by", ts.tA, nil)
		if _, ok := r.dataMap()["used_by"]; ok {
			t.Fatalf("cleared used_by still shown: %s", r.raw)
		}
		if fs, _ := r.dataMap()["features"].([]any); slices.Contains(fs, any("failover")) {
			t.Errorf("failover survived leaving trunkstore: %s", r.raw)
		}
		e.must(200, "PATCH", path, ts.tA, map[string]any{"data": map[string]any{"note": "still updatable"}})
		e.must(200, "PUT", path+"/used_by", ts.tA, map[string]any{"data": map[string]any{"used_by": "callflow"}})
		if got := e.must(200, "PUT", path+"/used_by", ts.tA, map[string]any{"data": map[string]any{"used_by": nil}}).dataMap()["used_by"]; got != nil {
			t.Errorf("PUT null: used_by %v", got)
		}

		// A collection.
		col := "/v2/accounts/" + ts.a + "/phone_numbers/collection/used_by"
		r = e.must(200, "PUT", col, ts.tA, map[string]any{"data": map[string]any{"numbers": []string{n, spare, "+14155552199"}, "used_by": "callflow"}})
		if len(r.dataMap()["success"].(map[string]any)) != 2 || r.dataMap()["error"].(map[string]any)["+14155552199"] != "not_found" {
			t.Errorf("collection set: %s", r.raw)
		}
		r = e.must(200, "DELETE", col, ts.tA, map[string]any{"data": map[string]any{"numbers": []string{n, spare}}})
		for k, v := range r.dataMap()["success"].(map[string]any) {
			if _, ok := v.(map[string]any)["used_by"]; ok {
				t.Errorf("collection clear left %s used", k)
			}
		}
	})
}

// identify answers everything a switch needs at call time.
func TestIdentifyReply(t *testing.T) {
	onBothStores(t, func(t *testing.T, e *env) {
		ts := newTenants(e)
		e.fake.SetLookupCNAM(true)
		const n = "+14155552200"
		rec := number.New(n, number.InService, carriertest.FakeName, e.clock.now())
		rec.AssignedTo = ts.a
		if err := e.st.InsertNumber(context.Background(), rec); err != nil {
			t.Fatal(err)
		}
		path := e.numPath(ts.a, n)
		e.must(200, "PUT", path+"/used_by", ts.tA, map[string]any{"data": map[string]any{"used_by": "trunkstore"}})
		e.must(200, "PATCH", path, ts.tA, map[string]any{"data": map[string]any{
			"prepend":        map[string]any{"enabled": true, "name": "VIP"},
			"ringback":       map[string]any{"early": "media-early", "transfer": "media-transfer"},
			"cnam":           map[string]any{"inbound_lookup": true},
			"force_outbound": true,
			"failover":       map[string]any{"e164": "+14155550199"},
		}})

		r := e.must(200, "GET", path+"/identify", ts.tA, nil)
		d := r.dataMap()
		want := map[string]any{
			"account_id": ts.a, "number": n, "used_by": "trunkstore", "local": false, "pending_port": false,
			"prepend": "VIP", "force_outbound": true, "inbound_cnam": true,
			"ringback_media": "media-early", "transfer_media": "media-transfer",
		}
		for k, v := range want {
			if d[k] != v {
				t.Errorf("%s = %v, want %v", k, d[k], v)
			}
		}
		var features []string
		for _, f := range d["features"].([]any) {
			features = append(features, f.(string))
		}
		if !slices.Equal(features, []string{"failover", "force_outbound", "inbound_cnam", "prepend", "ringback"}) {
			t.Errorf("features = %v", features)
		}
		if fo, _ := d["failover"].(map[string]any); fo["e164"] != "+14155550199" {
			t.Errorf("failover = %v", d["failover"])
		}

		// A plain number: every key is there, with its zero value.
		const plain = "+14155552201"
		e.seed(ts.a, number.InService, plain)
		d = e.must(200, "GET", e.numPath(ts.a, plain)+"/identify", ts.tA, nil).dataMap()
		for _, k := range []string{"account_id", "number", "used_by", "local", "pending_port", "force_outbound", "inbound_cnam", "features"} {
			if _, ok := d[k]; !ok {
				t.Errorf("identify of a plain number lacks %s: %v", k, d)
			}
		}
		if d["used_by"] != "" || d["local"] != true || len(d["features"].([]any)) == 0 {
			t.Errorf("plain number: %v", d)
		}
	})
}

// Every invoice of a 402 carries Kazoo's bookkeeper, whose type Monster's
// charges dialog shows.
func TestChargesDialogBookkeeper(t *testing.T) {
	e := newEnv(t)
	e.withBilling()
	ts := newTenants(e)
	nums := []string{"+14155552301", "+18005552302"}
	e.offerStored(nums...)
	e.must(201, "PUT", "/v2/service_plans", ts.tReseller, `{"data": {"id": "retail", `+apiPlan[1:]+`}`)
	e.must(200, "POST", "/v2/accounts/"+ts.reseller+"/service_plans/retail", ts.tReseller, nil)

	r := e.must(402, "PUT", "/v2/accounts/"+ts.a+"/phone_numbers/collection/activate", e.token,
		map[string]any{"data": map[string]any{"numbers": nums}})
	var reply struct {
		Data []struct {
			Bookkeeper struct {
				Type     string `json:"type"`
				VendorID string `json:"vendor_id"`
			} `json:"bookkeeper"`
			Items []struct {
				Item     string  `json:"item"`
				Quantity int     `json:"quantity"`
				Rate     float64 `json:"rate"`
				Total    float64 `json:"total"`
			} `json:"items"`
		} `json:"data"`
	}
	if err := json.Unmarshal(r.raw, &reply); err != nil || len(reply.Data) == 0 {
		t.Fatalf("402: %v %s", err, r.raw)
	}
	for i, inv := range reply.Data {
		if inv.Bookkeeper.Type != "local" || inv.Bookkeeper.VendorID != ts.reseller {
			t.Errorf("invoice %d bookkeeper = %+v", i, inv.Bookkeeper)
		}
		if len(inv.Items) == 0 || inv.Items[0].Quantity < 1 {
			t.Errorf("invoice %d items = %+v", i, inv.Items)
		}
	}
	// The same quote through POST /quotes.
	q := e.must(200, "POST", "/v2/accounts/"+ts.a+"/quotes", e.token, map[string]any{"data": map[string]any{"numbers": nums}})
	if !strings.Contains(string(q.raw), `"bookkeeper":{"type":"local"`) {
		t.Errorf("quotes: %s", q.raw)
	}
}

// Errors carry cause as Kazoo's knm_errors does: the number for
// number_exists, on its own and in a collection's error map.
func TestErrorCauses(t *testing.T) {
	e := newEnv(t)
	ts := newTenants(e)
	const n = "+14155552400"
	e.seed(ts.a, number.InService, n)
	r := e.must(409, "PUT", e.numPath(ts.a, n), ts.tA, map[string]any{"data": map[string]any{}})
	if d := r.dataMap(); d["error"] != "number_exists" || d["cause"] != n {
		t.Errorf("number_exists: %s", r.raw)
	}
	r = e.must(200, "PUT", "/v2/accounts/"+ts.a+"/phone_numbers/collection", ts.tA,
		map[string]any{"data": map[string]any{"numbers": []string{n, "+14155552401"}}})
	if f := r.dataMap()["error"].(map[string]any)[n].(map[string]any); f["cause"] != n || f["error"] != "number_exists" {
		t.Errorf("collection number_exists: %s", r.raw)
	}
}

// next_start_key is the raw key, as Kazoo returns it; the start_key a
// client sends back (encoded or not, raw or base64) pages on.
func TestStartKeysAreRaw(t *testing.T) {
	e := newEnv(t)
	ts := newTenants(e)
	e.seed(ts.a, number.InService, "+14155552501", "+14155552502", "+14155552503")
	base := "/v2/accounts/" + ts.a + "/phone_numbers?page_size=2"
	r := e.must(200, "GET", base, ts.tA, nil)
	if r.env["next_start_key"] != "+14155552503" {
		t.Fatalf("next_start_key = %v", r.env["next_start_key"])
	}
	for _, key := range []string{"%2B14155552503", "+14155552503", "KzE0MTU1NTUyNTAz"} {
		r := e.must(200, "GET", base+"&start_key="+key, ts.tA, nil)
		if nums := r.dataMap()["numbers"].(map[string]any); len(nums) != 1 || nums["+14155552503"] == nil || r.env["start_key"] != "+14155552503" {
			t.Errorf("start_key %s: %s", key, r.raw)
		}
	}
}

// An admin lists and exports every number, whoever holds it (the pool),
// filtered by state, carrier and prefix; nobody else may.
func TestPoolListing(t *testing.T) {
	onBothStores(t, func(t *testing.T, e *env) {
		ts := newTenants(e)
		e.seed("", number.Available, "+14155552601", "+14165552602")
		e.seed(ts.a, number.InService, "+14155552603")
		rec := number.New("+14155552604", number.Available, carriertest.FakeName, e.clock.now())
		if err := e.st.InsertNumber(context.Background(), rec); err != nil {
			t.Fatal(err)
		}
		base := "/v2/accounts/" + e.master + "/phone_numbers?all_accounts=true"
		listed := func(q string) []string {
			t.Helper()
			r := e.must(200, "GET", base+q, e.token, nil)
			var out []string
			for k := range r.dataMap()["numbers"].(map[string]any) {
				out = append(out, k)
			}
			slices.Sort(out)
			return out
		}
		if got := listed(""); len(got) != 4 {
			t.Errorf("the pool: %v", got)
		}
		if got := listed("&filter_state=available&filter_carrier_module=local&filter_prefix=%2B1415"); !slices.Equal(got, []string{"+14155552601"}) {
			t.Errorf("filtered: %v", got)
		}
		if got := listed("&filter_carrier=knm_fake"); !slices.Equal(got, []string{"+14155552604"}) {
			t.Errorf("by carrier: %v", got)
		}
		if got := listed("&filter_carrier=nosuch"); len(got) != 0 {
			t.Errorf("unknown carrier: %v", got)
		}

		r := e.do("GET", base+"&accept=csv&filter_state=available", e.token, nil)
		rows, err := csv.NewReader(strings.NewReader(string(r.raw))).ReadAll()
		if r.code != 200 || err != nil || len(rows) != 4 || rows[1][0] != "+14155552601" {
			t.Errorf("csv: %d %v %s", r.code, err, r.raw)
		}

		// A reseller is no admin: not even its own listing widens.
		for _, q := range []string{"", "&accept=csv"} {
			if r := e.do("GET", "/v2/accounts/"+ts.reseller+"/phone_numbers?all_accounts=true"+q, ts.tReseller, nil); r.code != 403 {
				t.Errorf("a reseller listing the pool%s: %d %s", q, r.code, r.raw)
			}
		}
		// Without all_accounts, the carrier filter applies to the account's numbers.
		r = e.must(200, "GET", "/v2/accounts/"+ts.a+"/phone_numbers?filter_carrier_module=local", ts.tA, nil)
		if len(r.dataMap()["numbers"].(map[string]any)) != 1 {
			t.Errorf("account listing by carrier: %s", r.raw)
		}
	})
}

// A document for a carrier nobody registered is a typo: refused, not stored.
func TestConfigOfAnUnknownCarrierRefused(t *testing.T) {
	e := newEnv(t)
	for _, id := range []string{"number_manager.bandwith2", "number_manager.nosuch"} {
		r := e.do("PUT", "/v2/system_configs/"+id, e.token, map[string]any{"data": map[string]any{"api_url": "http://x"}})
		if r.code != 400 || !strings.Contains(string(r.raw), "no carrier or feature provider") {
			t.Errorf("%s: %d %s", id, r.code, r.raw)
		}
		if _, err := e.st.GetConfig(context.Background(), id); !number.IsKind(err, number.KindNotFound) {
			t.Errorf("%s stored: %v", id, err)
		}
	}
	// A registered carrier (any spelling), a feature provider and the locality service are fine.
	e.must(200, "PUT", "/v2/system_configs/number_manager.dash_e911", e.token, map[string]any{"data": map[string]any{"auth_username": "u"}})
	e.must(200, "PATCH", "/v2/system_configs/number_manager.knm_fake", e.token, map[string]any{"data": map[string]any{}})
	e.must(200, "PUT", "/v2/system_configs/number_manager.locality", e.token, map[string]any{"data": map[string]any{"url": "http://locality.example"}})
}
