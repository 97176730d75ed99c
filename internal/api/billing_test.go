package api

import (
	"context"
	"testing"
	"time"

	"github.com/numan-dev/numan/carrier/carriertest"
	"github.com/numan-dev/numan/internal/billing"
	"github.com/numan-dev/numan/number"
	"github.com/numan-dev/numan/store"
)

// withBilling prices the env's writes: the server bills over its store
// and the manager prices every write with the same billing service.
func (e *env) withBilling() *billing.Service {
	b := billing.New(e.st, billing.ClassifyWith(e.srv.mgr), billing.Options{Now: e.clock.now, Accounts: e.accs, PlanCacheTTL: time.Second})
	e.srv.billing = b
	e.srv.mgr.SetBilling(b)
	return b
}

const apiPlan = `{"name": "Retail", "currency": "USD", "plan": {
	"phone_numbers": {"did_us": {"name": "US DID", "activation_charge": "2.50", "rate": "1.00"},
	                  "tollfree_us": {"activation_charge": "5.00", "rate": "2.00"}},
	"number_carriers": {"fake": {"activation_charge": "0.10"}}}}`

// offerStored stores numbers in discovery at the fake carrier (as a search
// leaves them), so activating them buys them. Only admins see stored
// discovery numbers, so the tests buy as the master for the account.
func (e *env) offerStored(nums ...string) {
	e.t.Helper()
	for _, n := range nums {
		if err := e.st.InsertNumber(context.Background(), number.New(n, number.Discovery, carriertest.FakeName, e.clock.now())); err != nil {
			e.t.Fatal(err)
		}
	}
}

func (e *env) ledgerOf(account string) []*store.LedgerEntry {
	e.t.Helper()
	es, err := e.st.ListLedger(context.Background(), store.LedgerQuery{AccountID: account})
	if err != nil {
		e.t.Fatal(err)
	}
	return es
}

func (e *env) numberRows() map[string]int64 {
	e.t.Helper()
	c, err := e.st.CountNumbersByState(context.Background())
	if err != nil {
		e.t.Fatal(err)
	}
	out := map[string]int64{}
	for k, v := range c {
		out[string(k)] = v
	}
	return out
}

func sameCounts(a, b map[string]int64) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

func TestServicePlansAPI(t *testing.T) {
	e := newEnv(t)
	e.withBilling()
	ts := newTenants(e)
	var plan map[string]any
	decode := func(r *resp) map[string]any { return r.dataMap() }

	// Only the master and resellers own plans.
	if r := e.do("PUT", "/v2/service_plans", ts.tA, map[string]any{"data": map[string]any{"name": "mine"}}); r.code != 403 {
		t.Fatalf("non-reseller created a plan: %d %s", r.code, r.raw)
	}
	r := e.do("PUT", "/v2/service_plans", ts.tReseller, `{"data": {"name": "x", "plan": {"phone_numbers": {"did_us": {"rate": 0.001}}}}}`)
	if r.code != 400 {
		t.Fatalf("sub-cent rate accepted: %d %s", r.code, r.raw)
	}
	plan = decode(e.must(201, "PUT", "/v2/service_plans", ts.tReseller, `{"data": {"id": "retail", "name": "Retail", "plan": {"phone_numbers": {"did_us": {"activation_charge": 2.5, "rate": "1"}}}}}`))
	did := plan["plan"].(map[string]any)["phone_numbers"].(map[string]any)["did_us"].(map[string]any)
	if plan["id"] != "retail" || plan["owner_id"] != ts.reseller || plan["currency"] != "USD" ||
		did["activation_charge_minor"] != 250.0 || did["rate_minor"] != 100.0 || did["rate"] != 1.0 {
		t.Fatalf("plan %v", plan)
	}
	e.must(200, "POST", "/v2/service_plans/retail", ts.tReseller, map[string]any{"data": map[string]any{"name": "Retail 2", "plan": map[string]any{}}})
	if r := e.do("POST", "/v2/service_plans/retail", ts.tA, map[string]any{"data": map[string]any{"name": "cheap"}}); r.code != 403 {
		t.Fatalf("a customer changed its reseller's plan: %d", r.code)
	}
	// A customer may read the plans of its ancestors, not change them.
	e.must(200, "GET", "/v2/service_plans/retail", ts.tA, nil)
	if list := e.must(200, "GET", "/v2/service_plans", ts.tReseller, nil).data().([]any); len(list) != 1 {
		t.Fatalf("reseller's plans: %v", list)
	}
	e.must(200, "GET", "/v2/service_plans", e.token, nil)

	// Linking: the reseller sets its customers' plans; customers cannot.
	if r := e.do("POST", "/v2/accounts/"+ts.a+"/service_plans/retail", ts.tA, nil); r.code != 403 {
		t.Fatalf("a customer chose its plan: %d", r.code)
	}
	got := e.must(200, "POST", "/v2/accounts/"+ts.a+"/service_plans/retail", ts.tReseller, nil).dataMap()
	if plans := got["plans"].([]any); len(plans) != 1 || got["effective"].(map[string]any)["inherited"] != false {
		t.Fatalf("linked: %v", got)
	}
	e.must(200, "GET", "/v2/accounts/"+ts.a+"/service_plans/retail", ts.tA, nil)
	if r := e.do("DELETE", "/v2/service_plans/retail", ts.tReseller, nil); r.code != 409 {
		t.Fatalf("deleted a plan in use: %d %s", r.code, r.raw)
	}
	e.must(200, "DELETE", "/v2/accounts/"+ts.a+"/service_plans/retail", ts.tReseller, nil)
	if r := e.do("GET", "/v2/accounts/"+ts.a+"/service_plans/retail", ts.tA, nil); r.code != 404 {
		t.Fatalf("unlinked plan still there: %d", r.code)
	}

	// A reseller's own plan prices its descendants, down to grandchildren.
	e.must(200, "POST", "/v2/accounts/"+ts.reseller+"/service_plans/retail", ts.tReseller, nil)
	eff := e.must(200, "GET", "/v2/accounts/"+ts.a1+"/service_plans", ts.tA1, nil).dataMap()["effective"].(map[string]any)
	if eff["id"] != "retail" || eff["account_id"] != ts.reseller || eff["inherited"] != true {
		t.Fatalf("grandchild's effective plan %v", eff)
	}
	e.must(200, "DELETE", "/v2/accounts/"+ts.reseller+"/service_plans/retail", ts.tReseller, nil)
	e.must(200, "DELETE", "/v2/service_plans/retail", ts.tReseller, nil)
	if r := e.do("GET", "/v2/service_plans/retail", ts.tReseller, nil); r.code != 404 {
		t.Fatalf("deleted plan: %d", r.code)
	}
}

