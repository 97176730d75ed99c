package api

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/numan-dev/numan/carrier/carriertest"
	_ "github.com/numan-dev/numan/feature/all" // the feature providers numan serve has
	"github.com/numan-dev/numan/internal/manager"
	"github.com/numan-dev/numan/number"
)

// fakeProviderAPI is an in-process E911 provider API for the scenarios:
// DASH's XML verbs (validatelocation, addlocation, removeuri) or
// Vitelity's commands, answered with the samples in testdata/features/.
// An address whose street starts with "1 Nowhere" is one DASH refuses,
// with a suggestion; down makes addlocation answer 503.
type fakeProviderAPI struct {
	t   testing.TB
	srv *httptest.Server

	mu    sync.Mutex
	calls map[string]int // verb or cmd -> calls
	down  bool
	// hold, when set, makes addlocation wait for it to close, after
	// closing entered.
	hold, entered chan struct{}
}

func newFakeProviderAPI(t testing.TB) *fakeProviderAPI {
	f := &fakeProviderAPI{t: t, calls: map[string]int{}}
	f.srv = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.srv.Close)
	return f
}

func (f *fakeProviderAPI) serve(w http.ResponseWriter, r *http.Request) {
	raw, _ := io.ReadAll(r.Body)
	req := string(raw)
	verb := strings.TrimPrefix(r.URL.Path, "/")
	if cmd := r.URL.Query().Get("cmd"); cmd != "" {
		verb = cmd
	}
	f.mu.Lock()
	hold, entered := f.hold, f.entered
	f.mu.Unlock()
	if verb == "addlocation" && hold != nil {
		close(entered)
		<-hold
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls[verb]++
	reply := func(status int, file string) {
		w.Header().Set("Content-Type", "text/xml")
		w.WriteHeader(status)
		raw, err := os.ReadFile(filepath.Join("testdata", "features", file))
		if err != nil {
			f.t.Error(err)
		}
		_, _ = w.Write(raw)
	}
	switch verb {
	case "validatelocation":
		if strings.Contains(req, "1 NOWHERE") || strings.Contains(req, "1 Nowhere") {
			reply(200, "dash_validate_invalid.xml")
			return
		}
		reply(200, "dash_validate_geocoded.xml")
	case "addlocation":
		if f.down {
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		reply(200, "dash_add_provisioned.xml")
	case "removeuri":
		if f.down {
			w.WriteHeader(http.StatusBadRequest) // refused: no retry
			return
		}
		reply(200, "dash_remove_removed.xml")
	case "e911send":
		reply(200, "vitelity_e911send_ok.xml")
	case "e911delete":
		reply(200, "vitelity_ok.xml")
	default:
		f.t.Errorf("unexpected provider call %s %s", r.Method, r.URL)
		w.WriteHeader(http.StatusNotFound)
	}
}

func (f *fakeProviderAPI) count(verb string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.calls[verb]
}

func (f *fakeProviderAPI) total() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	n := 0
	for _, c := range f.calls {
		n += c
	}
	return n
}

func (f *fakeProviderAPI) setDown(down bool) { f.mu.Lock(); f.down = down; f.mu.Unlock() }

// featureWorld is an env with billing (a plan charging E911 and the
// carrier), DASH at a fake, and the tenants.
type featureWorld struct {
	*env
	ts   tenants
	dash *fakeProviderAPI
}

const featurePlan = `{"data": {"id": "features", "name": "Features", "currency": "USD", "plan": {
	"phone_numbers": {"did_us": {"activation_charge": "1.00", "rate": "1.00"}},
	"number_services": {"e911": {"activation_charge": "3.00", "rate": "2.00"},
	                    "outbound_cnam": {"activation_charge": "0.50", "rate": "0.50"},
	                    "sms": {"activation_charge": "0.25", "rate": "0.25"}}}}}`

func newFeatureWorld(t *testing.T, e *env) *featureWorld {
	e.withBilling()
	w := &featureWorld{env: e, ts: newTenants(e), dash: newFakeProviderAPI(t)}
	e.must(200, "PUT", "/v2/system_configs/number_manager.dash_e911", e.token, map[string]any{"data": map[string]any{
		"auth_username": "numan", "auth_password": "dash-secret", "emergency_provisioning_url": w.dash.srv.URL}})
	e.must(201, "PUT", "/v2/service_plans", e.token, featurePlan)
	e.must(200, "POST", "/v2/accounts/"+w.ts.reseller+"/service_plans/features", e.token, nil)
	return w
}

// seedAt stores numbers in service for account at carrier module.
func (e *env) seedAt(account, module string, nums ...string) {
	e.t.Helper()
	for _, n := range nums {
		rec := number.New(n, number.InService, module, e.clock.now())
		rec.AssignedTo = account
		if err := e.st.InsertNumber(context.Background(), rec); err != nil {
			e.t.Fatal(err)
		}
	}
}

func (e *env) stored(n string) *number.Number {
	e.t.Helper()
	got, err := e.st.GetNumber(context.Background(), n)
	if err != nil {
		e.t.Fatal(err)
	}
	return got
}

// e911Lines counts the ledger entries of account that charge e911.
func (w *featureWorld) e911Lines(account string) int {
	n := 0
	for _, le := range w.ledgerOf(account) {
		var lines []struct {
			Item string `json:"item"`
		}
		_ = json.Unmarshal(le.Detail, &lines)
		for _, l := range lines {
			if l.Item == "e911" {
				n++
			}
		}
		if le.Item == "e911" && len(lines) == 0 {
			n++
		}
	}
	return n
}

func address(street string) map[string]any {
	return map[string]any{"street_address": street, "locality": "San Francisco", "region": "CA", "postal_code": "94105"}
}

func accepted(data map[string]any) map[string]any {
	return map[string]any{"data": data, "accept_charges": true}
}

// The E911 scenarios of issue 12, through the API, on both stores.
func TestE911Scenarios(t *testing.T) {
	eachStore(t, func(t *testing.T, e *env) {
		w := newFeatureWorld(t, e)
		const n = "+14155550911"
		w.seedAt(w.ts.a, carriertest.FakeName, n)
		path := w.numPath(w.ts.a, n)

		// An invalid address: 400 with the provider's suggestions,
		// nothing provisioned, nothing billed.
		r := w.do("PATCH", path, w.ts.tA, accepted(map[string]any{"e911": address("1 Nowhere Rd")}))
		if r.code != 400 {
			t.Fatalf("invalid address: %d %s", r.code, r.raw)
		}
		details, _ := r.dataMap()["details"].(map[string]any)
		if sugg, _ := details["suggestions"].([]any); len(sugg) == 0 || details["provider"] != "dash_e911" {
			t.Fatalf("no suggestions: %s", r.raw)
		}
		if w.dash.count("addlocation") != 0 || w.e911Lines(w.ts.a) != 0 {
			t.Fatal("an invalid address was provisioned or billed")
		}
		if _, ok := w.stored(n).Features["e911"]; ok {
			t.Fatal("an invalid address is active")
		}

		// Buying a number with an invalid address: refused before the
		// carrier is asked.
		const bought = "+14155550912"
		w.offerStored(bought)
		r = w.do("PUT", w.numPath(w.ts.a, bought)+"/activate", w.token, accepted(map[string]any{"e911": address("1 Nowhere Rd")}))
		if r.code != 400 || w.fake.Calls(carriertest.OpAcquire) != 0 || len(w.ledgerOf(w.ts.a)) != 0 {
			t.Fatalf("purchase with an invalid address: %d, %d buys %s", r.code, w.fake.Calls(carriertest.OpAcquire), r.raw)
		}

		// A dry run of each feature change calls no provider and returns
		// the quote.
		before := w.dash.total()
		for _, data := range []map[string]any{
			{"e911": address("500 Harrison St")},
			{"cnam": map[string]any{"display_name": "Numan"}},
			{"sms": map[string]any{"enabled": true}},
			{"e911": address("500 Harrison St"), "cnam": map[string]any{"display_name": "Numan"}},
		} {
			r := w.do("PATCH", path, w.ts.tA, map[string]any{"data": data})
			if r.code != 402 || !strings.Contains(string(r.raw), "number_services") {
				t.Fatalf("dry run of %v: %d %s", data, r.code, r.raw)
			}
		}
		if w.dash.total() != before {
			t.Fatalf("a dry run called the provider: %d calls", w.dash.total()-before)
		}

		// The provider down: the feature is not active, the error names
		// the provider; a retry later succeeds.
		w.dash.setDown(true)
		r = w.do("PATCH", path, w.ts.tA, accepted(map[string]any{"e911": address("500 Harrison St")}))
		if r.code < 500 || !strings.Contains(string(r.raw), "dash_e911") {
			t.Fatalf("provider down: %d %s", r.code, r.raw)
		}
		if _, ok := w.stored(n).Features["e911"]; ok || w.e911Lines(w.ts.a) != 0 {
			t.Fatal("a failed E911 is active or billed")
		}
		view := w.must(200, "GET", path, w.ts.tA, nil).dataMap()
		prov, _ := view["_read_only"].(map[string]any)["features"].(map[string]any)["provisioning"].(map[string]any)
		if e, _ := prov["e911"].(map[string]any); e["status"] != "ERROR" || e["provider"] != "dash_e911" {
			t.Fatalf("provisioning shown %v", prov)
		}
		w.dash.setDown(false)

		// A valid address: provisioned at the fake, PROVISIONED, billed once.
		adds := w.dash.count("addlocation")
		r = w.must(200, "PATCH", path, w.ts.tA, accepted(map[string]any{"e911": address("500 Harrison St")}))
		e911, _ := r.dataMap()["e911"].(map[string]any)
		if e911["status"] != "PROVISIONED" || w.dash.count("addlocation") != adds+1 {
			t.Fatalf("provisioned: %s", r.raw)
		}
		if got := w.must(200, "GET", path, w.ts.tA, nil).dataMap()["e911"].(map[string]any)["status"]; got != "PROVISIONED" {
			t.Fatalf("status read back %v", got)
		}
		if _, ok := w.stored(n).Features["e911"]; !ok || w.e911Lines(w.ts.a) != 1 {
			t.Fatalf("active %v, billed %d times", w.stored(n).Features, w.e911Lines(w.ts.a))
		}
		// The provider's failure and the provisioning are events of the
		// number, written with its changes.
		var feats []string
		for _, ev := range w.must(200, "GET", path+"/history", w.ts.tA, nil).data().([]any) {
			m := ev.(map[string]any)
			if typ := m["type"].(string); strings.HasPrefix(typ, "feature.") {
				d, _ := m["data"].(map[string]any)
				feats = append(feats, typ+":"+fmt.Sprint(d["feature"], "/", d["provider"]))
			}
		}
		if got := strings.Join(feats, " "); got != "feature.failed:e911/dash_e911 feature.provisioned:e911/dash_e911" {
			t.Errorf("feature events: %s", got)
		}
		// Saving the number as read asks nothing new: no call, no charge.
		w.must(200, "POST", path, w.ts.tA, accepted(r.dataMap()))
		if w.dash.count("addlocation") != adds+1 || w.e911Lines(w.ts.a) != 1 {
			t.Fatalf("saved again: %d adds, billed %d times", w.dash.count("addlocation"), w.e911Lines(w.ts.a))
		}

		// Release: deprovisioned at the fake.
		w.must(200, "DELETE", path, w.ts.tA, nil)
		if w.dash.count("removeuri") != 1 {
			t.Fatalf("release: %d removeURI", w.dash.count("removeuri"))
		}
		// The carrier took the number back (release policy disconnect), so
		// its record may be gone; if it is still there, it says REMOVED.
		if got, err := w.st.GetNumber(context.Background(), n); err == nil {
			if got.Features["e911"] != nil || !strings.Contains(string(got.CarrierData["feature_providers"]), "REMOVED") {
				t.Fatalf("released number %v %s", got.Features, got.CarrierData["feature_providers"])
			}
		} else if !number.IsKind(err, number.KindNotFound) {
			t.Fatal(err)
		}

		// A release while the provider is down releases the number all
		// the same; the feature job deprovisions it later.
		const second = "+14155550913"
		w.seedAt(w.ts.a, carriertest.FakeName, second)
		w.must(200, "PATCH", w.numPath(w.ts.a, second), w.ts.tA, accepted(map[string]any{"e911": address("500 Harrison St")}))
		w.dash.setDown(true)
		w.must(200, "DELETE", w.numPath(w.ts.a, second), w.ts.tA, nil)
		if rec := string(w.stored(second).CarrierData["feature_providers"]); !strings.Contains(rec, `"unsettled":true`) {
			t.Fatalf("record after a failed deprovision: %s", rec)
		}
		w.dash.setDown(false)
		removes := w.dash.count("removeuri")
		rep, err := w.srv.mgr.SettleFeatures(context.Background())
		if err != nil || rep.Deprovisioned != 1 || w.dash.count("removeuri") != removes+1 {
			t.Fatalf("feature job: %+v %v, %d removes", rep, err, w.dash.count("removeuri")-removes)
		}
		// Settled at the provider, and the carrier took it back on release
		// (release policy disconnect): the released number's record goes.
		if _, err := w.st.GetNumber(context.Background(), second); !number.IsKind(err, number.KindNotFound) {
			t.Fatalf("released number after the job: %v", err)
		}
		if rep, _ := w.srv.mgr.SettleFeatures(context.Background()); rep != (manager.FeatureReport{}) {
			t.Fatalf("second pass did something: %+v", rep)
		}
	})
}

// A client that hangs up while the provider works does not lose what the
// provider did: the call runs on its own deadline and the number is
// written. Concurrent saves of one number each end in one state.
func TestE911CancelledAndConcurrent(t *testing.T) {
	eachStore(t, func(t *testing.T, e *env) {
		w := newFeatureWorld(t, e)
		const n = "+14155550951"
		w.seedAt(w.ts.a, carriertest.FakeName, n)
		hold, entered := make(chan struct{}), make(chan struct{})
		w.dash.mu.Lock()
		w.dash.hold, w.dash.entered = hold, entered
		w.dash.mu.Unlock()

		ctx, cancel := context.WithCancel(context.Background())
		body, _ := json.Marshal(accepted(map[string]any{"e911": address("500 Harrison St")}))
		req := httptest.NewRequest("PATCH", w.numPath(w.ts.a, n), strings.NewReader(string(body))).WithContext(ctx)
		req.Header.Set("X-Auth-Token", w.ts.tA)
		done := make(chan struct{})
		go func() {
			defer close(done)
			w.srv.ServeHTTP(httptest.NewRecorder(), req)
		}()
		<-entered
		cancel()
		close(hold)
		<-done
		w.dash.mu.Lock()
		w.dash.hold = nil
		w.dash.mu.Unlock()
		got := w.stored(n)
		if _, ok := got.Features["e911"]; !ok || !strings.Contains(string(got.CarrierData["feature_providers"]), "PROVISIONED") {
			t.Fatalf("provisioned while the client hung up, but not recorded: %v %s", got.Features, got.CarrierData["feature_providers"])
		}

		// N concurrent updates: each ends in success or a conflict, and the
		// number holds one of them, provisioned.
		const N = 6
		var wg sync.WaitGroup
		codes := make([]int, N)
		for i := range N {
			wg.Add(1)
			go func() {
				defer wg.Done()
				r := w.do("PATCH", w.numPath(w.ts.a, n), w.ts.tA, accepted(map[string]any{"e911": address(fmt.Sprintf("%d Harrison St", 500+i))}))
				codes[i] = r.code
			}()
		}
		wg.Wait()
		ok := 0
		for _, c := range codes {
			switch c {
			case 200:
				ok++
			case 409:
			default:
				t.Fatalf("concurrent update answered %d", c)
			}
		}
		got = w.stored(n)
		if ok == 0 || !strings.Contains(string(got.CarrierData["feature_providers"]), "PROVISIONED") || got.Features["e911"] == nil {
			t.Fatalf("%d succeeded; number %v %s", ok, got.Features, got.CarrierData["feature_providers"])
		}
	})
}

// A reseller's number_manager document denies a feature and selects
// another E911 provider for its descendants only: a sibling reseller
// keeps system config's.
func TestResellerNumberManagerConfig(t *testing.T) {
	eachStore(t, func(t *testing.T, e *env) {
		w := newFeatureWorld(t, e)
		vitelity := newFakeProviderAPI(t)
		w.must(200, "PUT", "/v2/system_configs/number_manager.vitelity_e911", w.token, map[string]any{"data": map[string]any{
			"login": "numan", "pass": "vitelity-secret", "api_url": vitelity.srv.URL}})
		sibling, tSibling := w.child(w.master, "sibling", "is_reseller", true)
		c, tC := w.child(sibling, "c")

		cfgPath := "/v2/accounts/" + w.ts.reseller + "/configs/number_manager"
		doc := map[string]any{"features": map[string]any{"deny": []string{"cnam"}}, "e911_provider": "vitelity_e911"}
		// A reseller may not set its own features; its customers may not either.
		if r := w.do("PUT", cfgPath, w.ts.tReseller, map[string]any{"data": doc}); r.code != 403 {
			t.Fatalf("a reseller set its own features: %d %s", r.code, r.raw)
		}
		if r := w.do("PUT", "/v2/accounts/"+w.ts.a+"/configs/number_manager", w.ts.tA, map[string]any{"data": doc}); r.code != 403 {
			t.Fatalf("a customer set its own features: %d", r.code)
		}
		if r := w.do("PUT", cfgPath, w.token, map[string]any{"data": map[string]any{"e911_provider": "no_such"}}); r.code != 400 {
			t.Fatalf("unknown provider: %d %s", r.code, r.raw)
		}
		if r := w.do("GET", cfgPath, tSibling, nil); r.code != 403 && r.code != 404 {
			t.Fatalf("a sibling read the reseller's config: %d", r.code)
		}
		got := w.must(200, "PUT", cfgPath, w.token, map[string]any{"data": doc}).dataMap()
		eff := got["_read_only"].(map[string]any)["effective"].(map[string]any)
		if eff["e911_provider"] != "vitelity_e911" {
			t.Fatalf("effective %v", eff)
		}
		// The grandchild inherits it.
		if eff := w.must(200, "GET", "/v2/accounts/"+w.ts.a1+"/configs/number_manager", w.ts.tA1, nil).dataMap()["_read_only"].(map[string]any)["effective"].(map[string]any); eff["e911_provider"] != "vitelity_e911" {
			t.Fatalf("grandchild's effective %v", eff)
		}

		const mine, theirs = "+14155550921", "+14155550922"
		w.seedAt(w.ts.a, "vitelity", mine)
		w.seedAt(c, carriertest.FakeName, theirs)

		// Denied below the reseller, allowed at the sibling.
		if r := w.do("PATCH", w.numPath(w.ts.a, mine), w.ts.tA, accepted(map[string]any{"cnam": map[string]any{"display_name": "Mine"}})); r.code != 403 {
			t.Fatalf("denied cnam: %d %s", r.code, r.raw)
		}
		w.must(200, "PATCH", w.numPath(c, theirs), tC, accepted(map[string]any{"cnam": map[string]any{"display_name": "Theirs"}}))

		// E911 at Vitelity below the reseller, at DASH at the sibling.
		w.must(200, "PATCH", w.numPath(w.ts.a, mine), w.ts.tA, accepted(map[string]any{"e911": address("500 Harrison St")}))
		if vitelity.count("e911send") != 1 || w.dash.count("addlocation") != 0 {
			t.Fatalf("reseller's number: %d e911send, %d DASH adds", vitelity.count("e911send"), w.dash.count("addlocation"))
		}
		w.must(200, "PATCH", w.numPath(c, theirs), tC, accepted(map[string]any{"e911": address("500 Harrison St")}))
		if vitelity.count("e911send") != 1 || w.dash.count("addlocation") != 1 {
			t.Fatalf("sibling's number: %d e911send, %d DASH adds", vitelity.count("e911send"), w.dash.count("addlocation"))
		}

		// The carriers the reseller's accounts search: the reseller's
		// choice below it, system config's at the sibling.
		w.must(200, "PATCH", cfgPath, w.token, map[string]any{"data": map[string]any{"carrier_modules": []string{"local"}}})
		finds := w.fake.Calls(carriertest.OpFind)
		w.must(200, "GET", "/v2/accounts/"+w.ts.a+"/phone_numbers?prefix=415&quantity=5", w.ts.tA, nil)
		if w.fake.Calls(carriertest.OpFind) != finds {
			t.Fatal("the reseller's account searched a carrier its reseller did not choose")
		}
		w.must(200, "GET", "/v2/accounts/"+c+"/phone_numbers?prefix=415&quantity=5", tC, nil)
		if w.fake.Calls(carriertest.OpFind) != finds+1 {
			t.Fatal("the sibling's account did not search system config's carriers")
		}

		// Moving E911 back to DASH releases it at Vitelity first.
		w.must(200, "PATCH", cfgPath, w.token, map[string]any{"data": map[string]any{"e911_provider": nil}})
		w.must(200, "POST", w.numPath(w.ts.a, mine)+"?accept_charges=true", w.ts.tA, map[string]any{"data": map[string]any{"e911": address("500 Harrison St")}})
		if vitelity.count("e911delete") != 1 || w.dash.count("addlocation") != 2 {
			t.Fatalf("switch: %d e911delete, %d DASH adds", vitelity.count("e911delete"), w.dash.count("addlocation"))
		}
	})
}

// Changing a reseller's routing re-points its numbers in service at the
// carrier, in a background job with progress and a report of failures;
// a sibling's numbers are not touched.
func TestResellerRouting(t *testing.T) {
	eachStore(t, func(t *testing.T, e *env) {
		ts := newTenants(e)
		sibling, _ := e.child(e.master, "sibling", "is_reseller", true)
		mine := []string{"+14155550931", "+14155550932", "+14155550933"}
		e.seedAt(ts.a, carriertest.FakeName, mine[:2]...)
		e.seedAt(ts.a1, carriertest.FakeName, mine[2])
		e.seedAt(sibling, carriertest.FakeName, "+14155550934")
		e.seed(ts.b, number.Reserved, "+14155550935") // not in service

		cfgPath := "/v2/accounts/" + ts.reseller + "/configs/number_manager"
		if r := e.do("PUT", cfgPath, ts.tReseller, map[string]any{"data": map[string]any{"routing": map[string]any{"fake": map[string]any{"nowhere": 1}}}}); r.code != 400 {
			t.Fatalf("bad route: %d %s", r.code, r.raw)
		}
		// A reseller sets its own routing.
		e.fake.FailRoute(mine[1], number.Errorf(number.KindByCarrier, mine[1], "fake refuses"))
		got := e.must(200, "PUT", cfgPath, ts.tReseller, map[string]any{"data": map[string]any{"routing": map[string]any{"fake": map[string]any{"destination": "pbx-1"}}}}).dataMap()
		job, _ := got["_read_only"].(map[string]any)["routing_job"].(map[string]any)
		if job == nil {
			t.Fatalf("no routing job: %v", got)
		}
		e.srv.mgr.Wait()
		if calls := e.fake.Calls(carriertest.OpRoute); calls != 3 {
			t.Fatalf("%d route calls, want 3", calls)
		}
		progress := e.must(200, "GET", "/v2/accounts/"+ts.reseller+"/routing_jobs/"+job["id"].(string), ts.tReseller, nil).dataMap()
		if progress["status"] != "failed" || progress["done"] != 2.0 || progress["failed"] != 1.0 || progress["total"] != 3.0 {
			t.Fatalf("progress %v", progress)
		}
		if f, _ := progress["failures"].(map[string]any); f[mine[1]] == nil {
			t.Fatalf("failures %v", progress["failures"])
		}
		if routed := e.fake.Routed(); routed[mine[0]] != "pbx-1" || routed[mine[2]] != "pbx-1" || routed["+14155550934"] != "" {
			t.Fatalf("routed %v", routed)
		}
		// Retried once the carrier takes it: every number again.
		e.fake.FailRoute(mine[1], nil)
		again := e.must(201, "PUT", "/v2/accounts/"+ts.reseller+"/routing_jobs", ts.tReseller, nil).dataMap()
		e.srv.mgr.Wait()
		if p := e.must(200, "GET", "/v2/accounts/"+ts.reseller+"/routing_jobs/"+again["id"].(string), ts.tReseller, nil).dataMap(); p["status"] != "done" || p["done"] != 3.0 {
			t.Fatalf("retry %v", p)
		}
		if calls := e.fake.Calls(carriertest.OpRoute); calls != 6 {
			t.Fatalf("%d route calls, want 6", calls)
		}
		// A customer's own route wins for its numbers: the reseller's
		// change skips them.
		e.must(200, "PUT", "/v2/accounts/"+ts.a1+"/configs/number_manager", ts.tReseller, map[string]any{"data": map[string]any{"routing": map[string]any{"fake": map[string]any{"destination": "pbx-a1"}}}})
		e.srv.mgr.Wait()
		e.must(200, "PUT", cfgPath, ts.tReseller, map[string]any{"data": map[string]any{"routing": map[string]any{"fake": map[string]any{"destination": "pbx-2"}}}})
		e.srv.mgr.Wait()
		if routed := e.fake.Routed(); routed[mine[0]] != "pbx-2" || routed[mine[2]] != "pbx-a1" {
			t.Fatalf("routed %v", routed)
		}
		// The documents the jobs and the accounts keep in the configs
		// table are read like the others (secret sealing at start).
		if _, err := e.srv.cfg.SealAll(context.Background()); err != nil {
			t.Fatalf("sealing with routing jobs and account documents stored: %v", err)
		}
		// A server that stops interrupts a job between numbers; the job
		// says so and can be started again.
		gate := e.fake.Hold(carriertest.OpRoute)
		stopped := e.must(201, "PUT", "/v2/accounts/"+ts.reseller+"/routing_jobs", ts.tReseller, nil).dataMap()
		<-gate.Entered()
		e.srv.mgr.Close()
		gate.Release()
		if p := e.must(200, "GET", "/v2/accounts/"+ts.reseller+"/routing_jobs/"+stopped["id"].(string), ts.tReseller, nil).dataMap(); p["status"] != "failed" || p["finished"] == nil {
			t.Fatalf("interrupted job %v", p)
		}
		// Nobody else reads the job.
		_, tOther := e.child(sibling, "other")
		if r := e.do("GET", "/v2/accounts/"+ts.reseller+"/routing_jobs/"+again["id"].(string), tOther, nil); r.code < 400 {
			t.Fatalf("another tenant read the job: %d", r.code)
		}
	})
}

// The CNAM notifier's manual action is logged and listed until an
// operator marks it done.
func TestManualActions(t *testing.T) {
	e := newEnv(t)
	ts := newTenants(e)
	const n = "+14155550941"
	e.seedAt(ts.a, carriertest.FakeName, n)
	e.must(200, "PATCH", e.numPath(ts.a, n), ts.tA, map[string]any{"data": map[string]any{"cnam": map[string]any{"display_name": "Numan"}}})
	list, _ := e.must(200, "GET", "/v2/accounts/"+ts.reseller+"/manual_actions", ts.tReseller, nil).data().([]any)
	if len(list) != 1 {
		t.Fatalf("manual actions %v", list)
	}
	a := list[0].(map[string]any)
	if a["number"] != n || a["provider"] != "cnam_notifier" || a["feature"] != "cnam" {
		t.Fatalf("action %v", a)
	}
	if r := e.do("DELETE", e.numPath(ts.a, n)+"/manual_actions/"+a["id"].(string), ts.tA, nil); r.code != 403 {
		t.Fatalf("a customer marked an action done: %d", r.code)
	}
	e.must(200, "DELETE", e.numPath(ts.a, n)+"/manual_actions/"+a["id"].(string), e.token, nil)
	if list, _ := e.must(200, "GET", "/v2/accounts/"+ts.a+"/manual_actions", ts.tA, nil).data().([]any); len(list) != 0 {
		t.Fatalf("after done: %v", list)
	}
}