// The two-phase commit of KNM §8.1 through the API: a priced write answers
// 402 "accept charges" with the quote and writes nothing; accept_charges in
// the envelope, in data or in the query string lets it through; a write
// that costs nothing goes straight through.
func TestAcceptChargesAPI(t *testing.T) {
	e := newEnv(t)
	e.withBilling()
	ts := newTenants(e)
	nums := []string{"+14155550401", "+14155550402", "+14155550403", "+14155550404", "+14155550405", "+18005550406"}
	e.offerStored(nums...)
	base := "/v2/accounts/" + ts.a + "/phone_numbers"
	e.must(201, "PUT", "/v2/service_plans", ts.tReseller, `{"data": {"id": "retail", `+apiPlan[1:]+`}`)
	e.must(200, "POST", "/v2/accounts/"+ts.reseller+"/service_plans/retail", ts.tReseller, nil)

	// No acceptance: 402 with the quote as data, as Monster's charges dialog reads it.
	rows := e.numberRows()
	r := e.must(402, "PUT", e.numPath(ts.a, nums[0])+"/activate", e.token, map[string]any{"data": map[string]any{}})
	if r.env["message"] != "accept charges" || r.env["error"] != "402" {
		t.Fatalf("402 envelope: %s", r.raw)
	}
	invoices := r.data().([]any)
	inv := invoices[0].(map[string]any)
	sum := inv["summary"].(map[string]any)
	act := inv["activation_charges"].([]any)
	items := inv["items"].([]any)
	if len(invoices) != 1 || inv["account_id"] != ts.a || sum["today"] != 2.6 || sum["today_minor"] != 260.0 ||
		sum["recurring"] != 1.0 || sum["recurring_minor"] != 100.0 || len(act) != 2 || len(items) != 2 {
		t.Fatalf("quote: %s", r.raw)
	}
	first := act[0].(map[string]any)
	if first["category"] != "phone_numbers" || first["item"] != "did_us" || first["name"] != "US DID" ||
		first["quantity"] != 1.0 || first["rate"] != 2.5 || first["total"] != 2.5 || first["total_minor"] != 250.0 {
		t.Fatalf("activation charge %v", first)
	}
	if e.fake.Calls(carriertest.OpAcquire) != 0 || !sameCounts(rows, e.numberRows()) || len(e.ledgerOf(ts.a)) != 0 {
		t.Fatal("a refused quote bought or wrote something")
	}

	// accept_charges beside data (Monster), inside data, in the query string.
	for i, req := range []struct {
		path string
		body any
	}{
		{e.numPath(ts.a, nums[0]) + "/activate", map[string]any{"data": map[string]any{}, "accept_charges": true}},
		{e.numPath(ts.a, nums[1]) + "/activate", map[string]any{"data": map[string]any{"accept_charges": true}}},
		{e.numPath(ts.a, nums[2]) + "/activate?accept_charges=true", map[string]any{"data": map[string]any{}}},
	} {
		r := e.must(200, "PUT", req.path, e.token, req.body)
		if r.dataMap()["state"] != "in_service" {
			t.Fatalf("accepted %d: %s", i, r.raw)
		}
		if _, stored := r.dataMap()["accept_charges"]; stored {
			t.Fatalf("accept_charges stored in the number: %s", r.raw)
		}
	}
	if got := len(e.ledgerOf(ts.a)); got != 3 || e.fake.Calls(carriertest.OpAcquire) != 3 {
		t.Fatalf("%d ledger entries, %d buys", got, e.fake.Calls(carriertest.OpAcquire))
	}

	// A collection: one entry per number bought, with the request id.
	col := map[string]any{"data": map[string]any{"numbers": []string{nums[3], nums[5]}}, "accept_charges": true}
	r = e.must(200, "PUT", base+"/collection/activate", e.token, col)
	if len(r.dataMap()["success"].(map[string]any)) != 2 {
		t.Fatalf("collection: %s", r.raw)
	}
	reqID := r.env["request_id"].(string)
	tx := e.must(200, "GET", "/v2/accounts/"+ts.a+"/transactions?request_id="+reqID, ts.tA, nil).data().([]any)
	if len(tx) != 2 {
		t.Fatalf("transactions of the collection: %v", tx)
	}
	var amounts float64
	for _, x := range tx {
		m := x.(map[string]any)
		amounts += m["amount_minor"].(float64)
		if m["type"] != "debit" || m["reason"] != "number_activation" || m["currency"] != "USD" || m["request_id"] != reqID {
			t.Fatalf("transaction %v", m)
		}
	}
	if amounts != 260+510 {
		t.Fatalf("collection charged %v", amounts)
	}
	all := e.must(200, "GET", "/v2/accounts/"+ts.a+"/transactions?page_size=2", ts.tA, nil)
	if len(all.data().([]any)) != 2 || all.env["next_start_key"] == nil {
		t.Fatalf("first page: %s", all.raw)
	}
	rest := e.must(200, "GET", "/v2/accounts/"+ts.a+"/transactions?page_size=10&start_key="+all.env["next_start_key"].(string), ts.tA, nil)
	if len(rest.data().([]any)) != 3 || rest.env["next_start_key"] != nil {
		t.Fatalf("second page: %s", rest.raw)
	}
	if r := e.do("GET", "/v2/accounts/"+ts.a+"/transactions", ts.tB, nil); r.code != 403 {
		t.Fatalf("a sibling read the ledger: %d", r.code)
	}

	// Writes that cost nothing go through without acceptance.
	e.must(200, "POST", e.numPath(ts.a, nums[0]), ts.tA, map[string]any{"data": map[string]any{"my_label": "front desk"}})
	e.must(200, "DELETE", e.numPath(ts.a, nums[1]), ts.tA, nil)
	if got := len(e.ledgerOf(ts.a)); got != 5 {
		t.Fatalf("free writes charged: %d entries", got)
	}

	// The monthly bill counts what the account holds.
	cur := e.must(200, "GET", "/v2/accounts/"+ts.a+"/service_plans/current", ts.tA, nil).dataMap()
	if s := cur["summary"].(map[string]any); s["recurring_minor"] != 100.0*3+200 {
		t.Fatalf("monthly bill %v", s)
	}

	// A quote asks without buying.
	e.offerStored("+14155550499")
	q := e.must(200, "POST", "/v2/accounts/"+ts.a+"/quotes", e.token, map[string]any{"data": map[string]any{"numbers": []string{"+14155550499", "+14155550404"}}}).dataMap()
	quote := q["quote"].([]any)
	if len(quote) != 1 || quote[0].(map[string]any)["summary"].(map[string]any)["today_minor"] != 260.0 || len(q["success"].([]any)) != 2 {
		t.Fatalf("quote %v", q)
	}
	if len(e.ledgerOf(ts.a)) != 5 || e.fake.Calls(carriertest.OpAcquire) != 5 {
		t.Fatal("the quote bought something")
	}

	// The customer's own flow: search, get the charges, accept them.
	e.fake.Offer("+14155550777")
	e.must(200, "GET", base+"?prefix=415&quantity=5", ts.tA, nil)
	e.must(402, "PUT", e.numPath(ts.a, "+14155550777")+"/activate", ts.tA, nil)
	e.must(200, "PUT", e.numPath(ts.a, "+14155550777")+"/activate", ts.tA, map[string]any{"data": map[string]any{}, "accept_charges": true})
	if len(e.ledgerOf(ts.a)) != 6 {
		t.Fatal("the customer's purchase was not charged")
	}
}

func TestCreditAPI(t *testing.T) {
	e := newEnv(t)
	e.withBilling()
	ts := newTenants(e)
	nums := []string{"+14155550401", "+14155550402"}
	e.offerStored(nums...)
	base := "/v2/accounts/" + ts.a + "/phone_numbers"
	e.must(201, "PUT", "/v2/service_plans", ts.tReseller, `{"data": {"id": "retail", `+apiPlan[1:]+`}`)
	e.must(200, "POST", "/v2/accounts/"+ts.reseller+"/service_plans/retail", ts.tReseller, nil)

	if c := e.must(200, "GET", "/v2/accounts/"+ts.a+"/credits", ts.tA, nil).dataMap(); c["enabled"] != false {
		t.Fatalf("credit before any: %v", c)
	}
	if r := e.do("PUT", "/v2/accounts/"+ts.a+"/credits", ts.tA, map[string]any{"data": map[string]any{"amount": "100"}}); r.code != 403 {
		t.Fatalf("an account credited itself: %d", r.code)
	}
	for _, bad := range []map[string]any{{"amount": "0.001"}, {"amount": -5}, {}, {"amount": "1", "currency": "dollars"}} {
		if r := e.do("PUT", "/v2/accounts/"+ts.a+"/credits", ts.tReseller, map[string]any{"data": bad}); r.code != 400 {
			t.Fatalf("credit %v: %d %s", bad, r.code, r.raw)
		}
	}
	c := e.must(201, "PUT", "/v2/accounts/"+ts.a+"/credits", ts.tReseller, map[string]any{"data": map[string]any{"amount": "4.00", "description": "prepaid"}}).dataMap()
	if c["amount_minor"] != 400.0 || c["currency"] != "USD" || c["transaction"].(map[string]any)["type"] != "credit" {
		t.Fatalf("credit %v", c)
	}

	// 2.60 each: both together do not fit in 4.00, and nothing is bought.
	rows := e.numberRows()
	col := map[string]any{"data": map[string]any{"numbers": nums}, "accept_charges": true}
	r := e.must(200, "PUT", base+"/collection/activate", e.token, col)
	errs := r.dataMap()["error"].(map[string]any)
	first, _ := errs[nums[0]].(map[string]any)
	if len(errs) != 2 || first["error"] != "not_enough_credit" || first["code"] != 402.0 ||
		first["message"] != "account "+ts.a+" does not have enough credit to perform the operation" {
		t.Fatalf("collection without credit: %s", r.raw)
	}
	if e.fake.Calls(carriertest.OpAcquire) != 0 || !sameCounts(rows, e.numberRows()) {
		t.Fatal("numbers bought or written without credit")
	}
	// One fits; the second no longer does.
	e.must(200, "PUT", e.numPath(ts.a, nums[0])+"/activate?accept_charges=true", e.token, nil)
	r = e.must(402, "PUT", e.numPath(ts.a, nums[1])+"/activate?accept_charges=true", e.token, nil)
	if r.env["message"] != "not_enough_credit" {
		t.Fatalf("second number without credit: %s", r.raw)
	}
	if c := e.must(200, "GET", "/v2/accounts/"+ts.a+"/credits", ts.tA, nil).dataMap(); c["amount_minor"] != 140.0 || c["amount"] != 1.4 {
		t.Fatalf("balance %v", c)
	}

	// A limit lets the balance go below zero, that far: set by whoever may
	// add credit, never by the account itself.
	if r := e.do("PATCH", "/v2/accounts/"+ts.a+"/credits", ts.tA, map[string]any{"data": map[string]any{"limit": "5.00"}}); r.code != 403 {
		t.Fatalf("an account lending itself credit: %d %s", r.code, r.raw)
	}
	if r := e.do("PATCH", "/v2/accounts/"+ts.a+"/credits", ts.tReseller, map[string]any{"data": map[string]any{"limit_minor": -1}}); r.code != 400 {
		t.Fatalf("a negative limit: %d %s", r.code, r.raw)
	}
	c = e.must(200, "PATCH", "/v2/accounts/"+ts.a+"/credits", ts.tReseller, map[string]any{"data": map[string]any{"limit": "2.00"}}).dataMap()
	if c["limit_minor"] != 200.0 || c["available_minor"] != 340.0 || c["held_minor"] != 0.0 {
		t.Fatalf("with a limit: %v", c)
	}
	e.must(200, "PUT", e.numPath(ts.a, nums[1])+"/activate?accept_charges=true", e.token, nil)
	if c := e.must(200, "GET", "/v2/accounts/"+ts.a+"/credits", ts.tA, nil).dataMap(); c["amount_minor"] != -120.0 || c["available_minor"] != 80.0 {
		t.Fatalf("below zero, within the limit: %v", c)
	}
}
